"""Contract tests of an aggregate endpoint on seeded rows.

The other aggregate tests run on whatever the database holds, which proves
the shape but never the counting.  This one writes rows of every metric
source straight into the database (the `seed` fixture of
`specc_app.testing`, in-process only), on the days where a window's edges
are (today, each window's first day, the day before it) and for a second
user, then checks that each window's totals and per-day series grew by
exactly the signed-in user's rows inside it.

The rows are planned here, at compile time, from the schema: a source row
gets its time column, its owner (or, through `via`, a parent row that the
user owns), and a value for every other NOT NULL column without a default
(a parent row for a reference to another table).  A source whose rows cannot
be planned that way (an array column, references nested too deep) gets no
seeded test, and the module says so in a comment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from compiler.ir import Column, Endpoint, MetricField, MetricSource, Schema, Table

SUBJECT_TABLE = "users"
# Parents made for one row, at most this deep (a reference of a reference ...).
MAX_DEPTH = 3
# The all-time case: a row well outside any window the spec could give.
ALL_TIME_DAYS = (0, 400)


class Unseedable(Exception):
    """A source whose rows this module cannot plan."""


@dataclass
class RowPlan:
    """Python statements that insert one source row (after its parents)."""

    lines: list[str] = field(default_factory=list)
    parents: int = 0

    def var(self, table: str) -> str:
        self.parents += 1
        return f"{table}_{self.parents}"


def _table(schema: Schema, name: str) -> Table:
    table = schema.table(name)
    if table is None:
        raise Unseedable(f"table {name!r} is not in the schema")
    return table


def _filler(column: Column, plan: RowPlan, schema: Schema, depth: int, unique: bool = False) -> str | None:
    """Python source of a value for a NOT NULL column the test does not care
    about; None to leave it to the database (identity keys).  A column of a
    unique index gets a fresh value per row (several rows are seeded per
    user), e.g. the sender of a connection request is a new user each time."""
    kind = column.kind
    if column.array:
        raise Unseedable(f"column {column.name!r} is an array")
    if column.references is not None:
        if column.references.table == SUBJECT_TABLE and not unique:
            return "user"
        return _parent(schema, column.references.table, column.references.column, plan, depth + 1, owner=None)
    if unique and not column.primary_key and kind in ("string", "text") and (column.max_length is None or column.max_length >= 43):
        return "seed.new_key('text')"
    if unique and not column.primary_key and kind in ("int", "bigint") and column.maximum is None:
        return "seed.new_key('int')"
    if column.primary_key:
        if kind == "id":
            return None
        return f"seed.new_key({'uuid' if kind == 'uuid' else 'int' if kind in ('int', 'bigint') else 'text'!r})"
    if kind == "enum":
        if column.enum is None or not column.enum.values:
            raise Unseedable(f"enum column {column.name!r} has no values")
        return repr(column.enum.values[0])
    if kind == "bool":
        return "False"
    # Each row gets values of its own (a unique index may span the column).
    if kind in ("int", "bigint", "id"):
        low = column.minimum if column.minimum is not None else 0
        high = column.maximum if column.maximum is not None else low + 10**9
        return f"seed.number({low}, {high})"
    if kind == "uuid":
        return "seed.new_key('uuid')"
    if kind in ("string", "text"):
        return f"seed.text({column.min_length or 0}, {column.max_length})"
    if kind == "url":
        return "'https://example.com/' + seed.text(1, 100)"
    if kind == "timestamp":
        return "at"
    if kind == "date":
        return "at[:10]"
    if kind == "json":
        return repr("{}")
    raise Unseedable(f"column {column.name!r} of kind {kind!r}")


def _row(schema: Schema, table: Table, fixed: dict[str, str], plan: RowPlan, depth: int) -> dict[str, str]:
    if depth > MAX_DEPTH:
        raise Unseedable(f"references nested deeper than {MAX_DEPTH} tables to reach {table.name!r}")
    values = dict(fixed)
    unique = {c for ix in table.indexes if ix.unique for c in ix.columns}
    for column in table.columns:
        if column.name in values or (column.nullable and not column.primary_key):
            continue
        if column.default is not None and not column.primary_key:
            continue
        value = _filler(column, plan, schema, depth, column.name in unique)
        if value is not None:
            values[column.name] = value
    return values


def _dict_source(values: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k!r}: {v}" for k, v in values.items()) + "}"


def _parent(schema: Schema, name: str, key: str, plan: RowPlan, depth: int, owner: str | None) -> str:
    """Insert a row of `name` (owned by the user through `owner`, if given)
    and return the variable holding its `key`."""
    table = _table(schema, name)
    values = _row(schema, table, {owner: "user"} if owner else {}, plan, depth)
    var = plan.var(name)
    plan.lines.append(f"{var} = seed.insert({name!r}, {_dict_source(values)}, key={key!r})")
    return var


def source_rows(schema: Schema, source: MetricSource, plan: RowPlan) -> None:
    """Add to `plan` the statements that insert one row of `source` owned by
    `user`, dated `at`."""
    table = _table(schema, source.table)
    fixed = {source.time_column: "at"}
    if source.via_table and source.via_column:
        link = table.column(source.via_column)
        via = _table(schema, source.via_table)
        key = link.references.column if link and link.references else (via.primary_key.name if via.primary_key else "id")
        fixed[source.via_column] = _parent(schema, source.via_table, key, plan, 1, owner=source.owner_column)
    else:
        fixed[source.owner_column] = "user"
    values = _row(schema, table, fixed, plan, 0)
    plan.lines.append(f"seed.insert({source.table!r}, {_dict_source(values)})")


def seeded_test(endpoint: Endpoint, schema: Schema, window: tuple[str, tuple[tuple[str, int], ...]] | None, call: Callable[[str | None], str]) -> str:
    """The seeding helper and the test of `endpoint`, or a comment saying why
    there is none.  `window` is the window parameter's name and days (None:
    all time); `call(params)` is the client call with those query params."""
    op = endpoint.operation_id
    metrics = [f for f in endpoint.response if isinstance(f, MetricField)]
    plan = RowPlan()
    counts: dict[str, int] = {}
    try:
        for metric_field in metrics:
            for source in metric_field.metric.sources:
                source_rows(schema, source, plan)
            counts[metric_field.name] = len(metric_field.metric.sources)
    except Unseedable as why:
        return f"# {op}: no test on seeded rows, since specc cannot make rows of every metric source here ({why})."
    names = tuple(f.name for f in metrics)
    helper = "\n".join(
        [
            f"def _seed_{op}(seed: Any, user: Any, days_ago: int) -> dict[str, int]:",
            '    """One row of each source of each metric, owned by `user`, dated `days_ago`',
            '    days before today (UTC); how many rows that adds to each metric."""',
            "    at = seed.moment(utc_day(days_ago))",
            *("    " + line for line in plan.lines),
            f"    return {_dict_source({k: str(v) for k, v in counts.items()})}",
        ]
    )
    if window is None:
        windows = "{None: None}"
        days = list(ALL_TIME_DAYS)
        fetch = call(None)
    else:
        name, pairs = window
        windows = "{" + ", ".join(f"{v!r}: {n}" for v, n in pairs) + "}"
        # -1 is tomorrow: a row dated after today is in no window.
        days = sorted({-1, 0, *(n - 1 for _, n in pairs), *(n for _, n in pairs)})
        fetch = call("{" + repr(name) + ": value}")
    test = f'''def test_{op}_counts_seeded_rows(client: httpx.Client, auth: dict[str, str], seed: Any) -> None:
    """Rows seeded on the edges of every window (tomorrow, today, its first day,
    the day before it), and a second user's row today: each window counts exactly the
    signed-in user's rows of its N UTC days ending today, and each series has
    one point per day of the window."""
    windows = {windows}

    def fetch(value: Any) -> dict[str, Any]:
        response = {fetch}
        assert response.status_code == 200, response.text
        return dict(response.json())

    before = {{value: fetch(value) for value in windows}}
    added = {{days_ago: _seed_{op}(seed, seed.user, days_ago) for days_ago in {days!r}}}
    _seed_{op}(seed, seed.other_user, 0)
    for value, days in windows.items():
        assert_seeded_counts(before[value], fetch(value), added, days, {names!r})
'''
    return helper + "\n\n\n" + test
