"""A project whose table and column names are SQL keywords, for the tests
that every generated statement quotes them where each dialect needs it.

The words are the engines' own keyword tables (`compiler/sql_keywords/*.json`,
read from PostgreSQL, MariaDB and SQLite): every keyword of every dialect is
a column name, spread over a few tables, in every column kind that puts the
name into a CHECK, a foreign key or an index; every keyword that some
dialect (or sqlglot) needs quoted is also a table name.  (A keyword no
dialect quotes is written exactly like any other name, and the engines took
each of them as a bare table name when the tables were regenerated.)  A
second spec adds columns named by keywords to a keyword table, for the
ALTER TABLE paths.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from compiler.names import identifier_problem
from compiler.sql_keywords import DIALECTS, keywords, needs_quotes

# Column names the spec itself uses.
KEY = "kw_id"
ENUM = "kw_choice"
# Keyword columns per table: MariaDB's row size and the time per CREATE TABLE
# decide (one table per batch, a handful of statements each).
BATCH = 60
ADDED = 40


def all_keywords() -> list[str]:
    """Every keyword of every dialect that is a valid specc name."""
    words = set().union(*(keywords(d) for d in DIALECTS))
    return sorted(w for w in words if identifier_problem(w) is None and w not in (KEY, ENUM))


def quoted_keywords() -> list[str]:
    """The keywords that at least one dialect writes quoted."""
    return [w for w in all_keywords() if any(needs_quotes(w, d) for d in DIALECTS)]


def _column(i: int, word: str, tables: list[str], table_index: int) -> dict[str, object]:
    kind = i % 5
    if kind == 0:
        return {"type": "string", "max": 20}
    if kind == 1:
        return {"type": "int", "min": 0, "max": 9}
    if kind == 2:
        return {"type": "enum", "enum": ENUM}
    if kind == 3:
        return {"type": "bool", "default": True}
    # A foreign key (and its index) to the previous keyword table.
    return {"type": "ref", "to": tables[table_index - 1], "on_delete": "set null"} if table_index else {"type": "text"}


def specs() -> dict[str, dict[str, object]]:
    """spec id -> spec data."""
    words = all_keywords()
    table_names = quoted_keywords()
    batches = [words[i : i + BATCH] for i in range(0, len(words), BATCH)]
    tables: dict[str, object] = {}
    for t, name in enumerate(table_names):
        columns: dict[str, object] = {KEY: {"type": "id"}}
        indexes: list[list[str]] = []
        if t < len(batches):
            for i, word in enumerate(batches[t]):
                columns[word] = _column(i, word, table_names, t)
            indexes.append([batches[t][0]])
        tables[name] = {"columns": columns, **({"indexes": indexes} if indexes else {})}
    first = {
        "spec": 1,
        "id": "keyword-tables",
        "title": "Every SQL keyword as a table and a column name",
        "enums": {ENUM: ["a", "b"]},
        "tables": tables,
    }
    target = table_names[-1]  # a table without keyword columns of its own
    added = {w: _column(i, w, table_names, 0) for i, w in enumerate(quoted_keywords()[:ADDED])}
    second = {
        "spec": 1,
        "id": "keyword-columns",
        "title": "Keyword columns added to a keyword table",
        "depends_on": ["keyword-tables"],
        "tables": {target: {"add": added}},
    }
    return {"keyword-tables": first, "keyword-columns": second}


def write_project(root: Path, base: Path) -> Path:
    """The keyword specs under `root/specs`, on the base schema at `base`;
    returns the specs folder."""
    folder = root / "specs"
    (folder / "base").mkdir(parents=True)
    shutil.copy(base, folder / "base" / "schema.sql")
    for spec_id, data in specs().items():
        (folder / f"{spec_id}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


_BUILT: dict[str, object] = {}


def built() -> tuple[object, dict[object, str]]:
    """The keyword project and its SQL target's files, built once per test
    process (the engine tests and the unit tests share them)."""
    if not _BUILT:
        import atexit
        import tempfile

        from compiler.emit import render_tree
        from compiler.project import build_project
        from tests.conftest import SPECS

        root = Path(tempfile.mkdtemp(prefix="specc-keywords-"))
        atexit.register(shutil.rmtree, root, True)
        folder = write_project(root, SPECS / "base" / "schema.sql")
        project = build_project(folder, root)
        _BUILT["project"] = project
        _BUILT["tree"] = render_tree(project, only=("sql",))
    return _BUILT["project"], _BUILT["tree"]  # type: ignore[return-value]
