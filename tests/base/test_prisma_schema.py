"""Reading schema.prisma itself as the base, with Prisma's own parser
(@prisma/prisma-schema-wasm under node, pinned in tests/node/package.json;
CI installs it with `npm ci --prefix tests/node`)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from compiler.base.replay import replay_folder
from compiler.cli import main
from compiler.diagnostics import SpecError
from compiler.ir import EnumDef, ForeignKey, Schema
from compiler.base.prisma_schema import load_prisma_schema

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "tests" / "node"
MODULES = NODE_DIR / "node_modules"
VALINE = ROOT / "tests" / "fixtures" / "valine" / "prisma"


def _unavailable(message: str) -> None:
    """Skip on a developer's machine; fail in CI, which has Node 20 and npm."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: Prisma's parser must run here)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def modules() -> Path:
    if shutil.which("node") is None:
        _unavailable("node is not installed: reading schema.prisma needs Node.js")
    if not (MODULES / "@prisma" / "prisma-schema-wasm").is_dir():
        if shutil.which("npm") is None:
            _unavailable("npm is not installed: cannot install @prisma/prisma-schema-wasm (npm ci --prefix tests/node)")
        done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR)], capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            _unavailable(f"npm ci --prefix tests/node failed (no registry?): {done.stderr.strip()[-200:]}")
    return MODULES


def _facts(schema: Schema) -> dict[tuple[str, ...], object]:
    out: dict[tuple[str, ...], object] = {}
    for t in schema.tables:
        out[("table", t.name)] = True
        for c in t.columns:
            enum = (c.enum.name, c.enum.values, c.enum.native) if c.enum else None
            out[("column", t.name, c.name)] = (c.kind, c.array, c.nullable, c.max_length, c.precision, c.timezone, enum, c.default, c.primary_key)
        for i in t.indexes:
            out[("index", t.name, i.name)] = (i.columns, i.unique)
        for fk in t.foreign_keys:
            out[("fk", t.name, fk.name)] = (fk.column, fk.fk)
    return out


# Where Valine's schema.prisma and its api/prisma migration chain disagree. They are
# drift in Valine itself, not import differences: the deployed database follows the
# serverless/prisma chain and hand-applied hotfixes, which api/prisma lacks.
ONLY_IN_MIGRATIONS = {("table", "Audition"), ("table", "Script")}  # the schema @@maps them to auditions, scripts
ONLY_IN_SCHEMA_TABLES = {
    "analytics_events", "auditions", "moderation_actions", "moderation_reports", "phone_verification_codes",
    "pr_intelligence", "refresh_tokens", "scripts", "test_runs", "waitlist_entries",
}  # fmt: skip
ONLY_IN_SCHEMA_COLUMNS = {
    ("comments", "updatedAt"), ("connection_requests", "updatedAt"), ("posts", "mediaId"), ("posts", "tags"),
    ("posts", "updatedAt"), ("profiles", "bannerUrl"), ("profiles", "budgetMax"), ("profiles", "budgetMin"),
    ("reels", "tags"), ("reels", "updatedAt"), ("users", "phone"), ("users", "phoneVerified"), ("users", "profileComplete"),
}  # fmt: skip
DIFFERENT_COLUMNS = {
    ("users", "displayName"),  # NOT NULL in 20251104192045_init, optional (String?) in the schema
    ("users", "theme"),  # added without a default (20251105004900); the schema says @default("light")
}
DIFFERENT_FKS = {
    # ON DELETE RESTRICT in the init migration; the schema says onDelete: Cascade
    ("connection_requests", "connection_requests_receiverId_fkey"),
    ("connection_requests", "connection_requests_senderId_fkey"),
}
ONLY_IN_SCHEMA_INDEXES = {
    ("audit_logs", "audit_logs_resource_idx"), ("comments", "comments_createdAt_idx"),
    ("connection_requests", "connection_requests_receiverId_idx"), ("connection_requests", "connection_requests_senderId_idx"),
    ("connection_requests", "connection_requests_status_idx"), ("conversation_participants", "conversation_participants_conversationId_idx"),
    ("conversations", "conversations_lastMessageAt_idx"), ("credits", "credits_profileId_orderIndex_idx"), ("media", "media_createdAt_idx"),
    ("messages", "messages_createdAt_idx"), ("notifications", "notifications_type_idx"), ("posts", "posts_createdAt_idx"),
    ("posts", "posts_mediaId_idx"), ("posts", "posts_tags_idx"), ("profiles", "profiles_tags_idx"), ("profiles", "profiles_userId_idx"),
    ("reels", "reels_tags_idx"), ("users", "users_createdAt_idx"), ("users", "users_email_idx"), ("users", "users_normalizedEmail_idx"),
    ("users", "users_profilecomplete_idx"), ("users", "users_username_idx"),
}  # fmt: skip


def test_valine_schema_matches_its_migration_chain(modules: Path) -> None:
    chain = _facts(replay_folder(VALINE / "migrations", ROOT).schema())
    prisma = _facts(load_prisma_schema(VALINE / "schema.prisma", "schema.prisma", (modules,)))
    differ = {k for k in set(chain) | set(prisma) if chain.get(k) != prisma.get(k)}
    expected = (
        ONLY_IN_MIGRATIONS
        | {("table", t) for t in ONLY_IN_SCHEMA_TABLES}
        | {("column", t, c) for t, c in ONLY_IN_SCHEMA_COLUMNS | DIFFERENT_COLUMNS}
        | {("fk", t, n) for t, n in DIFFERENT_FKS | {("posts", "posts_mediaId_fkey")}}
        | {("index", t, n) for t, n in ONLY_IN_SCHEMA_INDEXES}
    )
    # ignore what follows from a table that only one side has
    lone = {k[1] for k in differ if k[0] == "table"}
    assert {k for k in differ if k[0] == "table" or k[1] not in lone} == expected
    # and what both sides have is a good part of Valine: 17 tables, their types, FKs, indexes
    shared = [k for k in chain if k in prisma and k[0] == "column"]
    assert len(shared) > 200
    assert prisma[("column", "posts", "media")] == chain[("column", "posts", "media")] == ("text", True, True, None, None, True, None, None, False)
    assert prisma[("column", "posts", "price")] == ("float", False, True, None, None, True, None, None, False)
    assert prisma[("column", "access_requests", "status")] == chain[("column", "access_requests", "status")]
    assert prisma[("column", "users", "updatedAt")] == ("timestamp", False, False, None, 3, False, None, None, False)  # @updatedAt: no default
    assert prisma[("fk", "access_grants", "access_grants_postId_fkey")] == ("postId", ForeignKey("posts", "id", "cascade", "cascade"))


SMALL = """datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

enum Color {
  RED   @map("red")
  GREEN

  @@map("colors")
}

model Account {
  id        Int      @id @default(autoincrement())
  handle    String   @db.VarChar(40)
  token     String   @unique(map: "account_token_custom") @db.Uuid
  joinedAt  DateTime @default(now()) @map("joined_at") @db.Timestamptz(6)
  color     Color    @default(RED)
  nicknames String[] @default([])
  score     Float?
  updatedAt DateTime @updatedAt
  keys      Key[]
  owned     Key[]    @relation("owner")

  @@index([handle, joinedAt])
  @@map("accounts")
}

model Key {
  id        String   @id @default(uuid())
  accountId Int      @map("account_id")
  account   Account  @relation(fields: [accountId], references: [id], onDelete: Cascade, onUpdate: Restrict)
  ownerId   Int?
  owner     Account? @relation("owner", fields: [ownerId], references: [id])

  @@unique([accountId])
}
"""


def test_prisma_maps_names_types_relations_and_indexes(tmp_path: Path, modules: Path) -> None:
    path = tmp_path / "schema.prisma"
    path.write_text(SMALL)
    schema = load_prisma_schema(path, "schema.prisma", (modules,))
    accounts, keys = schema.table("accounts"), schema.table("Key")
    assert accounts is not None and keys is not None
    facts = _facts(schema)
    assert facts[("column", "accounts", "id")] == ("id", False, False, None, None, True, None, None, True)  # SERIAL primary key
    assert facts[("column", "accounts", "handle")][:4] == ("string", False, False, 40)
    assert facts[("column", "accounts", "token")][0] == "uuid"
    assert facts[("column", "accounts", "joined_at")] == ("timestamp", False, False, None, 6, True, None, "now", False)
    color = accounts.column("color")
    assert color is not None and color.enum == EnumDef("colors", ("red", "GREEN"), native=True) and color.default == "red"
    assert facts[("column", "accounts", "nicknames")] == ("text", True, True, None, None, True, None, (), False)
    assert facts[("column", "accounts", "score")][:3] == ("float", False, True)
    assert facts[("column", "accounts", "updatedAt")][7] is None
    assert facts[("column", "Key", "id")][7] is None  # uuid() is made by Prisma's client
    assert facts[("fk", "Key", "Key_account_id_fkey")] == ("account_id", ForeignKey("accounts", "id", "cascade", "restrict"))
    assert facts[("fk", "Key", "Key_ownerId_fkey")] == ("ownerId", ForeignKey("accounts", "id", "set null", "cascade"))  # Prisma's defaults
    assert sorted((i.name, i.columns, i.unique) for i in accounts.indexes + keys.indexes) == [
        ("Key_account_id_key", ("account_id",), True),
        ("account_token_custom", ("token",), True),
        ("accounts_handle_joined_at_idx", ("handle", "joined_at"), False),
    ]


def test_prisma_type_specc_does_not_model_is_located(tmp_path: Path, modules: Path) -> None:
    path = tmp_path / "schema.prisma"
    path.write_text(SMALL.replace("  score     Float?\n", "  score     Decimal?\n"))
    with pytest.raises(SpecError) as err:
        load_prisma_schema(path, "schema.prisma", (modules,))
    assert str(err.value) == "schema.prisma:20:3: error E217: Prisma schema: field Account.score has type Decimal, which specc does not model"


def test_invalid_prisma_schema_is_located(tmp_path: Path, modules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "schema.prisma"
    path.write_text(SMALL.replace("  score     Float?\n", "  score     Floot?\n"))
    assert main(["import-base", "--prisma-schema", str(path), "--node-modules", str(modules), "--stdout"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path.as_posix()}:20:1: error E217: Prisma schema does not validate: Type \"Floot\" is neither a built-in type")
    assert "Traceback" not in err


def test_import_base_reads_valine_schema_prisma(tmp_path: Path, modules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-base", "--prisma-schema", str(VALINE / "schema.prisma"), "--node-modules", str(modules), "--specs", str(tmp_path)]) == 0
    written = (tmp_path / "base" / "schema.sql").read_text()
    assert written.count("CREATE TABLE ") == 35 and 'CREATE TYPE "RequestStatus"' in written
    assert '"evidenceUrls" text[] NOT NULL DEFAULT ARRAY[]::text[]' not in written  # lists are nullable, as Prisma migrate makes them
    assert '"evidenceUrls" text[] DEFAULT ARRAY[]::text[]' in written


def test_missing_package_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    (tmp_path / "schema.prisma").write_text(SMALL)
    monkeypatch.chdir(tmp_path)
    assert main(["import-base", "--prisma-schema", "schema.prisma"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("schema.prisma:1:1: error E217: reading schema.prisma needs the npm package @prisma/prisma-schema-wasm, which node cannot find: npm install @prisma/prisma-schema-wasm@")


def test_missing_node_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "schema.prisma").write_text(SMALL)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["import-base", "--prisma-schema", "schema.prisma"]) == 2
    assert capsys.readouterr().err.startswith("schema.prisma:1:1: error E217: reading schema.prisma needs Node.js: `node` is not on PATH")
