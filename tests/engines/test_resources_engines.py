"""Resource routes on real PostgreSQL and MariaDB (and sqlite, for comparison).

A small project with a list resource the user owns and an item resource owned
through the list (cap 3 per list, url unique per list) is rendered and served
in-process on each engine through its usual driver (psycopg, PyMySQL,
sqlite3).  The tests prove on the engine what the generated contract tests
can only prove on sqlite: that concurrent creates under one parent never pass
the cap (the parent row is locked with SELECT ... FOR UPDATE; sqlite takes its
write lock with BEGIN IMMEDIATE), that concurrent duplicates answer 409 and
never 500, and that the CRUD and paging semantics hold with each dialect's
SQL (RETURNING on PostgreSQL, lastrowid elsewhere, LIMIT parameters).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from compiler.emit import render_tree
from compiler.project import build_project
from targets.sql import render_schema
from tests.served_app import load_app_module, write_tree

ALICE = "00000000-0000-4000-8000-00000000a11c"
BOB = "00000000-0000-4000-8000-000000000b0b"
TOKENS = {"alice": ALICE, "bob": BOB}
CAP = 3
RACERS = 8

BASE = """\
CREATE TABLE users (
  id uuid PRIMARY KEY,
  email varchar(255) NOT NULL
);
"""

SPEC = f"""\
spec: 1
id: shelves
title: Shelves of links
tables:
  shelves:
    columns:
      id: {{type: id}}
      owner_id: {{type: ref, to: users, on_delete: cascade, nullable: false}}
      name: {{type: string, max: 40, nullable: false}}
  shelf_links:
    columns:
      id: {{type: id}}
      shelf_id: {{type: ref, to: shelves, on_delete: cascade, nullable: false}}
      url: {{type: url, nullable: false}}
      stars: {{type: int, min: 0, max: 5, nullable: false, default: 3}}
    indexes:
      - {{columns: [shelf_id, url], unique: true}}
    cap: {{max: {CAP}, per: shelf_id}}
resources:
  shelves:
    table: shelves
    path: /api/shelves
    item: shelf_id
    owner: [owner_id]
    methods: [create, list, get, update, delete]
    fields: [name]
  links:
    table: shelf_links
    path: /api/shelves/{{shelf_id}}/links
    item: link_id
    owner: [shelf_id, owner_id]
    not_owner: 403
    methods: [create, list, get, update, delete]
    fields: [url, stars]
    page: {{max: 10, default: 2}}
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    root = tmp_path_factory.mktemp("shelves")
    (root / "specs" / "base").mkdir(parents=True)
    (root / "specs" / "base" / "schema.sql").write_text(BASE)
    (root / "specs" / "shelves.yaml").write_text(SPEC)
    project = build_project(root / "specs", root)
    write_tree(render_tree(project), root / "tree")
    return project, root / "tree"


def _app(tree: Path, get_connection: Callable[..., Any], dialect: str) -> Any:
    def get_current_user_id(request: Request) -> Any:
        return TOKENS.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    module = load_app_module(tree)
    return module.create_app(get_connection=get_connection, get_current_user_id=get_current_user_id, dialect=dialect)


@pytest.fixture(params=["postgres", "mysql", "sqlite"])
def app(request: pytest.FixtureRequest, rendered: tuple[Any, Path], tmp_path: Path) -> Iterator[Any]:
    project, tree = rendered
    dialect = request.param
    ddl = render_schema(project.final_schema, dialect)
    users = [(ALICE, "alice@example.com"), (BOB, "bob@example.com")]
    if dialect == "postgres":
        server = request.getfixturevalue("pg_server")
        db = request.getfixturevalue("pg_db")
        server.run_sql(db, ddl)
        with server.connect(db) as conn:
            for row in users:
                conn.execute("INSERT INTO users (id, email) VALUES (%s, %s)", row)

        def get_connection() -> Iterator[Any]:
            conn = server.connect(db, autocommit=False)
            try:
                yield conn
            finally:
                conn.close()

    elif dialect == "mysql":
        server = request.getfixturevalue("mysql_server")
        db = request.getfixturevalue("mysql_db")
        server.run_sql(db, ddl)
        conn = server.connect(db)
        with conn.cursor() as cur:
            for row in users:
                cur.execute("INSERT INTO users (id, email) VALUES (%s, %s)", row)
        conn.close()

        def get_connection() -> Iterator[Any]:
            conn = server.connect(db, autocommit=False)
            try:
                yield conn
            finally:
                conn.close()

    else:
        path = tmp_path / "app.sqlite3"
        setup = sqlite3.connect(path)
        setup.executescript(ddl)
        with setup:
            setup.executemany("INSERT INTO users (id, email) VALUES (?, ?)", users)
        setup.close()

        def get_connection() -> Iterator[Any]:
            conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
            conn.execute("PRAGMA foreign_keys = ON")
            try:
                yield conn
            finally:
                conn.close()

    yield _app(tree, get_connection, dialect)


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {name}"}


ALICE_AUTH, BOB_AUTH = bearer("alice"), bearer("bob")


def _shelf(client: TestClient, headers: dict[str, str] = ALICE_AUTH, name: str = "s") -> int:
    response = client.post("/api/shelves", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _race(app: Any, url: str, bodies: list[dict[str, Any]]) -> list[Any]:
    """POST every body at once, one client per thread; the responses."""
    barrier = threading.Barrier(len(bodies))
    results: list[Any] = [None] * len(bodies)

    def run(i: int) -> None:
        with TestClient(app) as client:
            barrier.wait()
            results[i] = client.post(url, json=bodies[i], headers=ALICE_AUTH)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_crud_pages_and_ownership(app: Any) -> None:
    with TestClient(app) as client:
        shelf = _shelf(client, name="crud")
        made = client.post(f"/api/shelves/{shelf}/links", json={"url": "https://example.com/a"}, headers=ALICE_AUTH)
        assert made.status_code == 201, made.text
        link = made.json()
        assert made.headers["location"] == f"/api/shelves/{shelf}/links/{link['id']}"
        assert link["stars"] == 3  # the default, applied on create
        patched = client.patch(made.headers["location"], json={"stars": 5}, headers=ALICE_AUTH)
        assert patched.status_code == 200, patched.text
        assert patched.json() == {**link, "stars": 5}
        ids = [link["id"]]
        for n in range(2):
            ids.append(client.post(f"/api/shelves/{shelf}/links", json={"url": f"https://example.com/{n}"}, headers=ALICE_AUTH).json()["id"])
        seen, params = [], {}
        while True:
            page = client.get(f"/api/shelves/{shelf}/links", params=params, headers=ALICE_AUTH).json()
            assert len(page["items"]) <= 2
            seen += [row["id"] for row in page["items"]]
            if page["next_cursor"] is None:
                break
            params = {"cursor": page["next_cursor"]}
        assert seen == sorted(ids)
        theirs = _shelf(client, BOB_AUTH, "theirs")
        assert client.get(f"/api/shelves/{theirs}/links", headers=ALICE_AUTH).status_code == 403
        assert client.get(f"/api/shelves/{theirs}", headers=ALICE_AUTH).status_code == 404  # shelves hide others' rows
        assert client.get(f"/api/shelves/{shelf}/links/{link['id']}", headers=BOB_AUTH).status_code == 403
        assert client.delete(f"/api/shelves/{shelf}/links/{link['id']}", headers=BOB_AUTH).status_code == 403
        assert client.get(f"/api/shelves/{shelf}/links/abc", headers=ALICE_AUTH).status_code == 422
        assert client.delete(f"/api/shelves/{shelf}/links/{link['id']}", headers=ALICE_AUTH).status_code == 204
        assert client.get(f"/api/shelves/{shelf}/links/{link['id']}", headers=ALICE_AUTH).status_code == 404
        assert client.delete(f"/api/shelves/{shelf}", headers=ALICE_AUTH).status_code == 204


def test_concurrent_creates_never_pass_the_cap(app: Any) -> None:
    with TestClient(app) as client:
        for trial in range(3):
            shelf = _shelf(client, name=f"race-{trial}")
            for n in range(CAP - 1):
                ok = client.post(f"/api/shelves/{shelf}/links", json={"url": f"https://example.com/pre/{n}"}, headers=ALICE_AUTH)
                assert ok.status_code == 201, ok.text
            bodies = [{"url": f"https://example.com/race/{trial}/{i}"} for i in range(RACERS)]
            results = _race(app, f"/api/shelves/{shelf}/links", bodies)
            statuses = sorted(r.status_code for r in results)
            assert statuses == [201] + [409] * (RACERS - 1), [r.text for r in results]
            assert all(r.json()["errors"][0]["code"] == "cap_exceeded" for r in results if r.status_code == 409)
            rows = client.get(f"/api/shelves/{shelf}/links", params={"limit": 10}, headers=ALICE_AUTH).json()["items"]
            assert len(rows) == CAP


def test_concurrent_duplicates_are_409_never_500(app: Any) -> None:
    with TestClient(app) as client:
        shelf = _shelf(client, name="dupes")
    results = _race(app, f"/api/shelves/{shelf}/links", [{"url": "https://example.com/same"}] * CAP)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] + [409] * (CAP - 1), [r.text for r in results]
    for r in results:
        if r.status_code == 409:
            assert r.json() == {"errors": [{"path": "url", "code": "conflict", "message": "another shelf_links already has this value"}]}
