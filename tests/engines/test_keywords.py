"""Every SQL keyword as a table and a column name, on real PostgreSQL and
MariaDB: up, down and up again (SQLite: tests/test_sql_keywords.py).

The project (tests/keyword_project.py) takes its words from the engines' own
keyword tables (compiler/sql_keywords/): every keyword of every dialect is a
column name, in columns that put it into CHECKs, foreign keys and indexes,
and every keyword some dialect quotes is a table name.  It skips, like every
engine test, when no server runs, and fails instead with
SPECC_REQUIRE_ENGINES=1 or in CI.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from targets.sql import render_schema
from tests.keyword_project import built, quoted_keywords

SPECS = ("keyword-tables", "keyword-columns")


def _file(tmp: Path, tree, spec_id: str, dialect: str, direction: str) -> Path:  # type: ignore[no-untyped-def]
    out = tmp / f"{spec_id}-{dialect}-{direction}.sql"
    out.write_text(tree[PurePosixPath(spec_id, "migrations", dialect, f"{direction}.sql")], "utf-8")
    return out


def _up_down_up(server, db: str, tmp: Path, dialect: str) -> None:  # type: ignore[no-untyped-def]
    project, tree = built()
    server.run_sql(db, render_schema(project.base, dialect))
    for spec_id in SPECS:
        before = server.catalog(db)
        server.run_file(db, _file(tmp, tree, spec_id, dialect, "up"))
        after = server.catalog(db)
        assert after != before, f"{spec_id}: up changed nothing"
        server.run_file(db, _file(tmp, tree, spec_id, dialect, "down"))
        assert server.catalog(db) == before, f"{spec_id}: down did not restore the schema"
        server.run_file(db, _file(tmp, tree, spec_id, dialect, "up"))
        assert server.catalog(db) == after, f"{spec_id}: up after down differs"


def test_every_keyword_migrates_on_postgres(pg_server, pg_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _up_down_up(pg_server, pg_db, tmp_path, "postgres")
    with pg_server.connect(pg_db) as conn:
        tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
        columns = {r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'")}
    assert set(quoted_keywords()) <= tables
    assert {"analyse", "collation", "concurrently", "tablesample", "initially", "current_schema", "current_catalog"} <= columns


def test_every_keyword_migrates_on_mariadb(mysql_server, mysql_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _up_down_up(mysql_server, mysql_db, tmp_path, "mysql")
    conn = mysql_server.connect(mysql_db)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", (mysql_db,))
            tables = {r[0] for r in cur.fetchall()}
    finally:
        conn.close()
    assert set(quoted_keywords()) <= tables
