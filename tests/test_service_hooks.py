"""Service hooks: `before_<operationId>` / `after_<operationId>` functions a
team writes in its own module (specc never writes it) and passes to
`create_app(services=...)`.  They change the body or the result, run in the
request's transaction (their writes commit or roll back with the generated
work), and a ValidationFailed from one is a 422 in the usual error shape."""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from compiler.ir import Project
from tests.served_app import ALICE, Served, bearer, serve

PROFILE = "/api/me/profile"
PREFERENCES = "/api/me/preferences"
STATS = "/api/dashboard/stats"


@pytest.fixture
def served(project: Project, tree: dict[PurePosixPath, str], tmp_path: Path) -> Served:
    """A fresh database per test: the hooks write, and each test counts rows."""
    return serve(project, tree, tmp_path)


def _client(served: Served, services: Any) -> TestClient:
    return TestClient(served.create_app(services=services), raise_server_exceptions=False)


def _validation(served: Served) -> Any:
    """The generated package's validators module (FieldError, ValidationFailed),
    the classes the generated routes catch."""
    for routes in served.app_module.ROUTES:
        if routes.SPEC_ID == "profile-links-titles":
            return routes.validators
    raise AssertionError("profile-links-titles routes are missing")


def _title(served: Served) -> Any:
    return served.sql("SELECT title FROM users WHERE id = ?", (ALICE,))[0][0]


def _links(served: Served) -> list[tuple[Any, ...]]:
    return served.sql("SELECT label, position FROM profile_links WHERE user_id = ? ORDER BY position", (ALICE,))


def _link(label: str, position: int) -> dict[str, Any]:
    return {"label": label, "url": "https://example.com/x", "type": "other", "position": position}


def test_a_before_hook_that_changes_the_body_is_what_is_stored(served: Served) -> None:
    seen: list[tuple[Any, Any]] = []

    def before_updateProfile(cur: Any, user_id: Any, data: Any, query: Any) -> Any:
        seen.append((user_id, dict(data)))
        return {**data, "title": data["title"].upper()}

    client = _client(served, SimpleNamespace(before_updateProfile=before_updateProfile))
    response = client.patch(PROFILE, json={"title": "engineer"}, headers=bearer("alice"))
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "ENGINEER"
    assert _title(served) == "ENGINEER"
    # It gets the signed-in user and the body after validation.
    assert seen == [(ALICE, {"title": "engineer"})]


def test_an_after_hook_that_changes_the_result_is_what_is_answered(served: Served) -> None:
    def after_getProfile(cur: Any, user_id: Any, result: Any) -> Any:
        # The hook's cursor is the request's: it sees the same database.
        cur.execute("SELECT COUNT(*) FROM profile_links WHERE user_id = ?", (user_id,))
        return {**result, "link_count": cur.fetchone()[0]}

    client = _client(served, SimpleNamespace(after_getProfile=after_getProfile))
    assert client.patch(PROFILE, json={"links": [_link("a", 1), _link("b", 2)]}, headers=bearer("alice")).status_code == 200
    response = client.get(PROFILE, headers=bearer("alice"))
    assert response.status_code == 200, response.text
    assert response.json()["link_count"] == 2
    assert [link["label"] for link in response.json()["links"]] == ["a", "b"]
    # Only getProfile has the hook: updateProfile answers as generated.
    assert "link_count" not in client.patch(PROFILE, json={"title": "x"}, headers=bearer("alice")).json()


def test_a_before_hook_raising_validation_failed_is_a_422_and_writes_nothing(served: Served) -> None:
    validators = _validation(served)

    def before_updateProfile(cur: Any, user_id: Any, data: Any, query: Any) -> Any:
        cur.execute("UPDATE users SET title = 'written by the hook' WHERE id = ?", (user_id,))
        if data.get("title") == "admin":
            raise validators.ValidationFailed([validators.FieldError("title", "reserved", "this title is reserved")])
        return data

    client = _client(served, SimpleNamespace(before_updateProfile=before_updateProfile))
    response = client.patch(PROFILE, json={"title": "admin", "links": [_link("a", 1)]}, headers=bearer("alice"))
    assert response.status_code == 422, response.text
    assert response.json() == {"errors": [{"path": "title", "code": "reserved", "message": "this title is reserved"}]}
    assert response.headers["cache-control"] == "no-store"
    assert _title(served) is None
    assert _links(served) == []


def test_a_hook_write_is_rolled_back_when_the_generated_work_fails(served: Served) -> None:
    def before_updateProfile(cur: Any, user_id: Any, data: Any, query: Any) -> Any:
        cur.execute("UPDATE users SET title = 'written by the hook' WHERE id = ?", (user_id,))
        return data

    client = _client(served, SimpleNamespace(before_updateProfile=before_updateProfile))
    # The generated cap check fails (11 links, the cap is 10): 422.
    over_cap = [_link(f"l{i}", i) for i in range(11)]
    response = client.patch(PROFILE, json={"links": over_cap}, headers=bearer("alice"))
    assert response.status_code == 422, response.text
    assert [e["code"] for e in response.json()["errors"]] == ["cap_exceeded"]
    assert _title(served) is None and _links(served) == []
    # The database refuses the generated INSERT: 409.  (The hook's body is not
    # validated again; here it puts two links at one position.)
    def before_duplicating(cur: Any, user_id: Any, data: Any, query: Any) -> Any:
        cur.execute("UPDATE users SET title = 'written by the hook' WHERE id = ?", (user_id,))
        return {**data, "links": [_link("a", 1), _link("b", 1)]}

    duplicating = _client(served, SimpleNamespace(before_updateProfile=before_duplicating))
    response = duplicating.patch(PROFILE, json={"links": [_link("a", 1)]}, headers=bearer("alice"))
    assert response.status_code == 409, response.text
    assert _title(served) is None and _links(served) == []
    # The same hook with work that succeeds commits both.
    assert client.patch(PROFILE, json={"links": [_link("a", 1)]}, headers=bearer("alice")).status_code == 200
    assert _title(served) == "written by the hook" and _links(served) == [("a", 1)]


def _raises(cur: Any, user_id: Any, result: Any) -> Any:
    raise RuntimeError("the team's code broke")


def _not_json(cur: Any, user_id: Any, result: Any) -> Any:
    return {**result, "broke": object()}


@pytest.mark.parametrize("after_updateProfile", [_raises, _not_json], ids=["raises", "not-json"])
def test_an_after_hook_failing_rolls_back_the_generated_writes(served: Served, after_updateProfile: Any) -> None:

    client = _client(served, SimpleNamespace(after_updateProfile=after_updateProfile))
    response = client.patch(PROFILE, json={"title": "kept?", "links": [_link("a", 1)]}, headers=bearer("alice"))
    assert response.status_code == 500, response.text
    assert response.json() == {"errors": [{"path": "", "code": "internal", "message": "internal error"}]}
    assert "broke" not in response.text
    assert _title(served) is None and _links(served) == []


@pytest.mark.parametrize("hook", ["before_updateProfile", "after_updateProfile"])
def test_a_hook_that_returns_nothing_is_a_500_and_writes_nothing(served: Served, hook: str) -> None:
    def forgot_to_return(*args: Any) -> None:
        return None

    client = _client(served, SimpleNamespace(**{hook: forgot_to_return}))
    response = client.patch(PROFILE, json={"title": "x"}, headers=bearer("alice"))
    assert response.status_code == 500, response.text
    assert response.json()["errors"][0]["code"] == "internal"
    assert _title(served) is None


def test_a_user_without_a_row_is_401_and_the_hook_write_is_rolled_back(served: Served) -> None:
    calls: list[str] = []

    def before_updateProfile(cur: Any, user_id: Any, data: Any, query: Any) -> Any:
        cur.execute("UPDATE users SET title = 'hook' WHERE id = ?", (ALICE,))
        return data

    def after_updateProfile(cur: Any, user_id: Any, result: Any) -> Any:
        calls.append("after")
        return result

    services = SimpleNamespace(before_updateProfile=before_updateProfile, after_updateProfile=after_updateProfile)
    response = _client(served, services).patch(PROFILE, json={"title": "x"}, headers=bearer("ghost"))
    assert response.status_code == 401, response.text
    assert _title(served) is None
    assert calls == []


def test_read_and_aggregate_hooks_get_no_body_and_the_cleaned_query(served: Served) -> None:
    seen: dict[str, Any] = {}

    def before_getDashboardStats(cur: Any, user_id: Any, data: Any, query: Any) -> Any:
        seen["stats"] = (data, dict(query))
        return data

    def before_getPreferences(cur: Any, user_id: Any, data: Any, query: Any) -> Any:
        seen["preferences"] = (data, query)
        return data

    services = SimpleNamespace(before_getDashboardStats=before_getDashboardStats, before_getPreferences=before_getPreferences)
    client = _client(served, services)
    assert client.get(STATS, headers=bearer("alice")).status_code == 200
    assert client.get(PREFERENCES, headers=bearer("alice")).status_code == 200
    data, query = seen["stats"]
    assert data is None and query  # the defaults applied by the validator
    assert seen["preferences"] == (None, None)


def _transcript(client: TestClient, served: Served) -> list[Any]:
    answers = []
    for method, path, body in (
        ("GET", PROFILE, None),
        ("PATCH", PROFILE, {"title": "t", "links": [_link("a", 1)]}),
        ("PATCH", PROFILE, {"title": "x" * 101}),
        ("GET", PREFERENCES, None),
        ("PATCH", PREFERENCES, {"theme": "dark"}),
        ("GET", STATS, None),
    ):
        response = client.request(method, path, json=body, headers=bearer("alice"))
        answers.append((response.status_code, response.json() if response.content else None))
    answers.append(served.sql("SELECT title, theme FROM users WHERE id = ?", (ALICE,)))
    answers.append(_links(served))
    return answers


def test_without_hooks_the_routes_answer_as_generated(
    project: Project, tree: dict[PurePosixPath, str], tmp_path: Path
) -> None:
    """No services, services with none of the hook names, and services with
    hooks for other endpoints: the same answers and the same rows."""
    transcripts = []
    for i, services in enumerate((None, SimpleNamespace(get_connection=None, unrelated=1), SimpleNamespace(before_noSuchOperation=lambda *a: 1))):
        served = serve(project, tree, tmp_path / str(i))
        client = TestClient(served.app if services is None else served.create_app(services=services))
        transcripts.append(_transcript(client, served))
    assert transcripts[0] == transcripts[1] == transcripts[2]
    assert transcripts[0][1][1]["title"] == "t"
    runtime = served.app_module.runtime
    assert runtime.service_hooks(None, "getProfile") == (None, None)
    assert runtime.service_hooks(SimpleNamespace(), "getProfile") == (None, None)


def test_a_hook_that_is_not_a_function_is_refused_when_the_app_is_built(served: Served) -> None:
    with pytest.raises(TypeError, match="before_getProfile must be a function"):
        served.create_app(services=SimpleNamespace(before_getProfile="not callable"))


def test_app_from_hooks_passes_the_hooks_module_as_services(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    module = ModuleType("specc_test_service_hooks")
    module.DIALECT = "sqlite"  # type: ignore[attr-defined]
    module.get_connection = served.get_connection  # type: ignore[attr-defined]
    module.get_current_user_id = served.get_current_user_id  # type: ignore[attr-defined]
    module.after_getPreferences = lambda cur, user_id, result: {**result, "hooked": True}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setenv(served.app_module.HOOKS_ENV, module.__name__)
    client = TestClient(served.app_module.app_from_hooks())
    response = client.get(PREFERENCES, headers=bearer("alice"))
    assert response.status_code == 200, response.text
    assert response.json()["hooked"] is True


# --- resource operations (`<resource>_<method>`) ---------------------------------------------

LISTS = "/api/reading-lists"


def _make_list(client: TestClient, name: str, who: str = "alice") -> int:
    response = client.post(LISTS, json={"name": name}, headers=bearer(who))
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _item(title: str = "An article") -> dict[str, Any]:
    return {"url": "https://example.com/a", "title": title}


def test_resource_hooks_change_the_body_and_the_result_after_ownership_is_checked(served: Served) -> None:
    seen: list[tuple[Any, Any, Any]] = []

    def before_items_create(cur: Any, user_id: Any, data: Any, keys: Any) -> Any:
        seen.append((user_id, dict(data), dict(keys)))
        return {**data, "title": data["title"].upper()}

    def after_items_get(cur: Any, user_id: Any, result: Any) -> Any:
        return {**result, "hooked": True}

    client = _client(served, SimpleNamespace(before_items_create=before_items_create, after_items_get=after_items_get))
    list_id = _make_list(client, "mine")
    created = client.post(f"{LISTS}/{list_id}/items", json=_item(), headers=bearer("alice"))
    assert created.status_code == 201, created.text
    assert created.json()["title"] == "AN ARTICLE"
    stored = served.sql("SELECT title FROM reading_list_items WHERE list_id = ?", (list_id,))
    assert stored == [("AN ARTICLE",)]
    assert seen == [(ALICE, {"url": "https://example.com/a", "title": "An article"}, {"list_id": list_id})]
    got = client.get(created.headers["location"], headers=bearer("alice"))
    assert got.json()["hooked"] is True
    # Another user's list: refused (403) before the hook runs.
    bobs = _make_list(client, "bob's", who="bob")
    refused = client.post(f"{LISTS}/{bobs}/items", json=_item(), headers=bearer("alice"))
    assert refused.status_code == 403, refused.text
    assert len(seen) == 1


def test_a_resource_hook_refusing_or_failing_writes_nothing(served: Served) -> None:
    validation = _validation(served)

    def before_lists_update(cur: Any, user_id: Any, data: Any, keys: Any) -> Any:
        cur.execute("UPDATE users SET title = 'hooked' WHERE id = ?", (user_id,))
        raise validation.ValidationFailed([validation.FieldError("name", "reserved", "this name is reserved")])

    def after_items_create(cur: Any, user_id: Any, result: Any) -> Any:
        raise RuntimeError("the audit log is down")

    client = _client(served, SimpleNamespace(before_lists_update=before_lists_update, after_items_create=after_items_create))
    list_id = _make_list(client, "keep")
    response = client.patch(f"{LISTS}/{list_id}", json={"name": "admin"}, headers=bearer("alice"))
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"path": "name", "code": "reserved", "message": "this name is reserved"}]
    assert served.sql("SELECT name FROM reading_lists WHERE id = ?", (list_id,)) == [("keep",)]
    assert _title(served) != "hooked"
    failed = client.post(f"{LISTS}/{list_id}/items", json=_item(), headers=bearer("alice"))
    assert failed.status_code == 500, failed.text
    assert failed.json()["errors"][0]["code"] == "internal"
    assert served.sql("SELECT COUNT(*) FROM reading_list_items WHERE list_id = ?", (list_id,)) == [(0,)]


def test_list_and_delete_hooks_get_the_keys_and_no_body(served: Served) -> None:
    calls: list[tuple[str, Any, Any]] = []

    def before_items_list(cur: Any, user_id: Any, data: Any, keys: Any) -> None:
        calls.append(("before list", data, dict(keys)))

    def before_items_delete(cur: Any, user_id: Any, data: Any, keys: Any) -> None:
        calls.append(("before delete", data, dict(keys)))

    def after_items_delete(cur: Any, user_id: Any, result: Any) -> None:
        calls.append(("after delete", result, None))

    client = _client(served, SimpleNamespace(before_items_list=before_items_list, before_items_delete=before_items_delete, after_items_delete=after_items_delete))
    list_id = _make_list(client, "read later")
    item = client.post(f"{LISTS}/{list_id}/items", json=_item(), headers=bearer("alice")).json()
    assert client.get(f"{LISTS}/{list_id}/items", params={"limit": "3"}, headers=bearer("alice")).status_code == 200
    assert client.delete(f"{LISTS}/{list_id}/items/{item['id']}", headers=bearer("alice")).status_code == 204
    assert calls == [
        ("before list", None, {"list_id": list_id, "limit": 3, "cursor": 0}),
        ("before delete", None, {"list_id": list_id, "item_id": item["id"]}),
        ("after delete", None, None),
    ]
