"""Table and column names that are SQL keywords: quoted in every dialect
that needs it, from the engines' own keyword tables, and nowhere else.

(The same project runs up, down and up on real PostgreSQL and MariaDB in
tests/engines/test_keywords.py; here it runs on SQLite in memory.)
"""

from __future__ import annotations

import sqlite3
from pathlib import PurePosixPath

import pytest
import sqlglot
from sqlglot import exp

from targets.sql.self_check import SQLGLOT_DIALECT, render
from targets.sql.ddl import ident, table_ref
from compiler.sql_keywords import DIALECTS, engine_quoted, keywords, needs_quotes, table
from tests.keyword_project import built, quoted_keywords

# The names of issue 12: PostgreSQL 15 refused the migration
# (`syntax error at or near "analyse"`), or the self-check failed.
ISSUE_NAMES = ("analyse", "collation", "concurrently", "tablesample", "initially", "current_schema", "current_catalog")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_keyword_table_names_its_engine_and_is_consistent(dialect: str) -> None:
    data = table(dialect)
    engine = {"postgres": "PostgreSQL ", "mysql": "MariaDB ", "sqlite": "SQLite "}[dialect]
    assert str(data["engine"]).startswith(engine) and any(ch.isdigit() for ch in str(data["engine"]))
    assert data["generated_by"] == "python -m compiler.sql_keywords.regenerate"
    assert engine_quoted(dialect) <= keywords(dialect)
    assert len(keywords(dialect)) > 100 and engine_quoted(dialect)


def test_postgres_quotes_every_reserved_word_of_its_catalog() -> None:
    words = table("postgres")["keywords"]
    assert isinstance(words, dict)
    reserved = {w for w, cat in words.items() if cat.split()[0] in ("R", "T")}
    assert reserved == set(engine_quoted("postgres")) and len(reserved) == 100
    assert set(ISSUE_NAMES) <= reserved


@pytest.mark.parametrize("name", ISSUE_NAMES + ("user", "order", "select", "key", "value", "glob", "function"))
@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_keyword_is_quoted_where_it_must_be_and_round_trips(dialect: str, name: str) -> None:
    statement = exp.select(exp.column(ident(name))).from_(table_ref(name))
    sql = render(statement, dialect)
    quote = {"mysql": "`"}.get(dialect, '"')
    assert (f"{quote}{name}{quote}" in sql) == needs_quotes(name, dialect), sql
    tree = sqlglot.parse_one(sql, read=SQLGLOT_DIALECT[dialect])
    assert [i.name for i in tree.find_all(exp.Identifier)] == [name, name]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_ordinary_names_stay_unquoted(dialect: str) -> None:
    for name in ("users", "position", "type", "label", "title", "created_at", "user_id"):
        assert not needs_quotes(name, dialect) or name in keywords(dialect)
        sql = render(exp.select(exp.column(ident(name))).from_(table_ref("profile_links")), dialect)
        assert sql == f"SELECT {name} FROM profile_links"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_keyword_project_statement_quotes_exactly_the_names_that_need_it(dialect: str) -> None:
    """Every identifier of every generated statement: quoted iff its dialect
    needs it (the statements passed the self-check when they were built)."""
    project, tree = built()
    seen: set[str] = set()
    for spec_id in ("keyword-tables", "keyword-columns"):
        for direction in ("up", "down"):
            text = tree[PurePosixPath(spec_id, "migrations", dialect, f"{direction}.sql")]
            for statement in sqlglot.parse(text, read=SQLGLOT_DIALECT[dialect]):
                if statement is None:
                    continue
                for node in statement.find_all(exp.Identifier):
                    assert node.quoted == needs_quotes(node.name, dialect), (node.name, statement.sql(SQLGLOT_DIALECT[dialect]))
                    seen.add(node.name)
    assert set(quoted_keywords()) <= seen


def test_every_keyword_migrates_on_sqlite_up_down_up() -> None:
    from targets.sql import render_schema

    project, tree = built()
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(render_schema(project.base, "sqlite"))

    def schema() -> list[tuple[object, ...]]:
        return conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()

    for spec_id in ("keyword-tables", "keyword-columns"):
        before = schema()
        conn.executescript(tree[PurePosixPath(spec_id, "migrations", "sqlite", "up.sql")])
        after = schema()
        assert after != before
        conn.executescript(tree[PurePosixPath(spec_id, "migrations", "sqlite", "down.sql")])
        assert schema() == before
        conn.executescript(tree[PurePosixPath(spec_id, "migrations", "sqlite", "up.sql")])
        assert schema() == after
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(quoted_keywords()) <= names


# --- a self-check failure is a located diagnostic, never a traceback -------------

SPEC_WITH_CATALOG_NAMES = """\
spec: 1
id: catalog-names
title: Columns named like the SQL session functions
depends_on: [profile-links-titles]
tables:
  users:
    add:
      current_schema: {type: string, max: 40}
      current_catalog: {type: int, min: 0, max: 9}
"""


def _project_with_catalog_names(tmp_path):  # type: ignore[no-untyped-def]
    import shutil

    from tests.conftest import SPECS

    shutil.copytree(SPECS, tmp_path / "specs")
    (tmp_path / "specs" / "catalog-names.yaml").write_text(SPEC_WITH_CATALOG_NAMES)
    return tmp_path


def test_current_schema_and_current_catalog_compile_quoted(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """These two names made `specc compile` end in a SqlSelfCheckError
    traceback (postgres: generated SQL does not round-trip)."""
    from compiler.cli import main

    monkeypatch.chdir(_project_with_catalog_names(tmp_path))
    assert main(["compile", "--no-cache", "--format", "json"]) == 0, capsys.readouterr().err
    up = (tmp_path / "snapshots" / "catalog-names" / "migrations" / "postgres" / "up.sql").read_text()
    assert 'ADD COLUMN "current_schema" TEXT' in up and 'ADD COLUMN "current_catalog" BIGINT' in up
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_failing_self_check_is_a_located_internal_error_and_writes_nothing(tmp_path, monkeypatch, capsys, fmt: str) -> None:  # type: ignore[no-untyped-def]
    import json

    import targets.sql.script
    from compiler.cli import main
    from targets.sql.self_check import SqlSelfCheckError

    real = targets.sql.script.check_script

    def failing(script: str, statements: list[str], dialect: str) -> None:
        bad = [s for s in statements if '"current_schema"' in s]
        if dialect == "postgres" and bad:
            raise SqlSelfCheckError(f"postgres: generated SQL does not round-trip:\n{bad[0]}\n-- re-rendered as --\nSELECT 1")
        real(script, statements, dialect)

    monkeypatch.setattr(targets.sql.script, "check_script", failing)
    monkeypatch.chdir(_project_with_catalog_names(tmp_path))
    status = main(["compile", "--no-cache", "--format", fmt])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err and "SqlSelfCheckError" not in err
    assert not (tmp_path / "snapshots").exists(), "nothing may be written"
    lines = SPEC_WITH_CATALOG_NAMES.splitlines()
    where = next(i for i, line in enumerate(lines, 1) if "current_schema:" in line)
    if fmt == "json":
        (diag,) = json.loads(err)
        assert diag["code"] == "E901" and diag["severity"] == "error"
        assert diag["file"] == "specs/catalog-names.yaml" and diag["line"] == where and diag["col"] == 7
        assert "internal error" in diag["message"] and "postgres: generated SQL does not round-trip" in diag["message"]
        assert "bug in specc" in diag["hint"]
    else:
        assert err.startswith(f"specs/catalog-names.yaml:{where}:7: error E901: internal error"), err
        assert "nothing was written" in err


def test_e901_is_documented() -> None:
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "diagnostics.md").read_text()
    assert "| E901 |" in text and "internal errors (bugs in specc)" in text
