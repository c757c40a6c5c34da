"""What the generated app answers when input is hostile or the database
fails: always the documented error shape as JSON, never a text/plain 500,
and every 405 naming every method of its path."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from fastapi.testclient import TestClient

from compiler.ir import Project
from tests.served_app import Served, bearer, serve

PROFILE = "/api/me/profile"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "FOO")

# Strings no database stores as text, and the error each one must give.
UNSTORABLE = {
    "nul": "a\x00b",
    "nul only": "\x00",
    "leading nul": "\x00abc",
    "lone high surrogate": "ab\ud800",
    "lone low surrogate": "\udfffx",
    "reversed pair": "\udc00\ud800",
}
# Strings that every database stores and counts as their code points.
STORABLE = ("é" * 40, "😀" * 40, "e\u0301" * 20, "\u200b\ufeff" * 10, "\U0010ffff" * 40, "'; --", "\t\n")


@pytest.fixture(scope="module")
def served(project: Project, tree: dict[PurePosixPath, str], tmp_path_factory: pytest.TempPathFactory) -> Served:
    return serve(project, tree, tmp_path_factory.mktemp("served-errors"))


@pytest.fixture
def client(served: Served) -> TestClient:
    return TestClient(served.app, raise_server_exceptions=False)


def _link(label: str) -> dict[str, Any]:
    return {"label": label, "url": "https://example.com/x", "type": "other", "position": 1}


def _patch(client: TestClient, body: Any, who: str = "alice") -> Any:
    """PATCH with the body as ASCII JSON, so lone surrogates travel as the
    `\\udXXX` escapes a real client would send."""
    headers = {**bearer(who), "content-type": "application/json"}
    return client.patch(PROFILE, content=json.dumps(body).encode(), headers=headers)


def _assert_error_shape(response: Any) -> list[dict[str, str]]:
    assert response.headers["content-type"].startswith("application/json"), response.text
    errors = response.json()["errors"]
    assert errors and all(set(e) == {"path", "code", "message"} for e in errors)
    return errors


@pytest.mark.parametrize("name", sorted(UNSTORABLE))
def test_text_no_database_can_store_is_a_422_in_every_string_field(client: TestClient, served: Served, name: str) -> None:
    before = served.sql("SELECT COUNT(*) FROM profile_links")
    for body, path in (
        ({"links": [_link(UNSTORABLE[name])]}, "links[0].label"),
        ({"title": UNSTORABLE[name]}, "title"),
    ):
        response = _patch(client, body)
        assert response.status_code == 422, response.text
        errors = _assert_error_shape(response)
        assert {"path": path, "code": "invalid_text"} == {k: errors[0][k] for k in ("path", "code")}
    assert served.sql("SELECT COUNT(*) FROM profile_links") == before


def test_raw_json_escapes_of_nul_and_surrogates_are_refused(client: TestClient) -> None:
    for raw in ('{"title": "\\u0000"}', '{"title": "\\ud83d"}', '{"links": [{"label": "\\u0000x", "url": "https://example.com/", "type": "other", "position": 0}]}'):
        response = client.patch(PROFILE, content=raw.encode(), headers={**bearer("alice"), "content-type": "application/json"})
        assert response.status_code == 422, response.text
        assert _assert_error_shape(response)[0]["code"] == "invalid_text"


@pytest.mark.parametrize("text", STORABLE)
def test_storable_text_round_trips_and_lengths_agree_with_the_database(client: TestClient, served: Served, text: str) -> None:
    """The validator, sqlite's LENGTH() and JSON Schema's maxLength all count
    code points: a 40-code-point label of astral characters is stored."""
    response = client.patch(PROFILE, json={"links": [_link(text)]}, headers=bearer("alice"))
    assert response.status_code == 200, response.text
    assert response.json()["links"][0]["label"] == text
    assert served.sql("SELECT LENGTH(label) FROM profile_links") == [(len(text),)]
    too_long = client.patch(PROFILE, json={"links": [_link(text + "x" * (41 - len(text)))]}, headers=bearer("alice"))
    assert too_long.status_code == 422 and _assert_error_shape(too_long)[0]["code"] == "too_long"


def test_a_constraint_the_validator_does_not_know_is_a_json_422(client: TestClient, served: Served) -> None:
    served.sql(
        "CREATE TRIGGER no_secret BEFORE INSERT ON profile_links WHEN NEW.label = 'secret' "
        "BEGIN SELECT RAISE(ABORT, 'profile_links.label secret internals'); END"
    )
    try:
        response = client.patch(PROFILE, json={"title": "kept?", "links": [_link("secret")]}, headers=bearer("alice"))
    finally:
        served.sql("DROP TRIGGER no_secret")
    assert response.status_code == 422, response.text
    assert _assert_error_shape(response)[0]["code"] == "constraint"
    assert "internals" not in response.text and "profile_links" not in response.text
    assert response.headers["cache-control"] == "no-store"
    assert client.get(PROFILE, headers=bearer("alice")).json()["title"] != "kept?"  # rolled back


def test_an_unavailable_database_is_a_json_503_on_every_endpoint(project: Project, tree: dict[PurePosixPath, str], tmp_path: Path) -> None:
    served = serve(project, tree, tmp_path)
    (served.db).unlink()
    served.db.mkdir()  # sqlite3.connect now fails: OperationalError
    client = TestClient(served.app, raise_server_exceptions=False)
    paths = _paths(served.app)
    assert len(paths) >= 3
    for path, methods in paths.items():
        for method in sorted(methods):
            response = client.request(method, path, json={}, headers=bearer("alice"))
            assert response.status_code == 503, (method, path, response.text)
            assert _assert_error_shape(response)[0]["code"] == "unavailable"
            assert "sqlite" not in response.text.lower()


def _paths(app: Any) -> dict[str, set[str]]:
    """Every generated path and its methods, as the app publishes them."""
    return {path: {m.upper() for m in ops} for path, ops in app.openapi()["paths"].items()}


def test_every_405_lists_every_method_of_its_path(client: TestClient, served: Served) -> None:
    by_path = _paths(served.app)
    assert by_path[PROFILE] == {"GET", "PATCH"}
    assert len(by_path) >= 3
    for path, methods in by_path.items():
        for method in METHODS:
            if method in methods:
                continue
            response = client.request(method, path, headers=bearer("alice"))
            assert response.status_code == 405, (method, path)
            assert response.headers["allow"] == ", ".join(sorted(methods)), (method, path)
            if method != "HEAD":
                assert _assert_error_shape(response)[0]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("name", "attrs", "status", "code"),
    [
        ("IntegrityError", {"sqlstate": "23505"}, 409, "conflict"),
        ("IntegrityError", {"sqlstate": "23514"}, 422, "constraint"),
        ("IntegrityError", {"args": (1062, "Duplicate entry 'x' for key 'k'")}, 409, "conflict"),
        ("IntegrityError", {"args": ("UNIQUE constraint failed: t.c",)}, 409, "conflict"),
        ("IntegrityError", {"args": ("CHECK constraint failed: ck",)}, 422, "constraint"),
        ("DataError", {"args": ("text fields cannot contain NUL (0x00) bytes",)}, 422, "invalid_value"),
        ("OperationalError", {"args": ("database is locked",)}, 503, "unavailable"),
        ("InterfaceError", {}, 503, "unavailable"),
        ("ProgrammingError", {"args": ("no such table: users",)}, 500, "internal"),
        ("KeyError", {}, 500, "internal"),
    ],
)
def test_driver_errors_map_to_the_documented_statuses(served: Served, name: str, attrs: dict[str, Any], status: int, code: str) -> None:
    """Drivers share DB-API exception names, not classes (psycopg, PyMySQL, sqlite3)."""
    runtime = served.app_module.runtime
    base = type(name, (Exception,), {})
    exc = base(*attrs.get("args", ()))
    for key, value in attrs.items():
        if key != "args":
            setattr(exc, key, value)
    response = runtime.database_failure(exc, {"Vary": "Authorization"})
    assert response.status_code == status
    assert response.headers["cache-control"] == "no-store" and response.headers["vary"] == "Authorization"
    body = json.loads(response.body)
    assert body["errors"][0]["code"] == code
    assert "users" not in response.body.decode() and "NUL" not in response.body.decode()


def test_sqlite_counts_code_points_like_the_validator() -> None:
    conn = sqlite3.connect(":memory:")
    for text in STORABLE:
        assert conn.execute("SELECT LENGTH(?)", (text,)).fetchone() == (len(text),)
    assert conn.execute("SELECT LENGTH(?)", ("ab\x00cd",)).fetchone() == (2,)  # why NUL must be refused
