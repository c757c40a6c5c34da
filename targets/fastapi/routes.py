"""Target `routes`: FastAPI routers that really serve each spec's endpoints.

Emits, per spec with endpoints, `specc_app/<spec_name>/routes.py` (a
`build_router(...)` over a DB-API connection: bodies come in through the
spec's pydantic models, `targets.fastapi.models`, which call its generated
validators; each route states to FastAPI the parameters, responses and error
statuses of its operation in the emitted OpenAPI document, from
`targets.openapi`) and the subpackage's `__init__.py`, and for the project
the shared part of the package (`compiler.pypackage`): `specc_app/__init__.py`,
`specc_app/runtime/http.py` (request/response/transaction support) and
`specc_app/app.py` (`create_app(...)` including every spec subpackage's router).

Generation gap: these files are never edited.  The user's code (the DB
connection, authentication, the dialect) reaches them only through the
arguments of `create_app`/`build_router` or a hooks module; see
docs/routes.md.  This module only writes text: it never imports FastAPI.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from compiler import pypackage
from compiler.checkers import PYTHON
from compiler.build.header import HASH
from compiler.ir import RESOURCE_HTTP, ColumnField, Endpoint, ListField, MetricField, Project, Resource, Spec, WindowField
from compiler.target import APPLICATION, FileKind, Target
from targets import openapi
from targets.fastapi import models
from targets.fastapi import route_queries as q

TEMPLATES = Path(__file__).parent / "templates"
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # Python source, not HTML: every value is passed in as a repr() literal
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def py(value: object) -> str:
    """A Python literal for `value`; the only way spec text reaches the code."""
    return repr(value)


def cache_headers(endpoint: Endpoint) -> dict[str, str]:
    """The exact headers of a successful response of `endpoint`."""
    if endpoint.cache is None:
        return {}
    headers = {"Cache-Control": endpoint.cache.cache_control}
    if endpoint.cache.vary:
        headers["Vary"] = ", ".join(endpoint.cache.vary)
    return headers


def window_param(endpoint: Endpoint) -> Any:
    """The query parameter that picks the metric window, if any."""
    for param in endpoint.query:
        if param.window_days:
            return param
    return None


def _identifier(name: str) -> str:
    # The spec schema restricts operation ids to [A-Za-z][A-Za-z0-9_]*; they
    # become parts of function names, so re-check rather than trust.
    if not name.isidentifier():
        raise AssertionError(f"operation id {name!r} is not a Python identifier")
    return name


def _spec_id(spec_id: str) -> str:
    # Spec ids are kebab-case by the spec schema; they appear bare in a docstring.
    if not spec_id.replace("-", "").isalnum() or not spec_id.isascii():
        raise AssertionError(f"spec id {spec_id!r} is not kebab-case")
    return spec_id


def _item_param(field: ColumnField) -> str:
    """The expression for one list-item column in an INSERT's parameters."""
    kind = py(field.column.kind)
    name = py(field.name)
    if field.required or field.column.default is None or field.column.default == "now":
        # Absent optional values are NULL (a "now" default is the DB's job
        # only when the column is left out, which a fixed INSERT cannot do).
        return f"runtime.to_db(item.get({name}), {kind})"
    return f"runtime.to_db(item.get({name}, {py(field.column.default)}), {kind})"


def _header_source(header: dict[str, Any]) -> str:
    exact = header.get("schema", {}).get("const")
    if header == {"description": openapi.EXACT_HEADER, "required": True, "schema": {"type": "string", "const": exact}}:
        return f"runtime_models.exact_header({exact!r})"
    return repr(header)


def _responses_source(responses: dict[str, Any], ok: str) -> str:
    """FastAPI's `responses=` for an operation of the emitted document, as
    Python source: each status with its description (and headers), every
    error status with the error shape's model, through the helpers of
    `runtime/models.py` (one text per rule, not one copy per route)."""
    items = []
    for status, response in responses.items():
        ref = response.get("$ref", "")
        if ref:
            name = ref.rpartition("/")[2]
            text = f"runtime_models.error_response(runtime_models.{models.shared_response_name(name)})"
        elif status != ok and "headers" not in response:
            text = f"runtime_models.error_response({response['description']!r})"
        else:
            parts = [f'"description": {response["description"]!r}']
            if "headers" in response:
                headers = ", ".join(f"{k!r}: {_header_source(v)}" for k, v in response["headers"].items())
                parts.append(f'"headers": {{{headers}}}')
            if status != ok:
                parts.append('"model": runtime_models.ErrorResponse')
            text = "{" + ", ".join(parts) + "}"
        items.append(f"{int(status)}: {text}")
    return "{" + ", ".join(items) + "}"


def _param_context(i: int, param: dict[str, Any]) -> dict[str, Any]:
    """A parameter FastAPI documents from the signature: its name as the
    alias of `param_<i>` (any spec name is safe), its emitted schema."""
    where = {"query": "Query", "path": "Path"}[param["in"]]
    args = f"alias={param['name']!r}"
    if "description" in param:
        args += f", description={param['description']!r}"
    return {
        "attr": f"param_{i}",
        "annotation": f"Annotated[str{'' if param['required'] else ' | None'}, {where}({args}), WithJsonSchema({param['schema']!r})]",
        # The value is never read (see the template); the default is the
        # schema's, which pydantic states in the parameter's schema.
        "default": "" if param["required"] else f" = {param['schema'].get('default')!r}",
    }


def _doc_context(doc: dict[str, Any], ok: str, response_model: str) -> dict[str, Any]:
    """What the route decorator states of an operation of the emitted document."""
    return {
        "description_lit": py(doc.get("description", "")),
        "tags_lit": py(list(doc["tags"])),
        "response_model": response_model,
        "response_description_lit": py(doc["responses"][ok]["description"]),
        "responses_src": _responses_source(doc["responses"], ok),
        "params": [_param_context(i, p) for i, p in enumerate(doc.get("parameters", ()))],
    }


def _endpoint_context(endpoint: Endpoint, spec: Spec) -> dict[str, Any]:
    op = _identifier(endpoint.operation_id)
    schema = spec.schema_after
    ok = "200" if endpoint.response else "204"
    ctx: dict[str, Any] = {
        **_doc_context(openapi.endpoint_operation(spec, endpoint), ok, f"models.{models.component(op, 'Response')}" if endpoint.response else "None"),
        "request_model": f"models.{models.component(op, 'Request')}" if endpoint.request else "",
        "op": op,
        "op_lit": py(op),
        "method": endpoint.method.lower(),
        "path_lit": py(endpoint.path),
        "summary_lit": py(endpoint.summary),
        "kind": endpoint.kind,
        # 204 when the spec gives no response fields (as the OpenAPI document says).
        "ok_status": 200 if endpoint.response else 204,
        "auth": endpoint.auth,
        "query": bool(endpoint.query),
        "user_key_lit": py(f"{op}:user"),
        "lock_key_lit": py(f"{op}:lock"),
        "window_param_lit": "",
        "window_days_lit": "{}",
    }
    response: list[dict[str, Any]] = []
    index = 1  # column 0 of the user row is its key
    for field in endpoint.response:
        if isinstance(field, ColumnField):
            response.append({"kind": "column", "name_lit": py(field.name), "index": index, "column_kind_lit": py(field.column.kind)})
            index += 1
        elif isinstance(field, ListField):
            fields = tuple((f.name, f.column.kind) for f in field.fields)
            response.append({"kind": "list", "name_lit": py(field.name), "key_lit": py(f"{op}:list:{field.name}"), "fields_lit": py(fields)})
        elif isinstance(field, WindowField):
            response.append({"kind": "window", "name_lit": py(field.name), "param_lit": py(field.param)})
        elif isinstance(field, MetricField):
            n = len(field.metric.sources)
            params = "(" + ", ".join(["user_id", "since", "until"] * n) + ")"
            response.append(
                {
                    "kind": "metric",
                    "name_lit": py(field.name),
                    "total_key_lit": py(f"{op}:total:{field.metric.name}"),
                    "series_key_lit": py(f"{op}:series:{field.metric.name}") if field.metric.series else "",
                    "params": params,
                }
            )
    ctx["response"] = response
    written = [f for f in endpoint.request if isinstance(f, ColumnField)]
    scalars = [f for f in written if not f.owner_column]

    def write(f: ColumnField) -> dict[str, str]:
        return {"name_lit": py(f.name), "key_lit": py(f"{op}:set:{f.name}"), "column_kind_lit": py(f.column.kind)}

    ctx["scalar_writes"] = [write(f) for f in scalars]
    ctx["scalar_names_lit"] = py(tuple(f.name for f in scalars))
    touch = q.touch_user(op, schema) if scalars and endpoint.kind == "update" else None
    ctx["touch_key_lit"] = py(touch.key) if touch else ""
    # Fields of the user's one row of another table: 409 without that row.
    ctx["row_writes"] = []
    for table, owner in q.user_row_tables(written) if endpoint.kind == "update" else ():
        on_row = [f for f in written if f.table == table]
        stamp = q.touch_user(op, schema, table, owner)
        ctx["row_writes"].append(
            {
                "names_lit": py(tuple(f.name for f in on_row)),
                "find_key_lit": py(f"{op}:row:{table}"),
                "table_lit": py(table),
                "writes": [write(f) for f in on_row],
                "touch_key_lit": py(stamp.key) if stamp else "",
            }
        )
    ctx["list_writes"] = [
        {
            "name_lit": py(f.name),
            "delete_key_lit": py(f"{op}:delete:{f.name}"),
            "insert_key_lit": py(f"{op}:insert:{f.name}"),
            "count_key_lit": py(f"{op}:count:{f.name}"),
            "item_params": [_item_param(c) for c in f.fields],
            "cap_table_lit": py(f.table) if f.cap is not None else "",
            "app_key": bool(f.app_key),
            "parents": [
                {"key_lit": py(f"{op}:parent:{f.name}:{ref.column}"), "var": f"parent_{i}_{j}", "table_lit": py(ref.table)}
                for j, ref in enumerate(f.parents)
            ],
        }
        for i, f in enumerate(field for field in endpoint.request if isinstance(field, ListField))
    ]
    window = window_param(endpoint)
    if window is not None:
        ctx["window_param_lit"] = py(window.name)
        ctx["window_days_lit"] = py(dict(window.window_days))
    return ctx


# Resource responses are the user's own rows: never stored by a cache.
RESOURCE_CACHE = {"Cache-Control": "no-store"}
RESOURCE_STATUS = {"create": 201, "list": 200, "get": 200, "update": 200, "replace": 200, "delete": 204}


def _default(field: ColumnField) -> object:
    """The value create stores for an absent field: its literal default
    (a fixed INSERT names every field), or NULL."""
    default = field.column.default
    return None if default is None or default == "now" else default


def resource_config(resource: Resource) -> dict[str, object]:
    """What `runtime.serve_resource` needs to serve `resource`, as data."""
    parent = resource.parent
    conflict = ""
    keyed = [tuple(c for c in cols if c != resource.owner_column) for cols in resource.unique]
    keyed = [cols for cols in keyed if cols]
    if len(keyed) == 1:
        conflict = keyed[0][0]
    return {
        "key": resource.item.column.name,
        "item": (resource.item.name, resource.item.column.kind),
        "parent": (parent.name, parent.column.kind) if parent else None,
        # The path's keys above the parent (nearest first), each checked to
        # hold the row below it in the same ownership query.
        "ancestors": tuple((a.name, a.column.kind) for a in resource.ancestors),
        "what": resource.table,
        "parent_what": parent.table if parent else "",
        "not_owner": resource.not_owner,
        "delete_missing": resource.delete_missing,
        "fields": tuple((f.name, f.column.kind) for f in resource.fields),
        "defaults": {f.name: _default(f) for f in resource.fields if _default(f) is not None},
        "response": tuple((f.name, f.column.kind) for f in resource.response),
        "cap": resource.cap.max if resource.cap and "create" in resource.methods else None,
        "page_max": resource.page_max,
        "page_default": resource.page_default,
        "item_path": resource.item_path,
        "conflict_path": conflict,
    }


def _resource_routes(spec: Spec, resource: Resource) -> list[dict[str, object]]:
    out = []
    for verb in resource.methods:
        op = _identifier(resource.op(verb))
        status = RESOURCE_STATUS[verb]
        suffix = {"create": "Row", "list": "Page", "get": "Row", "update": "Row", "replace": "Row"}.get(verb)
        request = {"create": "Create", "update": "Update", "replace": "Replace"}.get(verb)
        out.append(
            {
                **_doc_context(
                    openapi.resource_operation(spec, resource, verb),
                    str(status),
                    f"models.{models.resource_component(resource, suffix)}" if suffix else "None",
                ),
                "request_model": f"models.{models.resource_component(resource, request)}" if request else "",
                "op": op,
                "op_lit": py(op),
                "verb_lit": py(verb),
                "name_lit": py(resource.name),
                "method": RESOURCE_HTTP[verb].lower(),
                "path_lit": py(resource.path if verb in ("create", "list") else resource.item_path),
                "summary_lit": py(f"{verb} {resource.table}" + (f": {resource.summary}" if resource.summary else "")),
                "status": RESOURCE_STATUS[verb],
                "body": verb in ("create", "update", "replace"),
            }
        )
    return out


def render_routes(spec: Spec) -> str:
    """`specc_app/<spec_name>/routes.py` of one spec."""
    statements = {e.operation_id: q.endpoint_statements(e, spec.schema_after) for e in spec.endpoints}
    for r in spec.resources:
        statements["resource:" + r.name] = q.resource_statements(r, spec.schema_after)
    sql = {dialect: {st.key: st.render(dialect) for sts in statements.values() for st in sts} for dialect in q.DIALECTS}
    cache = {e.operation_id: cache_headers(e) for e in spec.endpoints}
    for r in spec.resources:
        cache.update({r.op(verb): dict(RESOURCE_CACHE) for verb in r.methods})
    source = _ENV.get_template("routes.py.j2").render(
        spec_id=_spec_id(spec.id),
        spec_id_lit=py(spec.id),
        title_lit=py(spec.title),
        sql_lit=py(sql),
        cache_lit=py(cache),
        dialects_lit=", ".join(q.DIALECTS),
        endpoints=[_endpoint_context(e, spec) for e in spec.endpoints],
        resources=bool(spec.resources),
        resources_lit=py({r.name: resource_config(r) for r in spec.resources}),
        resource_routes=[route for r in spec.resources for route in _resource_routes(spec, r)],
    )
    return source


def render_app(project: Project) -> str:
    """`specc_app/app.py`: create_app() including every spec subpackage's router."""
    specs = tuple(pypackage.module_name(s.id) for s in project.specs if s.endpoints or s.resources)
    source = _ENV.get_template("app.py.j2").render(specs_lit=py(specs), title_lit=py("specc generated API"))
    return source


def render_init(doc: str) -> str:
    """An `__init__.py` holding only its docstring."""
    return f'"""{doc}"""\n'


PACKAGE_DOC = (
    "The Python that specc generates for this project (never edit it).\n\n"
    "One subpackage per spec (its routes, models and validators), the shared runtime in\n"
    "`runtime/`, and the FastAPI app in `app.py`; see docs/routes.md in specc.\n"
)


def emit_spec(project: Project, spec: Spec) -> dict[PurePosixPath, str]:
    """`specc_app/<spec_name>/routes.py` and the subpackage's `__init__.py`
    (it reads only `spec`)."""
    if not spec.endpoints and not spec.resources:
        return {}
    folder = pypackage.spec_package(spec.id)
    return {
        folder / "__init__.py": render_init(f"Generated code of spec {_spec_id(spec.id)}: routes, models and validators."),
        folder / "routes.py": render_routes(spec),
    }


def emit_project(project: Project) -> dict[PurePosixPath, str]:
    """The shared part of the package: `__init__.py`, `app.py`, `runtime/`."""
    root = PurePosixPath(pypackage.PACKAGE)
    return {
        root / "__init__.py": render_init(PACKAGE_DOC),
        root / "app.py": render_app(project),
        root / "runtime" / "__init__.py": render_init("Support shared by every spec's generated modules."),
        root / "runtime" / "http.py": _ENV.get_template("runtime_http.py.j2").render(),
    }


TARGET = Target(
    "routes",
    kinds=(
        FileKind(".py", HASH, APPLICATION, PYTHON, where=f"{pypackage.PACKAGE}/*/routes.py"),
        FileKind(".py", HASH, APPLICATION, PYTHON, where=f"{pypackage.PACKAGE}/*__init__.py"),
        FileKind(".py", HASH, APPLICATION, PYTHON, where=f"{pypackage.PACKAGE}/app.py"),
        FileKind(".py", HASH, APPLICATION, PYTHON, where=f"{pypackage.PACKAGE}/runtime/http.py"),
    ),
    emit_spec=emit_spec,
    emit_project=emit_project,
)
