"""vitest contract tests of the node handlers: `<spec-id>/serverless/tests/<spec-id>.contract.test.js`.

They call each handler with synthetic API Gateway v2 (httpApi) events,
against a real PostgreSQL reached through `DATABASE_URL` (the base schema
and the spec's migration applied) through the pg data layer.  Without
`DATABASE_URL` they fail, never skip.  The same cases run a second time
over HTTP when `SPECC_BASE_URL` names a server (the emitted
tests/specc/offline.js, targets/node/offline/): each event is sent as the
request it stands for; unset, that suite is reported as skipped under a
title saying why.  The signed-in user comes from tests/specc/test-auth.js
(the `x-specc-test-user` header), put in place of the repository's
src/handlers/auth.js by `vi.mock` (as Valine's own tests mock modules) and
by the local server's module hook alike; the tests seed one users row and
delete it afterwards.  With
SPECC_PRISMA_CLIENT naming a module that exports `prisma` (a client of the
same database), the handlers run on the Prisma data layer instead.

The cases come from the IR through `targets.fastapi.contract_cases`, the
same values the Python contract tests use: every value just inside and just
outside each constraint.
"""

from __future__ import annotations

from typing import Any

from compiler.ir import Column, ColumnField, Endpoint, ListField, MetricField, MetricSource, QueryParam, Spec, Table, WindowField
from targets import jsonschema_bodies as js_bodies
from targets.fastapi import contract_cases as cases
from targets.fastapi import route_queries as q
from targets.node.case_values import qi as _qi
from targets.node.case_values import value
from targets.node.js import ident, lit
from targets.node.resource_contract import ResourceCases

NO_USER = "specc-no-such-user"
# The absent user must still be a valid key: a number for integer keys (identity
# keys start at 1), a UUID no generator returns for uuid keys.
NO_USER_NUMBER = "0"
NO_USER_UUID = "00000000-0000-4000-8000-000000000000"


def _seed_value(column: Column) -> str:
    """A JS expression (in terms of `tag`) for a NOT NULL column of the seeded user."""
    kind = column.kind
    if kind in ("string", "text"):
        text = f"`t${{tag}}-{ident(column.name)}`"
        return f"{text}.slice(0, {column.max_length})" if column.max_length else text
    if kind == "url":
        return "`https://example.com/${tag}`"
    if kind == "enum":
        return lit(column.enum.values[0] if column.enum and column.enum.values else "")
    if kind == "bool":
        return "false"
    if kind in ("int", "bigint", "float"):
        return lit(column.minimum if column.minimum is not None else 0)
    if kind == "timestamp":
        return "new Date()"
    if kind == "date":
        return "'2026-01-01'"
    if kind == "uuid":
        return "randomUUID()"
    if kind == "json":
        return "'{}'"
    raise AssertionError(f"cannot seed a {kind} column")


def seed(users: Table) -> tuple[str, list[str], str]:
    """(INSERT ... RETURNING key, its JS parameter expressions, the key column)."""
    key = users.primary_key
    assert key is not None
    cols: list[Column] = []
    for column in users.columns:
        if column.primary_key:
            if column.kind != "id":  # identity keys fill themselves
                cols.append(column)
        elif not column.nullable and column.default is None:
            cols.append(column)
    params = ["`specc-${tag}`" if c.primary_key and c.kind != "uuid" else _seed_value(c) for c in cols]
    names = ", ".join(_qi(c.name) for c in cols)
    marks = ", ".join(f"${i}" for i in range(1, len(cols) + 1))
    sql = f"INSERT INTO {_qi(users.name)} ({names}) VALUES ({marks}) RETURNING {_qi(key.name)} AS key"
    if not cols:
        sql = f"INSERT INTO {_qi(users.name)} DEFAULT VALUES RETURNING {_qi(key.name)} AS key"
    return sql, params, key.name


def _stored_args(field: ColumnField) -> str:
    """The arguments of `stored()` that read `field`'s column for the test user."""
    column = lit(_qi(field.column.name))
    if not field.owner_column:
        return column
    return f"{column}, {lit(_qi(field.table))}, {lit(_qi(field.owner_column))}"


def user_row_seed(table: Table, owner_column: str) -> tuple[str, list[str]]:
    """(INSERT, its JS parameters in terms of `tag` and `id`) of the user's
    one row of `table`, which new rows of a list reference (see UserRowRef):
    the user's id in `owner_column`, a new key unless the database numbers
    it, and a filler for every other NOT NULL column without a default."""
    cols: list[tuple[Column, str]] = []
    for column in table.columns:
        if column.name == owner_column:
            cols.append((column, "id"))
        elif column.primary_key:
            if column.kind != "id":
                cols.append((column, "randomUUID()"))
        elif not column.nullable and column.default is None:
            cols.append((column, _seed_value(column)))
    names = ", ".join(_qi(c.name) for c, _ in cols)
    marks = ", ".join(f"${i}" for i in range(1, len(cols) + 1))
    return f"INSERT INTO {_qi(table.name)} ({names}) VALUES ({marks})", [v for _, v in cols]


def _source_seed(table: Table, source: MetricSource) -> tuple[str, list[str]] | None:
    """(INSERT ... RETURNING key, its JS parameters) of one row of a metric
    source owned by the test user at the current time; None when a NOT NULL
    reference to another table would need a row of its own."""
    key = table.primary_key
    if key is None:
        return None
    cols: list[tuple[Column, str]] = []
    for column in table.columns:
        if column.name == source.owner_column:
            cols.append((column, "userId"))
        elif column.name == source.time_column:
            cols.append((column, "new Date()"))
        elif column.primary_key:
            if column.kind != "id":
                cols.append((column, "randomUUID()" if column.kind == "uuid" else "`m-${randomUUID()}`"))
        elif not column.nullable and column.default is None:
            if column.references is not None:
                return None
            cols.append((column, _seed_value(column)))
    names = ", ".join(_qi(c.name) for c, _ in cols)
    marks = ", ".join(f"${i}" for i in range(1, len(cols) + 1))
    sql = f"INSERT INTO {_qi(table.name)} ({names}) VALUES ({marks}) RETURNING {_qi(key.name)} AS key"
    return sql, [v for _, v in cols]


def _kind_check(column: Column) -> str:
    """A JS predicate source over `v` for a response value of `column`."""
    kind = column.kind
    checks = {
        "string": "typeof v === 'string'",
        "text": "typeof v === 'string'",
        "url": "typeof v === 'string'",
        "uuid": "typeof v === 'string'",
        "bool": "typeof v === 'boolean'",
        "int": "Number.isInteger(v)",
        "bigint": "Number.isInteger(v)",
        "id": "Number.isInteger(v)",
        "float": "typeof v === 'number'",
        "timestamp": "typeof v === 'string' && !Number.isNaN(Date.parse(v))",
        "date": "typeof v === 'string' && /^\\d{4}-\\d{2}-\\d{2}$/.test(v)",
        "json": "v !== undefined",
    }
    if kind == "enum":
        return f"{lit(list(column.enum.values) if column.enum else [])}.includes(v)"
    return checks.get(kind, "v !== undefined")


PRELUDE = """\
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { sendEvent } from './specc/over-http.js';
import { TEST_USER_HEADER as USER_HEADER } from './specc/test-auth.js';

// The signed-in user: the test's header stands in for the repository's session check
// (the local server, ./specc/offline.js, puts the same module in place of auth.js).
vi.mock('../src/handlers/auth.js', () => import('./specc/test-auth.js'));
"""

HELPERS = """\
const tag = randomUUID().slice(0, 8);
let pool;
let prisma;
let db;
let userId;

// A synthetic API Gateway v2 (httpApi, payload 2.0) event.
// `route` is the path template and `params` its values, for resource paths ({list_id}).
function event(method, path, { user, body, raw, base64 = false, query = DEFAULT_QUERY[`${method} ${path}`] ?? '', route = path, params } = {}) {
  const headers = { 'content-type': 'application/json', origin: 'http://localhost:5173' };
  if (user !== undefined) headers[USER_HEADER] = user;
  let text = raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body);
  if (base64 && text !== undefined) text = Buffer.from(text, 'utf8').toString('base64');
  const routeKey = `${method} ${route}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: query,
    headers,
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: `specc-${tag}`,
      routeKey,
      stage: '$default',
    },
    ...(params ? { pathParameters: params } : {}),
    body: text,
    isBase64Encoded: base64,
  };
}

function header(response, name) {
  const found = Object.entries(response.headers ?? {}).find(([key]) => key.toLowerCase() === name.toLowerCase());
  return found ? found[1] : undefined;
}

function bodyOf(response) {
  return JSON.parse(response.body);
}

// An error answer: Valine's {error: message} plus specc's {errors: [{path, code, message}]}, never cached.
function expectError(response, status, path, codes) {
  expect(response.statusCode, response.body).toBe(status);
  expect(header(response, 'Cache-Control')).toBe('no-store');
  const body = bodyOf(response);
  expect(typeof body.error).toBe('string');
  expect(Array.isArray(body.errors)).toBe(true);
  const found = body.errors.filter((e) => e.path === path && codes.includes(e.code));
  expect(found.length, JSON.stringify(body.errors)).toBeGreaterThan(0);
  expect(body.error).toBe(body.errors[0].message);
}

beforeAll(async () => {
  if (!process.env.DATABASE_URL) {
    throw new Error('DATABASE_URL is not set: these tests need PostgreSQL with the base schema and the migration applied');
  }
  pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  if (process.env.SPECC_PRISMA_CLIENT) {
    // The Prisma data layer instead: a module exporting `prisma`, a client of this database.
    ({ prisma } = await import(pathToFileURL(process.env.SPECC_PRISMA_CLIENT).href));
    db = createPrismaDb(prisma);
  } else {
    db = createPgDb(pool);
  }
  setDb(db);
  const rows = (await pool.query(SEED_SQL, SEED_PARAMS(tag))).rows;
  userId = rows[0].key;
  for (const [sql, params] of USER_ROWS) await pool.query(sql, params(tag, userId));
});

// Remove a seeded user: the rows that reference it first, then its users row.
async function unseed(id) {
  for (const sql of UNSEED_SQL) await pool.query(sql, [id]);
  await pool.query(DELETE_SQL, [id]);
}

afterAll(async () => {
  if (pool === undefined) return;
  if (userId !== undefined) await unseed(userId);
  for (const id of seeded) await unseed(id);
  await pool.end();
  if (prisma !== undefined) await prisma.$disconnect();
});

// A new number for each row a test makes, so unique values never repeat within a run.
let seq = 0;
const next = () => (seq += 1);

// One more users row: an owner of rows the test user must not reach, or a fresh owner for a cap.
const seeded = [];
// With `rows`, also its one row of each table that new list rows reference (USER_ROWS).
async function seedUser(rows = true) {
  const tag = randomUUID().slice(0, 8);
  const id = (await pool.query(SEED_SQL, SEED_PARAMS(tag))).rows[0].key;
  seeded.push(id);
  if (rows) for (const [sql, params] of USER_ROWS) await pool.query(sql, params(tag, id));
  return id;
}

// A column of the test user's row (or of its one row of table `from`, whose `by` holds the user).
async function stored(column, from = USERS, by = KEY) {
  const rows = (await pool.query(`SELECT ${column} AS v FROM ${from} WHERE ${by} = $1`, [userId])).rows;
  return rows[0].v;
}
"""


# Every case is written once, in contract(call, overHttp), and run twice: on the
# handlers in-process, and over HTTP when SPECC_BASE_URL names a server.
SUITE_HEAD = """\
// The contract cases.  `call(handler, event)` answers one event: the handler itself, or the
// HTTP request the event stands for; `overHttp` leaves out what only works in-process.
function contract(call, overHttp) {"""

SUITE_TAIL = """\
}

describe('handlers, invoked with synthetic httpApi events', () => {
  contract((handler, ev) => handler(ev), false);
});

// The same cases over HTTP against SPECC_BASE_URL: tests/specc/offline.js (or a stage that signs
// users in the same way) on the database of DATABASE_URL.  Unset, they are reported as skipped.
const BASE_URL = process.env.SPECC_BASE_URL;
describe.skipIf(!BASE_URL)(BASE_URL ? `over HTTP at ${BASE_URL}` : 'over HTTP: skipped, SPECC_BASE_URL is not set', () => {
  contract((_handler, ev) => sendEvent(BASE_URL, ev), true);

  it('is answered through the gateway: a route outside the functions fragments is 404', async () => {
    const response = await sendEvent(BASE_URL, event('GET', '/specc-no-such-route', { user: userId }));
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toEqual({ message: 'Not Found' });
  });
});
"""


def _item_value(column: Column, i: int) -> Any:
    """The i-th valid value of a list item's column, distinct for distinct i where the column allows."""
    if column.kind in ("string", "text"):
        text = f"v{i}"
        low, high = max(column.min_length or 0, 1), column.max_length
        text = text + "x" * max(low - len(text), 0)
        return text if high is None or len(text) <= high else cases.valid_scalar(column, i)
    return cases.valid_scalar(column, i)


def distinct_items(field: ListField, keys: tuple[tuple[str, ...], ...], n: int) -> list[dict[str, Any]] | None:
    """`n` valid items that no unique key makes duplicates, or None when the columns cannot give them."""
    items = [{c.name: _item_value(c.column, i) for c in field.fields} for i in range(n)]
    by_column = {c.column.name: c.name for c in field.fields}
    for i, item in enumerate(items):
        for c in field.fields:
            for rule in c.column.host_rules:
                # A URL whose sibling picks a host rule must be on an allowed host.
                if by_column.get(rule.when_column) in item and item[by_column[rule.when_column]] == rule.when_value and rule.hosts:
                    item[c.name] = f"https://{rule.hosts[0].lower()}/v{i}"
    for key in keys:
        if len({tuple(item.get(k) for k in key) for item in items}) != n:
            return None
    if any(v is None for item in items for c in field.fields for k, v in item.items() if k == c.name and not c.column.nullable):
        return None
    return items


class _Writer:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.users = spec.schema_after.table(q.SUBJECT_TABLE)
        if self.users is None or self.users.primary_key is None:
            raise AssertionError("the schema has no users table with a primary key")
        self.lines: list[str] = []
        key = self.users.primary_key
        kind = key.kind if key is not None else ""
        self.no_user = NO_USER_NUMBER if kind in ("id", "int", "bigint") else NO_USER_UUID if kind == "uuid" else NO_USER

    def add(self, text: str) -> None:
        self.lines.append(text)

    def head(self) -> None:
        spec = self.spec
        assert self.users is not None
        sql, params, key = seed(self.users)
        self.add(f"// vitest contract tests of spec {lit(spec.id)}: its handlers on synthetic httpApi events, on PostgreSQL,")
        self.add("// and the same cases over HTTP when SPECC_BASE_URL is set (skipped, and reported so, when not).")
        self.add(PRELUDE)
        self.add(f"import * as handlers from '../src/handlers/{spec.id}.js';")
        self.add("import { setDb } from '../src/specc/runtime/db.js';")
        self.add("import { createPgDb } from '../src/specc/runtime/db.pg.js';")
        self.add("import { createPrismaDb } from '../src/specc/runtime/db.prisma.js';")
        self.add("")
        self.add(f"const USERS = {lit(_qi(self.users.name))};")
        self.add(f"const KEY = {lit(_qi(key))};")
        self.add(f"const SEED_SQL = {lit(sql)};")
        self.add(f"const SEED_PARAMS = (tag) => [{', '.join(params)}];")
        self.add(f"const DELETE_SQL = {lit(f'DELETE FROM {_qi(self.users.name)} WHERE {_qi(key)} = $1')};")
        lists = [f for ep in spec.endpoints for f in ep.request if isinstance(f, ListField)]
        owned = [f for ep in spec.endpoints for f in ep.request + ep.response if isinstance(f, ColumnField) and f.owner_column]
        parents = sorted({(ref.table, ref.owner_column) for f in lists for ref in f.parents} | {(f.table, f.owner_column or "") for f in owned})
        seeds = []
        for table_name, owner_column in parents:
            table = spec.schema_after.table(table_name)
            assert table is not None
            row_sql, row_params = user_row_seed(table, owner_column)
            seeds.append(f"[{lit(row_sql)}, (tag, id) => [{', '.join(row_params)}]]")
        self.add("// The user's one row of each table that new list rows reference (a profile, say): seeded with each user.")
        self.add(f"const USER_ROWS = [{', '.join(seeds)}];")
        unseed = sorted({(f.table, f.owner_column) for f in lists if f.parents}) + parents
        self.add("// What must go before a seeded users row: its list rows that reference those rows, then those rows.")
        self.add(f"const UNSEED_SQL = {lit([f'DELETE FROM {_qi(t)} WHERE {_qi(c)} = $1' for t, c in unseed])};")
        defaults = {}
        for ep in spec.endpoints:
            needed = [f"{p.name}={p.enum.values[0]}" for p in ep.query if p.required and p.default is None]
            if needed:
                defaults[f"{ep.method} {ep.path}"] = "&".join(needed)
        self.add("// The query of each endpoint's requests when a test gives none: required parameters only.")
        self.add(f"const DEFAULT_QUERY = {lit(defaults)};")
        self.add(f"const LOCK_SQL = {lit(f'SELECT 1 FROM {_qi(self.users.name)} WHERE {_qi(key)} = $1 FOR UPDATE')};")
        self.add("")
        self.add(HELPERS)

    def shape(self, e: Endpoint) -> None:
        op = ident(e.operation_id)
        names = sorted(f.name for f in e.response)
        self.add(f"function check_{op}_shape(body) {{")
        self.add(f"  expect(Object.keys(body).sort()).toEqual({lit(names)});")
        for f in e.response:
            if isinstance(f, MetricField):
                if f.metric.series:
                    self.add(f"  {{ const v = body[{lit(f.name)}]; expect(Object.keys(v).sort()).toEqual(['series', 'total']); expect(Number.isInteger(v.total)).toBe(true);")
                    self.add("    for (const point of v.series) { expect(Object.keys(point).sort()).toEqual(['count', 'date']); expect(/^\\d{4}-\\d{2}-\\d{2}$/.test(point.date)).toBe(true); expect(Number.isInteger(point.count)).toBe(true); } }")
                else:
                    self.add(f"  expect(Number.isInteger(body[{lit(f.name)}])).toBe(true);")
                continue
            if isinstance(f, WindowField):
                param = next(p for p in e.query if p.name == f.param)
                self.add(f"  expect({lit(list(param.enum.values))}.includes(body[{lit(f.name)}])).toBe(true);")
                continue
            if isinstance(f, ListField):
                self.add(f"  expect(Array.isArray(body[{lit(f.name)}])).toBe(true);")
                self.add(f"  for (const item of body[{lit(f.name)}]) {{")
                self.add(f"    expect(Object.keys(item).sort()).toEqual({lit(sorted(c.name for c in f.fields))});")
                for c in f.fields:
                    null = "v === null || " if c.column.nullable else ""
                    self.add(f"    {{ const v = item[{lit(c.name)}]; expect({null}({_kind_check(c.column)}), `{f.name}.{c.name}: ${{JSON.stringify(v)}}`).toBe(true); }}")
                self.add("  }")
                continue
            assert isinstance(f, ColumnField)
            null = "v === null || " if f.column.nullable else ""
            self.add(f"  {{ const v = body[{lit(f.name)}]; expect({null}({_kind_check(f.column)}), `{f.name}: ${{JSON.stringify(v)}}`).toBe(true); }}")
        self.add("}")
        self.add("")

    def endpoint(self, e: Endpoint) -> None:
        op = ident(e.operation_id)
        method, path = e.method, e.path
        base = f"{lit(method)}, {lit(path)}"
        ok = 200 if e.response else 204
        cache = e.cache.cache_control if e.cache else None
        write = e.kind == "update"
        empty = ", body: {}" if write else ""
        self.add(f"describe({lit(op)}, () => {{")
        if e.auth:
            self.add("  it('answers 401 without a signed-in user', async () => {")
            anonymous = ", { body: {} }" if write else ""
            self.add(f"    const response = await call(handlers.{op}, event({base}{anonymous}));")
            self.add("    expectError(response, 401, '', ['unauthorized']);")
            self.add("  });")
            self.add("")
        if e.kind == "aggregate":
            # Metrics of a user without a row are zeros, as in the Python routes.
            self.add("  it('answers 200 with zeros for a user that has no row', async () => {")
            self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: {lit(self.no_user)} }}));")
            self.add("    expect(response.statusCode, response.body).toBe(200);")
            for f in e.response:
                if isinstance(f, MetricField):
                    total = f"bodyOf(response)[{lit(f.name)}]" + (".total" if f.metric.series else "")
                    self.add(f"    expect({total}).toBe(0);")
            self.add("  });")
        else:
            self.add("  it('answers 401 for a user that has no row', async () => {")
            self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: {lit(self.no_user)}{empty} }}));")
            self.add("    expectError(response, 401, '', ['unauthorized']);")
            self.add("  });")
        self.add("")
        self.add(f"  it('answers {ok} with the documented shape and cache headers', async () => {{")
        self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: userId{empty} }}));")
        self.add(f"    expect(response.statusCode, response.body).toBe({ok});")
        if cache is not None:
            self.add(f"    expect(header(response, 'Cache-Control')).toBe({lit(cache)});")
        if e.response:
            self.add(f"    check_{op}_shape(bodyOf(response));")
        self.add("  });")
        required = {g.name: cases.valid_scalar(g.column) for g in e.request if isinstance(g, ColumnField) and g.required}
        body = ", body: {" + ", ".join(f"{lit(k)}: {value(v)}" for k, v in required.items()) + "}" if write else ""
        self.add("")
        self.add("  // Only in-process: over HTTP the server's database cannot be taken away from here.")
        self.add("  if (!overHttp) {")
        self.add("    it('answers 503 unavailable in the error shape when the database cannot be reached', async () => {")
        self.add("      const down = new pg.Pool({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 500 });")
        self.add("      setDb(createPgDb(down));")
        self.add("      try {")
        self.add(f"        const response = await call(handlers.{op}, event({base}, {{ user: userId{body} }}));")
        self.add("        expectError(response, 503, '', ['unavailable']);")
        self.add("        expect(response.body).not.toMatch(/ECONNREFUSED|127\\.0\\.0\\.1/);")
        self.add("      } finally {")
        self.add("        setDb(db);")
        self.add("        await down.end();")
        self.add("      }")
        self.add("    });")
        self.add("  }")
        for param in e.query:
            self.query_tests(e, param)
        if e.kind == "aggregate":
            self.metric_tests(e)
        if write:
            self.add("")
            self.add("  it('waits for a concurrent writer of the same user (the row lock)', async () => {")
            self.add("    const other = await pool.connect();")
            self.add("    let open = false;")
            self.add("    try {")
            self.add("      await other.query('BEGIN');")
            self.add("      open = true;")
            self.add("      await other.query(LOCK_SQL, [userId]);")
            self.add("      let finished = false;")
            self.add(f"      const pending = call(handlers.{op}, event({base}, {{ user: userId{body} }})).then((r) => {{ finished = true; return r; }});")
            self.add("      await new Promise((resolve) => setTimeout(resolve, 300));")
            self.add("      expect(finished).toBe(false);")
            self.add("      await other.query('COMMIT');")
            self.add("      open = false;")
            self.add("      const response = await pending;")
            self.add("      expect(response.statusCode, response.body).toBe(200);")
            self.add("    } finally {")
            self.add("      if (open) await other.query('ROLLBACK'); // a failed case must not keep the lock")
            self.add("      other.release();")
            self.add("    }")
            self.add("  });")
            self.writes(e)
        self.add("});")
        self.add("")

    def writes(self, e: Endpoint) -> None:
        op = ident(e.operation_id)
        base = f"{lit(e.method)}, {lit(e.path)}"
        readers = [r for r in self.spec.endpoints if r.kind == "read" and r.method == "GET"]
        # The GET of the same path reads back what this endpoint writes; else the spec's first.
        reader = next((r for r in readers if r.path == e.path), readers[0] if readers else None)
        required = [f.name for f in e.request if isinstance(f, ColumnField) and f.required]
        for f in e.request:
            if isinstance(f, ListField):
                self.list_writes(e, f)
                continue
            assert isinstance(f, ColumnField)
            accepts, rejects = cases.column_cases(f.column)
            column = _stored_args(f)
            name = lit(f.name)
            others = {r: cases.valid_scalar(fld.column) for r, fld in ((g.name, g) for g in e.request if isinstance(g, ColumnField)) if r in required and r != f.name}
            extra = "".join(f", {lit(k)}: {value(v)}" for k, v in others.items())
            echoed = any(r.name == f.name for r in e.response)
            self.add("")
            self.add("  it.each([")
            for a in accepts:
                self.add(f"    [{lit(a.id)}, {value(a.value)}, {value(a.expected)}],")
            self.add(f"  ])('stores an accepted {f.name}: %s', async (_id, given, expected) => {{")
            self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: userId, body: {{ {name}: given{extra} }} }}));")
            self.add("    expect(response.statusCode, response.body).toBe(200);")
            if echoed:
                self.add(f"    expect(bodyOf(response)[{name}]).toEqual(expected);")
            if f.column.kind in ("string", "text", "url", "enum", "bool", "uuid", "date"):
                self.add(f"    expect(await stored({column})).toEqual(expected);")
            if reader is not None and any(r.name == f.name for r in reader.response):
                self.add(f"    const read = await call(handlers.{ident(reader.operation_id)}, event({lit(reader.method)}, {lit(reader.path)}, {{ user: userId }}));")
                self.add(f"    expect(bodyOf(read)[{name}]).toEqual(expected);")
            self.add("  });")
            keep = cases.valid_scalar(f.column)
            self.add("")
            self.add("  it.each([")
            for r in rejects:
                self.add(f"    [{lit(r.id)}, {value(r.value)}, {lit(list(r.codes))}],")
            self.add(f"  ])('rejects a bad {f.name} with 422 and keeps the stored value: %s', async (_id, given, codes) => {{")
            self.add(f"    const before = await call(handlers.{op}, event({base}, {{ user: userId, body: {{ {name}: {value(keep)}{extra} }} }}));")
            self.add("    expect(before.statusCode, before.body).toBe(200);")
            self.add(f"    const snapshot = await stored({column});")
            self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: userId, body: {{ {name}: given{extra} }} }}));")
            self.add(f"    expectError(response, 422, {name}, codes);")
            self.add(f"    expect(await stored({column})).toEqual(snapshot);")
            self.add("  });")
        self.add("")
        self.add("  it('rejects an unknown field with 422 unknown_field', async () => {")
        self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: userId, body: {{ specc_unknown_field: 1 }} }}));")
        self.add("    expectError(response, 422, 'specc_unknown_field', ['unknown_field']);")
        self.add("  });")
        self.add("")
        self.add("  it.each([['a list', []], ['a string', 'x'], ['null', null], ['a number', 1]])('rejects a body that is %s with 422 type', async (_id, body) => {")
        self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: userId, body }}));")
        self.add("    expectError(response, 422, '', ['type']);")
        self.add("  });")
        self.add("")
        self.add("  it.each([['truncated', '{'], ['empty', ''], ['text', 'theme=dark']])('rejects a body that is not JSON (%s) with 422 type', async (_id, raw) => {")
        self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: userId, raw }}));")
        self.add("    expectError(response, 422, '', ['type']);")
        self.add("  });")
        scalars = [f for f in e.request if isinstance(f, ColumnField)]
        if scalars:
            f = scalars[0]
            v0, v1 = cases.valid_scalar(f.column, 0), cases.valid_scalar(f.column, 1)
            body = {g.name: cases.valid_scalar(g.column) for g in scalars if g.required and g is not f}
            extra = "".join(f", {lit(k)}: {value(v)}" for k, v in body.items())
            column = _stored_args(f)
            self.add("")
            self.add("  it('reads a base64-encoded body (isBase64Encoded)', async () => {")
            self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: userId, body: {{ {lit(f.name)}: {value(v1)}{extra} }}, base64: true }}));")
            self.add("    expect(response.statusCode, response.body).toBe(200);")
            self.add(f"    expect(await stored({column})).toEqual({value(v1)});")
            self.add("  });")
            if not required:
                self.add("")
                self.add("  it('keeps absent fields as they are (PATCH)', async () => {")
                self.add(f"    const set = await call(handlers.{op}, event({base}, {{ user: userId, body: {{ {lit(f.name)}: {value(v0)} }} }}));")
                self.add("    expect(set.statusCode, set.body).toBe(200);")
                self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: userId, body: {{}} }}));")
                self.add("    expect(response.statusCode, response.body).toBe(200);")
                self.add(f"    expect(await stored({column})).toEqual({value(v0)});")
                self.add("  });")

        for table in sorted({f.table for f in scalars if f.owner_column}):
            f = next(g for g in scalars if g.table == table)
            body = {g.name: cases.valid_scalar(g.column) for g in scalars if g.required and g is not f}
            extra = "".join(f", {lit(k)}: {value(v)}" for k, v in body.items())
            self.add("")
            self.add(f"  it('refuses {f.name} with 409 parent_missing for a user without a {table} row, who reads it as null', async () => {{")
            self.add("    const bare = await seedUser(false);")
            self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: bare, body: {{ {lit(f.name)}: {value(cases.valid_scalar(f.column))}{extra} }} }}));")
            self.add("    expectError(response, 409, '', ['parent_missing']);")
            if reader is not None and any(r.name == f.name for r in reader.response):
                self.add(f"    const read = await call(handlers.{ident(reader.operation_id)}, event({lit(reader.method)}, {lit(reader.path)}, {{ user: bare }}));")
                self.add("    expect(read.statusCode, read.body).toBe(200);")
                self.add(f"    expect(bodyOf(read)[{lit(f.name)}]).toBe(null);")
            self.add("  });")

    def query_tests(self, e: Endpoint, param: QueryParam) -> None:
        op = ident(e.operation_id)
        base = f"{lit(e.method)}, {lit(e.path)}"
        others = "&".join(f"{p.name}={p.default or p.enum.values[0]}" for p in e.query if p.name != param.name and (p.required or p.default))
        prefix = f"{others}&" if others else ""
        echo = next((f.name for f in e.response if isinstance(f, WindowField) and f.param == param.name), None)
        days = dict(param.window_days)
        series = next((f.name for f in e.response if isinstance(f, MetricField) and f.metric.series), None)
        self.add("")
        self.add(f"  it.each({lit(list(param.enum.values))})('accepts {param.name}=%s', async (given) => {{")
        self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: userId, query: `{prefix}{param.name}=${{encodeURIComponent(given)}}` }}));")
        self.add("    expect(response.statusCode, response.body).toBe(200);")
        if echo is not None:
            self.add(f"    expect(bodyOf(response)[{lit(echo)}]).toBe(given);")
        if days and series is not None:
            self.add("    // A window of N days is the N UTC calendar days ending today: N points.")
            self.add(f"    expect(bodyOf(response)[{lit(series)}].series.length).toBe({lit(days)}[given]);")
        self.add("  });")
        outside = "not-a-" + param.enum.name
        self.add("")
        self.add(f"  it('rejects {param.name} outside its values, twice, and unknown parameters with 422', async () => {{")
        self.add(f"    expectError(await call(handlers.{op}, event({base}, {{ user: userId, query: {lit(prefix + param.name + '=' + outside)} }})), 422, {lit(param.name)}, ['enum']);")
        dup = f"{prefix}{param.name}={param.enum.values[0]}&{param.name}={param.enum.values[0]}"
        self.add(f"    expectError(await call(handlers.{op}, event({base}, {{ user: userId, query: {lit(dup)} }})), 422, {lit(param.name)}, ['duplicate']);")
        self.add(f"    expectError(await call(handlers.{op}, event({base}, {{ user: userId, query: {lit(prefix + 'specc_unknown=1')} }})), 422, 'specc_unknown', ['unknown_field']);")
        self.add("  });")
        if param.default is None and param.required:
            self.add("")
            self.add(f"  it('requires {param.name}', async () => {{")
            self.add(f"    expectError(await call(handlers.{op}, event({base}, {{ user: userId, query: {lit(others)} }})), 422, {lit(param.name)}, ['required']);")
            self.add("  });")

    def metric_tests(self, e: Endpoint) -> None:
        op = ident(e.operation_id)
        base = f"{lit(e.method)}, {lit(e.path)}"
        for f in e.response:
            if not isinstance(f, MetricField):
                continue
            for source in f.metric.sources:
                if source.via_table:
                    continue  # rows owned through another table: not seeded here
                table = self.spec.schema_after.table(source.table)
                insert = _source_seed(table, source) if table is not None else None
                if insert is None:
                    continue
                sql, params = insert
                total = f"(r) => {{ const v = bodyOf(r)[{lit(f.name)}]; return typeof v === 'number' ? v : v.total; }}"
                self.add("")
                self.add(f"  it({lit(f'counts a new {source.table} row of the user in {f.name}')}, async () => {{")
                self.add(f"    const total = {total};")
                self.add(f"    const before = await call(handlers.{op}, event({base}, {{ user: userId }}));")
                self.add("    expect(before.statusCode, before.body).toBe(200);")
                self.add(f"    const inserted = (await pool.query({lit(sql)}, [{', '.join(params)}])).rows[0].key;")
                self.add("    try {")
                self.add(f"      const after = await call(handlers.{op}, event({base}, {{ user: userId }}));")
                self.add("      expect(total(after)).toBe(total(before) + 1);")
                if f.metric.series:
                    self.add("      const today = new Date().toISOString().slice(0, 10);")
                    self.add(f"      const point = (r) => bodyOf(r)[{lit(f.name)}].series.find((p) => p.date === today)?.count ?? 0;")
                    self.add("      expect(point(after)).toBe(point(before) + 1);")
                self.add("    } finally {")
                key = table.primary_key.name if table is not None and table.primary_key is not None else "id"
                self.add(f"      await pool.query({lit(f'DELETE FROM {_qi(source.table)} WHERE {_qi(key)} = $1')}, [inserted]);")
                self.add("    }")
                self.add("  });")

    def list_writes(self, e: Endpoint, f: ListField) -> None:
        op = ident(e.operation_id)
        base = f"{lit(e.method)}, {lit(e.path)}"
        name = lit(f.name)
        required = {g.name: cases.valid_scalar(g.column) for g in e.request if isinstance(g, ColumnField) and g.required}
        extra = "".join(f", {lit(k)}: {value(v)}" for k, v in required.items())
        table = self.spec.schema_after.table(f.table)
        keys = js_bodies.unique_keys(table, f)
        owner = f"SELECT COUNT(*) AS n FROM {_qi(f.table)} WHERE {_qi(f.owner_column)} = $1"
        self.add("")
        self.add(f"  const count_{f.name} = async () => Number((await pool.query({lit(owner)}, [userId])).rows[0].n);")
        n = min(f.cap.max, 3) if f.cap is not None else 2
        items = distinct_items(f, keys, n)
        if items is not None:
            self.add("")
            self.add(f"  it('replaces the whole {f.name} list and reads it back', async () => {{")
            self.add(f"    const items = {value(items)};")
            self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: userId, body: {{ {name}: items{extra} }} }}));")
            self.add("    expect(response.statusCode, response.body).toBe(200);")
            self.add(f"    expect(await count_{f.name}()).toBe(items.length);")
            if any(r.name == f.name for r in e.response):
                self.add(f"    const picked = bodyOf(response)[{name}].map((item) => Object.fromEntries(Object.keys(items[0]).map((k) => [k, item[k]])));")
                self.add("    const sort = (list) => list.map((item) => JSON.stringify(item)).sort();")
                self.add("    expect(sort(picked)).toEqual(sort(items));")
            self.add(f"    const emptied = await call(handlers.{op}, event({base}, {{ user: userId, body: {{ {name}: []{extra} }} }}));")
            self.add("    expect(emptied.statusCode, emptied.body).toBe(200);")
            self.add(f"    expect(await count_{f.name}()).toBe(0);")
            self.add("  });")
        if f.cap is not None:
            full = distinct_items(f, keys, f.cap.max + 1)
            if full is not None:
                self.add("")
                self.add(f"  it('accepts {f.cap.max} {f.name} and rejects {f.cap.max + 1} with 422 cap_exceeded, writing nothing', async () => {{")
                self.add(f"    const items = {value(full)};")
                self.add(f"    const ok = await call(handlers.{op}, event({base}, {{ user: userId, body: {{ {name}: items.slice(0, {f.cap.max}){extra} }} }}));")
                self.add("    expect(ok.statusCode, ok.body).toBe(200);")
                self.add(f"    expect(await count_{f.name}()).toBe({f.cap.max});")
                self.add(f"    const over = await call(handlers.{op}, event({base}, {{ user: userId, body: {{ {name}: items{extra} }} }}));")
                self.add(f"    expectError(over, 422, {name}, ['cap_exceeded']);")
                self.add(f"    expect(await count_{f.name}()).toBe({f.cap.max});")
                self.add("  });")
        one = distinct_items(f, keys, 1)
        if one is not None:
            item = one[0]
            rows = []
            for c in f.fields:
                for r in cases.column_cases(c.column)[1]:
                    rows.append((f"{c.name}: {r.id}", {**item, c.name: r.value}, f"{f.name}[0].{c.name}", list(r.codes)))
            if rows:
                self.add("")
                self.add("  it.each([")
                for rid, bad, path, codes in rows:
                    self.add(f"    [{lit(rid)}, {value(bad)}, {lit(path)}, {lit(codes)}],")
                self.add(f"  ])('rejects a bad {f.name} item with 422: %s', async (_id, item, path, codes) => {{")
                self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: userId, body: {{ {name}: [item]{extra} }} }}));")
                self.add("    expectError(response, 422, path, codes);")
                self.add("  });")
            by_column = {c.column.name: c.name for c in f.fields}
            for c in f.fields:
                for rule in c.column.host_rules:
                    when = by_column.get(rule.when_column)
                    if when is None or not rule.hosts:
                        continue
                    host = rule.hosts[0].lower()
                    good = {**item, when: rule.when_value, c.name: f"https://www.{host}/a"}
                    bad = {**item, when: rule.when_value, c.name: f"https://{host}.evil.example/a"}
                    label = f"{c.name} when {when} is {rule.when_value}"
                    self.add("")
                    self.add(f"  it({lit(f'allows only the listed hosts (and subdomains) for {label}')}, async () => {{")
                    self.add(f"    const ok = await call(handlers.{op}, event({base}, {{ user: userId, body: {{ {name}: [{value(good)}]{extra} }} }}));")
                    self.add("    expect(ok.statusCode, ok.body).toBe(200);")
                    self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: userId, body: {{ {name}: [{value(bad)}]{extra} }} }}));")
                    self.add(f"    expectError(response, 422, {lit(f'{f.name}[0].{c.name}')}, ['host_not_allowed']);")
                    self.add("  });")
            for key in keys:
                self.add("")
                self.add(f"  it('rejects two {f.name} items with the same {' and '.join(key)} with 422 duplicate', async () => {{")
                self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: userId, body: {{ {name}: [{value(item)}, {value(item)}]{extra} }} }}));")
                self.add(f"    expectError(response, 422, {lit(f'{f.name}[1].{key[0]}')}, ['duplicate']);")
                self.add("  });")
        if f.parents and one is not None:
            tables = " or ".join(sorted({ref.table for ref in f.parents}))
            self.add("")
            self.add(f"  it('refuses {f.name} items with 409 parent_missing for a user without a {tables} row; an empty list needs none', async () => {{")
            self.add("    const bare = await seedUser(false);")
            self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: bare, body: {{ {name}: [{value(one[0])}]{extra} }} }}));")
            self.add(f"    expectError(response, 409, {name}, ['parent_missing']);")
            self.add(f"    const emptied = await call(handlers.{op}, event({base}, {{ user: bare, body: {{ {name}: []{extra} }} }}));")
            self.add("    expect(emptied.statusCode, emptied.body).toBe(200);")
            self.add("  });")
        self.add("")
        self.add(f"  it('rejects a {f.name} that is not a list with 422 type', async () => {{")
        self.add(f"    const response = await call(handlers.{op}, event({base}, {{ user: userId, body: {{ {name}: 'x'{extra} }} }}));")
        self.add(f"    expectError(response, 422, {name}, ['type']);")
        self.add("  });")

    def text(self) -> str:
        self.head()
        for e in self.spec.endpoints:
            if e.response:
                self.shape(e)
        self.add(SUITE_HEAD)
        start = len(self.lines)
        for e in self.spec.endpoints:
            self.endpoint(e)
        ResourceCases(self.spec, self.add, self.no_user).write()
        # One line per add() and no multi-line literals (lit() escapes newlines), so indenting is safe.
        self.lines[start:] = [f"  {line}" if line else line for line in "\n".join(self.lines[start:]).rstrip("\n").split("\n")]
        self.add(SUITE_TAIL)
        return "\n".join(self.lines).rstrip("\n") + "\n"


def render(spec: Spec) -> str:
    """The vitest file of `spec` (its endpoints: read and update of the user's own row)."""
    return _Writer(spec).text()
