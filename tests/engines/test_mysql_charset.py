"""MariaDB's default character set is latin1: a migration must not depend on
the database's default to store non-Latin text.

A latin1 database (as MariaDB creates by default) gets the base schema and
then a spec whose new columns have non-Latin defaults and take non-Latin
rows; before the MySQL migrations stated utf8mb4 on their text columns, up
failed with ERROR 1918 (or stored '?').
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path, PurePosixPath

from compiler.emit import render_tree
from compiler.project import build_project
from targets.sql import render_schema
from tests.conftest import SPECS

TEXT = "ñandú · 日本語 · Ελληνικά · 😀"

SPEC = f"""\
spec: 1
id: unicode-text
title: Non-Latin text in new columns
depends_on: [profile-links-titles]
enums:
  greeting: [hola, adiós]
tables:
  users:
    add:
      motto: {{type: string, max: 60, default: "{TEXT}"}}
      greeting: {{type: enum, enum: greeting, default: adiós}}
  notes:
    columns:
      id: {{type: id}}
      body: {{type: text, nullable: false}}
      title: {{type: string, max: 80, default: "{TEXT}"}}
"""


def _compiled(tmp_path: Path, spec: str):  # type: ignore[no-untyped-def]
    shutil.copytree(SPECS, tmp_path / "specs")
    (tmp_path / "specs" / "unicode-text.yaml").write_text(spec, "utf-8")
    project = build_project(tmp_path / "specs", tmp_path)
    return project, render_tree(project, only=("sql",))


def test_mysql_migrations_state_utf8mb4() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        _, tree = _compiled(Path(tmp), SPEC)
    up = tree[PurePosixPath("unicode-text/migrations/mysql/up.sql")]
    down = tree[PurePosixPath("unicode-text/migrations/mysql/down.sql")]
    assert "\nSET NAMES utf8mb4;\n" in up and "\nSET NAMES utf8mb4;\n" in down
    for column in ("motto VARCHAR(60)", "greeting VARCHAR(5)", "body TEXT", "title VARCHAR(80)"):
        assert f"{column} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" in up, column
    plan = tree[PurePosixPath("unicode-text/migration-plan.md")]
    # Said whatever the spec's text (the plan's structure may not depend on it).
    assert "SET NAMES utf8mb4" in plan and "on a latin1 table a CHECK with values that are not Latin-1 fails" in plan


def test_migrations_store_non_latin_text_on_a_latin1_database(mysql_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, tree = _compiled(tmp_path, SPEC)
    name = f"specc_latin1_{uuid.uuid4().hex[:8]}"
    conn = mysql_server.connect()
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET latin1 COLLATE latin1_swedish_ci")
    try:
        mysql_server.run_sql(name, render_schema(project.base, "mysql"))
        for spec in project.specs:
            if spec.has_migration:
                path = tmp_path / f"{spec.id}.sql"
                path.write_text(tree[PurePosixPath(spec.id, "migrations", "mysql", "up.sql")], "utf-8")
                mysql_server.run_file(name, path)
        with conn.cursor() as cur:
            cur.execute(f"USE `{name}`")
            cur.execute("INSERT INTO users (id, email, username) VALUES (%s, %s, %s)", ("00000000-0000-0000-0000-000000000001", "a@example.com", "a"))
            cur.execute("INSERT INTO notes (body) VALUES (%s)", (TEXT,))
            cur.execute("SELECT motto, greeting FROM users")
            assert cur.fetchall() == ((TEXT, "adiós"),)
            cur.execute("SELECT body, title FROM notes")
            assert cur.fetchall() == ((TEXT, TEXT),)
            cur.execute(
                "SELECT TABLE_NAME, COLUMN_NAME, CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS"
                " WHERE TABLE_SCHEMA = %s AND COLUMN_NAME IN ('motto', 'greeting', 'body', 'title') ORDER BY 1, 2",
                (name,),
            )
            rows = cur.fetchall()
        assert rows and all(r[2:] == ("utf8mb4", "utf8mb4_bin") for r in rows), rows
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()
