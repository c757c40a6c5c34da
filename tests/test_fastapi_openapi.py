"""FastAPI's own /openapi.json says what the emitted `_project/openapi.yaml` says.

The bundled specs are compiled and the generated app is served in-process;
FastAPI builds its document from the routes and the generated pydantic models
(`specc_app/<spec>/models.py`).  The two documents are compared operation by
operation: the same paths and methods; the same operationId, summary,
description, tags and security (and the same security schemes); the same parameters (name, place, required,
description, schema); the same request body (required, schema); the same
response status codes, each with its description, headers and body schema.

Only differences that do not change what a document means are normalised,
each listed in `resolve`, `normalise_schema` and `operation_view` with its
reason.  Not compared: the document's `info` and `tags` list (titles of the
app, not of an operation).  The
comparison must find a model that drops a field (`test_a_dropped_field_is_found`)
and a changed constraint (`test_a_changed_constraint_is_found`).
"""

from __future__ import annotations

import ast
import copy
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from compiler import pypackage  # noqa: E402
from compiler.emit import render_tree  # noqa: E402
from compiler.project import build_project  # noqa: E402
from targets.jsonschema_bodies import RESOURCE_ERROR_CODES  # noqa: E402
from tests.served_app import serve  # noqa: E402
from tests.test_pr_apps import pr_files  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("get", "put", "post", "delete", "patch")


def resolve(node: Any, doc: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """`node` with every `$ref` replaced by what it names.

    Normalisation 1 (component names): FastAPI names a component after its
    pydantic class (`UpdateProfileRequestLinksItem`) where the emitted
    document inlines the schema, and it writes a shared response inline
    where the emitted document refers to `#/components/responses/...`.  A
    reference means exactly what it names.  Keys written beside a `$ref`
    (pydantic puts a field's `description` there) are kept: in OpenAPI 3.1
    (JSON Schema 2020-12) they apply together with the referenced schema."""
    if isinstance(node, list):
        return [resolve(v, doc, seen) for v in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            raise AssertionError(f"recursive $ref {ref}")
        target: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        merged = {**resolve(target, doc, (*seen, ref)), **{k: resolve(v, doc, seen) for k, v in node.items() if k != "$ref"}}
        return merged
    return {k: resolve(v, doc, seen) for k, v in node.items()}


# Keywords whose value is one schema, a list of schemas, or a map of them.
_ONE = ("items", "not", "if", "then", "else", "additionalProperties")
_MANY = ("allOf", "anyOf", "oneOf")


def normalise_schema(schema: Any) -> Any:
    """A schema in one canonical spelling (after `resolve`).

    Normalisation 2 (`title`): pydantic adds a `title` to every model, field
    and parameter (`"title": "Theme"`).  A title is an annotation (JSON Schema
    2020-12, section 9.1): it changes no instance's validity.  Only the
    keyword is dropped, never a property that happens to be named `title`.

    Normalisation 3 (nullable): pydantic writes a nullable field as
    `{"anyOf": [S, {"type": "null"}], ...}`; the emitted document writes
    `{"type": [T, "null"], ...S's keywords}` and, for an enum, adds `null` to
    the enum.  Every keyword of S constrains only values of type T (strings:
    pattern/lengths/format/enum; integers: bounds), so both accept exactly
    S's values and null.  The anyOf form is rewritten into the type-list form
    (the inverse of `jsonschema_bodies._nullable`) only when S has one type.

    Normalisation 4 (bounds past 2**53): FastAPI's own OpenAPI model types
    `minimum`/`maximum` as float, so its document writes the int64 bound
    9223372036854775807 as 9.223372036854776e+18 (pydantic's schema has the
    integer; FastAPI converts it).  Both are the same IEEE double, which is
    how JavaScript and most JSON parsers read either; only a reader with
    exact big integers sees 2**63 instead of 2**63 - 1.  Such bounds are
    compared as doubles; every bound up to 2**53 is compared exactly.
    """
    if isinstance(schema, list):
        return [normalise_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title":
            continue
        if key == "properties":
            out[key] = {name: normalise_schema(sub) for name, sub in value.items()}
        elif key in _ONE and isinstance(value, dict):
            out[key] = normalise_schema(value)
        elif key in _MANY:
            out[key] = [normalise_schema(s) for s in value]
        elif key in ("minimum", "maximum") and isinstance(value, (int, float)) and abs(value) > 2**53:
            out[key] = float(value)
        else:
            out[key] = value
    branches = out.get("anyOf")
    if isinstance(branches, list) and len(branches) == 2 and branches[1] == {"type": "null"} and isinstance(branches[0].get("type"), str):
        rest = {k: v for k, v in out.items() if k != "anyOf"}
        inner = dict(branches[0])
        if set(inner) & set(rest):
            raise AssertionError(f"nullable schema with keywords on both levels: {schema}")
        merged = {**inner, **rest, "type": [inner["type"], "null"]}
        if "enum" in merged:
            merged["enum"] = [*merged["enum"], None]
        return merged
    return out


def _content_schema(holder: dict[str, Any] | None) -> Any:
    if not holder or "content" not in holder:
        return None
    content = holder["content"]
    assert set(content) == {"application/json"}, content
    return normalise_schema(content["application/json"]["schema"])


def _headers(response: dict[str, Any]) -> Any:
    return {name: {**h, "schema": normalise_schema(h["schema"])} for name, h in response.get("headers", {}).items()}


def operation_view(op: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    """What is compared of one operation (its `$ref`s resolved, schemas normalised)."""
    op = resolve(op, doc)
    params = {}
    for p in op.get("parameters", ()):
        params[(p["in"], p["name"])] = {
            "required": p.get("required", False),
            "description": p.get("description"),
            "schema": normalise_schema(p["schema"]),
        }
    body = op.get("requestBody")
    return {
        # Normalisation 5: no `security` on an operation means the document's
        # top-level `security`, which neither document has: the same as `[]`.
        "security": op.get("security", []),
        "operationId": op.get("operationId"),
        "summary": op.get("summary"),
        "description": op.get("description"),
        "tags": op.get("tags"),
        "parameters": params,
        "requestBody": None if body is None else {"required": body.get("required", False), "schema": _content_schema(body)},
        "responses": {
            status: {"description": r.get("description"), "headers": _headers(r), "schema": _content_schema(r)}
            for status, r in op["responses"].items()
        },
    }


def _operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(path, method): item[method] for path, item in doc["paths"].items() for method in METHODS if method in item}


def differences(emitted: dict[str, Any], live: dict[str, Any]) -> list[str]:
    """Every way `live` (FastAPI's document) says something else than `emitted`."""
    ours, theirs = _operations(emitted), _operations(live)
    schemes = [d.get("components", {}).get("securitySchemes") for d in (emitted, live)]
    out = [] if schemes[0] == schemes[1] else [f"securitySchemes: openapi.yaml {schemes[0]!r} != /openapi.json {schemes[1]!r}"]
    out += [f"only in openapi.yaml: {m.upper()} {p}" for p, m in sorted(set(ours) - set(theirs))]
    out += [f"only in /openapi.json: {m.upper()} {p}" for p, m in sorted(set(theirs) - set(ours))]
    for key in sorted(set(ours) & set(theirs)):
        a, b = operation_view(ours[key], emitted), operation_view(theirs[key], live)
        for part in a:
            if part in ("parameters", "responses"):
                for name in sorted(set(a[part]) | set(b[part]), key=str):
                    if a[part].get(name) != b[part].get(name):
                        out.append(f"{key[1].upper()} {key[0]} {part} {name}: openapi.yaml {a[part].get(name)!r} != /openapi.json {b[part].get(name)!r}")
            elif a[part] != b[part]:
                out.append(f"{key[1].upper()} {key[0]} {part}: openapi.yaml {a[part]!r} != /openapi.json {b[part]!r}")
    return out


@pytest.fixture(scope="module")
def compiled() -> tuple[Any, dict[PurePosixPath, str]]:
    project = build_project(ROOT / "specs", ROOT)
    return project, render_tree(project)


def _live(project: Any, tree: dict[PurePosixPath, str], root: Path) -> dict[str, Any]:
    served = serve(project, tree, root)
    return dict(TestClient(served.app).get("/openapi.json").json())


def _emitted(tree: dict[PurePosixPath, str]) -> dict[str, Any]:
    return dict(yaml.safe_load(tree[PurePosixPath("_project/openapi.yaml")]))


def test_fastapi_document_matches_the_emitted_one(compiled: Any, tmp_path: Path) -> None:
    project, tree = compiled
    emitted, live = _emitted(tree), _live(project, tree, tmp_path)
    assert len(_operations(emitted)) >= 10, "the bundled specs serve at least ten operations"
    assert differences(emitted, live) == []


def _without_field(source: str, model: str, field: str) -> str:
    """`source` with field `field` removed from class `model` (via the AST)."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == model:
            kept = [s for s in node.body if not (isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and s.target.id == field)]
            assert len(kept) == len(node.body) - 1, f"{model}.{field} not found"
            node.body = kept
    return ast.unparse(tree)


def _models_path(tree: dict[PurePosixPath, str], spec: str) -> PurePosixPath:
    return pypackage.spec_package(spec) / "models.py"


def test_a_dropped_field_is_found(compiled: Any, tmp_path: Path) -> None:
    project, tree = compiled
    tree = dict(tree)
    path = _models_path(tree, "theme-preference-api")
    tree[path] = _without_field(tree[path], "UpdatePreferencesRequest", "theme")
    found = differences(_emitted(tree), _live(project, tree, tmp_path))
    assert found and all("/api/me/preferences requestBody" in d for d in found), found
    assert "'theme'" in found[0]


def test_a_changed_constraint_is_found(compiled: Any, tmp_path: Path) -> None:
    project, tree = compiled
    tree = dict(tree)
    path = _models_path(tree, "reading-lists")
    assert tree[path].count("max_length=80") >= 1
    tree[path] = tree[path].replace("max_length=80", "max_length=81", 1)
    found = differences(_emitted(tree), _live(project, tree, tmp_path))
    assert found and any("maxLength" in d for d in found), found


def test_normalisation_keeps_meaning() -> None:
    """The nullable rewrite applies only to the exact anyOf-with-null form,
    and a property named `title` survives."""
    nullable = {"anyOf": [{"type": "string", "enum": ["a"]}, {"type": "null"}], "title": "X", "description": "d"}
    assert normalise_schema(nullable) == {"type": ["string", "null"], "enum": ["a", None], "description": "d"}
    two_types = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert normalise_schema(two_types) == two_types
    assert normalise_schema({"maximum": 2**63 - 1}) == normalise_schema({"maximum": 9.223372036854776e18})
    assert normalise_schema({"maximum": 2**53}) != normalise_schema({"maximum": 2**53 - 1})
    obj = {"type": "object", "properties": {"title": {"type": "string", "title": "Title"}}, "title": "M"}
    assert normalise_schema(obj) == {"type": "object", "properties": {"title": {"type": "string"}}}
    emitted: dict[str, Any] = {"paths": {"/x": {"get": {"responses": {"200": {"description": "OK"}}}}}}
    live = copy.deepcopy(emitted)
    live["paths"]["/x"]["get"]["responses"]["201"] = {"description": "Created"}
    assert differences(emitted, live) == ["GET /x responses 201: openapi.yaml None != /openapi.json {'description': 'Created', 'headers': {}, 'schema': None}"]


def _without_resource_codes(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` with the resource-only error codes taken out of `FieldError`."""
    out = copy.deepcopy(doc)
    codes = out["components"]["schemas"]["FieldError"]["properties"]["code"]["enum"]
    codes[:] = [c for c in codes if c not in RESOURCE_ERROR_CODES]
    return out


@pytest.mark.parametrize("spec_id", sorted(p.stem for p in (ROOT / "specs").glob("*.yaml")))
def test_each_prs_app_alone_matches_its_spec_document(compiled: Any, spec_id: str, tmp_path: Path) -> None:
    """A spec's PR alone (its files only, as tests/test_pr_apps.py assembles
    them) serves a /openapi.json that says what `<spec-id>/openapi.yaml` says.

    Normalisation 6 (this test only): `runtime/models.py` is one shared file,
    the same bytes in every PR, so its `FieldError` lists the error codes of
    the whole project, resources' `not_found` and `forbidden` included, where
    the document of a spec without resources leaves those two out.  They are
    dropped from FastAPI's document when the spec's own document lacks them;
    any other difference fails."""
    project, tree = compiled
    for path in pr_files(tree, spec_id):
        target = tmp_path / Path(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(tree[path], encoding="utf-8")
    app_module = pypackage.import_module(tmp_path, "app")
    app = app_module.create_app(get_connection=lambda: None, get_current_user_id=lambda: None, dialect="sqlite")
    live = dict(TestClient(app).get("/openapi.json").json())
    emitted = dict(yaml.safe_load(tree[PurePosixPath(spec_id, "openapi.yaml")]))
    if not set(RESOURCE_ERROR_CODES) & set(emitted["components"]["schemas"]["FieldError"]["properties"]["code"]["enum"]):
        live = _without_resource_codes(live)
    assert _operations(emitted), "every bundled spec serves operations"
    assert differences(emitted, live) == []
