"""The pytest conftest.py `specc check` writes next to the rendered tree.

It gives the generated contract tests what they ask for in-process: the
`specc_app` fixture (the generated app from `specc_app/app.py`, on the
database `specc check` migrated: sqlite, PostgreSQL or MariaDB as
`specc-check.json` says, named by $SPECC_CHECK_DB) and `specc_token`, the
bearer token of the seeded test user ($SPECC_CHECK_USER), and
`specc_other_token`, the token of a second user ($SPECC_CHECK_OTHER_USER) that
resource tests use as the owner of rows the first user must not reach,
`specc_rowless_token`, the token of a signed-in user who has no row in the
database (ROWLESS_USER), `specc_legacy_token`, the token of the user stored
before the migrations ran ($SPECC_CHECK_LEGACY_USER), and `specc_seed`, which writes rows straight into that database for the tests of
what the API only reads (metrics on seeded rows).  Without those
variables (a tree kept with `specc check --keep DIR`, re-run with plain
`python -m pytest DIR`) both come from `specc-check.json` next to this file,
which names the database relative to it.  This file is copied verbatim;
specc itself never imports it.
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import sqlite3
import sys
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request

ROOT = Path(__file__).resolve().parent
# The generated package `specc_app` sits next to this file; the contract
# tests import `specc_app.testing`, the fixture below `specc_app.app`.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
TOKEN = "specc-check-token"
OTHER_TOKEN = "specc-check-other-token"
ROWLESS_TOKEN = "specc-check-rowless-token"
LEGACY_TOKEN = "specc-check-legacy-token"
# No row has this id: specc check seeds the test users with other UUIDs.
ROWLESS_USER = str(uuid.UUID(int=0xDEAD))
SETTINGS = ROOT / "specc-check.json"


def _settings() -> dict[str, Any]:
    return dict(json.loads(SETTINGS.read_text(encoding="utf-8")))


def _setting(env: str, key: str) -> str:
    """$`env` when set (how `specc check` runs this), else `key` of SETTINGS."""
    value = os.environ.get(env)
    if value:
        return value
    settings = _settings()
    if key == "db" and settings.get("dialect", "sqlite") == "sqlite":
        return str((ROOT / settings["db"]).resolve())
    return str(settings[key])


# sqlite (a file), postgres or mysql (a scratch database on a server): the
# database `specc check --database` migrated.
DIALECT = str(_settings().get("dialect", "sqlite")) if SETTINGS.exists() else "sqlite"
# Values are parameters in each driver's paramstyle.
MARK = "?" if DIALECT == "sqlite" else "%s"


def connect(autocommit: bool = False) -> Any:
    """A new connection to the checked database: foreign keys on (sqlite), the
    session in UTC (the app writes UTC moments; MariaDB's DATETIME has no zone)."""
    db = _setting("SPECC_CHECK_DB", "db")
    if DIALECT == "postgres":
        import psycopg

        pg = psycopg.connect(dbname=db, autocommit=autocommit, **_settings()["connect"])
        pg.execute("SET TIME ZONE 'UTC'")
        if not autocommit:
            pg.commit()
        return pg
    if DIALECT == "mysql":
        import pymysql

        password = os.environ.get("SPECC_MYSQL_PASSWORD", "")
        my = pymysql.connect(database=db, password=password, autocommit=autocommit, charset="utf8mb4", **_settings()["connect"])
        with my.cursor() as cur:
            cur.execute("SET time_zone = '+00:00'")
        if not autocommit:
            my.commit()
        return my
    conn = sqlite3.connect(db, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def get_connection() -> Iterator[Any]:
    """One connection per request, closed afterwards."""
    conn = connect()
    try:
        yield conn
    finally:
        conn.close()


def get_current_user_id(request: Request) -> Any:
    """The seeded user for `Authorization: Bearer <TOKEN>`, the other seeded
    user for OTHER_TOKEN, the user stored before the migrations for
    LEGACY_TOKEN, ROWLESS_USER for ROWLESS_TOKEN; None otherwise."""
    header = request.headers.get("authorization")
    if header == f"Bearer {TOKEN}":
        return _setting("SPECC_CHECK_USER", "user")
    if header == f"Bearer {OTHER_TOKEN}":
        return _setting("SPECC_CHECK_OTHER_USER", "other_user")
    if header == f"Bearer {LEGACY_TOKEN}":
        return _setting("SPECC_CHECK_LEGACY_USER", "legacy_user")
    if header == f"Bearer {ROWLESS_TOKEN}":
        return ROWLESS_USER
    return None


def _load_app_module() -> Any:
    return importlib.import_module("specc_app.app")


@pytest.fixture(scope="session")
def specc_app() -> FastAPI:
    app: FastAPI = _load_app_module().create_app(
        get_connection=get_connection,
        get_current_user_id=get_current_user_id,
        dialect=DIALECT,
    )
    return app


@pytest.fixture(scope="session")
def specc_token() -> str:
    return TOKEN


@pytest.fixture(scope="session")
def specc_other_token() -> str:
    return OTHER_TOKEN


@pytest.fixture(scope="session")
def specc_rowless_token() -> str:
    return ROWLESS_TOKEN


@pytest.fixture(scope="session")
def specc_legacy_token() -> str:
    return LEGACY_TOKEN


def _quoted(name: str) -> str:
    """An SQL identifier: the names come from the generated tests (the spec's
    validated schema), never from data; values are always parameters."""
    if DIALECT == "mysql":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


class Seeder:
    """Inserts rows into the check database, each in its own transaction, and
    removes them again (`remove_since`), so seeded rows never meet the other
    tests (a cap or a page count would see them)."""

    def __init__(self, db: str, user: str, other_user: str, keys: Mapping[str, str] | None = None) -> None:
        self.db = db
        self.user = user
        self.other_user = other_user
        # Each table's primary key: what a seeded row is removed by on a
        # server (sqlite removes by rowid).
        self.keys = dict(keys or {})
        self._keys = itertools.count(10**12)
        self._values = itertools.count(1)
        self._inserted: list[tuple[str, str, Any]] = []  # (table, key column, value), oldest first

    def text(self, low: int, high: int | None) -> str:
        """A string of `low` to `high` characters no other call returns."""
        text = f"seed{next(self._values)}".ljust(low, "x")
        return text[-high:] if high is not None and len(text) > high else text

    def number(self, low: int, high: int) -> int:
        """An integer from `low` to `high`, a new one each call while any is left."""
        return low + next(self._values) % (high - low + 1)

    def mark(self) -> int:
        return len(self._inserted)

    def remove_since(self, mark: int) -> None:
        """Delete the rows inserted after `mark`, newest first."""
        conn = connect()
        try:
            cur = conn.cursor()
            while len(self._inserted) > mark:
                table, column, value = self._inserted.pop()
                cur.execute(f"DELETE FROM {_quoted(table)} WHERE {_quoted(column)} = {MARK}", (value,))
            conn.commit()
        finally:
            conn.close()

    def moment(self, when: datetime) -> str:
        """A UTC moment as text the database reads as that moment
        ('YYYY-MM-DD HH:MM:SS', in UTC: the session's zone)."""
        return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")

    def new_key(self, kind: str) -> Any:
        """A fresh primary key of `kind` ('uuid', 'int' or 'text')."""
        if kind == "int":
            return next(self._keys)
        return str(uuid.uuid4()) if kind == "uuid" else f"specc-seed-{uuid.uuid4().hex}"

    def insert(self, table: str, values: Mapping[str, Any], key: str | None = None) -> Any:
        """Insert one row; its `key` column's value, if asked for."""
        columns = ", ".join(_quoted(c) for c in values)
        marks = ", ".join(MARK for _ in values)
        sql = f"INSERT INTO {_quoted(table)} ({columns}) VALUES ({marks})"
        column = "rowid" if DIALECT == "sqlite" else self.keys[table]
        wanted = [column] + ([key] if key is not None else [])
        conn = connect()
        try:
            cur = conn.cursor()
            if DIALECT == "mysql":
                # No RETURNING: the key is the one given, or the identity made.
                cur.execute(sql, tuple(values.values()))
                found = values.get(column, cur.lastrowid)
                row: Any = [found]
                if key is not None:
                    cur.execute(f"SELECT {_quoted(key)} FROM {_quoted(table)} WHERE {_quoted(column)} = %s", (found,))
                    row.append(cur.fetchone()[0])
            else:
                cur.execute(sql + " RETURNING " + ", ".join(_quoted(c) if c != "rowid" else c for c in wanted), tuple(values.values()))
                row = cur.fetchone()
            conn.commit()
        finally:
            conn.close()
        self._inserted.append((table, column, row[0]))
        return row[1] if key is not None else None


@pytest.fixture(scope="session")
def specc_seed() -> Seeder:
    return Seeder(
        _setting("SPECC_CHECK_DB", "db"),
        _setting("SPECC_CHECK_USER", "user"),
        _setting("SPECC_CHECK_OTHER_USER", "other_user"),
        _settings().get("keys", {}),
    )
