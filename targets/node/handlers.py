"""Target `node`: AWS Lambda handlers in Project Valine's style, under `serverless/`.

Written only when `specc.yaml` says `stack: node-serverless` (docs/node.md);
the FastAPI output is unchanged either way.  Per spec with endpoints, under
`<spec-id>/serverless/`:

- `src/handlers/<spec-id>.js`: one ESM export per endpoint,
  `export const getPreferences = async (event) => ...`, for httpApi (API
  Gateway v2) events, using the repository's `json()` (src/utils/headers.js)
  and `getUserFromEvent()` (src/handlers/auth.js);
- `src/specc/<spec-id>/rules.js` (the request rules, as data from the IR),
  `sql.js` (every statement, parameterised, from the same sqlglot
  definitions as the Python routes) and `data.js` (the data-access
  functions over the seam of `runtime/db.js`);
- `serverless.functions.yml`: the `functions:` entries to merge into
  serverless.yml;
- `tests/<spec-id>.contract.test.js`: vitest contract tests
  (`targets.node.contract`).

and once for the project, `_project/serverless/src/specc/runtime/*.js`
(validation, the handler flow, the pg and Prisma data layers) and
`_project/serverless/tests/specc/*.js` (a local API Gateway v2 server for
the handlers and the tests' HTTP transport, targets/node/offline/).  What the
target cannot render yet is a located E284 and nothing is written.
Endpoints that read or update the signed-in user's own row and list fields
(a list in a request replaces the user's rows, then the cap is checked) are
rendered, aggregate endpoints (metrics over a window picked by a query
parameter), and resources (runtime/resource.js; their contract cases are
targets.node.resource_contract).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import PurePosixPath
from typing import Any

from sqlglot import exp

from compiler.build.header import HASH, SLASH
from compiler.checkers import YAML
from compiler.diagnostics import Diagnostic, SpecError
from compiler.ir import RESOURCE_HTTP, BodyField, Column, ColumnField, Endpoint, ListField, MetricField, Project, Resource, Spec, WindowField
from compiler.target import APPLICATION, TESTS, VALIDATION, FileKind, PrGroup, Target
from targets import jsonschema_bodies as js_bodies
from targets.fastapi import route_queries as q
from targets.node import contract, resource_contract
from targets.node.js import camel, ident, lit
from targets.node.syntax import NODE_CHECK

STACK = "node-serverless"
ROOT = PurePosixPath("serverless")
UNSUPPORTED = "E284"
RUNTIME = ("validation.js", "http.js", "resource.js", "db.js", "db.pg.js", "db.prisma.js")
# The local API Gateway v2 server and the contract tests' HTTP transport (docs/node.md,
# "Over HTTP"): test tooling, so under tests/ and out of the Lambda bundle's src/.
OFFLINE = ("offline.js", "gateway.js", "auth-hooks.js", "test-auth.js", "over-http.js")
# Column kinds a request field may have in this target.
REQUEST_KINDS = frozenset({"string", "text", "url", "enum", "int", "bigint", "bool", "uuid", "timestamp", "date", "json"})
SERVERLESS = PrGroup("serverless", "serverless.yml functions", 35, "add the serverless.yml function entries")


def _error(spec: Spec, what: str, endpoint: Endpoint | Resource | None = None) -> SpecError:
    where = endpoint.span if endpoint is not None and endpoint.span.line else spec.span
    return SpecError([Diagnostic(where, UNSUPPORTED, f"the node target cannot render {what} yet", hint="see docs/node.md for what it renders")])


def check_supported(spec: Spec) -> None:
    """Raise E284 for what this target does not render yet."""
    for r in spec.resources:
        # resource.js checks the parent and the item, not the rows above the
        # parent that a nested path names: serving it would skip that check.
        if r.ancestors:
            raise _error(spec, f"resource paths that name the owner chain above the parent ({r.name}: {', '.join('{' + a.name + '}' for a in r.ancestors)})", r)
        # Keys travel as integers in paths and cursors (resource.js parseKey).
        if r.parent is not None and r.parent.column.kind not in ("id", "int", "bigint"):
            raise _error(spec, f"resources under a parent with a {r.parent.column.kind} key ({r.name})", r)
        for f in r.fields:
            if f.column.kind not in REQUEST_KINDS:
                raise _error(spec, f"{f.column.kind} resource fields ({r.name}.{f.name})", r)
        # Its contract tests must be able to make many distinct rows; no handler without them.
        problem = resource_contract.distinct_problem(r)
        if problem:
            raise _error(spec, f"resources with {problem}", r)
    for e in spec.endpoints:
        if e.kind not in ("read", "update", "aggregate"):
            raise _error(spec, f"{e.kind} endpoints ({e.operation_id})", e)
        for field in e.request:
            if not isinstance(field, (ColumnField, ListField)):
                raise _error(spec, f"{type(field).__name__} request fields ({e.operation_id}.{field.name})", e)
        for field in e.request:
            for leaf in field.fields if isinstance(field, ListField) else (field,):
                assert isinstance(leaf, ColumnField)
                if leaf.column.kind not in REQUEST_KINDS:
                    raise _error(spec, f"{leaf.column.kind} request fields ({e.operation_id}.{field.name})", e)


# --- rules.js ------------------------------------------------------------------


def column_rule(column: Column, required: bool, siblings: dict[str, str]) -> dict[str, Any]:
    """The runtime rule of one request field (the same rules as the Python
    validators); `siblings` maps column names to field names of the same
    object, for host rules keyed on another column."""
    rule: dict[str, Any] = {"kind": column.kind, "required": required, "nullable": column.nullable}
    if column.kind in ("string", "text"):
        rule.update(kind="string", min_length=column.min_length, max_length=column.max_length)
    elif column.kind == "url":
        rule.update(
            min_length=column.min_length,
            max_length=column.max_length or js_bodies.DEFAULT_URL_MAX,
            schemes=list(column.schemes or js_bodies.DEFAULT_SCHEMES),
            hosts=[
                [siblings[r.when_column], r.when_value, [h.lower() for h in r.hosts]]
                for r in column.host_rules
                if r.when_column in siblings
            ],
        )
    elif column.kind in ("int", "bigint"):
        low, high = js_bodies.int_bounds(column)
        rule.update(kind="int", minimum=low, maximum=high)
    elif column.kind == "enum":
        rule["values"] = list(column.enum.values) if column.enum else []
    return rule


def object_rules(spec: Spec, fields: tuple[BodyField, ...]) -> dict[str, Any]:
    rules: dict[str, Any] = {}
    siblings = {f.column.name: f.name for f in fields if isinstance(f, ColumnField)}
    for f in fields:
        if isinstance(f, ColumnField):
            rules[f.name] = column_rule(f.column, f.required, siblings)
        elif isinstance(f, ListField):
            rules[f.name] = {
                "kind": "list",
                "required": f.required,
                "nullable": False,
                "table": f.table,
                "items": object_rules(spec, f.fields),
                "unique": [list(key) for key in js_bodies.unique_keys(js_bodies.spec_list_table(spec, f), f)],
            }
    return rules


def request_rules(spec: Spec) -> dict[str, dict[str, Any]]:
    rules = {e.operation_id: object_rules(spec, e.request) for e in spec.endpoints if e.kind == "update"}
    for r in spec.resources:
        siblings = {f.column.name: f.name for f in r.fields}
        for verb in ("create", "replace"):  # POST and PUT: the whole row, required fields required
            if verb in r.methods:
                rules[r.op(verb)] = {f.name: column_rule(f.column, f.required, siblings) for f in r.fields}
        if "update" in r.methods:  # PATCH: every field optional
            rules[r.op("update")] = {f.name: column_rule(f.column, False, siblings) for f in r.fields}
    return rules


def _resource_default(field: ColumnField) -> Any:
    """What create stores for an absent field: its literal default, else NULL (as the Python routes)."""
    default = field.column.default
    return None if default is None or default == "now" else default


def resource_config(spec: Spec, r: Resource) -> dict[str, Any]:
    """What runtime/resource.js needs to serve `r`, as data (the Python routes' resource_config)."""
    keyed = [cols for cols in (tuple(c for c in u if c != r.owner_column) for u in r.unique) if cols]
    by_column = {f.column.name: f.name for f in r.response}
    return {
        "item": [r.item.name, r.item.column.kind],
        "parent": [r.parent.name, r.parent.column.kind] if r.parent else None,
        "what": r.table,
        "parent_what": r.parent.table if r.parent else "",
        "not_owner": r.not_owner,
        "delete_missing": r.delete_missing,
        "fields": [[f.name, f.column.kind] for f in r.fields],
        "defaults": {f.name: d for f in r.fields if (d := _resource_default(f)) is not None},
        "response": [[f.name, f.column.kind, f.column.name] for f in r.response],
        "key_field": by_column.get(r.item.column.name, r.item.column.name),
        "cap": r.cap.max if r.cap and "create" in r.methods else None,
        "page_max": r.page_max,
        "page_default": r.page_default,
        "item_path": r.item_path,
        "conflict_path": by_column.get(keyed[0][0], keyed[0][0]) if len(keyed) == 1 else "",
    }


def query_rules(spec: Spec) -> dict[str, dict[str, Any]]:
    return {
        e.operation_id: {p.name: {"values": list(p.enum.values), "default": p.default, "required": p.required} for p in e.query}
        for e in spec.endpoints
        if e.query
    }


def window_param(endpoint: Endpoint) -> Any:
    """The query parameter that picks the metric window, if any."""
    return next((p for p in endpoint.query if p.window_days), None)


def caps(spec: Spec) -> dict[str, int]:
    """table -> the most rows one owner may have, for every capped list a request carries."""
    out = {f.table: f.cap.max for e in spec.endpoints for f in e.request if isinstance(f, ListField) and f.cap is not None}
    return dict(sorted(out.items()))


def render_rules(spec: Spec) -> str:
    lines = [
        f"// The request rules of spec {lit(spec.id)}, from its IR: the same rules as the Python validators.",
        "// Checked by ../runtime/validation.js (validateBody).",
        "",
        "export const REQUEST_RULES = Object.freeze({",
    ]
    for op, rules in request_rules(spec).items():
        lines.append(f"  {ident(op)}: {{")
        for name, rule in rules.items():
            lines.append(f"    {lit(name)}: {lit(rule)},")
        lines.append("  },")
    lines.append("});")
    lines.append("")
    lines.append("// operationId -> query parameter -> {values, default, required} (validateQuery).")
    lines.append("export const QUERY_RULES = Object.freeze({")
    for op, rules in query_rules(spec).items():
        lines.append(f"  {ident(op)}: {lit(rules)},")
    lines.append("});")
    lines.append("")
    lines.append("// operationId -> the window parameter's value -> days in the window.")
    windows = {e.operation_id: dict(w.window_days) for e in spec.endpoints if (w := window_param(e)) is not None}
    lines.append(f"export const WINDOW_DAYS = Object.freeze({lit(windows)});")
    lines.append("")
    lines.append("// table -> the most rows one owner may have (checked inside the write transaction).")
    lines.append(f"export const CAPS = Object.freeze({lit(caps(spec))});")
    if spec.resources:
        lines.append("")
        lines.append("// resource -> what ../runtime/resource.js needs to serve it (keys, ownership, fields, cap, pages).")
        lines.append("export const RESOURCES = Object.freeze({")
        for r in spec.resources:
            lines.append(f"  {ident(r.name)}: {lit(resource_config(spec, r))},")
        lines.append("});")
    return "\n".join(lines) + "\n"


# --- sql.js ------------------------------------------------------------------------


def postgres_sql(statement: q.Statement) -> str:
    """`statement` as PostgreSQL with node-postgres's numbered placeholders."""
    counter = iter(range(1, 10_000))
    tree = statement.expression.copy().transform(lambda n: exp.var(f"${next(counter)}") if isinstance(n, exp.Placeholder) else n)
    if statement.returning:
        tree.set("returning", exp.Returning(expressions=[q.col(statement.returning)]))
    return tree.sql(dialect="postgres")


def statements(spec: Spec) -> dict[str, q.Statement]:
    out: dict[str, q.Statement] = {}
    for e in spec.endpoints:
        for st in q.endpoint_statements(e, spec.schema_after):
            out[st.key] = st
    return out


def render_sql(spec: Spec) -> str:
    lines = [
        f"// Every statement the handlers of spec {lit(spec.id)} run, rendered by sqlglot from the same",
        "// definitions as the Python routes.  Only identifiers from the validated spec appear in",
        "// the SQL; every value is a parameter ($1, $2, ...).",
        "",
        "export const SQL = Object.freeze({",
    ]
    for key, st in statements(spec).items():
        lines.append(f"  {lit(key)}: {lit(postgres_sql(st))},")
    lines.append("});")
    if spec.resources:
        lines.append("")
        lines.append("// resource -> purpose -> statement (../runtime/resource.js).")
        lines.append("export const RESOURCE_SQL = Object.freeze({")
        for r in spec.resources:
            lines.append(f"  {ident(r.name)}: Object.freeze({{")
            for st in q.resource_statements(r, spec.schema_after):
                lines.append(f"    {lit(st.key.split(':', 1)[1])}: {lit(postgres_sql(st))},")
            lines.append("  }),")
        lines.append("});")
    return "\n".join(lines) + "\n"


# --- data.js -----------------------------------------------------------------------


def _read_function(e: Endpoint) -> list[str]:
    op = ident(e.operation_id)
    out = [
        f"// The response body of {op}: the user's own row, or null when the user has no row.",
        f"async function read_{op}(q, userId, query) {{",
        f"  const rows = await q.rows(SQL[{lit(op + ':user')}], [userId]);",
        "  if (rows.length === 0) return null;",
        "  const row = rows[0];",
        "  return {",
    ]
    lists = []
    # With a field of the user's one row of another table, the SELECT names its columns by field.
    joined = bool(q.user_row_tables([f for f in e.response if isinstance(f, ColumnField)]))
    for f in e.response:
        if isinstance(f, ColumnField):
            out.append(f"    {lit(f.name)}: toJson(row[{lit(f.name if joined else f.column.name)}], {lit(f.column.kind)}),")
        elif isinstance(f, ListField):
            lists.append(f)
            out.append(f"    {lit(f.name)}: [],")
        elif isinstance(f, WindowField):
            out.append(f"    {lit(f.name)}: query[{lit(f.param)}],")
    out.append("  };")
    for f in lists:
        item = ", ".join(f"{lit(c.name)}: toJson(r[{lit(c.column.name)}], {lit(c.column.kind)})" for c in f.fields)
        out.append(f"  result[{lit(f.name)}] = (await q.rows(SQL[{lit(op + ':list:' + f.name)}], [userId])).map((r) => ({{ {item} }}));")
    out += ["  return result;", "}", ""]
    out[out.index("  return {")] = "  const result = {"
    return out


def _aggregate_function(e: Endpoint) -> list[str]:
    op = ident(e.operation_id)
    window = window_param(e)
    days = f"WINDOW_DAYS.{op}[query[{lit(window.name)}]]" if window is not None else "null"
    out = [
        f"// The response body of {op}: each metric over the window the query chose.",
        f"export const {op} = (db, userId, _body, query) =>",
        "  db.read(async (q) => {",
        "    const today = utcToday(); // one date for the bounds and the series",
        f"    const start = windowStart({days}, today);",
        "    const end = windowEnd(today);",
        "    const result = {};",
    ]
    for f in e.response:
        if isinstance(f, MetricField):
            params = ", ".join(["userId", "start", "end"] * len(f.metric.sources))
            total = f"count(await q.rows(SQL[{lit(op + ':total:' + f.metric.name)}], [{params}]))"
            if f.metric.series:
                series = f"daySeries(await q.rows(SQL[{lit(op + ':series:' + f.metric.name)}], [{params}]), start, today)"
                out.append(f"    result[{lit(f.name)}] = {{ total: {total}, series: {series} }};")
            else:
                out.append(f"    result[{lit(f.name)}] = {total};")
        elif isinstance(f, WindowField):
            out.append(f"    result[{lit(f.name)}] = query[{lit(f.param)}];")
    out += ["    return result;", "  });", ""]
    return out


def _item_param(field: ColumnField) -> str:
    """One list item's value as an INSERT parameter: absent optional values
    take the column's literal default, else NULL (as in the Python routes)."""
    name, kind = lit(field.name), lit(field.column.kind)
    default = field.column.default
    if field.required or default is None or default == "now":
        return f"toDb(item[{name}] ?? null, {kind})"
    return f"toDb(Object.hasOwn(item, {name}) ? item[{name}] : {lit(default)}, {kind})"


def _list_write(spec: Spec, op: str, f: ListField) -> list[str]:
    """Replace the user's rows of list `f` (a list in a request replaces the whole set), then check its cap."""
    parents = [f"parent{i}" for i in range(len(f.parents))]
    params = (["randomUUID()"] if f.app_key else []) + ["userId"] + parents + [_item_param(c) for c in f.fields]
    out = [f"    if (Object.hasOwn(body, {lit(f.name)})) {{"]
    for var, ref in zip(parents, f.parents, strict=True):
        rows = f"await q.rows(SQL[{lit(op + ':parent:' + f.name + ':' + ref.column)}], [userId])"
        out.append(f"      const {var} = userRow({rows}, body[{lit(f.name)}], {lit(f.name)}, {lit(ref.table)});")
    out += [
        f"      await q.exec(SQL[{lit(op + ':delete:' + f.name)}], [userId]);",
        f"      for (const item of body[{lit(f.name)}]) {{",
        f"        await q.exec(SQL[{lit(op + ':insert:' + f.name)}], [{', '.join(params)}]);",
        "      }",
    ]
    if f.cap is not None:
        out += [
            f"      const counted = await q.rows(SQL[{lit(op + ':count:' + f.name)}], [userId]);",
            f"      checkCap(CAPS, {lit(f.table)}, Number(Object.values(counted[0])[0]), {lit(f.name)});",
        ]
    out.append("    }")
    return out


def render_data(spec: Spec) -> str:
    keys = statements(spec)
    lines = [
        f"// The data-access functions of spec {lit(spec.id)}: each takes a db of ../runtime/db.js",
        "// (pg or Prisma) and the signed-in user's id, and returns the response body, or null",
        "// when the user has no row.  A write runs in one transaction that first locks the",
        "// user's row (SELECT ... FOR UPDATE), so concurrent writes of one user run in turn.",
        "",
    ]
    lists = [f for e in spec.endpoints for f in e.request if isinstance(f, ListField)]
    if any(f.app_key for f in lists):
        lines.append("import { randomUUID } from 'node:crypto';")
    aggregates = any(e.kind == "aggregate" for e in spec.endpoints)
    runtime = ["count", "daySeries", "toDb", "toJson", "utcToday", "windowEnd", "windowStart"] if aggregates else ["toDb", "toJson"]
    if any(f.parents for f in lists) or any(isinstance(f, ColumnField) and f.owner_column for e in spec.endpoints for f in e.request):
        runtime = sorted([*runtime, "userRow"])
    lines.append("import { " + ", ".join(runtime) + " } from '../runtime/http.js';")
    names = (["CAPS"] if any(f.cap is not None for f in lists) else []) + (["WINDOW_DAYS"] if any(window_param(e) for e in spec.endpoints) else [])
    if any(f.cap is not None for f in lists):
        lines.append("import { checkCap } from '../runtime/validation.js';")
    if names:
        lines.append("import { " + ", ".join(names) + " } from './rules.js';")
    lines += ["import { SQL } from './sql.js';", ""]
    for e in spec.endpoints:
        if e.kind != "aggregate":
            lines += _read_function(e)
    for e in spec.endpoints:
        op = ident(e.operation_id)
        if e.kind == "aggregate":
            lines += _aggregate_function(e)
            continue
        if e.kind == "read":
            lines += [f"export const {op} = (db, userId, _body, query) => db.read((q) => read_{op}(q, userId, query));", ""]
            continue
        lines += [
            f"// Apply a validated {op} body (PATCH: only the fields given) in one transaction.",
            f"export const {op} = (db, userId, body, query) =>",
            "  db.transaction(async (q) => {",
            f"    const locked = await q.rows(SQL[{lit(op + ':lock')}], [userId]);",
            "    if (locked.length === 0) return null;",
        ]
        written = [f for f in e.request if isinstance(f, ColumnField)]
        scalars = [f for f in written if not f.owner_column]
        for f in scalars:
            lines += [
                f"    if (Object.hasOwn(body, {lit(f.name)})) {{",
                f"      await q.exec(SQL[{lit(op + ':set:' + f.name)}], [toDb(body[{lit(f.name)}], {lit(f.column.kind)}), userId]);",
                "    }",
            ]
        if op + ":touch" in keys:
            lines.append(f"    if ({lit([f.name for f in scalars])}.some((name) => Object.hasOwn(body, name))) {{")
            lines.append(f"      await q.exec(SQL[{lit(op + ':touch')}], [userId]);")
            lines.append("    }")
        for table, _owner in q.user_row_tables(written):
            # Fields of the user's one row of `table`: 409 parent_missing without that row.
            on_row = [f for f in written if f.table == table]
            lines.append(f"    if ({lit([f.name for f in on_row])}.some((name) => Object.hasOwn(body, name))) {{")
            lines.append(f"      userRow(await q.rows(SQL[{lit(op + ':row:' + table)}], [userId]), [true], '', {lit(table)});")
            for f in on_row:
                lines += [
                    f"      if (Object.hasOwn(body, {lit(f.name)})) {{",
                    f"        await q.exec(SQL[{lit(op + ':set:' + f.name)}], [toDb(body[{lit(f.name)}], {lit(f.column.kind)}), userId]);",
                    "      }",
                ]
            if f"{op}:touch:{table}" in keys:
                lines.append(f"      await q.exec(SQL[{lit(op + ':touch:' + table)}], [userId]);")
            lines.append("    }")
        for lf in e.request:
            if isinstance(lf, ListField):
                lines += _list_write(spec, op, lf)
        lines += [f"    return read_{op}(q, userId, query);", "  });", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# --- the handler module ----------------------------------------------------------------


def cache_headers(endpoint: Endpoint) -> dict[str, str]:
    if endpoint.cache is None:
        return {}
    headers = {"Cache-Control": endpoint.cache.cache_control}
    if endpoint.cache.vary:
        headers["Vary"] = ", ".join(endpoint.cache.vary)
    return headers


def ok_status(endpoint: Endpoint) -> int:
    return 200 if endpoint.response else 204


def render_handler(spec: Spec) -> str:
    sid = spec.id
    lines = [
        f"// Lambda handlers (httpApi events) of spec {lit(sid)}: {lit(spec.title)}.",
        "// They use the repository's json() and getUserFromEvent(); the data access is",
        f"// ../specc/{sid}/data.js over the db of ../specc/runtime/db.js (Prisma unless setDb() chose another).",
        "",
        "import { json } from '../utils/headers.js';",
        "import { getUserFromEvent } from './auth.js';",
        "import { getDb } from '../specc/runtime/db.js';",
        "import { serve } from '../specc/runtime/http.js';",
        "import { validateBody, validateQuery } from '../specc/runtime/validation.js';",
        f"import * as data from '../specc/{sid}/data.js';",
        f"import {{ QUERY_RULES, REQUEST_RULES{', RESOURCES' if spec.resources else ''} }} from '../specc/{sid}/rules.js';",
    ]
    if spec.resources:
        lines += [
            "import { serveResource } from '../specc/runtime/resource.js';",
            f"import {{ RESOURCE_SQL }} from '../specc/{sid}/sql.js';",
        ]
    lines += ["", "const helpers = { json, getUserFromEvent, getDb };", ""]
    for e in spec.endpoints:
        op = ident(e.operation_id)
        lines.append(f"// {e.method} {lit(e.path)}: {lit(e.summary)}")
        lines.append(f"export const {op} = async (event) =>")
        lines.append("  serve(event, helpers, {")
        lines.append(f"    cache: {lit(cache_headers(e))},")
        lines.append(f"    okStatus: {ok_status(e)},")
        if not e.auth:
            lines.append("    auth: false,")
        if e.query:
            lines.append(f"    validateQuery: (pairs) => validateQuery(QUERY_RULES.{op}, pairs),")
        if e.kind == "update":
            lines.append(f"    validate: (body) => validateBody(REQUEST_RULES.{op}, body),")
        lines.append(f"    work: (db, userId, body, query) => data.{op}(db, userId, body, query),")
        lines.append("  });")
        lines.append("")
    for r in spec.resources:
        name = ident(r.name)
        for verb in r.methods:
            op = ident(r.op(verb))
            path = r.path if verb in ("create", "list") else r.item_path
            lines.append(f"// {RESOURCE_HTTP[verb]} {lit(path)}: {verb} {lit(r.table)}")
            lines.append(f"export const {op} = async (event) =>")
            lines.append("  serveResource(event, helpers, {")
            lines.append(f"    verb: {lit(verb)},")
            lines.append(f"    cfg: RESOURCES.{name},")
            lines.append(f"    sql: RESOURCE_SQL.{name},")
            if verb in ("create", "update", "replace"):
                lines.append(f"    validate: (body) => validateBody(REQUEST_RULES.{op}, body),")
            lines.append("  });")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# --- serverless.yml ----------------------------------------------------------------------


def function_name(spec: Spec, op: str) -> str:
    """The serverless.yml function key: spec and operation, so it cannot take an existing one's name."""
    return ident(camel(spec.id) + op[:1].upper() + op[1:])


def routes(spec: Spec) -> list[tuple[str, str, str]]:
    """(operationId, method, path) of every endpoint and resource method."""
    out: list[tuple[str, str, str]] = [(e.operation_id, e.method, e.path) for e in spec.endpoints]
    for r in spec.resources:
        out += [(r.op(verb), RESOURCE_HTTP[verb], r.path if verb in ("create", "list") else r.item_path) for verb in r.methods]
    return out


def render_functions(spec: Spec) -> str:
    lines = [
        f"# serverless.yml function entries of spec {lit(spec.id)}: merge them under `functions:`.",
        "# Add the layers your service gives handlers that use Prisma (Valine: `- { Ref: PrismaV2LambdaLayer }`).",
        "functions:",
    ]
    for op, method, path in routes(spec):
        lines += [
            f"  {function_name(spec, op)}:",
            f"    handler: {lit(f'src/handlers/{spec.id}.{ident(op)}')}",
            "    events:",
            "      - httpApi:",
            f"          path: {lit(path)}",
            f"          method: {method.lower()}",
        ]
    return "\n".join(lines) + "\n"


# --- the target ---------------------------------------------------------------------------


def _on(project: Project) -> bool:
    return project.conventions.stack == STACK


def emit_spec(project: Project, spec: Spec) -> dict[PurePosixPath, str]:
    if not _on(project) or not (spec.endpoints or spec.resources):
        return {}
    check_supported(spec)
    base = PurePosixPath(spec.id) / ROOT
    lib = base / "src" / "specc" / spec.id
    return {
        base / "src" / "handlers" / f"{spec.id}.js": render_handler(spec),
        lib / "rules.js": render_rules(spec),
        lib / "sql.js": render_sql(spec),
        lib / "data.js": render_data(spec),
        base / "serverless.functions.yml": render_functions(spec),
        base / "tests" / f"{spec.id}.contract.test.js": contract.render(spec),
    }


@cache
def runtime_text(name: str, folder: str = "runtime") -> str:
    return resources.files("targets.node").joinpath(folder, name).read_text("utf-8")


def emit_project(project: Project) -> dict[PurePosixPath, str]:
    if not _on(project) or not any(s.endpoints or s.resources for s in project.specs):
        return {}
    root = PurePosixPath("_project") / ROOT
    files = {root / "src" / "specc" / "runtime" / name: runtime_text(name) for name in RUNTIME}
    files.update({root / "tests" / "specc" / name: runtime_text(name, "offline") for name in OFFLINE})
    return files


def spec_key(project: Project, spec: Spec) -> str:
    return project.conventions.stack


TARGET = Target(
    "node",
    kinds=(
        FileKind(".js", SLASH, APPLICATION, NODE_CHECK, where="*/serverless/src/handlers/*"),
        FileKind(".js", SLASH, VALIDATION, NODE_CHECK, where="*/serverless/src/specc/*/rules.js"),
        FileKind(".js", SLASH, APPLICATION, NODE_CHECK, where="*/serverless/src/specc/*"),
        FileKind(".js", SLASH, TESTS, NODE_CHECK, where="*/serverless/tests/*.test.js"),
        FileKind(".js", SLASH, TESTS, NODE_CHECK, where="*/serverless/tests/specc/*"),
        FileKind(".yml", HASH, SERVERLESS, YAML, where="*/serverless/serverless.functions.yml"),
    ),
    emit_spec=emit_spec,
    emit_project=emit_project,
    spec_key=spec_key,
)
