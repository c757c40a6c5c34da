"""The embedded sqlite database `specc check` migrates and tests on.

Built from the base schema (rendered by the SQL target), then migrated with
each spec's generated `migrations/sqlite/*.sql`.  `structure()` describes a
database as data, so the check can prove that the down migrations restore the
base schema exactly and that migrating up again gives the same schema.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any


from compiler.ir import Schema

TEST_USER_ID = str(uuid.UUID(int=0x5BEC))  # fixed: output and runs stay deterministic
# A second user: the owner of the rows that resource contract tests must not reach.
OTHER_USER_ID = str(uuid.UUID(int=0x0DD))
# A third user, stored on the base schema before the up migrations run (as a
# live database's users are) and never written by a test: it reads what the
# migrations gave existing rows, e.g. the default of a column a spec adds.
LEGACY_USER_ID = str(uuid.UUID(int=0x01D))


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def create_base(path: Path, schema: Schema) -> None:
    """A fresh database holding the base schema (and nothing else)."""
    import targets

    render_schema = targets.provided("schema_ddl")  # the SQL target owns the DDL
    if path.exists():
        path.unlink()
    with connect(path) as conn:
        conn.executescript(render_schema(schema, "sqlite"))
    conn.close()


def run_script(path: Path, script: str) -> None:
    """Run one migration file (it manages its own transaction)."""
    conn = connect(path)
    try:
        conn.executescript(script)
    finally:
        conn.close()


def structure(path: Path) -> dict[str, Any]:
    """Tables with their columns, indexes and foreign keys, as plain data."""
    conn = connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        ]
        out: dict[str, Any] = {}
        for table in tables:
            quoted = _quote(table)
            columns = [tuple(r) for r in conn.execute(f"PRAGMA table_xinfo({quoted})")]
            indexes = []
            for _, name, unique, origin, partial in conn.execute(f"PRAGMA index_list({quoted})"):
                cols = [r[2] for r in conn.execute(f"PRAGMA index_info({_quote(name)})")]
                indexes.append((name, unique, origin, partial, tuple(cols)))
            fks = [tuple(r[2:]) for r in conn.execute(f"PRAGMA foreign_key_list({quoted})")]
            out[table] = {"columns": columns, "indexes": sorted(indexes), "foreign_keys": sorted(fks)}
        return out
    finally:
        conn.close()


def _quote(name: str) -> str:
    # PRAGMA arguments cannot be parameters; names come from sqlite_master.
    return '"' + name.replace('"', '""') + '"'


def _filler(kind: str, name: str) -> Any:
    if kind in ("int", "bigint", "id"):
        return 1
    if kind == "bool":
        return 0
    if kind == "uuid":
        return str(uuid.UUID(int=1))
    if kind in ("timestamp",):
        return "2024-01-01 00:00:00"
    if kind == "date":
        return "2024-01-01"
    if kind == "json":
        return "{}"
    return f"specc-check-{name}"
