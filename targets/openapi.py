"""OpenAPI target: `_project/openapi.yaml` for every endpoint of the project,
and `<spec-id>/openapi.yaml` with one spec's endpoints, for review.

Both are OpenAPI 3.1 documents whose schema objects come from
`targets.jsonschema_bodies`, the same code the validators target uses for
its JSON Schemas, so the contract and the enforcement cannot drift.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from pathlib import PurePosixPath
from collections.abc import Mapping
from typing import Any

import yaml

from compiler.checkers import YAML
from compiler.build.header import HASH
from compiler.ir import Endpoint, ListField, Project, Spec
from compiler.target import APPLICATION, FileKind, Target
from targets import jsonschema_bodies as js

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
SECURITY_SCHEME = "bearerAuth"
JSON = "application/json"
VALIDATION_STATUS = 422
UNAUTHORIZED_STATUS = 401


class OpenApiConflict(Exception):
    """Two specs define the same operation: lowering should have refused it."""


def _component(op: str, suffix: str) -> str:
    return op[:1].upper() + op[1:] + suffix


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref("schemas", "ErrorResponse")}}}


def _success(endpoint: Endpoint) -> tuple[str, dict[str, Any]]:
    headers: dict[str, Any] = {}
    if endpoint.cache is not None:
        headers["Cache-Control"] = {
            "description": "Sent with exactly this value.",
            "required": True,
            "schema": {"type": "string", "const": endpoint.cache.cache_control},
        }
        if endpoint.cache.vary:
            vary = ", ".join(endpoint.cache.vary)
            headers["Vary"] = {
                "description": "Sent with exactly this value.",
                "required": True,
                "schema": {"type": "string", "const": vary},
            }
    if not endpoint.response:
        out: dict[str, Any] = {"description": "Done; no content."}
        if headers:
            out["headers"] = headers
        return "204", out
    out = {
        "description": "OK",
        "content": {JSON: {"schema": _ref("schemas", _component(endpoint.operation_id, "Response"))}},
    }
    if headers:
        out["headers"] = headers
    return "200", out


def _description(endpoint: Endpoint) -> str:
    notes: list[str] = []
    if endpoint.kind == "update":
        notes.append("Partial update: absent fields are left unchanged; `null` clears a nullable field.")
        for field in endpoint.request:
            if isinstance(field, ListField):
                text = f"`{field.name}` replaces the whole list."
                if field.cap is not None:
                    text += f" At most {field.cap.max} items are stored per user (422 `cap_exceeded`)."
                notes.append(text)
    if VALIDATION_STATUS in endpoint.errors:
        notes.append(f"Validation errors answer {VALIDATION_STATUS} with `{{\"errors\": [{{path, code, message}}]}}`.")
    if endpoint.auth:
        notes.append(f"Without valid credentials: {UNAUTHORIZED_STATUS} with code `unauthorized`.")
    return " ".join(notes)


def _operation(spec: Spec, endpoint: Endpoint) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "description": _description(endpoint),
        "tags": [spec.id],
    }
    if endpoint.auth:
        op["security"] = [{SECURITY_SCHEME: []}]
    else:
        op["security"] = []
    if endpoint.query:
        params = []
        for q in endpoint.query:
            description = q.description
            if q.window_days:
                days = ", ".join(f"{v} = {n} days" for v, n in q.window_days)
                description = f"{description} Window: {days}.".strip()
            param: dict[str, Any] = {
                "name": q.name,
                "in": "query",
                "required": q.required,
                "schema": js.query_param_schema(q),
            }
            if description:
                param["description"] = description
            params.append(param)
        op["parameters"] = params
    if endpoint.request:
        op["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": _ref("schemas", _component(endpoint.operation_id, "Request"))}},
        }
    status, success = _success(endpoint)
    responses: dict[str, Any] = {status: success}
    for code in endpoint.errors:
        if code == UNAUTHORIZED_STATUS:
            responses[str(code)] = _ref("responses", "Unauthorized")
        elif code == VALIDATION_STATUS:
            responses[str(code)] = _ref("responses", "ValidationFailed")
        else:
            responses[str(code)] = _error_response(HTTPStatus(code).phrase)
    op["responses"] = responses
    return op


def build_document(specs: tuple[Spec, ...], title: str, description: str) -> dict[str, Any]:
    """An OpenAPI 3.1 document for the endpoints of `specs`."""
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {
        "FieldError": js.field_error_schema(),
        "ErrorResponse": js.error_body_schema(_ref("schemas", "FieldError")),
    }
    seen: dict[str, str] = {}
    for spec in specs:
        for endpoint in spec.endpoints:
            for name in (endpoint.operation_id, f"{endpoint.method} {endpoint.path}"):
                if name in seen:
                    raise OpenApiConflict(f"{spec.id}: {name} is already defined by spec {seen[name]}")
                seen[name] = spec.id
            paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(spec, endpoint)
            if endpoint.request:
                schemas[_component(endpoint.operation_id, "Request")] = js.body_schema(endpoint, request=True)
            if endpoint.response:
                schemas[_component(endpoint.operation_id, "Response")] = js.body_schema(endpoint, request=False)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": API_VERSION, "description": description},
        "tags": [{"name": s.id, "description": s.title} for s in specs if s.endpoints],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {
                "Unauthorized": _error_response("Missing or invalid credentials (code `unauthorized`)."),
                "ValidationFailed": _error_response("The request failed validation; every error is listed."),
            },
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Supplied by the application's own authentication dependency.",
                }
            },
        },
    }


# libyaml's emitter (PyYAML's C extension) is three times faster than the
# pure-Python one and writes the same bytes for documents whose strings are
# non-empty and free of control characters, line separators, astral-plane
# characters and byte order marks (it escapes or quotes some of those
# differently).  Other documents use the pure-Python emitter.  Tests compare.
_FAST_DUMPER = getattr(yaml, "CSafeDumper", None)
_PLAIN_TEXT = re.compile("[\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]+\\Z")


def _plain(value: Any) -> bool:
    if isinstance(value, str):
        return _PLAIN_TEXT.match(value) is not None
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return True


def dump(doc: dict[str, Any]) -> str:
    """Deterministic YAML: sorted keys, Unicode kept, no line folding."""
    dumper = _FAST_DUMPER if _FAST_DUMPER is not None and _plain(doc) else yaml.SafeDumper
    return yaml.dump(doc, Dumper=dumper, sort_keys=True, allow_unicode=True, width=2**31 - 1, default_flow_style=False)


PROJECT_TITLE = "specc project API"
PROJECT_DESCRIPTION = "Every endpoint of the project's specs, generated by specc."



def emit_spec(project: Project, spec: Spec) -> dict[PurePosixPath, str]:
    """`<spec-id>/openapi.yaml`: the spec's endpoints as a document of their own."""
    if not spec.endpoints:
        return {}
    doc = build_document((spec,), spec.title, f"The endpoints of spec `{spec.id}` (a fragment of _project/openapi.yaml).")
    return {PurePosixPath(spec.id, "openapi.yaml"): dump(doc)}


# -- the project document, assembled from per-spec pieces ---------------------
#
# Dumping the whole project document re-renders every spec's operations; for
# a thousand specs that is seconds on every compile.  Instead each spec's
# operations and schemas are dumped once, nested exactly as deep as in the
# project document (`spec_fragment`, cached per spec), and `emit_project`
# splices the sorted pieces into the dump of the document's skeleton.  The
# result is byte for byte `dump(build_document(...))`; tests check it.

_PATHS_EMPTY = "paths: {}\n"
_SCHEMAS_EMPTY = "  schemas: {}\n"


def _nested(wrapper: tuple[str, ...], key: str, value: Any) -> str:
    """The YAML of `key: value` as it appears under `wrapper` keys (their lines dropped)."""
    doc: Any = {key: value}
    for name in reversed(wrapper):
        doc = {name: doc}
    return dump(doc).split("\n", len(wrapper))[len(wrapper)]


def spec_fragment(project: Project, spec: Spec) -> dict[str, Any]:
    """This spec's operations and schemas, pre-rendered for the project document."""
    if not spec.endpoints:
        return {"tag": None, "operations": [], "schemas": [], "names": []}
    doc = build_document((spec,), spec.title, "")
    operations = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            text = _nested(("paths",), path, {method: op})
            key_line, _, body = text.partition("\n")
            operations.append((path, method, key_line + "\n", body))
    schemas = [
        (name, _nested(("components", "schemas"), name, schema))
        for name, schema in doc["components"]["schemas"].items()
        if name not in ("FieldError", "ErrorResponse")
    ]
    names = [n for e in spec.endpoints for n in (e.operation_id, f"{e.method} {e.path}")]
    return {"tag": doc["tags"][0], "operations": operations, "schemas": schemas, "names": names}


def emit_project(project: Project, fragments: Mapping[str, dict[str, Any]]) -> dict[PurePosixPath, str]:
    """`_project/openapi.yaml` from the specs' fragments."""
    parts = [fragments[s.id] for s in project.specs if s.endpoints]
    if not parts:
        return {}
    seen: dict[str, str] = {}
    for spec_id, part in zip((s.id for s in project.specs if s.endpoints), parts, strict=True):
        for name in part["names"]:
            if name in seen:
                raise OpenApiConflict(f"{spec_id}: {name} is already defined by spec {seen[name]}")
            seen[name] = spec_id
    skeleton = build_document((), PROJECT_TITLE, PROJECT_DESCRIPTION)
    skeleton["tags"] = [p["tag"] for p in parts]
    constant = skeleton["components"]["schemas"]
    skeleton["components"]["schemas"] = {}
    text = dump(skeleton)
    schemas = [(name, _nested(("components", "schemas"), name, schema)) for name, schema in constant.items()]
    schemas += [s for p in parts for s in p["schemas"]]
    schemas.sort(key=lambda s: s[0])
    by_path: dict[str, list[tuple[str, str, str]]] = {}
    for part in parts:
        for path, method, key_line, body in part["operations"]:
            by_path.setdefault(path, []).append((method, key_line, body))
    paths = []
    for path in sorted(by_path):
        methods = sorted(by_path[path])
        paths.append(methods[0][1] + "".join(body for _, _, body in methods))
    if text.count(_PATHS_EMPTY) != 1 or text.count(_SCHEMAS_EMPTY) != 1:
        raise AssertionError("openapi: unexpected skeleton layout")  # a compiler bug
    text = text.replace(_SCHEMAS_EMPTY, "  schemas:\n" + "".join(s for _, s in schemas), 1)
    text = text.replace(_PATHS_EMPTY, "paths:\n" + "".join(paths), 1)
    return {PurePosixPath("_project", "openapi.yaml"): text}


TARGET = Target(
    "openapi",
    kinds=(FileKind(".yaml", HASH, APPLICATION, YAML, where="*/openapi.yaml"),),
    emit_spec=emit_spec,
    spec_fragment=spec_fragment,
    assemble_project=emit_project,
)
