"""The pytest conftest.py `specc check` writes next to the rendered tree.

It gives the generated contract tests what they ask for in-process: the
`specc_app` fixture (the generated app from `specc_app/app.py`, on the sqlite
database `specc check` migrated, as $SPECC_CHECK_DB) and `specc_token`, the
bearer token of the seeded test user ($SPECC_CHECK_USER), and
`specc_other_token`, the token of a second user ($SPECC_CHECK_OTHER_USER) that
resource tests use as the owner of rows the first user must not reach.  Without those
variables (a tree kept with `specc check --keep DIR`, re-run with plain
`python -m pytest DIR`) both come from `specc-check.json` next to this file,
which names the database relative to it.  This file is copied verbatim;
specc itself never imports it.
"""

from __future__ import annotations

import importlib
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
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
    user for OTHER_TOKEN; None otherwise."""
    header = request.headers.get("authorization")
    if header == f"Bearer {TOKEN}":
        return _setting("SPECC_CHECK_USER", "user")
    if header == f"Bearer {OTHER_TOKEN}":
        return _setting("SPECC_CHECK_OTHER_USER", "other_user")
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
