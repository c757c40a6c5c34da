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
from compiler.ir import ITEM_VERBS, RESOURCE_HTTP, Endpoint, ListField, Project, Resource, Spec
from compiler.target import APPLICATION, FileKind, Target
from targets import jsonschema_bodies as js

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
SECURITY_SCHEME = "bearerAuth"
JSON = "application/json"
VALIDATION_STATUS = 422
UNAUTHORIZED_STATUS = 401


# The shared error responses (`#/components/responses/...`).
# How every exact response header (Cache-Control, Vary) is described.
EXACT_HEADER = "Sent with exactly this value."

SHARED_RESPONSES = {
    "Unauthorized": "Missing or invalid credentials (code `unauthorized`).",
    "ValidationFailed": "The request failed validation; every error is listed.",
}


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
            "description": EXACT_HEADER,
            "required": True,
            "schema": {"type": "string", "const": endpoint.cache.cache_control},
        }
        if endpoint.cache.vary:
            vary = ", ".join(endpoint.cache.vary)
            headers["Vary"] = {
                "description": EXACT_HEADER,
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
        elif code == 409 and _user_rows(endpoint):
            responses[str(code)] = _error_response(
                f"Conflict with the stored rows: the signed-in user has no {_user_rows(endpoint)} row for the new rows to belong to (`parent_missing`)."
            )
        else:
            responses[str(code)] = _error_response(HTTPStatus(code).phrase)
    op["responses"] = responses
    return op


def _user_rows(endpoint: Endpoint) -> str:
    """The tables of the user's one rows that new list items of `endpoint` reference."""
    tables = sorted({ref.table for f in endpoint.request if isinstance(f, ListField) for ref in f.parents})
    return " or ".join(tables)


def _resource_component(resource: Resource, suffix: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in resource.name.split("_")) + suffix


def _path_param(name: str, column: Any, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The key of the {what} row; not a key: 422 at `{name}`.",
        "schema": js.column_schema(column, request=True),
    }


def _resource_operation(spec: Spec, resource: Resource, verb: str) -> dict[str, Any]:
    """One operation of a resource, from the same IR the routes serve."""
    row = _ref("schemas", _resource_component(resource, "Row"))
    not_owner = "hidden as 404" if resource.not_owner == 404 else "403 `forbidden`"
    owner = " -> ".join(f"{link.table}.{link.column}" for link in resource.owner) + " = the signed-in user"
    notes = [f"Owned through {owner}; a row of another user: {not_owner}. Missing rows: 404 `not_found`."]
    if resource.ancestors:
        named = ", ".join(f"{{{p.name}}}" for p in resource.path_params)
        notes.append(f"Each row the path names ({named}) must belong to the one named before it; otherwise 404 `not_found`.")
    params = []
    for key in resource.path_params:
        params.append(_path_param(key.name, key.column, key.table))
    if verb in ITEM_VERBS:
        params.append(_path_param(resource.item.name, resource.item.column, resource.table))
    op: dict[str, Any] = {
        "operationId": resource.op(verb),
        "summary": f"{verb} {resource.table}" + (f": {resource.summary}" if resource.summary else ""),
        "tags": [spec.id],
        "security": [{SECURITY_SCHEME: []}],
    }
    responses: dict[str, Any] = {}
    no_store = {"Cache-Control": {"description": EXACT_HEADER, "required": True, "schema": {"type": "string", "const": "no-store"}}}
    if verb == "create":
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": _ref("schemas", _resource_component(resource, "Create"))}}}
        location = {"description": f"The new row's item path, {resource.item_path}.", "required": True, "schema": {"type": "string"}}
        responses["201"] = {"description": "Created: the new row.", "headers": {**no_store, "Location": location}, "content": {JSON: {"schema": row}}}
        if resource.cap is not None:
            notes.append(f"At most {resource.cap.max} rows per {resource.cap.per}, counted under a lock on the parent row: over it, 409 `cap_exceeded`.")
    elif verb == "list":
        params.append({"name": "limit", "in": "query", "required": False, "description": "Rows per page.", "schema": {"type": "integer", "minimum": 1, "maximum": resource.page_max, "default": resource.page_default}})
        params.append({"name": "cursor", "in": "query", "required": False, "description": "`next_cursor` of the previous page.", "schema": js.column_schema(resource.item.column, request=True)})
        page = _ref("schemas", _resource_component(resource, "Page"))
        responses["200"] = {"description": "One page, in key order.", "headers": no_store, "content": {JSON: {"schema": page}}}
        notes.append(f"Keyset pages on {resource.item.column.name}: rows inserted while a client pages never shift a page, so every row is seen at most once. At most {resource.page_max} rows per page (default {resource.page_default}).")
    elif verb == "update":
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": _ref("schemas", _resource_component(resource, "Update"))}}}
        responses["200"] = {"description": "The row as updated.", "headers": no_store, "content": {JSON: {"schema": row}}}
        notes.append("Partial update: absent fields are left unchanged; `null` clears a nullable field.")
    elif verb == "replace":
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": _ref("schemas", _resource_component(resource, "Replace"))}}}
        responses["200"] = {"description": "The row as replaced.", "headers": no_store, "content": {JSON: {"schema": row}}}
        notes.append("Full replacement: every field is written; an absent optional field is set to its default, or null.")
    elif verb == "get":
        responses["200"] = {"description": "The row.", "headers": no_store, "content": {JSON: {"schema": row}}}
    else:
        responses["204"] = {"description": "Deleted; no content.", "headers": no_store}
        notes.append("A row that does not exist: " + ("404 `not_found`." if resource.delete_missing == 404 else "204 as well (idempotent)."))
    if params:
        op["parameters"] = params
    responses[str(UNAUTHORIZED_STATUS)] = _ref("responses", "Unauthorized")
    if resource.not_owner == 403:
        responses["403"] = _error_response("A row of another user (code `forbidden`).")
    responses["404"] = _error_response("No such row (code `not_found`).")
    conflicts = []
    if resource.unique and verb in ("create", "update", "replace"):
        conflicts.append("a unique value is taken (`conflict`)")
    if resource.cap is not None and verb == "create":
        # 409, not 422: the body is valid; the rows already stored conflict
        # with it, and the same request succeeds once one is deleted.
        conflicts.append(f"the parent already holds {resource.cap.max} rows (`cap_exceeded`)")
    if conflicts:
        text = " or ".join(conflicts)
        responses["409"] = _error_response(f"Conflict with the stored rows: {text}.")
    responses[str(VALIDATION_STATUS)] = _ref("responses", "ValidationFailed")
    op["description"] = " ".join(notes)
    op["responses"] = responses
    return op


def endpoint_operation(spec: Spec, endpoint: Endpoint) -> dict[str, Any]:
    """The operation object of `endpoint`, as the document holds it (the
    routes target states the same responses to FastAPI)."""
    return _operation(spec, endpoint)


def resource_operation(spec: Spec, resource: Resource, verb: str) -> dict[str, Any]:
    """The operation object of one method of `resource`, as the document holds it."""
    return _resource_operation(spec, resource, verb)


def resource_names(resource: Resource) -> list[str]:
    """The operationIds and `METHOD path`s of a resource."""
    names = []
    for verb in resource.methods:
        path = resource.path if verb not in ITEM_VERBS else resource.item_path
        names += [resource.op(verb), f"{RESOURCE_HTTP[verb]} {path}"]
    return names


def build_document(specs: tuple[Spec, ...], title: str, description: str, *, resources: bool = False) -> dict[str, Any]:
    """An OpenAPI 3.1 document for the endpoints and resources of `specs`."""
    paths: dict[str, dict[str, Any]] = {}
    resources = resources or any(s.resources for s in specs)
    schemas: dict[str, Any] = {
        "FieldError": js.field_error_schema(resources),
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
        for resource in spec.resources:
            for name in resource_names(resource):
                if name in seen:
                    raise OpenApiConflict(f"{spec.id}: {name} is already defined by spec {seen[name]}")
                seen[name] = spec.id
            for verb in resource.methods:
                path = resource.path if verb not in ITEM_VERBS else resource.item_path
                paths.setdefault(path, {})[RESOURCE_HTTP[verb].lower()] = _resource_operation(spec, resource, verb)
            for suffix, schema in js.resource_schemas(resource).items():
                schemas[_resource_component(resource, suffix)] = schema
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": API_VERSION, "description": description},
        "tags": [{"name": s.id, "description": s.title} for s in specs if s.endpoints or s.resources],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {name: _error_response(text) for name, text in SHARED_RESPONSES.items()},
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
class _NoAliases:
    """Write a schema used twice (a resource's Row, also its Page's items) in
    full both times: YAML anchors (`&id001`) are no way to show an API."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_C_DUMPER = getattr(yaml, "CSafeDumper", None)
_FAST_DUMPER = type("_FastDumper", (_NoAliases, _C_DUMPER), {}) if _C_DUMPER is not None else None
_SLOW_DUMPER = type("_SlowDumper", (_NoAliases, yaml.SafeDumper), {})
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
    dumper = _FAST_DUMPER if _FAST_DUMPER is not None and _plain(doc) else _SLOW_DUMPER
    return yaml.dump(doc, Dumper=dumper, sort_keys=True, allow_unicode=True, width=2**31 - 1, default_flow_style=False)


PROJECT_TITLE = "specc project API"
PROJECT_DESCRIPTION = "Every endpoint of the project's specs, generated by specc."



def emit_spec(project: Project, spec: Spec) -> dict[PurePosixPath, str]:
    """`<spec-id>/openapi.yaml`: the spec's endpoints as a document of their own."""
    if not spec.endpoints and not spec.resources:
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
    if not spec.endpoints and not spec.resources:
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
    names += [n for r in spec.resources for n in resource_names(r)]
    return {"tag": doc["tags"][0], "operations": operations, "schemas": schemas, "names": names}


def emit_project(project: Project, fragments: Mapping[str, dict[str, Any]]) -> dict[PurePosixPath, str]:
    """`_project/openapi.yaml` from the specs' fragments."""
    served = [s for s in project.specs if s.endpoints or s.resources]
    parts = [fragments[s.id] for s in served]
    if not parts:
        return {}
    seen: dict[str, str] = {}
    for spec_id, part in zip((s.id for s in served), parts, strict=True):
        for name in part["names"]:
            if name in seen:
                raise OpenApiConflict(f"{spec_id}: {name} is already defined by spec {seen[name]}")
            seen[name] = spec_id
    skeleton = build_document((), PROJECT_TITLE, PROJECT_DESCRIPTION, resources=any(s.resources for s in served))
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
