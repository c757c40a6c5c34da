"""Regenerate the keyword tables in this folder from the engines themselves.

    eval "$(bash .ci/engines.sh start)"
    python -m compiler.sql_keywords.regenerate      # writes postgres.json, mysql.json, sqlite.json, sqlglot.json
    python -m compiler.sql_keywords.regenerate sqlglot   # only sqlglot.json (after a sqlglot upgrade)

Each file records the engine and version it was read from, the query that
listed the words, and for every word whether an identifier spelled like it
must be quoted:

* PostgreSQL: `SELECT word, catcode FROM pg_get_keywords()`.  R (reserved)
  and T (reserved, can be a function or type name) words cannot be a table
  or column name unquoted; C (cannot be a function or type name) words can
  be in most places but not all.  So the server is asked, as for MariaDB
  below, and the script checks that it refuses every R and T word.
* MariaDB: `SELECT word FROM information_schema.KEYWORDS` (10.6+), which
  does not say which words are reserved.  So the server is asked: each word
  is used unquoted as a table, column and constraint name in the statements
  specc writes, in a scratch database; a word the server refuses is reserved.
* SQLite: `sqlite3_keyword_count()` / `sqlite3_keyword_name()` of the
  libsqlite3 on this machine (through ctypes: Python's sqlite3 module does
  not expose them), and the same probe as for MariaDB, in memory.

Only these probes ever put a word into SQL text, and the words come from the
engine's own table, never from a spec.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import re
import sqlite3
import sys
import uuid
from pathlib import Path
from typing import Any
from collections.abc import Callable

HERE = Path(__file__).parent
WORD = re.compile(r"^[a-z_][a-z0-9_]*$")

# The statement shapes of a migration, with the keyword as every name in
# them.  `{w}` is the word (unquoted), `{q}` the word quoted.
PROBE = (
    "CREATE TABLE {w} (specc_probe_id INTEGER NOT NULL, {w} VARCHAR(9) DEFAULT 'a', CONSTRAINT {w} CHECK (LENGTH({w}) BETWEEN 0 AND 9))",
    "INSERT INTO {w} (specc_probe_id, {w}) SELECT specc_probe_id, {w} FROM {w}",
    "SELECT {w} FROM {w} WHERE {w} = 'a' AND {w} IN ('a', 'b') AND {w} LIKE 'a%' ORDER BY {w}",
    "CREATE INDEX ix_probe ON {w} ({w})",
    "DROP INDEX ix_probe{on}",
    "ALTER TABLE {w} ADD COLUMN {w}_x INTEGER",
    "ALTER TABLE {w} DROP COLUMN {w}_x",
    "ALTER TABLE {w} RENAME COLUMN {w} TO {w}_y",
    "ALTER TABLE {w} RENAME COLUMN {w}_y TO {w}",
    "UPDATE {w} SET {w} = 'b' WHERE {w} IS NOT NULL",
    "DROP TABLE {w}",
)


def _probe(word: str, run: Callable[[str], object], reset: Callable[[], None], on: str) -> bool:
    """True when every probe statement runs with `word` unquoted."""
    try:
        for shape in PROBE:
            run(shape.format(w=word, on=on.format(w=word)))
        return True
    except Exception:  # noqa: BLE001 - any refusal means "quote it"
        reset()
        return False


def postgres() -> dict[str, Any]:
    import psycopg

    conn = psycopg.connect(host=os.environ["SPECC_PG_HOST"], port=int(os.environ.get("SPECC_PG_PORT", "5432")), user=os.environ.get("SPECC_PG_USER", "postgres"), dbname="postgres")
    row = conn.execute("SHOW server_version").fetchone()
    if row is None:
        raise SystemExit("postgres: SHOW server_version returned no row")
    version = row[0]
    rows = conn.execute("SELECT word, catcode FROM pg_get_keywords() ORDER BY word").fetchall()
    words = {w: c for w, c in rows if WORD.match(w)}
    # Every probe runs in a transaction that is rolled back: nothing stays.
    conn.rollback()

    def run(sql: str) -> None:
        conn.execute(sql)

    refused = set()
    for w in words:
        if not _probe(w, run, lambda: None, ""):
            refused.add(w)
        conn.rollback()
    for w in refused:
        for shape in PROBE:
            run(shape.format(w=f'"{w}"', on="").replace(f'"{w}"_x', f'"{w}_x"').replace(f'"{w}"_y', f'"{w}_y"'))
        conn.rollback()
    conn.close()
    unexpected = sorted(w for w, c in words.items() if c in ("R", "T") and w not in refused)
    if unexpected:
        raise SystemExit(f"postgres: reserved words accepted unquoted by the probe: {unexpected}")
    return {
        "engine": f"PostgreSQL {version}",
        "source": "SELECT word, catcode FROM pg_get_keywords(); quote = refused unquoted by the probe statements (every R and T word, and some C words)",
        "rule": "quote the words the server refuses unquoted",
        "keywords": {w: c + ("" if w not in refused else " refused") for w, c in words.items()},
        "quote": sorted(refused),
    }


def mysql() -> dict[str, Any]:
    import pymysql

    def connect(db: str | None = None) -> Any:
        return pymysql.connect(unix_socket=os.environ["SPECC_MYSQL_SOCKET"], user=os.environ.get("SPECC_MYSQL_USER", "root"), database=db, autocommit=True, charset="utf8mb4")

    admin = connect()
    with admin.cursor() as cur:
        cur.execute("SELECT VERSION()")
        version = cur.fetchone()[0]
        cur.execute("SELECT LOWER(WORD) FROM information_schema.KEYWORDS")
        words = sorted({w for (w,) in cur.fetchall() if WORD.match(w)})
        db = f"specc_kw_{uuid.uuid4().hex[:8]}"
        cur.execute(f"CREATE DATABASE `{db}` CHARACTER SET utf8mb4")
    conn = connect(db)
    try:
        def run(sql: str) -> None:
            with conn.cursor() as c:
                c.execute(sql)

        def reset() -> None:
            with conn.cursor() as c:
                c.execute("SHOW TABLES")
                for (t,) in c.fetchall():
                    c.execute(f"DROP TABLE `{t}`")

        verdict = {w: ("unreserved" if _probe(w, run, reset, " ON {w}") else "reserved") for w in words}
        # A refusal must be the word's doing: the probe runs with it quoted.
        for w in (w for w, v in verdict.items() if v == "reserved"):
            for shape in PROBE:
                run(shape.format(w=f"`{w}`", on=f" ON `{w}`").replace(f"`{w}`_x", f"`{w}_x`").replace(f"`{w}`_y", f"`{w}_y`"))
    finally:
        conn.close()
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE `{db}`")
        admin.close()
    return {
        "engine": f"MariaDB {version}",
        "source": "SELECT WORD FROM information_schema.KEYWORDS; reserved = refused unquoted by the probe statements",
        "rule": "quote the words the server refuses unquoted",
        "keywords": verdict,
        "quote": sorted(w for w, v in verdict.items() if v == "reserved"),
    }


def sqlite() -> dict[str, Any]:
    lib = ctypes.CDLL(ctypes.util.find_library("sqlite3") or "libsqlite3.so.0")
    lib.sqlite3_keyword_name.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_int)]
    lib.sqlite3_libversion.restype = ctypes.c_char_p
    words = []
    for i in range(lib.sqlite3_keyword_count()):
        name = ctypes.c_char_p()
        size = ctypes.c_int()
        if lib.sqlite3_keyword_name(i, ctypes.byref(name), ctypes.byref(size)) != 0:
            raise SystemExit(f"sqlite3_keyword_name({i}) failed")
        words.append(ctypes.string_at(name, size.value).decode().lower())
    words = sorted(set(words))
    verdict = {}
    for w in words:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        verdict[w] = "unreserved" if _probe(w, conn.execute, lambda: None, "") else "reserved"
        conn.close()
        if verdict[w] == "unreserved":
            continue
        conn = sqlite3.connect(":memory:", isolation_level=None)
        for shape in PROBE:
            conn.execute(shape.format(w=f'"{w}"', on="").replace(f'"{w}"_x', f'"{w}_x"').replace(f'"{w}"_y', f'"{w}_y"'))
        conn.close()
    return {
        "engine": f"SQLite {lib.sqlite3_libversion().decode()}",
        "source": "sqlite3_keyword_count() / sqlite3_keyword_name(); reserved = refused unquoted by the probe statements",
        "rule": "quote the words the library refuses unquoted",
        "keywords": verdict,
        "quote": sorted(w for w, v in verdict.items() if v == "reserved"),
    }


def misreads() -> dict[str, Any]:
    """Which of the engines' keywords (the files above) sqlglot misreads
    unquoted, per dialect: no engine needed, only the pinned sqlglot."""
    from sqlglot._version import __version__ as sqlglot_version

    from compiler.sql_keywords import DIALECTS, sqlglot_misreads

    words = sorted(set().union(*(json.loads((HERE / f"{d}.json").read_text("utf-8"))["keywords"] for d in DIALECTS)))
    return {
        "sqlglot": sqlglot_version,
        "source": "compiler.sql_keywords.sqlglot_misreads over every keyword of postgres.json, mysql.json and sqlite.json",
        "misreads": {d: [w for w in words if sqlglot_misreads(w, d)] for d in DIALECTS},
    }


def main(argv: list[str]) -> int:
    wanted = argv or ["postgres", "mysql", "sqlite", "sqlglot"]
    makers = {"postgres": postgres, "mysql": mysql, "sqlite": sqlite}
    for name in wanted:
        if name == "sqlglot":
            found = misreads()
            (HERE / "sqlglot.json").write_text(json.dumps({"generated_by": "python -m compiler.sql_keywords.regenerate", **found}, indent=1, sort_keys=True) + "\n")
            print(f"sqlglot {found['sqlglot']}: " + ", ".join(f"{d} {len(w)} misread" for d, w in found["misreads"].items()), file=sys.stderr)
            continue
        data = {"generated_by": "python -m compiler.sql_keywords.regenerate", **makers[name]()}
        (HERE / f"{name}.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        print(f"{name}: {data['engine']}, {len(data['keywords'])} keywords, {len(data['quote'])} quoted", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
