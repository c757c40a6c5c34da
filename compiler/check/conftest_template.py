"""The pytest conftest.py `specc check` writes next to the rendered tree.

It gives the generated contract tests what they ask for in-process: the
`specc_app` fixture (the generated app from `specc_app/app.py`, on the sqlite
database `specc check` migrated, as $SPECC_CHECK_DB) and `specc_token`, the
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


def _setting(env: str, key: str) -> str:
    """$`env` when set (how `specc check` runs this), else `key` of SETTINGS."""
    value = os.environ.get(env)
    if value:
        return value
    settings = json.loads(SETTINGS.read_text(encoding="utf-8"))
    if key == "db":
        return str((ROOT / settings["db"]).resolve())
    return str(settings[key])


def get_connection() -> Iterator[sqlite3.Connection]:
    """One connection per request, foreign keys enforced, closed afterwards."""
    conn = sqlite3.connect(_setting("SPECC_CHECK_DB", "db"), check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
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
        dialect="sqlite",
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
    return '"' + name.replace('"', '""') + '"'


class Seeder:
    """Inserts rows into the check database, each in its own transaction, and
    removes them again (`remove_since`), so seeded rows never meet the other
    tests (a cap or a page count would see them)."""

    def __init__(self, db: str, user: str, other_user: str) -> None:
        self.db = db
        self.user = user
        self.other_user = other_user
        self._keys = itertools.count(10**12)
        self._values = itertools.count(1)
        self._inserted: list[tuple[str, int]] = []  # (table, rowid), oldest first

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
        conn = sqlite3.connect(self.db)
        try:
            with conn:
                conn.execute("PRAGMA foreign_keys = ON")
                while len(self._inserted) > mark:
                    table, rowid = self._inserted.pop()
                    conn.execute(f"DELETE FROM {_quoted(table)} WHERE rowid = ?", (rowid,))
        finally:
            conn.close()

    def moment(self, when: datetime) -> str:
        """A UTC moment as the sqlite database stores it ('YYYY-MM-DD HH:MM:SS')."""
        return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")

    def new_key(self, kind: str) -> Any:
        """A fresh primary key of `kind` ('uuid', 'int' or 'text')."""
        if kind == "int":
            return next(self._keys)
        return str(uuid.uuid4()) if kind == "uuid" else f"specc-seed-{uuid.uuid4().hex}"

    def insert(self, table: str, values: Mapping[str, Any], key: str | None = None) -> Any:
        """Insert one row; its `key` column's value, if asked for."""
        columns = ", ".join(_quoted(c) for c in values)
        marks = ", ".join("?" for _ in values)
        returning = "rowid" + (f", {_quoted(key)}" if key is not None else "")
        sql = f"INSERT INTO {_quoted(table)} ({columns}) VALUES ({marks}) RETURNING {returning}"
        conn = sqlite3.connect(self.db)
        try:
            with conn:
                conn.execute("PRAGMA foreign_keys = ON")
                row = conn.execute(sql, tuple(values.values())).fetchone()
        finally:
            conn.close()
        self._inserted.append((table, row[0]))
        return row[1] if key is not None else None


@pytest.fixture(scope="session")
def specc_seed() -> Seeder:
    return Seeder(
        _setting("SPECC_CHECK_DB", "db"),
        _setting("SPECC_CHECK_USER", "user"),
        _setting("SPECC_CHECK_OTHER_USER", "other_user"),
    )
