"""Example requests for manual QA: a valid and an invalid curl call per endpoint.

Values are derived from the IR (enum values, length limits, URL schemes and
host rules) so the examples pass or fail validation exactly as described.
Every command is built with `shlex.quote`, so spec text can never break out
of the shell word it sits in.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from urllib.parse import urlencode

from compiler.ir import ITEM_VERBS, RESOURCE_HTTP, BodyField, Column, ColumnField, Endpoint, ListField, Resource

_PLAIN_PATH = re.compile(r"^(/[a-z0-9][a-z0-9_-]*)+$")
_PATH_PARAM = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
# A resource path's parameters in the examples: shell variables the tester sets
# to keys of their own rows (e.g. LIST_ID from the Location of a create).
_PARAM_PATH = re.compile(r"^(/([a-z0-9][a-z0-9_-]*|\{[a-z_][a-z0-9_]*\}))+$")


@dataclass(frozen=True)
class QaCall:
    """One manual QA call: what it checks, the shell command, the expected
    status, and (optionally) a sketch of the expected JSON body."""

    operation_id: str
    purpose: str
    command: str
    status: int
    note: str = ""
    body: str = ""


def _string_example(col: Column) -> str:
    base = f"Example {col.name}".replace("_", " ")
    if col.max_length is not None:
        base = base[: col.max_length]
    if col.min_length is not None and len(base) < col.min_length:
        base = base + "x" * (col.min_length - len(base))
    return base


def example_value(col: Column, siblings: dict[str, object] | None = None) -> object:
    """A value `col` accepts; `siblings` are the other values of the same row
    (a host rule may depend on them, e.g. imdb links must be on imdb.com)."""
    if col.kind == "enum" and col.enum and col.enum.values:
        return col.enum.values[0]
    if col.kind == "url":
        scheme = "https" if "https" in col.schemes or not col.schemes else col.schemes[0]
        host = "example.com"
        for rule in col.host_rules:
            if siblings is not None and siblings.get(rule.when_column) == rule.when_value and rule.hosts:
                host = rule.hosts[0]
        return f"{scheme}://{host}/"
    if col.kind in ("string", "text"):
        return _string_example(col)
    if col.kind in ("int", "bigint", "id"):
        low = col.minimum if col.minimum is not None else 0
        return low
    if col.kind == "bool":
        return True
    if col.kind == "timestamp":
        return "2024-01-01T00:00:00Z"
    if col.kind == "date":
        return "2024-01-01"
    if col.kind == "uuid":
        return "00000000-0000-4000-8000-000000000000"
    if col.kind == "json":
        return {}
    return None


def _list_item(field: ListField) -> dict[str, object]:
    item: dict[str, object] = {}
    # Enums first: URL host rules depend on them.
    for f in sorted(field.fields, key=lambda f: f.column.kind != "enum"):
        item[f.name] = example_value(f.column, item)
    return {f.name: item[f.name] for f in field.fields}


def example_body(fields: tuple[BodyField, ...]) -> dict[str, object]:
    """A request body that passes validation."""
    body: dict[str, object] = {}
    for field in fields:
        if isinstance(field, ColumnField):
            body[field.name] = example_value(field.column)
        elif isinstance(field, ListField):
            body[field.name] = [_list_item(field)]
    return body


def invalid_body(fields: tuple[BodyField, ...]) -> tuple[dict[str, object], str]:
    """A request body validation rejects, and the error code to expect."""
    for field in fields:
        if isinstance(field, ColumnField) and field.column.kind == "enum":
            return {field.name: "not-a-valid-value"}, "enum"
        if isinstance(field, ListField):
            for f in field.fields:
                if f.column.kind == "url":
                    item = _list_item(field)
                    item[f.name] = "javascript:alert(1)"
                    return {field.name: [item]}, "url_scheme"
    return {"unexpected_field": 1}, "unknown_field"


def _url(endpoint: Endpoint, query: dict[str, str]) -> str:
    path = endpoint.path if _PLAIN_PATH.match(endpoint.path) else "/"
    qs = f"?{urlencode(query)}" if query else ""
    # "$API_URL" stays expandable; the rest is a single-quoted literal.
    return '"$API_URL"' + shlex.quote(path + qs)


def _curl(endpoint: Endpoint, query: dict[str, str], body: dict[str, object] | None, *, auth: bool = True) -> str:
    parts = [f"curl -sS -i -X {endpoint.method} {_url(endpoint, query)}"]
    if auth:
        parts.append('-H "Authorization: Bearer $TOKEN"')
    if body is not None:
        parts.append("-H 'Content-Type: application/json'")
        parts.append("-d " + shlex.quote(json.dumps(body, sort_keys=False)))
    return " \\\n  ".join(parts)


def qa_calls(endpoint: Endpoint) -> tuple[QaCall, ...]:
    """The manual QA calls for one endpoint: the happy path, a validation
    failure (when there is input to validate) and a missing-auth call."""
    op = endpoint.operation_id
    calls: list[QaCall] = []
    has_body = bool(endpoint.request) and endpoint.method in ("POST", "PUT", "PATCH")
    body = example_body(endpoint.request) if has_body else None
    headers = ""
    if endpoint.cache is not None:
        headers = f"; headers include Cache-Control: {endpoint.cache.cache_control}"
        if endpoint.cache.vary:
            headers += f" and Vary: {', '.join(endpoint.cache.vary)}"
    calls.append(QaCall(op, "happy path", _curl(endpoint, {}, body), 200, f"a JSON body{headers}"))
    for param in endpoint.query:
        for value in param.enum.values:
            if value != param.default:
                calls.append(QaCall(op, f"{param.name}={value}", _curl(endpoint, {param.name: value}, None), 200))
                break
        calls.append(
            QaCall(op, f"invalid {param.name}", _curl(endpoint, {param.name: "not-a-valid-value"}, None), 422, body=json.dumps({"errors": [{"code": "enum", "path": param.name}]}))
        )
    if has_body:
        bad, code = invalid_body(endpoint.request)
        calls.append(QaCall(op, "validation error", _curl(endpoint, {}, bad), 422, f"errors include code {code}"))
    if endpoint.auth:
        calls.append(QaCall(op, "no credentials", _curl(endpoint, {}, body, auth=False), 401, body=json.dumps({"errors": [{"code": "unauthorized"}]})))
    return tuple(calls)


def _resource_url(path: str) -> str:
    """`path` with each `{param}` as the shell variable `$PARAM` (outside the
    single quotes, so it expands); the rest single-quoted."""
    if not _PARAM_PATH.match(path):
        return '"$API_URL"' + shlex.quote("/")
    out = ['"$API_URL"']
    pos = 0
    for match in _PATH_PARAM.finditer(path):
        out.append(shlex.quote(path[pos : match.start()]))
        out.append(f'"${match.group(1).upper()}"')
        pos = match.end()
    if pos < len(path):
        out.append(shlex.quote(path[pos:]))
    return "".join(out)


def _resource_curl(method: str, path: str, body: dict[str, object] | None, *, auth: bool = True) -> str:
    parts = [f"curl -sS -i -X {method} {_resource_url(path)}"]
    if auth:
        parts.append('-H "Authorization: Bearer $TOKEN"')
    if body is not None:
        parts.append("-H 'Content-Type: application/json'")
        parts.append("-d " + shlex.quote(json.dumps(body, sort_keys=False)))
    return " \\\n  ".join(parts)


def resource_qa_calls(resource: Resource) -> tuple[QaCall, ...]:
    """The manual QA calls of a resource: each method's happy path, PUT
    without a required field (when it replaces) and a call without credentials."""
    calls: list[QaCall] = []
    required = tuple(f for f in resource.fields if f.required)
    full = example_body(resource.fields)
    for verb in resource.methods:
        op = resource.op(verb)
        path = resource.item_path if verb in ITEM_VERBS else resource.path
        method = RESOURCE_HTTP[verb]
        if verb == "create":
            calls.append(QaCall(op, "create", _resource_curl(method, path, full), 201, "the new row; Location names its item path"))
        elif verb == "list":
            calls.append(QaCall(op, "list", _resource_curl(method, path, None), 200, body=json.dumps({"items": [], "next_cursor": None})))
        elif verb == "get":
            calls.append(QaCall(op, "get", _resource_curl(method, path, None), 200, "the row"))
        elif verb == "update" and resource.fields:
            first = resource.fields[0]
            calls.append(QaCall(op, f"update {first.name} only", _resource_curl(method, path, {first.name: full[first.name]}), 200, "the row; the other fields unchanged"))
        elif verb == "replace" and resource.fields:
            body = example_body(required) if required else {}
            calls.append(QaCall(op, "replace with the required fields only", _resource_curl(method, path, body), 200, "the row; every optional field back to its default or null"))
            if required:
                missing = {k: v for k, v in full.items() if k != required[0].name}
                calls.append(QaCall(op, f"replace without {required[0].name}", _resource_curl(method, path, missing), 422, body=json.dumps({"errors": [{"code": "required", "path": required[0].name}]})))
        elif verb == "delete":
            calls.append(QaCall(op, "delete", _resource_curl(method, path, None), 204, "no body"))
    first_verb = resource.methods[0]
    path = resource.item_path if first_verb in ITEM_VERBS else resource.path
    calls.append(QaCall(resource.op(first_verb), "no credentials", _resource_curl(RESOURCE_HTTP[first_verb], path, None, auth=False), 401, body=json.dumps({"errors": [{"code": "unauthorized"}]})))
    return tuple(calls)
