"""Serve a rendered tree in-process on a migrated sqlite database, for tests.

Shared by the routes-target tests: writes the tree, builds the database the
way `specc check` does (base schema, then every sqlite up migration), seeds
users, and builds the generated app with test hooks that map bearer tokens
to user ids.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from fastapi import Request

from compiler import pypackage
from compiler.check import db as check_db
from compiler.ir import Project

ALICE = "00000000-0000-4000-8000-00000000a11c"
BOB = "00000000-0000-4000-8000-000000000b0b"
GHOST = "00000000-0000-4000-8000-0000000000ff"  # signed in, but has no users row
TOKENS = {"alice": ALICE, "bob": BOB, "ghost": GHOST}


@dataclass
class Served:
    """A generated app on its own database."""

    app: Any
    db: Path
    app_module: Any
    get_connection: Any = None
    get_current_user_id: Any = None

    def create_app(self, **options: Any) -> Any:
        """Another app of the same module on the same database and hooks,
        e.g. with `services=`."""
        return self.app_module.create_app(
            get_connection=self.get_connection, get_current_user_id=self.get_current_user_id, dialect="sqlite", **options
        )

    def sql(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(self.db)
        try:
            with conn:
                return list(conn.execute(statement, params))
        finally:
            conn.close()


def write_tree(tree: dict[PurePosixPath, str], out: Path) -> None:
    for path, text in tree.items():
        target = out / Path(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def load_app_module(out: Path) -> Any:
    """`specc_app.app` of the tree written under `out`."""
    return pypackage.import_module(out, "app")


def serve(project: Project, tree: dict[PurePosixPath, str], root: Path) -> Served:
    out = root / "tree"
    write_tree(tree, out)
    db = root / "app.sqlite3"
    check_db.create_base(db, project.base)
    for spec in project.specs:
        if spec.has_migration:
            check_db.run_script(db, tree[PurePosixPath(spec.id) / "migrations" / "sqlite" / "up.sql"])
    conn = sqlite3.connect(db)
    with conn:
        for name, user_id in (("alice", ALICE), ("bob", BOB)):
            conn.execute(
                "INSERT INTO users (id, email, username) VALUES (?, ?, ?)",
                (user_id, f"{name}@example.com", name),
            )
    conn.close()

    def get_connection() -> Iterator[sqlite3.Connection]:
        c = sqlite3.connect(db, check_same_thread=False)
        c.execute("PRAGMA foreign_keys = ON")
        try:
            yield c
        finally:
            c.close()

    def get_current_user_id(request: Request) -> Any:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        return TOKENS.get(token)

    module = load_app_module(out)
    app = module.create_app(get_connection=get_connection, get_current_user_id=get_current_user_id, dialect="sqlite")
    return Served(app, db, module, get_connection, get_current_user_id)


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {name}"}
