"""The public API surface of an OpenAPI document, flattened for comparison:
per operation, the request and response fields (with required-ness and enum
values) and the parameters.  Built from the committed `_project/openapi.yaml`
and from the freshly compiled one, so the comparison sees exactly what clients
were promised and what they would get."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable, Mapping

from compiler.ir import Span

_METHODS = ("get", "put", "post", "patch", "delete")


@dataclass(frozen=True)
class FieldSurface:
    """One field (path like `links[].url`): required in its object?  enum values?"""

    required: bool
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class OperationSurface:
    """What one operation promises its clients."""

    key: str  # "GET /api/me/profile"
    operation_id: str
    request: dict[str, FieldSurface] = field(default_factory=dict)
    response: dict[str, FieldSurface] = field(default_factory=dict)
    params: dict[str, FieldSurface] = field(default_factory=dict)


def _resolve(doc: Mapping[str, Any], schema: Any, depth: int = 0) -> Any:
    while isinstance(schema, Mapping) and "$ref" in schema and depth < 32:
        ref = str(schema["$ref"])
        node: Any = doc
        for part in ref.lstrip("#/").split("/"):
            node = node.get(part, {}) if isinstance(node, Mapping) else {}
        schema, depth = node, depth + 1
    return schema if isinstance(schema, Mapping) else {}


def _fields(doc: Mapping[str, Any], schema: Any, prefix: str, out: dict[str, FieldSurface], depth: int = 0) -> None:
    schema = _resolve(doc, schema)
    if depth > 16:
        return
    for combo in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(combo) or []:
            _fields(doc, part, prefix, out, depth + 1)
    if schema.get("type") == "array" or "items" in schema:
        _fields(doc, schema.get("items"), prefix + "[]", out, depth + 1)
    required = set(schema.get("required") or [])
    for name, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        resolved = _resolve(doc, sub)
        enum = tuple(str(v) for v in resolved.get("enum") or ())
        if not enum and isinstance(resolved.get("items"), Mapping):
            enum = tuple(str(v) for v in _resolve(doc, resolved["items"]).get("enum") or ())
        out[path] = FieldSurface(name in required, enum)
        _fields(doc, sub, path, out, depth + 1)


def _body_schema(doc: Mapping[str, Any], holder: Any) -> Any:
    holder = _resolve(doc, holder)
    content = holder.get("content") or {}
    media: Any = content.get("application/json") or next(iter(content.values()), {})
    return (media or {}).get("schema")


def surface(doc: Mapping[str, Any] | None) -> dict[str, OperationSurface]:
    """operation key -> surface for every operation of an OpenAPI document."""
    out: dict[str, OperationSurface] = {}
    for path, item in ((doc or {}).get("paths") or {}).items():
        if not isinstance(item, Mapping):
            continue
        for method in _METHODS:
            op = item.get(method)
            if not isinstance(op, Mapping):
                continue
            key = f"{method.upper()} {path}"
            request: dict[str, FieldSurface] = {}
            if "requestBody" in op:
                _fields(doc or {}, _body_schema(doc or {}, op["requestBody"]), "", request)
            response: dict[str, FieldSurface] = {}
            for status, resp in sorted((op.get("responses") or {}).items(), key=lambda kv: str(kv[0])):
                if str(status).startswith("2"):
                    _fields(doc or {}, _body_schema(doc or {}, resp), "", response)
            params: dict[str, FieldSurface] = {}
            for param in list(item.get("parameters") or []) + list(op.get("parameters") or []):
                param = _resolve(doc or {}, param)
                schema = _resolve(doc or {}, param.get("schema"))
                params[f"{param.get('in', 'query')}:{param.get('name', '')}"] = FieldSurface(
                    bool(param.get("required")), tuple(str(v) for v in schema.get("enum") or ())
                )
            out[key] = OperationSurface(key, str(op.get("operationId") or key), request, response, params)
    return out


_PATH_PARAM = re.compile(r"\{[^{}/]*\}")


def url_shape(key: str) -> str:
    """An operation key with its path parameters' names left out:
    "GET /api/lists/{list_id}/items" -> "GET /api/lists/{}/items"."""
    return _PATH_PARAM.sub("{}", key)


@dataclass(frozen=True)
class ApiContext:
    """The API before (committed snapshot) and after (this compile).

    `locate` maps an operationId to the spec that now declares it and the span
    of the endpoint; `old_file`/`old_text` locate what no spec declares any
    more."""

    old: dict[str, OperationSurface]
    new: dict[str, OperationSurface]
    old_file: str = ""
    old_text: str = ""
    locate: Callable[[str], tuple[str, Span] | None] = lambda _op: None

    def counterpart(self, key: str) -> OperationSurface | None:
        """The new operation that serves what old operation `key` served: the
        same method and path, or the same path with path parameters renamed
        (clients see only the URL, not a parameter's name).  None when the
        URL is gone, for example when a path parameter was removed or added."""
        found = self.new.get(key)
        if found is not None:
            return found
        shape = url_shape(key)
        matches = [op for k, op in self.new.items() if k not in self.old and url_shape(k) == shape]
        return matches[0] if len(matches) == 1 else None

    def where(self, op: OperationSurface) -> tuple[str, Span]:
        found = self.locate(op.operation_id)
        if found is not None:
            return found
        match = re.search(rf"operationId:\s*['\"]?{re.escape(op.operation_id)}\b", self.old_text)
        line = self.old_text.count("\n", 0, match.start()) + 1 if match else 0
        return "", Span(self.old_file or "openapi.yaml", line, 1 if line else 0)


# A surface as plain tuples (what the compile cache may store): operation key ->
# (operationId, request, response, params), each field path -> (required, enum).
PlainFields = tuple[tuple[str, bool, tuple[str, ...]], ...]
PlainSurface = dict[str, tuple[str, PlainFields, PlainFields, PlainFields]]


def _plain_fields(fields: dict[str, FieldSurface]) -> PlainFields:
    return tuple((path, f.required, f.enum) for path, f in fields.items())


def _fields_of(plain: Any) -> dict[str, FieldSurface]:
    return {path: FieldSurface(required, tuple(enum)) for path, required, enum in plain}


def to_plain(surfaces: dict[str, OperationSurface]) -> PlainSurface:
    """`surfaces` as tuples and strings, in the same order."""
    return {
        key: (op.operation_id, _plain_fields(op.request), _plain_fields(op.response), _plain_fields(op.params))
        for key, op in surfaces.items()
    }


def from_plain(plain: PlainSurface) -> dict[str, OperationSurface]:
    """The inverse of `to_plain`."""
    return {
        key: OperationSurface(key, op_id, _fields_of(request), _fields_of(response), _fields_of(params))
        for key, (op_id, request, response, params) in plain.items()
    }
