"""Every generated backfill, run for real on SQLite, PostgreSQL and MariaDB.

Against seeded rows (valid, invalid and over-cap legacy items, NULLs, junk
JSON, a user who already has rows written through the API), each backfill is
interrupted partway twice: once by a crash in the middle of a batch (which
must roll back whole) and once by a deliberate stop after some batches.  The
rerun must then finish, every source row must have moved exactly once, a
further run must change nothing, and the rollback must undo exactly what
the backfill did.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any, Callable

import pytest

from compiler import pypackage
from compiler.emit import render_tree
from compiler.ir import Project
from compiler.project import build_project
from targets.sql import render_schema
from tests.conftest import ROOT, SPECS

DEFAULT_THEME = """\
# yaml-language-server: $schema=../compiler/spec.schema.json
spec: 1
id: default-theme
title: Give every existing user the light theme
depends_on: [theme-preference-api]
backfills:
  default_theme:
    description: Existing users get the light theme; users who chose one keep it.
    table: users
    set: {theme: light}
    batch_size: 7
"""

N_USERS = 45
API_USER = 3  # already has a link written through the API before the backfill


def _uid(i: int) -> str:
    return f"00000000-0000-0000-0000-{i:012d}"


def _links(i: int) -> Any:
    """Legacy social_links of user i: a deterministic mix of shapes."""
    if i % 9 == 0:
        return None
    if i % 11 == 0:
        return {"website": "https://not-a-list.example"}  # not an array: nothing to move
    items: list[Any] = []
    for j in range(i % 13):
        if j % 5 == 3:
            items.append({"url": "javascript:alert(1)", "label": "bad"})  # forbidden scheme
        elif j % 7 == 5:
            items.append({"url": "https://x.example", "label": ""})  # empty label
        elif j % 6 == 4:
            items.append({"url": "https://www.notimdb.example/x", "label": "IMDb", "type": "imdb"})  # wrong host
        elif j % 4 == 2:
            items.append({"url": f"https://www.imdb.com/name/nm{i}{j}", "label": "IMDb", "type": "imdb"})
        else:
            items.append({"url": f"https://u{i}.example/{j}", "label": f"link {j}"})  # type defaults to other
    if i % 10 == 7:
        items.append("just a string")
    return items


def _expected_links() -> dict[str, list[tuple[int, str, str, str]]]:
    """What must be in profile_links after the backfill, computed independently."""
    out: dict[str, list[tuple[int, str, str, str]]] = {_uid(API_USER): [(0, "https://api.example", "mine", "website")]}
    for i in range(1, N_USERS + 1):
        if i == API_USER:
            continue
        raw = _links(i)
        rows: list[tuple[int, str, str, str]] = []
        for item in raw if isinstance(raw, list) else []:
            if not isinstance(item, dict) or len(rows) >= 10:
                continue
            url, label, kind = item["url"], item["label"], item.get("type", "other")
            if not url.startswith("https://") or not label or (kind == "imdb" and "imdb.com/" not in url):
                continue
            rows.append((len(rows), url, label, kind))
        if rows:
            out[_uid(i)] = rows
    return out


class Engine:
    """One database to run a backfill against, hiding each driver's quirks."""

    def __init__(self, dialect: str, connect: Callable[[], Any], run_script: Callable[[str], None]) -> None:
        self.dialect = dialect
        self.connect = connect
        self.run_script = run_script

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        conn = self.connect()
        try:
            cur = conn.cursor()
            cur.execute(sql.replace("?", "%s") if self.dialect != "sqlite" else sql)
            return [tuple(r) for r in cur.fetchall()]
        finally:
            conn.close()

    def execute(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        conn = self.connect()
        try:
            cur = conn.cursor()
            sql = sql.replace("?", "%s") if self.dialect != "sqlite" else sql
            for row in rows:
                cur.execute(sql, row)
            conn.commit()
        finally:
            conn.close()


def _load(tree: dict[PurePosixPath, str], path: PurePosixPath, tmp: Path) -> ModuleType:
    """The backfill module at `path` of `tree`, imported as a module of the
    generated package written under `tmp` (it imports the shared runtime)."""
    out = tmp / "out"
    for p, text in tree.items():
        if p.parts[0] == pypackage.PACKAGE:
            (out / Path(*p.parts)).parent.mkdir(parents=True, exist_ok=True)
            (out / Path(*p.parts)).write_text(text, "utf-8")
    return pypackage.import_module(out, ".".join(path.with_suffix("").parts[1:]))


def _seed(engine: Engine, project: Project) -> None:
    """The schema after every migration, with seeded legacy rows."""
    engine.run_script(render_schema(project.final_schema, engine.dialect))
    users = [
        (_uid(i), f"u{i}@example.com", f"user{i}", None if _links(i) is None else json.dumps(_links(i)), "dark" if i % 8 == 0 else None)
        for i in range(1, N_USERS + 1)
    ]
    engine.execute("INSERT INTO users (id, email, username, social_links, theme) VALUES (?, ?, ?, ?, ?)", users)
    engine.execute(
        "INSERT INTO profile_links (user_id, label, url, type, position) VALUES (?, ?, ?, ?, ?)",
        [(_uid(API_USER), "mine", "https://api.example", "website", 0)],
    )


class Crash(Exception):
    pass


def _interrupted_run(module: ModuleType, engine: Engine, batch_size: int) -> dict[str, int]:
    """Crash midway through batch 3, stop on purpose after 2 more, then finish."""
    calls = {"n": 0}

    def crash_in_batch_three(i: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2 * batch_size + 2:
            raise Crash

    conn = engine.connect()
    try:
        with pytest.raises(Crash):
            module.Backfill(conn, engine.dialect, batch_size, report=lambda _: None, after_row=crash_in_batch_three).run()
        conn.rollback()
        assert module.Backfill(conn, engine.dialect, batch_size).status()["rows_seen"] == 2 * batch_size
        lines: list[str] = []
        module.Backfill(conn, engine.dialect, batch_size, report=lines.append).run(max_batches=2)
        assert len(lines) == 2 and "batch 2" in lines[-1] and f"/{N_USERS} source rows" in lines[-1]
        status = module.Backfill(conn, engine.dialect, batch_size, report=lines.append).run()
        assert status["finished"] == 1 and status["rows_seen"] == N_USERS
        again = module.Backfill(conn, engine.dialect, batch_size, report=lines.append).run()
        assert again == status, "a finished backfill must change nothing"
        return status
    finally:
        conn.close()


def _links_in(engine: Engine) -> dict[str, list[tuple[int, str, str, str]]]:
    out: dict[str, list[tuple[int, str, str, str]]] = {}
    for user_id, position, url, label, kind in engine.query("SELECT user_id, position, url, label, type FROM profile_links ORDER BY user_id, position"):
        out.setdefault(str(user_id), []).append((int(position), url, label, kind))
    return out


def check_backfills(engine: Engine, tmp: Path) -> None:
    specs = tmp / "specs"
    shutil.copytree(SPECS, specs)
    (specs / "default-theme.yaml").write_text(DEFAULT_THEME)
    project: Project = build_project(specs, tmp)
    tree = render_tree(project)
    _seed(engine, project)

    # social links -> profile_links
    links = _load(tree, pypackage.backfill_module("profile-links-titles", "social_links_to_profile_links"), tmp)
    before = _links_in(engine)
    status = _interrupted_run(links, engine, batch_size=4)
    expected = _expected_links()
    assert _links_in(engine) == expected
    moved = sum(len(v) for k, v in expected.items() if k != _uid(API_USER))
    assert status["rows_changed"] == moved
    ledger = engine.query("SELECT source_key, target_key FROM specc_backfill_ledger")
    assert len(ledger) == moved == len({t for _s, t in ledger}), "every moved item is recorded exactly once"
    conn = engine.connect()
    try:
        assert links.Backfill(conn, engine.dialect, 5, report=lambda _: None).rollback() == moved
    finally:
        conn.close()
    assert _links_in(engine) == before

    # default theme on existing rows
    theme = _load(tree, pypackage.backfill_module("default-theme", "default_theme"), tmp)
    themes_before = dict(engine.query("SELECT id, theme FROM users"))
    status = _interrupted_run(theme, engine, batch_size=3)
    after = dict(engine.query("SELECT id, theme FROM users"))
    assert after == {k: (v if v is not None else "light") for k, v in themes_before.items()}
    assert status["rows_changed"] == sum(1 for v in themes_before.values() if v is None)
    conn = engine.connect()
    try:
        theme.Backfill(conn, engine.dialect, report=lambda _: None).rollback()
    finally:
        conn.close()
    assert dict(engine.query("SELECT id, theme FROM users")) == themes_before


def test_backfills_on_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "app.sqlite3"

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def run_script(sql: str) -> None:
        conn = connect()
        conn.executescript(sql)
        conn.close()

    check_backfills(Engine("sqlite", connect, run_script), tmp_path)


def test_backfills_on_postgres(pg_server, pg_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine = Engine("postgres", lambda: pg_server.connect(pg_db, autocommit=False), lambda sql: pg_server.run_sql(pg_db, sql))
    check_backfills(engine, tmp_path)


def test_backfills_on_mariadb(mysql_server, mysql_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine = Engine("mysql", lambda: mysql_server.connect(mysql_db, autocommit=False), lambda sql: mysql_server.run_sql(mysql_db, sql))
    check_backfills(engine, tmp_path)
