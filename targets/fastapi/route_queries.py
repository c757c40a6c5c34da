"""The SQL the generated routes run, built once as sqlglot expressions and
rendered for every dialect.

Every statement is parameterised: values are placeholders, and the only names
in the SQL are table and column identifiers from the validated IR, quoted by
sqlglot.  Placeholders are rendered in the paramstyle of the usual driver of
each dialect (sqlite3: qmark `?`; psycopg and PyMySQL/mysqlclient: format
`%s`), so the generated code passes parameters positionally everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from compiler.ir import ColumnField, Endpoint, ListField, Metric, MetricField, MetricSource, Resource, Schema, Table, UserRowRef

DIALECTS = ("mysql", "postgres", "sqlite")
PLACEHOLDER = {"mysql": "%s", "postgres": "%s", "sqlite": "?"}
# The table that holds the authenticated user ("me" endpoints).
SUBJECT_TABLE = "users"


@dataclass(frozen=True)
class Statement:
    """One statement of a route: a key (`<operationId>:<purpose>`), the
    expression, and what each positional parameter is, in order."""

    key: str
    expression: exp.Expression
    params: tuple[str, ...]
    # An INSERT whose new key PostgreSQL returns (`RETURNING`); the other
    # drivers give it as `cursor.lastrowid`.
    returning: str = ""

    def render(self, dialect: str) -> str:
        """The statement as `dialect` SQL, with that driver's placeholders."""
        marker = PLACEHOLDER[dialect]
        tree = self.expression.transform(lambda node: exp.var(marker) if isinstance(node, exp.Placeholder) else node)
        if self.returning and dialect == "postgres":
            tree.set("returning", exp.Returning(expressions=[col(self.returning)]))
        if dialect == "sqlite" and tree.args.get("locks"):
            # SQLite has no row locks: a write transaction already excludes other writers.
            tree.set("locks", None)
        return tree.sql(dialect=dialect)


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def table_ref(name: str, alias: str | None = None) -> exp.Table:
    table = exp.Table(this=ident(name))
    return exp.alias_(table, alias, table=True) if alias else table  # type: ignore[return-value]


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.Column(this=ident(name), table=ident(table) if table else None)


def param() -> exp.Placeholder:
    return exp.Placeholder()


def subject_key(schema: Schema) -> str:
    """The primary key column of the users table: the current user's id."""
    table = schema.table(SUBJECT_TABLE)
    if table is None or table.primary_key is None:
        raise AssertionError(f"the schema has no {SUBJECT_TABLE} table with a primary key")
    return table.primary_key.name


# --- read and write of the user's own rows -----------------------------------


def select_user(op: str, schema: Schema, fields: tuple[ColumnField, ...]) -> Statement:
    """SELECT the user's row: its key (so the row always has a column) and
    `fields`; fields of the user's one row of another table come from a LEFT
    JOIN on its owner column (NULL while the user has no such row)."""
    key = subject_key(schema)
    joined = user_row_tables(fields)
    if not joined:
        columns = [col(key)] + [col(f.column.name) for f in fields]
        query = exp.select(*columns).from_(table_ref(SUBJECT_TABLE)).where(col(key).eq(param()))
        return Statement(f"{op}:user", query, ("user_id",))
    alias = {table: f"r{i}" for i, (table, _) in enumerate(joined)}
    # Named by field: two tables may have a column of the same name.
    named: list[exp.Expr] = [col(key, "u")]
    named += [exp.alias_(col(f.column.name, alias[f.table] if f.owner_column else "u"), ident(f.name)) for f in fields]
    query = exp.select(*named).from_(table_ref(SUBJECT_TABLE, "u"))
    for table, owner in joined:
        query = query.join(table_ref(table, alias[table]), on=col(owner, alias[table]).eq(col(key, "u")), join_type="left")
    return Statement(f"{op}:user", query.where(col(key, "u").eq(param())), ("user_id",))


def user_row_tables(fields: tuple[ColumnField, ...] | list[ColumnField]) -> list[tuple[str, str]]:
    """(table, owner column) of each user's one row that `fields` read or write, sorted."""
    return sorted({(f.table, f.owner_column) for f in fields if f.owner_column})


def find_user_row(op: str, table: str, owner: str) -> Statement:
    """Whether the user has its one row of `table` (a write to it needs one)."""
    query = exp.select(col(owner)).from_(table_ref(table)).where(col(owner).eq(param()))
    return Statement(f"{op}:row:{table}", query, ("user_id",))


def lock_user(op: str, schema: Schema) -> Statement:
    """SELECT ... FOR UPDATE of the user's row, first in every write transaction.

    Two concurrent writes of the same user then run one after the other, so
    the cap counted inside the transaction cannot be raced past.
    """
    key = subject_key(schema)
    query = exp.select(col(key)).from_(table_ref(SUBJECT_TABLE)).where(col(key).eq(param())).lock(update=True)
    return Statement(f"{op}:lock", query, ("user_id",))


def select_list(op: str, schema: Schema, field: ListField) -> Statement:
    """SELECT the user's child rows of a list field, in a stable order."""
    table = _table(schema, field.table)
    query = exp.select(*(col(f.column.name) for f in field.fields)).from_(table_ref(table.name))
    query = query.where(col(field.owner_column).eq(param()))
    order = [field.order_by] if field.order_by else []
    if table.primary_key is not None and table.primary_key.name not in order:
        # Ties (and tables without order_by) fall back to insertion order.
        order.append(table.primary_key.name)
    if order:
        query = query.order_by(*(exp.Ordered(this=col(name)) for name in order))
    return Statement(f"{op}:list:{field.name}", query, ("user_id",))


def update_column(op: str, schema: Schema, field: ColumnField) -> Statement:
    """UPDATE one column of the user's row, or of its one row of another
    table (PATCH sets only the columns given)."""
    if field.owner_column:
        query = _update(field.table, field.column.name, param(), col(field.owner_column).eq(param()))
    else:
        query = _update(SUBJECT_TABLE, field.column.name, param(), col(subject_key(schema)).eq(param()))
    return Statement(f"{op}:set:{field.name}", query, (field.name, "user_id"))


# The column a write stamps with the current time (Prisma's `@updatedAt` under
# the prisma profile's names).
UPDATED_AT = ("updated_at", "updatedAt")


def touch_user(op: str, schema: Schema, table_name: str = SUBJECT_TABLE, owner: str | None = None) -> Statement | None:
    """UPDATE the updated-at timestamp of the user's row (or of its one row
    of `table_name`, by `owner`) when the table keeps one; None otherwise."""
    table = _table(schema, table_name)
    stamp = next((c for c in (table.column(n) for n in UPDATED_AT) if c is not None and c.kind == "timestamp"), None)
    if stamp is None:
        return None
    where = col(owner).eq(param()) if owner else col(subject_key(schema)).eq(param())
    query = _update(table_name, stamp.name, exp.CurrentTimestamp(), where)
    return Statement(f"{op}:touch" if owner is None else f"{op}:touch:{table_name}", query, ("user_id",))


def delete_list(op: str, field: ListField) -> Statement:
    """DELETE every child row of the user: a list in a request replaces the whole set."""
    query = exp.delete(table_ref(field.table), where=col(field.owner_column).eq(param()))
    return Statement(f"{op}:delete:{field.name}", query, ("user_id",))


def insert_list_item(op: str, field: ListField) -> Statement:
    """INSERT one child row: its key when the application makes it, the
    owner, the user's rows it references, every request field of the list,
    and the current time in the timestamps without a database default."""
    params = ((field.app_key,) if field.app_key else ()) + ("user_id",) + tuple(p.column for p in field.parents) + tuple(f.name for f in field.fields)
    names = [*((field.app_key,) if field.app_key else ()), field.owner_column, *(p.column for p in field.parents), *(f.column.name for f in field.fields)]
    values: list[exp.Expression] = [param() for _ in names]
    names += field.stamped
    values += [exp.CurrentTimestamp() for _ in field.stamped]
    query = exp.insert(exp.values([tuple(values)]), table_ref(field.table), columns=[ident(n) for n in names])
    return Statement(f"{op}:insert:{field.name}", query, params)


def select_user_row(op: str, field: ListField, ref: UserRowRef) -> Statement:
    """SELECT the key of the user's one row of `ref.table`, which each new
    row of `field` references (at most one: its owner column is unique)."""
    query = exp.select(col(ref.key)).from_(table_ref(ref.table)).where(col(ref.owner_column).eq(param()))
    return Statement(f"{op}:parent:{field.name}:{ref.column}", query, ("user_id",))


def count_list(op: str, field: ListField) -> Statement:
    """COUNT the user's child rows, inside the write transaction, for the cap."""
    query = exp.select(exp.Count(this=exp.Star())).from_(table_ref(field.table))
    query = query.where(col(field.owner_column).eq(param()))
    return Statement(f"{op}:count:{field.name}", query, ("user_id",))


# --- metrics -------------------------------------------------------------------


def _source_rows(schema: Schema, source: MetricSource) -> exp.Select:
    """FROM/JOIN/WHERE of one source: the user's rows from the window's first
    moment (inclusive) to the moment after it (exclusive): rows dated after
    today are in no window."""
    query = exp.select().from_(table_ref(source.table, "s"))
    if source.via_table and source.via_column:
        link = _table(schema, source.table).column(source.via_column)
        target = _table(schema, source.via_table)
        target_key = link.references.column if link and link.references else (target.primary_key.name if target.primary_key else "id")
        query = query.join(table_ref(source.via_table, "o"), on=col(target_key, "o").eq(col(source.via_column, "s")))
        owner = col(source.owner_column, "o")
    else:
        owner = col(source.owner_column, "s")
    moment = col(source.time_column, "s")
    return query.where(exp.and_(owner.eq(param()), moment >= param(), moment < param()))


def metric_total(op: str, schema: Schema, metric: Metric) -> Statement:
    """SELECT the metric's total: the sum of each source's row count in the window."""
    parts: list[exp.Expression] = []
    for source in metric.sources:
        counted = _source_rows(schema, source).select(exp.Count(this=exp.Star()))
        parts.append(exp.Subquery(this=counted))
    total: exp.Expression = parts[0]
    for part in parts[1:]:
        total = exp.Add(this=total, expression=part)
    query = exp.select(exp.alias_(total, "total"))
    return Statement(f"{op}:total:{metric.name}", query, ("user_id", "window_start", "window_end") * len(metric.sources))


def metric_series(op: str, schema: Schema, metric: Metric) -> Statement:
    """SELECT the metric per day: (day, count) rows over every source, by day."""
    branches: list[exp.Select] = []
    for source in metric.sources:
        day = exp.cast(col(source.time_column, "s"), exp.DataType.build("date"))
        branch = _source_rows(schema, source).select(exp.alias_(day, "day"), exp.alias_(exp.Count(this=exp.Star()), "n"))
        branches.append(branch.group_by(day))
    union: exp.Expression = branches[0]
    for branch in branches[1:]:
        union = exp.union(union, branch, distinct=False)
    query = (
        exp.select(col("day", "u"), exp.alias_(exp.Sum(this=col("n", "u")), "n"))
        .from_(exp.Subquery(this=union, alias=exp.TableAlias(this=ident("u"))))
        .group_by(col("day", "u"))
        .order_by(exp.Ordered(this=col("day", "u")))
    )
    return Statement(f"{op}:series:{metric.name}", query, ("user_id", "window_start", "window_end") * len(metric.sources))


# --- per endpoint ----------------------------------------------------------------


def endpoint_statements(endpoint: Endpoint, schema: Schema) -> tuple[Statement, ...]:
    """Every statement the route of `endpoint` runs, in a stable order."""
    op = endpoint.operation_id
    out: list[Statement] = []
    if endpoint.kind in ("read", "update"):
        scalars = tuple(f for f in endpoint.response if isinstance(f, ColumnField))
        out.append(select_user(op, schema, scalars))
        out.extend(select_list(op, schema, f) for f in endpoint.response if isinstance(f, ListField))
    if endpoint.kind == "update":
        out.append(lock_user(op, schema))
        written = [f for f in endpoint.request if isinstance(f, ColumnField)]
        out.extend(find_user_row(op, table, owner) for table, owner in user_row_tables(written))
        out.extend(update_column(op, schema, w) for w in written)
        touches = [touch_user(op, schema)] if any(not f.owner_column for f in written) else []
        touches += [touch_user(op, schema, table, owner) for table, owner in user_row_tables(written)]
        out.extend(t for t in touches if t is not None)
        for listed in endpoint.request:
            if isinstance(listed, ListField):
                out.extend(select_user_row(op, listed, ref) for ref in listed.parents)
                out.append(delete_list(op, listed))
                out.append(insert_list_item(op, listed))
                out.append(count_list(op, listed))
    if endpoint.kind == "aggregate":
        for field in endpoint.response:
            if isinstance(field, MetricField):
                out.append(metric_total(op, schema, field.metric))
                if field.metric.series:
                    out.append(metric_series(op, schema, field.metric))
    return tuple(out)


# --- resources -------------------------------------------------------------------


def _owned(query: exp.Select, resource: Resource, start: int) -> exp.Select:
    """`query` (FROM the table of link `start` as t<start>) joined up the
    ownership chain, selecting whether the last link holds the user:
    `CASE WHEN t<n-1>.<user ref> = ? THEN 1 ELSE 0 END`."""
    links = resource.owner
    for i in range(start, len(links) - 1):
        link = links[i]
        alias = f"t{i + 1}"
        query = query.join(table_ref(link.to, alias), on=col(link.to_column, alias).eq(col(link.column, f"t{i}")))
    last = links[-1]
    owned = exp.Case(
        ifs=[exp.If(this=col(last.column, f"t{len(links) - 1}").eq(param()), true=exp.Literal.number(1))],
        default=exp.Literal.number(0),
    )
    return query.select(exp.alias_(owned, "owned"))


def resource_item_owner(resource: Resource, schema: Schema, *, lock: bool) -> Statement:
    """SELECT whether the item at the path exists (under the path's parent)
    and is the user's, through the ownership chain; FOR UPDATE in writes, so
    the check and the change happen in one transaction on a locked row."""
    key = _table(schema, resource.table).primary_key
    assert key is not None
    query = exp.select(col(key.name, "t0")).from_(table_ref(resource.table, "t0"))
    query = _owned(query, resource, 0).where(col(key.name, "t0").eq(param()))
    params: tuple[str, ...] = ("user_id", "item_id")
    if resource.parent is not None:
        query = query.where(col(resource.owner_column, "t0").eq(param()))
        params += ("parent_id",)
    query, above = _under_ancestors(query, resource)
    params += above
    if lock:
        query = query.lock(update=True)
    return Statement(f"{resource.name}:{'lock' if lock else 'owner'}", query, params)


def resource_parent_owner(resource: Resource, *, lock: bool) -> Statement:
    """SELECT whether the parent row of the path exists and is the user's;
    FOR UPDATE in a create, so concurrent creates under one parent run one
    after the other and the cap counted inside cannot be raced past."""
    link = resource.owner[0]
    query = exp.select(col(link.to_column, "t1")).from_(table_ref(link.to, "t1"))
    query = _owned(query, resource, 1).where(col(link.to_column, "t1").eq(param()))
    query, above = _under_ancestors(query, resource)
    if lock:
        query = query.lock(update=True)
    return Statement(f"{resource.name}:{'parent_lock' if lock else 'parent'}", query, ("user_id", "parent_id") + above)


def _under_ancestors(query: exp.Select, resource: Resource) -> tuple[exp.Select, tuple[str, ...]]:
    """`query` (joined up the chain as t0, t1, ...) restricted to rows whose
    chain passes through every ancestor the path names: t<i>.<owner[i] column>
    = the path's key, for i = 1.. (a vehicle of another fleet matches none)."""
    params: tuple[str, ...] = ()
    for i, ancestor in enumerate(resource.ancestors, start=1):
        query = query.where(col(resource.owner[i].column, f"t{i}").eq(param()))
        params += (f"ancestor:{ancestor.name}",)
    return query, params


def resource_select(resource: Resource) -> Statement:
    """SELECT every column of one row by key."""
    key = resource.item.column.name
    query = exp.select(*(col(f.column.name) for f in resource.response)).from_(table_ref(resource.table))
    return Statement(f"{resource.name}:select", query.where(col(key).eq(param())), ("item_id",))


def resource_page(resource: Resource) -> Statement:
    """One page of the owner's rows: keyset on the key (`key > cursor ORDER BY
    key LIMIT n`), so rows inserted meanwhile never shift a page."""
    key = resource.item.column.name
    query = exp.select(*(col(f.column.name) for f in resource.response)).from_(table_ref(resource.table))
    query = query.where(col(resource.owner_column).eq(param())).where(col(key) > param())
    query = query.order_by(exp.Ordered(this=col(key))).limit(param())
    return Statement(f"{resource.name}:page", query, ("owner_id", "after", "limit"))


def resource_count(resource: Resource) -> Statement:
    """COUNT the rows per the cap's column, inside the create transaction."""
    column = resource.cap.per if resource.cap else resource.owner_column
    query = exp.select(exp.Count(this=exp.Star())).from_(table_ref(resource.table)).where(col(column).eq(param()))
    return Statement(f"{resource.name}:count", query, ("owner_id",))


def resource_insert(resource: Resource) -> Statement:
    """INSERT one row: its owner column (from the path or the user), then every field."""
    names = [resource.owner_column] + [f.column.name for f in resource.fields]
    query = exp.insert(
        exp.values([tuple(param() for _ in names)]),
        table_ref(resource.table),
        columns=[ident(n) for n in names],
    )
    return Statement(f"{resource.name}:insert", query, ("owner_id",) + tuple(f.name for f in resource.fields), returning=resource.item.column.name)


def resource_update(resource: Resource, field: ColumnField) -> Statement:
    """UPDATE one column of one row (PATCH sets only the fields present)."""
    key = resource.item.column.name
    return Statement(f"{resource.name}:set:{field.name}", _update(resource.table, field.column.name, param(), col(key).eq(param())), (field.name, "item_id"))


def resource_touch(resource: Resource, schema: Schema) -> Statement | None:
    stamp = _table(schema, resource.table).column("updated_at")
    if stamp is None or stamp.kind != "timestamp":
        return None
    key = resource.item.column.name
    return Statement(f"{resource.name}:touch", _update(resource.table, "updated_at", exp.CurrentTimestamp(), col(key).eq(param())), ("item_id",))


def resource_replace(resource: Resource, schema: Schema) -> Statement:
    """UPDATE every field of one row at once (PUT replaces the row: the route
    passes an absent field's default, or NULL), and its updated_at."""
    key = resource.item.column.name
    sets: list[exp.Expression] = [exp.EQ(this=col(f.column.name), expression=param()) for f in resource.fields]
    stamp = _table(schema, resource.table).column("updated_at")
    if stamp is not None and stamp.kind == "timestamp":
        sets.append(exp.EQ(this=col("updated_at"), expression=exp.CurrentTimestamp()))
    query = exp.Update(this=table_ref(resource.table), expressions=sets, where=exp.Where(this=col(key).eq(param())))
    return Statement(f"{resource.name}:replace", query, tuple(f.name for f in resource.fields) + ("item_id",))


def resource_delete(resource: Resource) -> Statement:
    key = resource.item.column.name
    return Statement(f"{resource.name}:delete", exp.delete(table_ref(resource.table), where=col(key).eq(param())), ("item_id",))


def resource_user_lock(resource: Resource, schema: Schema) -> Statement:
    """SELECT ... FOR UPDATE of the user's row: the parent of a row the user owns directly."""
    key = subject_key(schema)
    query = exp.select(col(key)).from_(table_ref(SUBJECT_TABLE)).where(col(key).eq(param())).lock(update=True)
    return Statement(f"{resource.name}:user_lock", query, ("user_id",))


def resource_statements(resource: Resource, schema: Schema) -> tuple[Statement, ...]:
    """Every statement the routes of `resource` run, in a stable order."""
    methods = resource.methods
    out: list[Statement] = [resource_select(resource)]
    if {"get", "update", "replace", "delete"} & set(methods):
        out.append(resource_item_owner(resource, schema, lock=False))
    if {"update", "replace", "delete"} & set(methods):
        out.append(resource_item_owner(resource, schema, lock=True))
    if resource.parent is not None and {"list", "get", "update", "replace", "delete"} & set(methods):
        # Every route but create checks the parent first (create locks it instead).
        out.append(resource_parent_owner(resource, lock=False))
    if "create" in methods:
        if resource.parent is not None:
            out.append(resource_parent_owner(resource, lock=True))
        else:
            out.append(resource_user_lock(resource, schema))
        if resource.cap is not None:
            out.append(resource_count(resource))
        out.append(resource_insert(resource))
    if "list" in methods:
        out.append(resource_page(resource))
    if "update" in methods:
        out.extend(resource_update(resource, f) for f in resource.fields)
        touch = resource_touch(resource, schema)
        if touch is not None:
            out.append(touch)
    if "replace" in methods:
        out.append(resource_replace(resource, schema))
    if "delete" in methods:
        out.append(resource_delete(resource))
    return tuple(out)


def _update(table: str, column: str, value: exp.Expression, where: exp.Expression) -> exp.Update:
    return exp.Update(this=table_ref(table), expressions=[exp.EQ(this=col(column), expression=value)], where=exp.Where(this=where))


def _table(schema: Schema, name: str) -> Table:
    table = schema.table(name)
    if table is None:
        raise AssertionError(f"lowering let through an unknown table {name!r}")
    return table
