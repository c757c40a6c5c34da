"""Validators target: `specc_app/<spec_name>/validators.py` and `<spec-id>/schemas/*.json`.

Every check is in the shared, standard-library-only runtime
`specc_app/runtime/validation.py` (template `templates/runtime_validation.py.j2`,
rendered once for the project); a spec's module holds only its rules as data:
plain dict/tuple literals rendered with `repr()`, so no spec text is ever
spliced into code.  The JSON Schemas mirror the same rules for frontends;
both come from the IR through `targets.jsonschema_bodies`.
"""

from __future__ import annotations

import json
import keyword
import re
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

import jinja2

from compiler import pypackage
from compiler.checkers import JSON, PYTHON
from compiler.build.header import HASH
from compiler.ir import BodyField, Column, ColumnField, ListField, Project, Resource, Spec
from compiler.target import APPLICATION, VALIDATION, FileKind, Target
from targets import jsonschema_bodies as js

_OPERATION_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
# Column kinds whose values the runtime checks as integers.
_INT_KINDS = ("int", "bigint", "id")


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("targets.fastapi", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["py"] = repr
    return env.get_template("validators.py.j2")


def _column_rule(col: Column, required: bool, siblings: dict[str, str]) -> dict[str, Any]:
    """The runtime rule of one column-backed field.

    `siblings` maps column names to field names in the same object, so a
    host rule keyed on another column can find that field.
    """
    rule: dict[str, Any] = {"kind": col.kind, "required": required, "nullable": col.nullable}
    if col.kind in ("string", "text"):
        rule.update(kind="string", min_length=col.min_length, max_length=col.max_length)
    elif col.kind == "url":
        hosts = tuple(
            (siblings[r.when_column], r.when_value, tuple(h.lower() for h in r.hosts))
            for r in col.host_rules
            if r.when_column in siblings
        )
        rule.update(
            min_length=col.min_length,
            max_length=col.max_length or js.DEFAULT_URL_MAX,
            schemes=col.schemes or js.DEFAULT_SCHEMES,
            hosts=hosts,
        )
    elif col.kind in _INT_KINDS:
        low, high = js.int_bounds(col)
        rule.update(kind="int", minimum=low, maximum=high)
    elif col.kind == "enum":
        rule["values"] = col.enum.values if col.enum else ()
    return rule


def _object_rules(spec: Spec, fields: tuple[BodyField, ...]) -> dict[str, Any]:
    siblings = {f.column.name: f.name for f in fields if isinstance(f, ColumnField)}
    rules: dict[str, Any] = {}
    for field in fields:
        if isinstance(field, ColumnField):
            rules[field.name] = _column_rule(field.column, field.required, siblings)
        elif isinstance(field, ListField):
            rules[field.name] = {
                "kind": "list",
                "required": field.required,
                "nullable": False,
                "table": field.table,
                "items": _object_rules(spec, field.fields),
                "unique": js.unique_keys(js.spec_list_table(spec, field), field),
            }
        else:  # pragma: no cover - lowering rejects metrics/windows in requests
            raise AssertionError(f"{field!r} cannot appear in a request body")
    return rules


def _checked_op(op: str) -> str:
    # The spec schema already restricts operationIds; generated function
    # names are built from them, so re-check rather than trust.
    if not _OPERATION_ID.match(op) or keyword.iskeyword(op):
        raise AssertionError(f"operationId {op!r} is not a safe identifier")
    return op


def caps(spec: Spec) -> dict[str, int]:
    """table -> cap for every capped child table this spec's endpoints carry."""
    out: dict[str, int] = {}
    for endpoint in spec.endpoints:
        for field in endpoint.request + endpoint.response:
            if isinstance(field, ListField) and field.cap is not None:
                out[field.table] = field.cap.max
    for resource in spec.resources:
        if resource.cap is not None and "create" in resource.methods:
            out[resource.table] = resource.cap.max
    return dict(sorted(out.items()))


def resource_request_fields(resource: Resource, verb: str) -> tuple[ColumnField, ...]:
    """The body fields of a resource's create (required as the columns say)
    or replace (PUT: the whole row, required as on create) or update (PATCH:
    every field optional)."""
    if verb in ("create", "replace"):
        return resource.fields
    return tuple(ColumnField(f.name, f.table, f.column, required=False) for f in resource.fields)


def render_module(spec: Spec) -> str:
    """The source of `specc_app/<spec_name>/validators.py` (no header; `compiler.emit` has
    ruff format it with the other generated modules)."""
    request_rules = {_checked_op(e.operation_id): _object_rules(spec, e.request) for e in spec.endpoints if e.request}
    for r in spec.resources:
        for verb in ("create", "update", "replace"):
            if verb in r.methods:
                request_rules[_checked_op(r.op(verb))] = _object_rules(spec, resource_request_fields(r, verb))
    query_rules = {
        _checked_op(e.operation_id): {
            q.name: {"values": q.enum.values, "default": q.default, "required": q.required} for q in e.query
        }
        for e in spec.endpoints
        if e.query
    }
    source = _template().render(
        spec_id=spec.id,
        caps=caps(spec),
        request_rules=request_rules,
        query_rules=query_rules,
        request_ops=list(request_rules),
        query_ops=list(query_rules),
    )
    # (Every generated module is compiled by the tests; compiling it here again
    # cost about 5 % of a cold compile.)
    return source


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_schemas(spec: Spec) -> dict[PurePosixPath, str]:
    """`schemas/<operationId>.request.json` / `.response.json` for every body."""
    out: dict[PurePosixPath, str] = {}
    base = PurePosixPath(spec.id, "schemas")
    for e in spec.endpoints:
        if e.request:
            schema = js.standalone(js.body_schema(e, request=True), f"{e.operation_id} request body")
            out[base / f"{e.operation_id}.request.json"] = _dump(schema)
        if e.response:
            schema = js.standalone(js.body_schema(e, request=False), f"{e.operation_id} response body")
            out[base / f"{e.operation_id}.response.json"] = _dump(schema)
    for r in spec.resources:
        bodies = js.resource_schemas(r)
        named = {"Create": (r.op("create"), "request"), "Update": (r.op("update"), "request"), "Replace": (r.op("replace"), "request"), "Row": (r.name + "_row", "response"), "Page": (r.op("list"), "response")}
        for suffix, schema in bodies.items():
            op, part = named[suffix]
            out[base / f"{op}.{part}.json"] = _dump(js.standalone(schema, f"{op} {part} body"))
    return out



def render_runtime() -> str:
    """`specc_app/runtime/validation.py`: every check, shared by the specs'
    validators and the backfill scripts (no header; see render_module)."""
    template = _template().environment.get_template("runtime_validation.py.j2")
    return template.render(error_codes=js.ERROR_CODES)


def emit_project(project: Project) -> dict[PurePosixPath, str]:
    """The shared validation runtime, once for the project."""
    return {PurePosixPath(pypackage.PACKAGE, "runtime", "validation.py"): render_runtime()}


def emit_spec(project: Project, spec: Spec) -> dict[PurePosixPath, str]:
    """One spec's validators module and JSON Schemas (it reads only `spec`)."""
    out: dict[PurePosixPath, str] = {}
    if not spec.endpoints and not spec.resources:
        return out
    out[pypackage.spec_package(spec.id) / "validators.py"] = render_module(spec)
    out.update(render_schemas(spec))
    return out


TARGET = Target(
    "validators",
    kinds=(
        FileKind(".py", HASH, VALIDATION, PYTHON, where=f"{pypackage.PACKAGE}/*/validators.py"),
        FileKind(".json", None, VALIDATION, JSON, where="*/schemas/*"),
        # Shared by every spec's validators and backfills: in every spec's PR.
        FileKind(".py", HASH, APPLICATION, PYTHON, where=f"{pypackage.PACKAGE}/runtime/validation.py"),
    ),
    emit_spec=emit_spec,
    emit_project=emit_project,
)
