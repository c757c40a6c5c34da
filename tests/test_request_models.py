"""The pydantic request models keep the answers the routes gave before them.

FastAPI now reads every body into its generated model; the model delegates to
the spec's validators.  These requests pin down what must not change: the
codes and paths of the error shape (never FastAPI's `{"detail": ...}`), 401
before any 422, bad JSON and bodies without a JSON content type, the cache
headers of errors, and that the handler gets exactly the cleaned body.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from compiler.emit import render_tree  # noqa: E402
from compiler.project import build_project  # noqa: E402
from tests.served_app import bearer, serve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PREFS = "/api/me/preferences"
PROFILE = "/api/me/profile"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    project = build_project(ROOT / "specs", ROOT)
    served = serve(project, render_tree(project), tmp_path_factory.mktemp("models"))
    return TestClient(served.app)


def _codes(response: Any) -> list[tuple[str, str]]:
    body = response.json()
    assert set(body) == {"errors"}, body
    return [(e["path"], e["code"]) for e in body["errors"]]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"json": {"theme": "blue"}}, [("theme", "enum")]),
        ({"json": {"theme": 3}}, [("theme", "type")]),
        ({"json": {"theme": "dark", "font": "x"}}, [("font", "unknown_field")]),
        ({"json": [1]}, [("", "type")]),
        ({"json": None}, [("", "type")]),
        ({"content": b"{not json"}, [("", "type")]),
        ({"content": b""}, [("", "type")]),
        ({"content": b"\xff\xfe"}, [("", "type")]),
        ({"content": b'{"theme": "blue"}', "headers": {"content-type": "text/plain"}}, [("theme", "enum")]),
    ],
)
def test_preferences_errors_keep_their_codes(client: TestClient, kwargs: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    headers = {**bearer("alice"), **kwargs.pop("headers", {})}
    response = client.patch(PREFS, headers=headers, **kwargs)
    assert response.status_code == 422
    assert _codes(response) == expected
    assert response.headers["cache-control"] == "no-store"


def test_not_nullable_and_nested_paths(client: TestClient) -> None:
    links = [
        {"label": "a", "url": "javascript:alert(1)", "type": "website", "position": 0},
        {"label": None, "url": "https://example.com/", "type": "website", "position": 1},
        {"label": "c"},
    ]
    response = client.patch(PROFILE, headers=bearer("alice"), json={"links": links})
    assert response.status_code == 422
    codes = _codes(response)
    assert ("links[0].url", "url_scheme") in codes
    assert ("links[1].label", "not_nullable") in codes
    assert ("links[2].url", "required") in codes, codes


@pytest.mark.parametrize("content", [b"{not json", b'{"theme": "blue"}', b'{"theme": "dark"}'])
def test_401_comes_before_any_422(client: TestClient, content: bytes) -> None:
    response = client.patch(PREFS, content=content, headers={"content-type": "application/json"})
    assert response.status_code == 401
    assert _codes(response) == [("", "unauthorized")]


def test_resource_key_is_checked_before_the_body(client: TestClient) -> None:
    response = client.post("/api/reading-lists/abc/items", headers=bearer("alice"), json={})
    assert response.status_code == 422
    assert _codes(response) == [("list_id", "type")]


def test_valid_body_reaches_the_handler_cleaned(client: TestClient) -> None:
    body = {"links": [{"label": "Site", "url": "HTTPS://Example.COM:443/a", "type": "website", "position": 1}]}
    response = client.patch(PROFILE, headers=bearer("alice"), json=body)
    assert response.status_code == 200, response.text
    assert response.json()["links"][0]["url"] == "https://example.com/a"
    # PATCH: an absent field is left as it is (the model's default is never used).
    before = client.get(PREFS, headers=bearer("alice")).json()
    assert client.patch(PREFS, headers=bearer("alice"), json={}).json() == before
