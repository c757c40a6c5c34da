"""IR body fields -> JSON Schema (draft 2020-12), shared by the validators and
OpenAPI targets so the two can never disagree about a rule.

OpenAPI 3.1 schema objects are JSON Schema 2020-12, so the same dicts serve
as the standalone `schemas/<operationId>.*.json` files and as OpenAPI
components.  Every rule here mirrors one enforced by the generated
`validators.py` (see docs/validators.md); the server stays the authority,
the schemas let a frontend reject obvious mistakes early.
"""

from __future__ import annotations

import re
from typing import Any

from compiler.ir import (
    BodyField,
    Column,
    ColumnField,
    Endpoint,
    ListField,
    MetricField,
    QueryParam,
    Resource,
    Spec,
    Table,
    WindowField,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Stable error codes of the generated validators (HELPERS.md contract), plus
# `unauthorized`, which the routes use for 401.
ERROR_CODES: tuple[str, ...] = (
    "required",
    "not_nullable",
    "type",
    "unknown_field",
    "enum",
    "invalid_text",
    "too_short",
    "too_long",
    "too_small",
    "too_large",
    "url_scheme",
    "url_credentials",
    "url_host",
    "url_invalid",
    "url_too_long",
    "host_not_allowed",
    "cap_exceeded",
    "duplicate",
)
AUTH_ERROR_CODE = "unauthorized"
# Codes of the errors the generated routes answer when the database refuses a
# write or fails (runtime.database_failure): 409 conflict (a unique index),
# 422 constraint / invalid_value, 503 unavailable, 500 internal.
DATABASE_ERROR_CODES: tuple[str, ...] = ("conflict", "constraint", "invalid_value", "unavailable", "internal")
# Every 405 (a method the path does not have).
METHOD_ERROR_CODE = "method_not_allowed"
# Codes only resources answer: 404 `not_found`, 403 `forbidden` (a row of
# another user, with `not_owner: 403`); `cap_exceeded` and `conflict` are 409.
RESOURCE_ERROR_CODES: tuple[str, ...] = ("not_found", "forbidden")

# Fallbacks for url columns built without them (lowering always sets both).
DEFAULT_SCHEMES: tuple[str, ...] = ("http", "https")
DEFAULT_URL_MAX = 2048

# Storage ranges of integer kinds: a value outside them would fail (or wrap)
# in the database, so they are validation bounds when the spec gives none.
INT_RANGES: dict[str, tuple[int, int]] = {
    "int": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
    "id": (1, 2**63 - 1),
}

# Characters a URL may never contain (whitespace, controls, backslash):
# ECMA-262 and Python `re` read these escapes the same way.
_URL_BAD = r"\s\x00-\x1f\x7f\\"


def int_bounds(col: Column) -> tuple[int | None, int | None]:
    """The inclusive (minimum, maximum) a value of integer column `col` must respect."""
    low, high = INT_RANGES.get(col.kind, (None, None))
    return (
        col.minimum if col.minimum is not None else low,
        col.maximum if col.maximum is not None else high,
    )


def _any_case(word: str) -> str:
    """A regex matching `word` in any letter case, without inline flags
    (ECMA-262 patterns have no `(?i)`)."""
    out = []
    for ch in word:
        if ch.isalpha():
            out.append(f"[{ch.lower()}{ch.upper()}]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


# Text every database can store, as the validators require (`invalid_text`):
# no NUL.  The validators also refuse lone surrogates (U+D800-U+DFFF, which
# are not Unicode scalar values and have no UTF-8 form), but a pattern cannot
# name them portably: regex engines over scalar values (Rust's, used by
# schemathesis and many validators) reject such a class and drop the whole
# pattern.  JSON texts with lone surrogates are not interoperable anyway
# (RFC 8259, section 8.2).
STORABLE_TEXT = r"^[^\u0000]*$"


def url_pattern(schemes: tuple[str, ...], *, normalised: bool) -> str:
    """A pattern for absolute URLs with one of `schemes` and a host.

    Requests accept the scheme in any case (the validator lower-cases it);
    responses hold normalised URLs, so their scheme is lower case.
    """
    alts = "|".join((re.escape(s) if normalised else _any_case(s)) for s in schemes)
    # The authority is a domain name of at most 253 characters (one trailing
    # dot aside) and an optional port from 1 to 65535, as the validators
    # require: two or more labels of letters, digits and inner hyphens, the
    # last starting with a letter (no IP addresses).  Looser patterns let
    # schemathesis send schema-valid URLs that were answered 422 (hosts of 254
    # characters, `0`, `a..b`).  Requests may hold Unicode labels, whose IDNA
    # rules no pattern can state; the validator checks those.
    label = f"{_LABEL_CHAR}(?:[-{_LABEL_CHARS}]{{0,61}}{_LABEL_CHAR})?"
    last = f"{_LABEL_START}(?:[-{_LABEL_CHARS}]{{0,61}}{_LABEL_CHAR})?"
    host_length = rf"(?=[^{_URL_BAD}@/?#:]{{1,253}}\.?(?:[:/?#]|$))"
    port = _PORT_NORMALISED if normalised else _PORT_AS_GIVEN
    return f"^(?:{alts})://{host_length}(?:{label}\\.)+{last}\\.?(?::{port})?(?:[/?#][^{_URL_BAD}]*)?$"


# Characters of a host label: ASCII letters and digits, and any character
# beyond ASCII that is not a space (what IDNA may map to a label).
_LABEL_CHARS = "A-Za-z0-9\\u00A0-\\uFFFF"
_LABEL_CHAR = f"[{_LABEL_CHARS}]"
_LABEL_START = "[A-Za-z\\u00A0-\\uFFFF]"


# 1 to 65535 in at most five digits (leading zeros allowed in requests, as
# the validator reads them; stored URLs have none).
_PORT_FIVE = "[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]"
_PORT_AS_GIVEN = f"(?:0{{0,4}}[1-9]|0{{0,3}}[1-9][0-9]|0{{0,2}}[1-9][0-9]{{2}}|0?[1-9][0-9]{{3}}|{_PORT_FIVE})"
_PORT_NORMALISED = f"(?:[1-9][0-9]{{0,3}}|{_PORT_FIVE})"


def _nullable(schema: dict[str, Any], nullable: bool) -> dict[str, Any]:
    if not nullable:
        return schema
    out = dict(schema)
    out["type"] = [schema["type"], "null"]
    if "enum" in out:
        out["enum"] = list(out["enum"]) + [None]
    return out


def column_schema(col: Column, *, request: bool) -> dict[str, Any]:
    """The JSON Schema of one column's value in a request or response body."""
    s: dict[str, Any]
    if col.kind in ("string", "text"):
        s = {"type": "string", "pattern": STORABLE_TEXT}
        if col.min_length is not None:
            s["minLength"] = col.min_length
        if col.max_length is not None:
            s["maxLength"] = col.max_length
    elif col.kind == "url":
        s = {
            "type": "string",
            # Requests may carry Unicode hosts (IRIs); stored URLs are ASCII.
            "format": "iri" if request else "uri",
            "pattern": url_pattern(col.schemes or DEFAULT_SCHEMES, normalised=not request),
        }
        if col.min_length is not None:
            s["minLength"] = col.min_length
        s["maxLength"] = col.max_length or DEFAULT_URL_MAX
        for rule in col.host_rules:
            # JSON Schema cannot express the IDNA-aware host check; say it.
            s.setdefault("x-specc-host-rules", []).append(
                {"when": {rule.when_column: rule.when_value}, "hosts": list(rule.hosts)}
            )
    elif col.kind in ("int", "bigint", "id"):
        s = {"type": "integer"}
        low, high = int_bounds(col)
        if low is not None:
            s["minimum"] = low
        if high is not None:
            s["maximum"] = high
    elif col.kind == "enum":
        s = {"type": "string", "enum": list(col.enum.values) if col.enum else []}
    elif col.kind == "bool":
        s = {"type": "boolean"}
    elif col.kind == "uuid":
        s = {"type": "string", "format": "uuid"}
    elif col.kind == "timestamp":
        s = {"type": "string", "format": "date-time"}
    elif col.kind == "date":
        s = {"type": "string", "format": "date"}
    elif col.kind == "json":
        # Any JSON value (null only when nullable): no `type` to widen.
        s = {} if col.nullable else {"not": {"type": "null"}}
        if col.description:
            s["description"] = col.description
        return s
    else:  # pragma: no cover - ColumnKind is closed
        raise AssertionError(f"unhandled column kind {col.kind!r}")
    if col.description:
        s["description"] = col.description
    return _nullable(s, col.nullable)


def metric_schema(field: MetricField) -> dict[str, Any]:
    """A metric's value: a count, or with `series` a total plus per-day counts."""
    count = {"type": "integer", "minimum": 0}
    if not field.metric.series:
        return {**count, "description": field.metric.description}
    return {
        "type": "object",
        "description": field.metric.description,
        "additionalProperties": False,
        "required": ["total", "series"],
        "properties": {
            "total": count,
            "series": {
                "type": "array",
                "description": "One entry per day of the window, oldest first.",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["date", "count"],
                    "properties": {"date": {"type": "string", "format": "date"}, "count": count},
                },
            },
        },
    }


def query_param_schema(param: QueryParam) -> dict[str, Any]:
    """A query parameter: a string restricted to its enum, with its default."""
    s: dict[str, Any] = {"type": "string", "enum": list(param.enum.values)}
    if param.default is not None:
        s["default"] = param.default
    return s


def _list_schema(field: ListField, *, request: bool) -> dict[str, Any]:
    items = _object_schema(field.fields, request=request, query=())
    s: dict[str, Any] = {"type": "array", "items": items}
    if field.cap is not None:
        # Documentation of the cap: the server enforces it on the stored rows,
        # inside the write transaction (check_cap), not on the request alone.
        s["maxItems"] = field.cap.max
        s["description"] = f"At most {field.cap.max} {field.table} rows per user."
    return s


def field_schema(field: BodyField, *, request: bool, query: tuple[QueryParam, ...] = ()) -> dict[str, Any]:
    """The JSON Schema of one body field."""
    if isinstance(field, ColumnField):
        return column_schema(field.column, request=request)
    if isinstance(field, ListField):
        return _list_schema(field, request=request)
    if isinstance(field, MetricField):
        return metric_schema(field)
    if isinstance(field, WindowField):
        for param in query:
            if param.name == field.param:
                return {"type": "string", "enum": list(param.enum.values), "description": f"The effective `{param.name}` query parameter."}
        return {"type": "string"}
    raise AssertionError(f"unhandled body field {field!r}")  # pragma: no cover


def _object_schema(fields: tuple[BodyField, ...], *, request: bool, query: tuple[QueryParam, ...]) -> dict[str, Any]:
    props = {f.name: field_schema(f, request=request, query=query) for f in fields}
    if request:
        # PATCH semantics: only fields marked required must be present.
        required = [f.name for f in fields if isinstance(f, (ColumnField, ListField)) and f.required]
    else:
        # Responses always carry every documented field (null when empty).
        required = [f.name for f in fields]
    s: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        s["required"] = required
    if request:
        s["additionalProperties"] = False
    conditions = _host_rule_conditions(fields, request=request)
    if conditions:
        s["allOf"] = conditions
    return s


def _host_rule_conditions(fields: tuple[BodyField, ...], *, request: bool) -> list[dict[str, Any]]:
    """Each URL host rule as `if`/`then` on the object that holds both fields
    (when `type` is `imdb`, `url` must be on imdb.com), so that the schema
    refuses what the validator refuses (`host_not_allowed`) instead of only
    naming the rule in `x-specc-host-rules`."""
    name_of = {f.column.name: f.name for f in fields if isinstance(f, ColumnField)}
    out: list[dict[str, Any]] = []
    for f in fields:
        if not (isinstance(f, ColumnField) and f.column.kind == "url"):
            continue
        for rule in f.column.host_rules:
            when = name_of.get(rule.when_column)
            if when is None:
                continue  # the condition's field is not in this body: nothing to say
            out.append(
                {
                    "if": {"properties": {when: {"const": rule.when_value}}, "required": [when]},
                    "then": {"properties": {f.name: {"pattern": host_pattern(rule.hosts, normalised=not request)}}},
                }
            )
    return out


def host_pattern(hosts: tuple[str, ...], *, normalised: bool) -> str:
    """URLs whose host is one of `hosts` or a subdomain of one (one trailing
    dot and a port allowed).  Requests may write the host in any case, as the
    validator lower-cases it; stored URLs are lower case.  (A host that only
    IDNA folding makes equal, such as fullwidth letters, is accepted by the
    validator but not by this pattern.)"""

    def one(host: str) -> str:
        return "".join("\\." if ch == "." else (_any_case(ch) if not normalised and ch.isalpha() else ch) for ch in host)

    alts = "|".join(one(h) for h in hosts)
    return f"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^{_URL_BAD}@/?#:]*\\.)?(?:{alts})\\.?(?:[:/?#]|$)"


def body_schema(endpoint: Endpoint, *, request: bool) -> dict[str, Any]:
    """The schema of an endpoint's request or response body (without `$schema`)."""
    fields = endpoint.request if request else endpoint.response
    return _object_schema(fields, request=request, query=endpoint.query)


def standalone(schema: dict[str, Any], title: str) -> dict[str, Any]:
    """`schema` as a standalone JSON Schema document."""
    return {"$schema": DIALECT, "title": title, **schema}


def field_error_schema(resources: bool = False) -> dict[str, Any]:
    """One structured error: where, which stable code, and a message (with
    the codes of resources when the document has any)."""
    codes = [*ERROR_CODES, AUTH_ERROR_CODE, *DATABASE_ERROR_CODES, METHOD_ERROR_CODE]
    if resources:
        codes += RESOURCE_ERROR_CODES
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["path", "code", "message"],
        "properties": {
            "path": {"type": "string", "description": "Field path such as `links[3].url`; empty for the whole body."},
            "code": {"type": "string", "enum": codes},
            "message": {"type": "string"},
        },
    }


def error_body_schema(field_error_ref: dict[str, Any] | None = None) -> dict[str, Any]:
    """`{"errors": [FieldError, ...]}`, the body of every 401 and 422."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["errors"],
        "properties": {
            "errors": {"type": "array", "minItems": 1, "items": field_error_ref or field_error_schema()},
        },
    }


def unique_keys(table: Table | None, field: ListField) -> tuple[tuple[str, ...], ...]:
    """Column tuples that must be unique among the items of a request list.

    Derived from the child table's unique indexes: the owner column is the
    same for every item of one request, so the remaining columns must differ
    between items (else the write would violate the index).  Indexes that
    need a column the request does not carry are skipped.
    """
    if table is None:
        return ()
    names = {f.name for f in field.fields}
    out: list[tuple[str, ...]] = []
    for index in table.indexes:
        if not index.unique:
            continue
        rest = tuple(c for c in index.columns if c != field.owner_column)
        if rest and all(c in names for c in rest) and rest not in out:
            out.append(rest)
    return tuple(out)


def spec_list_table(spec: Spec, field: ListField) -> Table | None:
    """The table behind a list field, as it stands after `spec`."""
    return spec.schema_after.table(field.table)


def resource_schemas(resource: Resource) -> dict[str, dict[str, Any]]:
    """The body schemas of a resource: `Create`/`Update`/`Replace` requests
    (update: every field optional; replace: required as on create), the `Row` every method returns and the list's `Page`."""
    out: dict[str, dict[str, Any]] = {}
    if "create" in resource.methods:
        out["Create"] = _object_schema(resource.fields, request=True, query=())
    if "update" in resource.methods:
        optional = tuple(ColumnField(f.name, f.table, f.column, required=False) for f in resource.fields)
        out["Update"] = _object_schema(optional, request=True, query=())
    if "replace" in resource.methods:
        # The whole row, required as on create: absent optional fields are reset.
        out["Replace"] = _object_schema(resource.fields, request=True, query=())
    row = _object_schema(resource.response, request=False, query=())
    out["Row"] = row
    if "list" in resource.methods:
        out["Page"] = {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "maxItems": resource.page_max, "items": row},
                "next_cursor": {
                    "type": ["string", "null"],
                    "pattern": "^[0-9]+$",
                    "description": "Pass as `cursor` for the next page; null on the last page.",
                },
            },
        }
    return out
