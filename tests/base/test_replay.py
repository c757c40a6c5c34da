"""Replaying an existing repository's migrations into the base schema."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from compiler.base.schema import parse_base_schema
from compiler.base.replay import discover, render_base, replay_files, replay_folder
from compiler.cli import main
from compiler.diagnostics import SpecError
from compiler.ir import NO_SPAN, Schema
from tests.conftest import SPECS

PRISMA = {
    "20240101000000_init": """
-- CreateEnum
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "role" "Role" NOT NULL DEFAULT 'USER',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Post" (
    "id" SERIAL NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "authorId" TEXT NOT NULL,
    "published" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
""",
    "20240301120000_links": """
ALTER TYPE "Role" ADD VALUE 'MODERATOR';
ALTER TABLE "User" ADD COLUMN "bio" TEXT,
ADD COLUMN "links" JSONB;
CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");
INSERT INTO "User" ("id", "email") VALUES ('seed', 'seed@example.com');
""",
    "20240401000000_cleanup": """
ALTER TABLE "User" DROP COLUMN "name";
ALTER TABLE "User" RENAME COLUMN "bio" TO "about";
DROP INDEX "Post_authorId_idx";
""",
}


def _prisma_repo(root: Path) -> Path:
    for name, sql in PRISMA.items():
        folder = root / "prisma" / "migrations" / name
        folder.mkdir(parents=True)
        (folder / "migration.sql").write_text(sql)
    (root / "prisma" / "migrations" / "migration_lock.toml").write_text('provider = "postgresql"\n')
    return root


def _strip_spans(schema: Schema) -> Schema:
    return Schema(
        tuple(
            replace(
                t,
                span=NO_SPAN,
                columns=tuple(replace(c, span=NO_SPAN, enum=replace(c.enum, name="", span=NO_SPAN) if c.enum else None) for c in t.columns),
                indexes=tuple(replace(i, span=NO_SPAN) for i in t.indexes),
                foreign_keys=tuple(replace(f, name="") for f in t.foreign_keys),
            )
            for t in schema.tables
        )
    )


def test_prisma_layout_replays_in_folder_order(tmp_path: Path) -> None:
    repo = _prisma_repo(tmp_path)
    assert [p.parent.name for p in discover(repo)] == list(PRISMA)
    state = replay_folder(repo, tmp_path)
    schema = state.schema()
    user, post = schema.table("User"), schema.table("Post")
    assert user is not None and post is not None
    assert [c.name for c in user.columns] == ["id", "email", "role", "createdAt", "about", "links"]
    role = user.column("role")
    assert role is not None and role.enum is not None and role.enum.values == ("USER", "ADMIN", "MODERATOR")
    assert user.primary_key is not None and user.primary_key.name == "id"
    assert post.primary_key is not None and post.primary_key.kind == "id"  # SERIAL primary key
    author = post.column("authorId")
    assert author is not None and author.references is not None and author.references.on_delete == "cascade"
    assert [i.name for i in user.indexes] == ["User_email_key"] and post.indexes == ()
    assert [what for _span, what in state.skipped] == ["""INSERT INTO "User" ("id", "email") VALUES ('seed', 'seed@example.com')"""]
    assert str(state.skipped[0][0]).endswith("20240301120000_links/migration.sql:6:1")


def test_written_base_schema_reads_back_identically(tmp_path: Path) -> None:
    schema = replay_folder(_prisma_repo(tmp_path), tmp_path).schema()
    text = render_base(schema, ["prisma/migrations"])
    assert _strip_spans(parse_base_schema(text, "schema.sql")) == _strip_spans(schema)


def test_plain_sql_files_in_natural_order_without_downs(tmp_path: Path) -> None:
    (tmp_path / "2_add.sql").write_text("ALTER TABLE accounts ADD COLUMN plan varchar(20) NOT NULL DEFAULT 'free';")
    (tmp_path / "2_add.down.sql").write_text("ALTER TABLE accounts DROP COLUMN plan;")
    (tmp_path / "10_index.sql").write_text("CREATE UNIQUE INDEX accounts_plan_key ON accounts (plan);\nALTER TABLE accounts ALTER COLUMN plan DROP DEFAULT;")
    (tmp_path / "1_init.sql").write_text("CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);")
    assert [p.name for p in discover(tmp_path)] == ["1_init.sql", "2_add.sql", "10_index.sql"]
    accounts = replay_folder(tmp_path, tmp_path).schema().table("accounts")
    assert accounts is not None
    plan = accounts.column("plan")
    assert plan is not None and plan.max_length == 20 and not plan.nullable and plan.default is None
    assert [(i.name, i.unique) for i in accounts.indexes] == [("accounts_plan_key", True)]


def test_replaying_specc_own_base_matches_the_parser() -> None:
    text = (SPECS / "base" / "schema.sql").read_text()
    assert _strip_spans(replay_files([("schema.sql", text)]).schema()) == _strip_spans(parse_base_schema(text, "schema.sql"))


def test_a_statement_that_cannot_apply_is_located() -> None:
    state = replay_files([("m/001.sql", "CREATE TABLE a (id int PRIMARY KEY);\n\nALTER TABLE b ADD COLUMN x int;")])
    with pytest.raises(SpecError) as err:
        state.diags.raise_if_any()
    assert str(err.value) == "m/001.sql:3:1: error E217: replay: table 'b' does not exist at this point"


def test_import_base_command_writes_a_base_specs_can_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _prisma_repo(tmp_path / "repo")
    (tmp_path / "specs").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["import-base", str(repo)]) == 0
    written = (tmp_path / "specs" / "base" / "schema.sql").read_text()
    assert 'CREATE TABLE "User"' in written and "MODERATOR" in written
    # Specs name tables in lower_snake_case, so a plain-SQL repository here.
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "001_init.sql").write_text("CREATE TABLE posts (id bigserial PRIMARY KEY, title text NOT NULL);")
    assert main(["import-base", str(plain)]) == 0
    (tmp_path / "specs" / "post-tags.yaml").write_text(
        "spec: 1\nid: post-tags\ntitle: Tags on posts\ntables:\n  post_tags:\n    columns:\n"
        "      id: {type: id}\n      post_id: {type: ref, to: posts, nullable: false}\n      tag: {type: string, max: 30, nullable: false}\n"
    )
    assert main(["compile"]) == 0
