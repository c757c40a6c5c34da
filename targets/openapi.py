"""OpenAPI target: `_project/openapi.yaml` for every endpoint of the project,
and `<spec-id>/openapi.yaml` with one spec's endpoints, for review.

Both are OpenAPI 3.1 documents whose schema objects come from
`targets.jsonschema_bodies`, the same code the validators target uses for
its JSON Schemas, so the contract and the enforcement cannot drift.
"""

from __future__ import annotations

from http import HTTPStatus
from pathlib import PurePosixPath
from typing import Any

import yaml

from compiler.ir import Endpoint, ListField, Project, Spec
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


def dump(doc: dict[str, Any]) -> str:
    """Deterministic YAML: sorted keys, Unicode kept, no line folding."""
    return yaml.safe_dump(doc, sort_keys=True, allow_unicode=True, width=2**31 - 1, default_flow_style=False)


def emit(project: Project) -> dict[PurePosixPath, str]:
    out: dict[PurePosixPath, str] = {}
    with_endpoints = tuple(s for s in project.specs if s.endpoints)
    if not with_endpoints:
        return out
    project_doc = build_document(
        with_endpoints,
        "specc project API",
        "Every endpoint of the project's specs, generated by specc.",
    )
    out[PurePosixPath("_project", "openapi.yaml")] = dump(project_doc)
    for spec in with_endpoints:
        doc = build_document((spec,), spec.title, f"The endpoints of spec `{spec.id}` (a fragment of _project/openapi.yaml).")
        out[PurePosixPath(spec.id, "openapi.yaml")] = dump(doc)
    return out
