"""Non-additive changes a spec can ask for, each only with an approval:
the lint gate (located error, exit 2; compiles once approved), the plan, the
IR's schema_after, located errors for impossible requests, and SQLite round
trips (up, down, up) of every new operation."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from pathlib import Path, PurePosixPath

import pytest

from compiler.cli import main
from compiler.diagnostics import SpecError
from compiler.ir import AlterColumn, DropColumn, DropTable, RenameColumn
from compiler.project import build_project
from targets.sql import render_schema
from tests.evolve_project import EVOLVE_IDS, FIXTURES, evolve_project, evolve_tree, evolve_workspace
from tests.test_sql_target import connect, structure

PROJECT = evolve_project()
TREE = evolve_tree(PROJECT)
EVOLVE = FIXTURES / "evolve-users.yaml"
APPROVALS = re.findall(r"\{rule: (\w+), target: ([\w.]+),", EVOLVE.read_text())


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# --- the lint gate ---------------------------------------------------------------


@pytest.fixture(scope="module")
def workspace() -> Path:
    return evolve_workspace()


@pytest.mark.parametrize("rule, target", APPROVALS)
def test_each_flagged_change_fails_without_its_approval(workspace: Path, tmp_path: Path, rule: str, target: str, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "w"
    shutil.copytree(workspace / "specs", root / "specs")
    spec = root / "specs" / "evolve-users.yaml"
    text = spec.read_text()
    kept = [line for line in text.splitlines() if f"{{rule: {rule}, target: {target}," not in line]
    spec.write_text("\n".join(kept) + "\n")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        capsys.readouterr()
        assert main(["compile"]) == 2
        err = capsys.readouterr().err
    finally:
        os.chdir(cwd)
    assert not (root / "snapshots").exists(), "nothing is written"
    found = re.findall(rf"^specs/evolve-users\.yaml:(\d+):\d+: error {rule}: (.*)$", err, flags=re.M)
    assert found, err
    assert f"approvals: [{{rule: {rule}, target: {target}, reason: ...}}]" in err
    # The diagnostic points at the spec line that asked for the change.
    asked = {
        "users.theme": "theme: {nullable: false",
        "users.display_name": "rename:",
        "users.title": "title: {max: 60}",
        "users.username": "username: {max: 30}",
        "users.social_links": "drop: [social_links]",
        "ux_users_title": "{columns: [title], unique: true}",
        "profile_views.viewed_at": "viewed_at: {type: date",
        "legacy_sessions": "drop_tables:",
    }[target]
    lines = {int(n) for n, _msg in found}
    if target == "users.theme" and rule == "SC104":
        assert _line(text, "theme: [light]") in lines
    else:
        assert _line(text, asked) in lines, (lines, err)


def test_with_every_approval_it_compiles_and_the_plan_says_not_safe() -> None:
    plan = TREE[PurePosixPath("evolve-users/migration-plan.md")]
    assert "**Not safe by default: needs approval.**" in plan
    for rule, target in APPROVALS:
        assert f"- {rule} on {target}: " in plan.replace("\\_", "_")
    seed_plan = TREE[PurePosixPath("theme-preference-api/migration-plan.md")]
    assert "Not safe by default" not in seed_plan


def test_not_null_without_default_on_an_existing_table_is_a_lint_finding_not_e214(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "w"
    shutil.copytree(evolve_workspace() / "specs", root / "specs")
    for fixture in ("evolve-users.yaml", "legacy-sessions.yaml"):
        (root / "specs" / fixture).unlink()
    spec = root / "specs" / "strict-bio.yaml"
    spec.write_text("spec: 1\nid: strict-bio\ntitle: Bio\ntables:\n  users:\n    add:\n      bio: {type: text, nullable: false}\n")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        capsys.readouterr()
        assert main(["compile"]) == 2
        assert "specs/strict-bio.yaml:7:7: error SC106: adds users.bio NOT NULL without a default" in capsys.readouterr().err
        spec.write_text(spec.read_text() + "approvals:\n  - {rule: SC106, target: users.bio, reason: The users table is empty in this product.}\n")
        assert main(["compile"]) == 0
    finally:
        os.chdir(cwd)


# --- the IR --------------------------------------------------------------------------


def test_schema_after_reflects_every_change() -> None:
    spec = PROJECT.spec("evolve-users")
    assert spec is not None
    users = spec.schema_after.table("users")
    assert users is not None and spec.schema_after.table("legacy_sessions") is None
    assert users.column("display_name") is None and users.column("full_name") is not None
    assert users.column("social_links") is None
    theme = users.column("theme")
    assert theme is not None and not theme.nullable and theme.default == "light" and theme.enum and theme.enum.values == ("light",)
    assert {c.name: c for c in users.checks}["ck_users_title_length"].maximum == 60
    assert [ix.name for ix in users.indexes][-2:] == ["ux_users_title", "ix_users_full_name"]
    kinds = [type(op) for op in spec.operations]
    assert {AlterColumn, DropColumn, DropTable, RenameColumn} <= set(kinds)


BAD = {
    "alter-unknown": ("tables:\n  users:\n    alter:\n      nope: {max: 3}\n", "4:7: error E202: table 'users' has no column 'nope'"),
    "drop-unknown": ("tables:\n  users:\n    drop: [nope]\n", "3:11: error E202: table 'users' has no column 'nope'"),
    "rename-unknown": ("tables:\n  users:\n    rename: {nope: yes_}\n", "3:14: error E202: table 'users' has no column 'nope'"),
    "rename-taken": ("tables:\n  users:\n    rename: {email: username}\n", "error E209: column users.username already exists"),
    "drop-pk": ("tables:\n  users:\n    drop: [id]\n", "error E241: column users.id is the primary key"),
    "drop-referenced": ("drop_tables: [posts]\n", "1:15: error E242: table 'posts' is referenced by post_comments.post_id, post_likes.post_id"),
    "drop-unknown-table": ("drop_tables: [nope]\n", "1:15: error E201: table 'nope' does not exist"),
    "alter-nothing": ("tables:\n  users:\n    alter:\n      email: {nullable: false}\n", "error E243: alter of users.email changes nothing"),
    "alter-to-ref": ("tables:\n  users:\n    alter:\n      email: {type: ref}\n", "error E240"),
    "index-unknown": ("tables:\n  users:\n    indexes: [[nope]]\n", "error E202: index on users: unknown column 'nope'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_impossible_requests_are_located_errors(tmp_path: Path, case: str) -> None:
    body, expected = BAD[case]
    (tmp_path / "specs" / "base").mkdir(parents=True)
    shutil.copy(FIXTURES.parent.parent.parent / "specs" / "base" / "schema.sql", tmp_path / "specs" / "base" / "schema.sql")
    (tmp_path / "specs" / "bad.yaml").write_text("spec: 1\nid: bad\ntitle: Bad\n" + body)
    with pytest.raises(SpecError) as err:
        build_project(tmp_path / "specs", tmp_path)
    text = "\n".join(f"{d.span.line - 3}:{d.span.col}: error {d.code}: {d.message}" for d in err.value.diagnostics)
    assert expected in text or expected.split(": ", 1)[1] in text, text


# --- SQLite round trips -----------------------------------------------------------------


def _sqlite(spec_id: str, direction: str) -> str:
    return TREE[PurePosixPath(spec_id, "migrations", "sqlite", f"{direction}.sql")]


@pytest.mark.parametrize("spec_id", EVOLVE_IDS)
def test_sqlite_up_down_up(spec_id: str) -> None:
    conn = connect()
    conn.executescript(render_schema(PROJECT.base, "sqlite"))
    for spec in PROJECT.specs:
        if spec.id == spec_id:
            break
        if spec.has_migration:
            conn.executescript(_sqlite(spec.id, "up"))
    theme = ", theme" if spec_id == "evolve-users" else ""
    conn.execute(f"INSERT INTO users (id, email, username{theme}) VALUES ('u1', 'a@x', 'a'{', ' + repr('light') if theme else ''})")
    before = structure(conn)
    conn.executescript(_sqlite(spec_id, "up"))
    after = structure(conn)
    assert after != before
    conn.executescript(_sqlite(spec_id, "down"))
    assert structure(conn) == before
    conn.executescript(_sqlite(spec_id, "up"))
    assert structure(conn) == after
    spec = PROJECT.spec(spec_id)
    assert spec is not None
    ir = connect()
    ir.executescript(render_schema(spec.schema_after, "sqlite"))
    assert structure(ir) == after, "up reaches the schema the IR describes"
    assert conn.execute("SELECT count(*) FROM users").fetchone() == (1,), "the rebuild keeps the rows"


def test_sqlite_rebuild_enforces_the_new_rules() -> None:
    conn = connect()
    conn.executescript(render_schema(PROJECT.base, "sqlite"))
    for spec in PROJECT.specs:
        if spec.has_migration:
            conn.executescript(_sqlite(spec.id, "up"))
    conn.execute("INSERT INTO users (id, email, username, title) VALUES ('u1', 'a@x', 'a', 't')")
    assert conn.execute("SELECT theme FROM users").fetchone() == ("light",)
    with pytest.raises(sqlite3.IntegrityError, match="ck_users_theme_enum"):
        conn.execute("UPDATE users SET theme = 'dark'")
    with pytest.raises(sqlite3.IntegrityError, match="ck_users_title_length"):
        conn.execute("UPDATE users SET title = ?", ("x" * 61,))
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        conn.execute("INSERT INTO users (id, email, username, title) VALUES ('u2', 'b@x', 'b', 't')")
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_down_says_dropped_data_is_not_restored() -> None:
    for dialect in ("postgres", "sqlite", "mysql"):
        down = TREE[PurePosixPath("evolve-users", "migrations", dialect, "down.sql")]
        head = down.splitlines()[1]
        assert "users.social_links, which comes back empty" in head and "down.sql does not restore it" in head
        assert "legacy_sessions, which comes back empty" in head


def test_postgres_up_uses_the_safe_patterns() -> None:
    up = TREE[PurePosixPath("evolve-users/migrations/postgres/up.sql")]
    assert up.index("ADD CONSTRAINT ck_users_theme_not_null CHECK (NOT theme IS NULL) NOT VALID") < up.index("VALIDATE CONSTRAINT ck_users_theme_not_null") < up.index("ALTER COLUMN theme SET NOT NULL")
    assert "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ux_users_title" in up
    for rule in ("ban-drop-column", "ban-drop-table", "renaming-column", "changing-column-type"):
        assert re.search(rf"-- squawk-ignore {rule} -- evolve-users: .*approved in the spec \(SC1\d\d\)", up), rule
