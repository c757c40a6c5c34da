"""The OpenAPI target: `_project/openapi.yaml` and the per-spec fragments are
valid OpenAPI 3.1 and say what the specs say (cache headers, 401/422 with the
error shape, enums, defaults), with deterministic bytes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from compiler.ir import RESOURCE_HTTP

from compiler.emit import render_tree
from compiler.build.header import HEADER
from tests.generated_modules import ROOT, seed_project

ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}


@pytest.fixture(scope="module")
def openapi_tree() -> dict[PurePosixPath, str]:
    return render_tree(seed_project(), ("openapi",))


@pytest.fixture(scope="module")
def doc(openapi_tree: dict[PurePosixPath, str]) -> dict[str, Any]:
    return yaml.safe_load(openapi_tree[PurePosixPath("_project/openapi.yaml")])


def test_files(openapi_tree: dict[PurePosixPath, str]) -> None:
    assert sorted(str(p) for p in openapi_tree) == [
        "_project/openapi.yaml",
        "dashboard-stats-endpoints/openapi.yaml",
        "profile-links-titles/openapi.yaml",
        "reading-lists/openapi.yaml",
        "theme-preference-api/openapi.yaml",
    ]
    for text in openapi_tree.values():
        assert text.startswith(f"# {HEADER}\n")


def test_every_document_validates(openapi_tree: dict[PurePosixPath, str]) -> None:
    for text in openapi_tree.values():
        document = yaml.safe_load(text)
        assert document["openapi"] == "3.1.0"
        validate(document)


def test_project_document_covers_every_endpoint(doc: dict[str, Any]) -> None:
    project = seed_project()
    expected = {(e.path, e.method.lower(), e.operation_id) for s in project.specs for e in s.endpoints}
    for spec in project.specs:
        for r in spec.resources:
            for verb in r.methods:
                path = r.path if verb in ("create", "list") else r.item_path
                expected.add((path, RESOURCE_HTTP[verb].lower(), r.op(verb)))
    found = {(path, method, op["operationId"]) for path, item in doc["paths"].items() for method, op in item.items()}
    assert found == expected
    assert [t["name"] for t in doc["tags"]] == [s.id for s in project.specs]


def _op(doc: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return doc["paths"][path][method]


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = doc["components"][kind][name]
    return node


def test_cache_headers_are_exact(doc: dict[str, Any]) -> None:
    stats = _op(doc, "/api/dashboard/stats", "get")["responses"]["200"]["headers"]
    assert stats["Cache-Control"]["schema"]["const"] == "private, max-age=60"
    assert stats["Vary"]["schema"]["const"] == "Authorization"
    assert stats["Cache-Control"]["required"] is True
    for path, method in [("/api/me/preferences", "get"), ("/api/me/preferences", "patch"), ("/api/me/profile", "get"), ("/api/me/profile", "patch")]:
        headers = _op(doc, path, method)["responses"]["200"]["headers"]
        assert headers["Cache-Control"]["schema"]["const"] == "no-store"
        assert "Vary" not in headers


def test_auth_and_error_responses(doc: dict[str, Any]) -> None:
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Supplied by the application's own authentication dependency.",
    }
    for item in doc["paths"].values():
        for op in item.values():
            assert op["security"] == [{"bearerAuth": []}]
            unauthorized = _resolve(doc, op["responses"]["401"])
            assert unauthorized["content"]["application/json"]["schema"] == ERROR_REF
    for path, method in [("/api/me/preferences", "patch"), ("/api/me/profile", "patch"), ("/api/dashboard/stats", "get")]:
        invalid = _resolve(doc, _op(doc, path, method)["responses"]["422"])
        assert invalid["content"]["application/json"]["schema"] == ERROR_REF
    assert "422" not in _op(doc, "/api/me/preferences", "get")["responses"]
    error = doc["components"]["schemas"]["ErrorResponse"]
    assert error["required"] == ["errors"]
    field_error = doc["components"]["schemas"]["FieldError"]
    assert field_error["required"] == ["path", "code", "message"]
    assert {"cap_exceeded", "url_scheme", "unauthorized", "host_not_allowed"} <= set(field_error["properties"]["code"]["enum"])


def test_query_parameters_with_enum_and_default(doc: dict[str, Any]) -> None:
    (param,) = _op(doc, "/api/dashboard/stats", "get")["parameters"]
    assert param["name"] == "range" and param["in"] == "query" and param["required"] is False
    assert param["schema"] == {"type": "string", "enum": ["7d", "30d"], "default": "7d"}
    assert "7d = 7 days" in param["description"]


def test_bodies(doc: dict[str, Any]) -> None:
    patch = _op(doc, "/api/me/profile", "patch")
    request = _resolve(doc, patch["requestBody"]["content"]["application/json"]["schema"])
    assert request["additionalProperties"] is False
    item = request["properties"]["links"]["items"]
    assert item["properties"]["type"]["enum"] == ["website", "imdb", "showreel", "other"]
    assert item["properties"]["label"]["maxLength"] == 40
    assert item["properties"]["position"]["maximum"] == 99
    assert request["properties"]["links"]["maxItems"] == 10
    assert request["properties"]["title"]["type"] == ["string", "null"]
    theme = _resolve(doc, _op(doc, "/api/me/preferences", "get")["responses"]["200"]["content"]["application/json"]["schema"])
    assert theme["properties"]["theme"]["enum"] == ["light", "dark", None]
    stats = _resolve(doc, _op(doc, "/api/dashboard/stats", "get")["responses"]["200"]["content"]["application/json"]["schema"])
    assert stats["required"] == ["range", "totalViews", "totalEngagement"]


def test_fragment_matches_project_document(openapi_tree: dict[PurePosixPath, str], doc: dict[str, Any]) -> None:
    fragment = yaml.safe_load(openapi_tree[PurePosixPath("profile-links-titles/openapi.yaml")])
    assert set(fragment["paths"]) == {"/api/me/profile"}
    assert fragment["paths"]["/api/me/profile"] == doc["paths"]["/api/me/profile"]
    assert fragment["components"]["schemas"]["UpdateProfileRequest"] == doc["components"]["schemas"]["UpdateProfileRequest"]


def test_yaml_is_deterministic_across_hash_seeds() -> None:
    script = (
        "import hashlib;"
        "from compiler.emit import render_tree;"
        "from compiler.project import build_project;"
        "from pathlib import Path;"
        "t = render_tree(build_project(Path('specs'), Path('.')), ('openapi', 'validators'));"
        "print(hashlib.sha256(repr(sorted(t.items())).encode()).hexdigest())"
    )
    digests = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT))
        result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        digests.add(result.stdout.strip())
    assert len(digests) == 1


def test_cap_and_uniqueness_are_409_where_the_app_answers_them(doc: dict[str, Any]) -> None:
    """A create over a resource's cap is 409 `cap_exceeded` (conflict with the
    stored rows, docs/spec-language.md), as the generated runtime answers; a
    PATCH can only conflict on a unique value; a delete never conflicts."""
    items = doc["paths"]["/api/reading-lists/{list_id}/items"]["post"]["responses"]
    assert "`cap_exceeded`" in items["409"]["description"] and "`conflict`" in items["409"]["description"]
    update = doc["paths"]["/api/reading-lists/{list_id}/items/{item_id}"]["patch"]["responses"]
    assert "`conflict`" in update["409"]["description"] and "cap_exceeded" not in update["409"]["description"]
    assert "409" not in doc["paths"]["/api/reading-lists/{list_id}/items/{item_id}"]["delete"]["responses"]
    runtime = (ROOT / "targets" / "fastapi" / "templates" / "runtime_http.py.j2").read_text()
    assert 'Refused(409, "", "cap_exceeded"' in runtime
