"""vitest contract cases of a spec's resources (targets/node/contract.py runs them in-process and over HTTP).

The same constraints as the Python resource tests (targets/fastapi/resource_tests.py),
in the node handlers' error shape: 401 without a user; malformed keys and list
queries are 422; create answers 201 with the row and its Location, applies
defaults and refuses values outside each column's constraints; a duplicate of
a unique index is 409 `conflict`; the cap is 409 `cap_exceeded` and waits for
a lock on the parent row; rows of another user answer the resource's
not-owner status and stay as they were; update sets only the fields given;
replace writes the whole row (absent optional fields reset) and never creates;
delete is 204; lists page by keyset.  Each resource's cases run on users
seeded for them, so the two runs of a file do not share rows.
"""

from __future__ import annotations

from typing import Any

from compiler.ir import ITEM_VERBS, RESOURCE_HTTP, Column, ColumnField, Resource, Spec
from targets.fastapi import contract_cases as cases
from targets.node.case_values import qi as _qi
from targets.node.case_values import value as js_value
from targets.node.js import ident, lit

# Keys no row has (the largest key is 2^63 - 1; this one is inside it).
MISSING = "999999999999"
BAD_KEYS = ("abc", "0", "-1", "1.5", "99999999999999999999")
BODY_VERBS = ("create", "update", "replace")
STAMPS = ["created_at", "updated_at"]  # columns a write may move on its own


def value_js(column: Column) -> str:
    """A JS expression (in terms of `i`) for a valid value of `column`, distinct for distinct i where the kind allows."""
    kind = column.kind
    if kind in ("string", "text"):
        low = max(column.min_length or 0, 1)
        text = f"`v${{i}}`.padEnd({low}, 'x')"
        return f"{text}.slice(0, {column.max_length})" if column.max_length else text
    if kind == "url":
        return f"`https://{cases.HOST}/v${{i}}`"
    if kind == "enum":
        return f"{lit(list(column.enum.values) if column.enum else [])}[i % {len(column.enum.values) if column.enum else 1}]"
    if kind in ("int", "bigint"):
        low = column.minimum if column.minimum is not None else 0
        span = (column.maximum - low + 1) if column.maximum is not None else 1_000_000
        return f"{low} + (i % {span})"
    if kind == "bool":
        return "i % 2 === 1"
    if kind == "uuid":
        return "randomUUID()"
    if kind == "timestamp":
        return "new Date().toISOString()"
    if kind == "date":
        return "'2026-01-01'"
    return "{}"


def distinct_problem(resource: Resource) -> str:
    """Why the cases cannot make many distinct rows of `resource`, or ''."""
    for f in resource.fields:
        if f.column.host_rules:
            return f"url fields with host rules ({resource.name}.{f.name})"
    by_column = {f.column.name: f for f in resource.fields}
    for key in resource.unique:
        cols = [by_column[c] for c in key if c in by_column]
        if not any(f.column.kind in ("string", "text", "url", "uuid") or (f.column.kind in ("int", "bigint") and f.column.maximum is None) for f in cols):
            return f"unique keys without a free text or number column ({resource.name}: {', '.join(key)})"
    return ""


def stored_default(field: ColumnField) -> Any:
    """What an absent optional field is stored as on create and replace: its literal default, or null."""
    default = field.column.default
    return None if default is None or default == "now" else default


class ResourceCases:
    """Adds the cases of every resource of `spec` to a contract writer's lines."""

    def __init__(self, spec: Spec, add: Any, no_user: str) -> None:
        self.spec = spec
        self.add = add
        self.no_user = no_user  # a valid users key that no row has
        self.creators = {r.table: r for r in spec.resources if "create" in r.methods}

    def creator(self, r: Resource) -> Resource | None:
        return self.creators.get(r.parent.table) if r.parent is not None else None

    def can_make(self, r: Resource) -> bool:
        if "create" not in r.methods:
            return False
        if r.parent is None:
            return True
        parent = self.creator(r)
        return parent is not None and parent is not r and self.can_make(parent)

    def write(self) -> None:
        # Helpers first, at the suite's scope: a resource's cases make rows of its parent's.
        for r in self.spec.resources:
            self.helpers(r)
        for r in self.spec.resources:
            self.resource(r)

    # --- helpers --------------------------------------------------------------------

    def _path_js(self, r: Resource, template: str, item: bool) -> str:
        """A JS arrow building a concrete path of `r` from (parent, id)."""
        text = template.replace("`", "")
        assert "${" not in text
        if r.parent is not None:
            text = text.replace("{" + r.parent.name + "}", "${parent}")
        if item:
            text = text.replace("{" + r.item.name + "}", "${id}")
        return "`" + text + "`"

    def helpers(self, r: Resource) -> None:
        n = ident(r.name)

        def add(text: str) -> None:  # at the suite's scope: one level out of the describes
            self.add(text[2:] if text.startswith("  ") else text)
        body = ", ".join(f"{lit(f.name)}: {value_js(f.column)}" for f in r.fields if f.column.kind != "json")
        required = ", ".join(f"{lit(f.name)}: {value_js(f.column)}" for f in r.fields if f.required)
        add(f"  const body_{n} = (i) => ({{ {body} }});")
        add(f"  const required_{n} = (i) => ({{ {required} }});")
        pname = lit(r.parent.name) if r.parent is not None else None
        params = f"{{ {pname}: String(parent) }}" if pname else "{}"
        item_params = f"{{ {pname}: String(parent), {lit(r.item.name)}: String(id) }}" if pname else f"{{ {lit(r.item.name)}: String(id) }}"
        add(f"  // The collection and item requests of {n}: concrete paths, the route template and its parameters.")
        add(f"  const at_{n} = (parent) => ({{ path: {self._path_js(r, r.path, False)}, route: {lit(r.path)}, params: {params} }});")
        add(f"  const item_{n} = (parent, id) => ({{ path: {self._path_js(r, r.item_path, True)}, route: {lit(r.item_path)}, params: {item_params} }});")
        add(f"  const send_{n} = (handler, method, where, options = {{}}) => call(handler, event(method, where.path, {{ route: where.route, params: where.params, ...options }}));")
        owner = r.owner_column
        add(f"  const count_{n} = async (owner) => Number((await pool.query({lit(f'SELECT COUNT(*) AS n FROM {_qi(r.table)} WHERE {_qi(owner)} = $1')}, [owner])).rows[0].n);")
        if "create" in r.methods:
            parent = self.creator(r)
            make_parent = f"parent ?? (await make_{ident(parent.name)}(user)).{self.key_field(parent)}" if parent is not None else "null"
            made = " (under `parent`, or a new parent row of `user`)" if parent is not None else ""
            add(f"  // A new {n} row of `user`{made}: the created row, with the parent key as `under`.")
            add(f"  async function make_{n}(user, parent = undefined, body = body_{n}(next())) {{")
            add(f"    const under = {make_parent};")
            add(f"    const response = await send_{n}(handlers.{ident(r.op('create'))}, 'POST', at_{n}(under), {{ user, body }});")
            add("    expect(response.statusCode, response.body).toBe(201);")
            add("    return { ...bodyOf(response), under };")
            add("  }")

    @staticmethod
    def key_field(r: Resource) -> str:
        by_column = {f.column.name: f.name for f in r.response}
        return ident(by_column.get(r.item.column.name, r.item.column.name))

    # --- the cases -------------------------------------------------------------------

    def resource(self, r: Resource) -> None:
        n = ident(r.name)
        add = self.add
        key = self.key_field(r)
        add(f"describe({lit('resource ' + r.name)}, () => {{")
        add("  let me;")
        add("  let other;")
        add("  beforeAll(async () => {")
        add("    me = await seedUser();")
        add("    other = await seedUser();")
        add("  });")
        parent_maker = self.creator(r)
        if parent_maker is not None:
            add("  // The parent row most cases use (one per run, so the parent's cap is not reached).")
            add("  let home;")
            add(f"  const mine = async () => (home ??= (await make_{ident(parent_maker.name)}(me)).{self.key_field(parent_maker)});")
        else:
            add("  const mine = async () => null;")
        verbs: dict[str, str] = {v: ident(r.op(v)) for v in r.methods}
        parent_any = "'1'" if r.parent is not None else "null"
        add("")
        add("  it.each([")
        for v, op in verbs.items():
            where = f"item_{n}({parent_any}, '1')" if v in ITEM_VERBS else f"at_{n}({parent_any})"
            options = "{ body: {} }" if v in BODY_VERBS else "{}"
            add(f"    [{lit(v)}, () => send_{n}(handlers.{op}, {lit(RESOURCE_HTTP[v])}, {where}, {options})],")
        add("  ])('%s answers 401 without a signed-in user, never cached', async (_verb, request) => {")
        add("    expectError(await request(), 401, '', ['unauthorized']);")
        add("  });")
        items = [v for v in ITEM_VERBS if v in verbs]
        if items:
            add("")
            add(f"  it.each({lit([[v, k] for v in items for k in BAD_KEYS])})('%s refuses the malformed {r.item.name} %s with 422 type', async (verb, raw) => {{")
            add(f"    const handler = {{ {', '.join(f'{v}: handlers.{verbs[v]}' for v in items)} }}[verb];")
            add(f"    const method = {lit({v: RESOURCE_HTTP[v] for v in items})}[verb];")
            add(f"    const response = await send_{n}(handler, method, item_{n}({parent_any}, raw), {{ user: me, ...({lit([v for v in items if v in BODY_VERBS])}.includes(verb) ? {{ body: {{}} }} : {{}}) }});")
            add(f"    expectError(response, 422, {lit(r.item.name)}, ['type']);")
            add("  });")
        if r.parent is not None and "list" in verbs:
            add("")
            add(f"  it.each({lit(list(BAD_KEYS))})('list refuses the malformed {r.parent.name} %s with 422 type', async (raw) => {{")
            add(f"    expectError(await send_{n}(handlers.{verbs['list']}, 'GET', at_{n}(raw), {{ user: me }}), 422, {lit(r.parent.name)}, ['type']);")
            add("  });")
        if not self.can_make(r):
            add(f"  // The remaining cases need rows of {n} made through its create handler (and its parent's).")
            add("});")
            add("")
            return
        self.create_cases(r, n, key)
        self.item_cases(r, n, key, verbs)
        if "list" in verbs:
            self.list_cases(r, n, key, verbs["list"])
        add("});")
        add("")

    def create_cases(self, r: Resource, n: str, key: str) -> None:
        add = self.add
        op = ident(r.op("create"))
        reader = ident(r.op("get")) if "get" in r.methods else None
        add("")
        add("  it('create answers 201 with the row, every column and the Location of the new item', async () => {")
        add(f"    const parent = {self._parent_for(r, 'me')};")
        add(f"    const body = body_{n}(next());")
        add(f"    const response = await send_{n}(handlers.{op}, 'POST', at_{n}(parent), {{ user: me, body }});")
        add("    expect(response.statusCode, response.body).toBe(201);")
        add("    expect(header(response, 'Cache-Control')).toBe('no-store');")
        add("    const row = bodyOf(response);")
        add(f"    expect(Object.keys(row).sort()).toEqual({lit(sorted(f.name for f in r.response))});")
        add("    for (const [name, value] of Object.entries(body)) expect(row[name], name).toEqual(value);")
        add(f"    expect(header(response, 'Location')).toBe(item_{n}(parent, row.{key}).path);")
        if reader is not None:
            add(f"    const again = await send_{n}(handlers.{reader}, 'GET', item_{n}(parent, row.{key}), {{ user: me }});")
            add("    expect(again.statusCode, again.body).toBe(200);")
            add("    expect(bodyOf(again)).toEqual(row);")
        add("  });")
        for f in r.fields:
            default = f.column.default
            if f.required or default is None or default == "now":
                continue
            add("")
            add(f"  it({lit(f'create without {f.name} stores its default {default!r}')}, async () => {{")
            add(f"    const row = await make_{n}(me, await mine(), required_{n}(next()));")
            add(f"    expect(row[{lit(f.name)}]).toEqual({lit(default)});")
            add("  });")
        rows = []
        for f in r.fields:
            for rej in cases.column_cases(f.column)[1]:
                rows.append((f"{f.name}: {rej.id}", f.name, rej.value, list(rej.codes)))
        if rows:
            add("")
            add("  it.each([")
            for rid, name, bad, codes in rows:
                add(f"    [{lit(rid)}, {lit(name)}, {js_value(bad)}, {lit(codes)}],")
            add("  ])('create refuses %s with 422 at the field, creating nothing', async (_id, field, given, codes) => {")
            add(f"    const parent = {self._parent_for(r, 'me')};")
            add(f"    const owner = {'parent' if r.parent is not None else 'me'};")
            add(f"    const before = await count_{n}(owner);")
            add(f"    const response = await send_{n}(handlers.{op}, 'POST', at_{n}(parent), {{ user: me, body: {{ ...body_{n}(next()), [field]: given }} }});")
            add("    expectError(response, 422, field, codes);")
            add(f"    expect(await count_{n}(owner)).toBe(before);")
            add("  });")
        keyed = [tuple(c for c in u if c != r.owner_column) for u in r.unique]
        by_column = {f.column.name: f.name for f in r.fields}
        for cols in keyed:
            if not cols or not all(c in by_column for c in cols):
                continue
            conflict = by_column[cols[0]] if len([k for k in keyed if k]) == 1 else ""
            add("")
            title = f"create of a second row with the same {', '.join(cols)} is 409 conflict"
            add(f"  it({lit(title)}, async () => {{")
            add(f"    const parent = {self._parent_for(r, 'me')};")
            add(f"    const body = body_{n}(next());")
            add(f"    await make_{n}(me, parent, body);")
            add(f"    const response = await send_{n}(handlers.{op}, 'POST', at_{n}(parent), {{ user: me, body: {{ ...body_{n}(next()), {', '.join(f'{lit(by_column[c])}: body[{lit(by_column[c])}]' for c in cols)} }} }});")
            add(f"    expectError(response, 409, {lit(conflict)}, ['conflict']);")
            add("  });")
        lock_table, lock_key = self._lock_target(r)
        # FOR NO KEY UPDATE: it conflicts with the create's FOR UPDATE but not with the
        # KEY SHARE lock the insert's foreign key check takes, so only the create's own lock waits.
        lock_sql = f"SELECT 1 FROM {_qi(lock_table)} WHERE {_qi(lock_key)} = $1 FOR NO KEY UPDATE"
        if r.cap is not None:
            add("")
            add(f"  it('accepts {r.cap.max} rows per {r.cap.per} and refuses the next with 409 cap_exceeded, writing nothing', async () => {{")
            if r.parent is not None:
                add(f"    const parent = {self._fresh_parent(r)};")
                add("    const owner = parent;")
                add("    const user = me;")
            else:
                add("    const user = await seedUser(); // a fresh owner: no rows yet")
                add("    const parent = null;")
                add("    const owner = user;")
            add(f"    for (let k = 0; k < {r.cap.max}; k += 1) await make_{n}(user, parent);")
            add(f"    expect(await count_{n}(owner)).toBe({r.cap.max});")
            add(f"    const over = await send_{n}(handlers.{op}, 'POST', at_{n}(parent), {{ user, body: body_{n}(next()) }});")
            add("    expectError(over, 409, '', ['cap_exceeded']);")
            add(f"    expect(await count_{n}(owner)).toBe({r.cap.max});")
            add("  });")
        add("")
        add(f"  it({lit(f'create waits for a lock on the {lock_table} row it counts under')}, async () => {{")
        add(f"    const parent = {self._parent_for(r, 'me')};")
        add("    const other_client = await pool.connect();")
        add("    let open = false;")
        add("    try {")
        add("      await other_client.query('BEGIN');")
        add("      open = true;")
        add(f"      await other_client.query({lit(lock_sql)}, [{'parent' if r.parent is not None else 'me'}]);")
        add("      let finished = false;")
        add(f"      const pending = send_{n}(handlers.{op}, 'POST', at_{n}(parent), {{ user: me, body: body_{n}(next()) }}).then((r) => {{ finished = true; return r; }});")
        add("      await new Promise((resolve) => setTimeout(resolve, 300));")
        add("      expect(finished).toBe(false);")
        add("      await other_client.query('COMMIT');")
        add("      open = false;")
        add("      const response = await pending;")
        add("      expect(response.statusCode, response.body).toBe(201);")
        add("    } finally {")
        add("      if (open) await other_client.query('ROLLBACK'); // a failed case must not keep the lock")
        add("      other_client.release();")
        add("    }")
        add("  });")
        if r.parent is None:
            add("")
            add("  it('create answers 401 for a user that has no row', async () => {")
            add(f"    const response = await send_{n}(handlers.{op}, 'POST', at_{n}(null), {{ user: {lit(self.no_user)}, body: body_{n}(next()) }});")
            add("    expectError(response, 401, '', ['unauthorized']);")
            add("  });")
        else:
            code = "forbidden" if r.not_owner == 403 else "not_found"
            add("")
            add(f"  it('create under a {r.parent.table} that does not exist is 404', async () => {{")
            add(f"    expectError(await send_{n}(handlers.{op}, 'POST', at_{n}({lit(MISSING)}), {{ user: me, body: body_{n}(next()) }}), 404, '', ['not_found']);")
            add("  });")
            add("")
            add(f"  it('create under another user\\'s {r.parent.table} is {r.not_owner}, creating nothing', async () => {{")
            add(f"    const theirs = {self._parent_for(r, 'other')};")
            add(f"    const response = await send_{n}(handlers.{op}, 'POST', at_{n}(theirs), {{ user: me, body: body_{n}(next()) }});")
            add(f"    expectError(response, {r.not_owner}, '', [{lit(code)}]);")
            add(f"    expect(await count_{n}(theirs)).toBe(0);")
            add("  });")

    def _parent_for(self, r: Resource, user: str) -> str:
        """A JS expression for a parent row of `user`: the shared one of `me`, a new one of anyone else."""
        parent = self.creator(r)
        if parent is None:
            return "null"
        if user == "me":
            return "await mine()"
        return f"(await make_{ident(parent.name)}({user})).{self.key_field(parent)}"

    def _fresh_parent(self, r: Resource) -> str:
        """A JS expression for a new parent row of `me` (no rows under it yet)."""
        parent = self.creator(r)
        assert parent is not None
        return f"(await make_{ident(parent.name)}(me)).{self.key_field(parent)}"

    def _lock_target(self, r: Resource) -> tuple[str, str]:
        """The table and key of the row a create locks: the parent, or the user."""
        if r.parent is not None:
            return r.parent.table, r.parent.column.name
        link = r.owner[-1]
        return link.to, link.to_column

    def item_cases(self, r: Resource, n: str, key: str, verbs: dict[str, str]) -> None:
        add = self.add
        code = "forbidden" if r.not_owner == 403 else "not_found"
        under = "row.under"
        if "get" in verbs:
            get = verbs["get"]
            add("")
            add("  it('get of a key no row has is 404 not_found', async () => {")
            add(f"    const row = await make_{n}(me, await mine());")
            add(f"    expectError(await send_{n}(handlers.{get}, 'GET', item_{n}({under}, {lit(MISSING)}), {{ user: me }}), 404, '', ['not_found']);")
            add("  });")
            add("")
            add(f"  it('get of another user\\'s row is {r.not_owner} {code}', async () => {{")
            add(f"    const row = await make_{n}(other);")
            add(f"    expectError(await send_{n}(handlers.{get}, 'GET', item_{n}({under}, row.{key}), {{ user: me }}), {r.not_owner}, '', [{lit(code)}]);")
            add("  });")
        if "update" in verbs:
            upd = verbs["update"]
            first = r.fields[0]
            add("")
            add("  it('update sets only the fields given and leaves every other column as it was', async () => {")
            add(f"    const row = await make_{n}(me, await mine());")
            add(f"    const changed = body_{n}(next())[{lit(first.name)}];")
            add(f"    const response = await send_{n}(handlers.{upd}, 'PATCH', item_{n}({under}, row.{key}), {{ user: me, body: {{ {lit(first.name)}: changed }} }});")
            add("    expect(response.statusCode, response.body).toBe(200);")
            add("    const after = bodyOf(response);")
            add(f"    expect(after[{lit(first.name)}]).toEqual(changed);")
            stamps = {"updated_at", "created_at"}
            add(f"    for (const name of Object.keys(after)) if (name !== {lit(first.name)} && !{lit(sorted(stamps))}.includes(name)) expect(after[name], name).toEqual(row[name]);")
            add(f"    const empty = await send_{n}(handlers.{upd}, 'PATCH', item_{n}({under}, row.{key}), {{ user: me, body: {{}} }});")
            add("    expect(empty.statusCode, empty.body).toBe(200);")
            add(f"    expect(bodyOf(empty)[{lit(first.name)}]).toEqual(changed);")
            add("  });")
            add("")
            add(f"  it('update of another user\\'s row is {r.not_owner}, and the row stays as it was', async () => {{")
            add(f"    const row = await make_{n}(other);")
            add(f"    const response = await send_{n}(handlers.{upd}, 'PATCH', item_{n}({under}, row.{key}), {{ user: me, body: {{ {lit(first.name)}: body_{n}(next())[{lit(first.name)}] }} }});")
            add(f"    expectError(response, {r.not_owner}, '', [{lit(code)}]);")
            if "get" in verbs:
                add(f"    const kept = await send_{n}(handlers.{verbs['get']}, 'GET', item_{n}({under}, row.{key}), {{ user: other }});")
                add(f"    expect(bodyOf(kept)[{lit(first.name)}]).toEqual(row[{lit(first.name)}]);")
            add("  });")
            add("")
            add("  it('update of a key no row has is 404', async () => {")
            add(f"    const row = await make_{n}(me, await mine());")
            add(f"    expectError(await send_{n}(handlers.{upd}, 'PATCH', item_{n}({under}, {lit(MISSING)}), {{ user: me, body: {{}} }}), 404, '', ['not_found']);")
            add("  });")
            add("")
            add("  it.each([['a list', []], ['a string', 'x'], ['null', null]])('update refuses a body that is %s with 422 type', async (_id, body) => {")
            add(f"    const row = await make_{n}(me, await mine());")
            add(f"    expectError(await send_{n}(handlers.{upd}, 'PATCH', item_{n}({under}, row.{key}), {{ user: me, body }}), 422, '', ['type']);")
            add("  });")
            add("")
            add("  it('update refuses an unknown field with 422 unknown_field', async () => {")
            add(f"    const row = await make_{n}(me, await mine());")
            add(f"    expectError(await send_{n}(handlers.{upd}, 'PATCH', item_{n}({under}, row.{key}), {{ user: me, body: {{ specc_unknown_field: 1 }} }}), 422, 'specc_unknown_field', ['unknown_field']);")
            add("  });")
        if "replace" in verbs and r.fields:
            self.replace_cases(r, n, key, verbs)
        if "delete" in verbs:
            dele = verbs["delete"]
            add("")
            add(f"  it('delete answers 204 without a body; deleting it again is {r.delete_missing}', async () => {{")
            add(f"    const row = await make_{n}(me, await mine());")
            add(f"    const response = await send_{n}(handlers.{dele}, 'DELETE', item_{n}({under}, row.{key}), {{ user: me }});")
            add("    expect(response.statusCode, response.body).toBe(204);")
            add("    expect(response.body ?? '').toBe('');")
            if "get" in verbs:
                add(f"    expectError(await send_{n}(handlers.{verbs['get']}, 'GET', item_{n}({under}, row.{key}), {{ user: me }}), 404, '', ['not_found']);")
            add(f"    const again = await send_{n}(handlers.{dele}, 'DELETE', item_{n}({under}, row.{key}), {{ user: me }});")
            if r.delete_missing == 204:
                add("    expect(again.statusCode, again.body).toBe(204);")
            else:
                add("    expectError(again, 404, '', ['not_found']);")
            add("  });")
            add("")
            add(f"  it('delete of another user\\'s row is {r.not_owner}, and the row stays', async () => {{")
            add(f"    const row = await make_{n}(other);")
            add(f"    expectError(await send_{n}(handlers.{dele}, 'DELETE', item_{n}({under}, row.{key}), {{ user: me }}), {r.not_owner}, '', [{lit(code)}]);")
            add(f"    const owner = {'row.under' if r.parent is not None else 'other'};")
            add(f"    expect(await count_{n}(owner)).toBeGreaterThan(0);")
            if "get" in verbs:
                add(f"    expect((await send_{n}(handlers.{verbs['get']}, 'GET', item_{n}({under}, row.{key}), {{ user: other }})).statusCode).toBe(200);")
            add("  });")

    def replace_cases(self, r: Resource, n: str, key: str, verbs: dict[str, str]) -> None:
        """PUT: the whole row (absent optional fields reset to their default or
        null), 422 without a required field, never creates, the owner rules."""
        add = self.add
        put = verbs["replace"]
        get = verbs.get("get")
        code = "forbidden" if r.not_owner == 403 else "not_found"
        reset = {f.name: stored_default(f) for f in r.fields if not f.required and f.column.kind != "json"}
        # Optional enum fields start away from their default, so the reset shows.
        away = {}
        for f in r.fields:
            values = f.column.enum.values if f.column.kind == "enum" and f.column.enum else ()
            if f.name in reset and any(v != reset[f.name] for v in values):
                away[f.name] = next(v for v in values if v != reset[f.name])
        add("")
        shown = ", ".join(f"{k}={lit(v)}" for k, v in reset.items()) or "none"
        add(f"  it({lit(f'replace with the required fields only is 200 with the whole row: every optional field reset ({shown})')}, async () => {{")
        add(f"    const row = await make_{n}(me, await mine(), {{ ...body_{n}(next()), ...{lit(away)} }});")
        for name in reset:  # only where the made row surely differs from the reset value
            if reset[name] is None or name in away:
                add(f"    expect(row[{lit(name)}], 'set before the replace').not.toEqual({lit(reset[name])});")
        add(f"    const body = required_{n}(next());")
        add(f"    const response = await send_{n}(handlers.{put}, 'PUT', item_{n}(row.under, row.{key}), {{ user: me, body }});")
        add("    expect(response.statusCode, response.body).toBe(200);")
        add("    expect(header(response, 'Cache-Control')).toBe('no-store');")
        add("    const after = bodyOf(response);")
        add(f"    expect(Object.keys(after).sort()).toEqual({lit(sorted(f.name for f in r.response))});")
        add("    for (const [name, value] of Object.entries(body)) expect(after[name], name).toEqual(value);")
        add(f"    const reset = {lit(reset)};")
        add("    for (const [name, value] of Object.entries(reset)) expect(after[name], name).toEqual(value);")
        add(f"    for (const name of Object.keys(after)) if (!(name in body) && !(name in reset) && !{lit(STAMPS)}.includes(name)) expect(after[name], name).toEqual(row[name]);")
        if get is not None:
            add(f"    const again = await send_{n}(handlers.{get}, 'GET', item_{n}(row.under, row.{key}), {{ user: me }});")
            add("    expect(again.statusCode, again.body).toBe(200);")
            add("    expect(bodyOf(again)).toEqual(after);")
        add("  });")
        required = [f for f in r.fields if f.required]
        if required:
            first = required[0]
            add("")
            add(f"  it({lit(f'replace without the required {first.name} is 422 required, and the row stays as it was')}, async () => {{")
            add(f"    const row = await make_{n}(me, await mine());")
            add(f"    const {{ [{lit(first.name)}]: _dropped, ...body }} = body_{n}(next());")
            add(f"    expectError(await send_{n}(handlers.{put}, 'PUT', item_{n}(row.under, row.{key}), {{ user: me, body }}), 422, {lit(first.name)}, ['required']);")
            if get is not None:
                add(f"    const kept = bodyOf(await send_{n}(handlers.{get}, 'GET', item_{n}(row.under, row.{key}), {{ user: me }}));")
                add("    expect(kept).toEqual(Object.fromEntries(Object.keys(kept).map((name) => [name, row[name]])));")
            add("  });")
        add("")
        add("  it('replace refuses an unknown field with 422 unknown_field', async () => {")
        add(f"    const row = await make_{n}(me, await mine());")
        add(f"    const response = await send_{n}(handlers.{put}, 'PUT', item_{n}(row.under, row.{key}), {{ user: me, body: {{ ...body_{n}(next()), specc_unknown_field: 1 }} }});")
        add("    expectError(response, 422, 'specc_unknown_field', ['unknown_field']);")
        add("  });")
        add("")
        add(f"  it('replace of another user\\'s row is {r.not_owner}, and the row stays as it was', async () => {{")
        add(f"    const row = await make_{n}(other);")
        add(f"    const response = await send_{n}(handlers.{put}, 'PUT', item_{n}(row.under, row.{key}), {{ user: me, body: body_{n}(next()) }});")
        add(f"    expectError(response, {r.not_owner}, '', [{lit(code)}]);")
        if get is not None:
            add(f"    const kept = bodyOf(await send_{n}(handlers.{get}, 'GET', item_{n}(row.under, row.{key}), {{ user: other }}));")
            add("    expect(kept).toEqual(Object.fromEntries(Object.keys(kept).map((name) => [name, row[name]])));")
        add("  });")
        add("")
        add("  it('replace of a key no row has is 404 and creates nothing (PUT never creates)', async () => {")
        add(f"    const row = await make_{n}(me, await mine());")
        owner = "row.under" if r.parent is not None else "me"
        add(f"    const before = await count_{n}({owner});")
        add(f"    expectError(await send_{n}(handlers.{put}, 'PUT', item_{n}(row.under, {lit(MISSING)}), {{ user: me, body: body_{n}(next()) }}), 404, '', ['not_found']);")
        add(f"    expect(await count_{n}({owner})).toBe(before);")
        add("  });")

    def list_cases(self, r: Resource, n: str, key: str, op: str) -> None:
        add = self.add
        code = "forbidden" if r.not_owner == 403 else "not_found"
        add("")
        add("  it('list pages by key: limit rows a page, next_cursor to the next one, every row once', async () => {")
        if r.parent is not None:
            add(f"    const parent = {self._fresh_parent(r)};")
            add("    const user = me;")
        else:
            add("    const user = await seedUser(); // a fresh owner: only the rows made here")
            add("    const parent = null;")
        add("    const made = [];")
        add(f"    for (let k = 0; k < 3; k += 1) made.push((await make_{n}(user, parent)).{key});")
        add(f"    const first = await send_{n}(handlers.{op}, 'GET', at_{n}(parent), {{ user, query: 'limit=2' }});")
        add("    expect(first.statusCode, first.body).toBe(200);")
        add("    expect(header(first, 'Cache-Control')).toBe('no-store');")
        add("    const page1 = bodyOf(first);")
        add("    expect(Object.keys(page1).sort()).toEqual(['items', 'next_cursor']);")
        add("    expect(page1.items.length).toBe(2);")
        add(f"    expect(page1.next_cursor).toBe(String(page1.items[1].{key}));")
        add(f"    const second = await send_{n}(handlers.{op}, 'GET', at_{n}(parent), {{ user, query: `limit=2&cursor=${{encodeURIComponent(page1.next_cursor)}}` }});")
        add("    const page2 = bodyOf(second);")
        add("    expect(page2.items.length).toBe(1);")
        add("    expect(page2.next_cursor).toBe(null);")
        add(f"    expect([...page1.items, ...page2.items].map((row) => row.{key})).toEqual(made);")
        add(f"    const all = bodyOf(await send_{n}(handlers.{op}, 'GET', at_{n}(parent), {{ user }}));")
        add(f"    expect(all.items.map((row) => row.{key})).toEqual(made);")
        add("    expect(all.next_cursor).toBe(null);")
        add(f"    const exact = bodyOf(await send_{n}(handlers.{op}, 'GET', at_{n}(parent), {{ user, query: 'limit=3' }}));")
        add("    expect([exact.items.length, exact.next_cursor]).toEqual([3, null]); // a full last page has no next one")
        add("  });")
        add("")
        refusals = [
            ["limit=0", "limit", "type"],
            ["limit=x", "limit", "type"],
            [f"limit={r.page_max + 1}", "limit", "too_large"],
            ["limit=1000000000", "limit", "too_large"],
            ["limit=" + "9" * 40, "limit", "too_large"],
            ["limit=0000000000", "limit", "type"],
            ["cursor=abc", "cursor", "type"],
            ["limit=1&limit=1", "limit", "duplicate"],
            ["specc_unknown=1", "specc_unknown", "unknown_field"],
        ]
        add(f"  it.each({lit(refusals)})('list refuses the query %s with 422', async (query, path, code) => {{")
        add(f"    const parent = {self._parent_for(r, 'me')};")
        add(f"    expectError(await send_{n}(handlers.{op}, 'GET', at_{n}(parent), {{ user: me, query }}), 422, path, [code]);")
        add("  });")
        if r.parent is not None:
            add("")
            add(f"  it('list under another user\\'s {r.parent.table} is {r.not_owner}; under one that does not exist, 404', async () => {{")
            add(f"    const theirs = {self._parent_for(r, 'other')};")
            add(f"    expectError(await send_{n}(handlers.{op}, 'GET', at_{n}(theirs), {{ user: me }}), {r.not_owner}, '', [{lit(code)}]);")
            add(f"    expectError(await send_{n}(handlers.{op}, 'GET', at_{n}({lit(MISSING)}), {{ user: me }}), 404, '', ['not_found']);")
            add("  });")


