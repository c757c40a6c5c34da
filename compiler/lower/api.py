"""Stage 3b: lower a spec's `metrics` and `endpoints` against its final schema."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from compiler.lower import questions
from compiler.lower import naming
from compiler.diagnostics import Collector, did_you_mean
from compiler.ir import (
    BodyField,
    CachePolicy,
    Column,
    ColumnField,
    Endpoint,
    EndpointKind,
    EnumDef,
    ListField,
    Metric,
    MetricField,
    MetricSource,
    OpenQuestion,
    QueryParam,
    Schema,
    Table,
    UserRowRef,
    WindowField,
)
from compiler.frontend.document import Document
from compiler.names import python_name_problem

# The table that holds the authenticated user; "me" endpoints read and write
# the caller's own row of it and the child rows that reference it.
SUBJECT_TABLE = "users"
VALIDATION_STATUS = 422
UNAUTHORIZED_STATUS = 401
CONFLICT_STATUS = 409
# Methods whose real semantics (create, delete) spec 1 cannot express.
NO_V1_SEMANTICS = ("POST", "DELETE")
# NOT NULL timestamps without a database default that an insert sets to the
# current time (Prisma's `@updatedAt` is filled by its client, not the database).
STAMPS = ("created_at", "updated_at")
# Primary keys without a database default that the application makes (a new uuid).
APP_KEY_KINDS = ("text", "string", "uuid")


class ApiLowering:
    """Lowers one spec's metrics and endpoints; collects diagnostics and questions."""

    def __init__(self, doc: Document, schema: Schema, enums: dict[str, EnumDef], diags: Collector) -> None:
        self.doc = doc
        self.schema = schema
        self.enums = enums
        self.diags = diags
        self.questions: list[OpenQuestion] = []
        self.metrics: dict[str, Metric] = {}

    # -- metrics ---------------------------------------------------------------

    def _python_name(self, name: str, path: tuple[Any, ...], what: str) -> None:
        problem = python_name_problem(name)
        if problem:
            self.diags.error(self.doc.key_span(path), "E210", f"{what} name {name!r} {problem}", hint="generated code uses it as a name; pick another")

    def lower_metrics(self) -> tuple[Metric, ...]:
        for name, raw in (self.doc.data.get("metrics") or {}).items():
            path = ("metrics", name)
            span = self.doc.key_span(path)
            self._python_name(name, path, "metric")
            sources = tuple(self._source(s, path + ("count", i)) for i, s in enumerate(raw["count"]))
            definition = raw.get("definition")
            if not definition:
                definition = self._derived_definition(sources)
                q = questions.DEFINITION
                self.questions.append(OpenQuestion(f"{q.key}:{name}", q.question.format(name=name), definition, span=span))
            series = raw.get("series")
            if series is None:
                q = questions.SERIES
                self.questions.append(OpenQuestion(f"{q.key}:{name}", q.question.format(name=name), q.default, span=span))
                series = False
            self.metrics[name] = Metric(name, " ".join(definition.split()), sources, bool(series), span)
        return tuple(self.metrics.values())

    @staticmethod
    def _derived_definition(sources: tuple[MetricSource, ...]) -> str:
        parts = []
        for s in sources:
            if s.via_table:
                parts.append(f"{s.table} rows on the user's {s.via_table} (by {s.table}.{s.time_column})")
            else:
                parts.append(f"{s.table} rows where {s.owner_column} is the user (by {s.time_column})")
        return "Number of " + " plus ".join(parts) + " within the window."

    def _source(self, raw: dict[str, Any], path: tuple[Any, ...]) -> MetricSource:
        span = self.doc.span(path)
        table = self.schema.table(raw["table"])
        via = raw.get("via")
        if table is None:
            self.diags.error(self.doc.span(path + ("table",)), "E201", f"metric source: unknown table {raw['table']!r}", hint=self._tables_hint(raw["table"]))
            return MetricSource(raw["table"], raw["time"], raw["owner"], span=span)
        time_col = table.column(naming.column(raw["time"]))
        if time_col is None or time_col.kind not in ("timestamp", "date"):
            self.diags.error(self.doc.span(path + ("time",)), "E202", f"metric source: {table.name}.{raw['time']} is not a timestamp column of {table.name}")
        owner_table = table
        if via:
            link = table.column(naming.column(via["column"]))
            via_table = self.schema.table(via["table"])
            if via_table is None:
                self.diags.error(self.doc.span(path + ("via", "table")), "E201", f"metric source: unknown table {via['table']!r}", hint=self._tables_hint(via["table"]))
                return MetricSource(table.name, raw["time"], raw["owner"], span=span)
            owner_table = via_table
            if link is None or link.references is None or link.references.table != owner_table.name:
                self.diags.error(self.doc.span(path + ("via", "column")), "E202", f"metric source: {table.name}.{via['column']} is not a ref to {owner_table.name}")
        owner = owner_table.column(naming.column(raw["owner"]))
        if owner is None:
            self.diags.error(self.doc.span(path + ("owner",)), "E202", f"metric source: unknown column {owner_table.name}.{raw['owner']}")
        return MetricSource(
            table.name,
            naming.column(raw["time"]),
            naming.column(raw["owner"]),
            naming.column(via["column"]) if via else None,
            via["table"] if via else None,
            span,
        )

    # -- endpoints -------------------------------------------------------------

    def lower_endpoints(self) -> tuple[Endpoint, ...]:
        out: list[Endpoint] = []
        seen: dict[tuple[str, str], str] = {}
        for op_id, raw in (self.doc.data.get("endpoints") or {}).items():
            path = ("endpoints", op_id)
            span = self.doc.key_span(path)
            self._python_name(op_id, path, "operation")
            key = (raw["method"], raw["path"])
            if key in seen:
                self.diags.error(span, "E216", f"endpoint {raw['method']} {raw['path']} is already defined as {seen[key]!r}")
            seen[key] = op_id
            out.append(self._endpoint(op_id, raw, path))
        return tuple(out)

    def _endpoint(self, op_id: str, raw: dict[str, Any], path: tuple[Any, ...]) -> Endpoint:
        span = self.doc.key_span(path)
        method = raw["method"]
        query = tuple(self._query(n, q, path + ("query", n)) for n, q in (raw.get("query") or {}).items())
        params = {q.name for q in query}
        request = tuple(self._field(n, f, path + ("request", n), params, request=True) for n, f in (raw.get("request") or {}).items())
        response = tuple(self._field(n, f, path + ("response", n), params, request=False) for n, f in (raw.get("response") or {}).items())
        kind: EndpointKind | None = raw.get("kind")  # the schema allows only these
        if kind is None:
            if method == "GET":
                kind = "aggregate" if any(isinstance(f, MetricField) for f in response) else "read"
            else:
                kind = "update"
        if method in NO_V1_SEMANTICS:
            # Spec 1 reads and updates the signed-in user's own row; a POST or
            # DELETE here would compile into an UPDATE, so refuse it by name.
            self.diags.error(
                self.doc.span(path + ("method",)),
                "E221",
                f"endpoint {op_id}: {method} has no meaning in spec 1, which only reads (GET) and updates (PATCH, PUT) the signed-in user's own rows",
                hint="to change fields of the user's own row, use PATCH; to create or delete rows, declare a resource (see resources in docs/spec-language.md)",
            )
        elif kind in ("read", "aggregate") and method != "GET":
            self.diags.error(self.doc.span(path + ("kind",)) if "kind" in raw else span, "E221", f"endpoint {op_id}: a {kind} endpoint must be a GET, not {method}")
        elif kind == "update" and method == "GET":
            self.diags.error(self.doc.span(path + ("kind",)) if "kind" in raw else span, "E221", f"endpoint {op_id}: an update endpoint must be a PATCH or PUT, not GET")
        if method == "GET" and request:
            self.diags.error(self.doc.key_span(path + ("request",)), "E221", f"endpoint {op_id}: GET cannot take a request body")
        if kind == "update" and not request:
            self.diags.error(span, "E221", f"endpoint {op_id}: an update endpoint needs a `request` body")
        if kind != "aggregate" and any(isinstance(f, MetricField) for f in response):
            self.diags.error(span, "E221", f"endpoint {op_id}: metrics belong on an aggregate GET endpoint")
        self._check_window(op_id, path, query, response)
        auth = raw.get("auth", True)
        if not auth and kind != "aggregate" and (request or response):
            self.diags.error(self.doc.span(path + ("auth",)), "E221", f"endpoint {op_id}: reading or writing the user's own rows needs auth: true")
        cache = self._cache(raw, kind, path)
        errors = set(raw.get("errors") or [])
        if auth:
            errors.add(UNAUTHORIZED_STATUS)
        if request or query:
            errors.add(VALIDATION_STATUS)
        if any((isinstance(f, ListField) and f.parents) or (isinstance(f, ColumnField) and f.owner_column) for f in request):
            errors.add(CONFLICT_STATUS)  # parent_missing: the user has no row for new rows to reference
        return Endpoint(
            operation_id=op_id,
            method=method,
            path=raw["path"],
            kind=kind,
            auth=auth,
            summary=" ".join(str(raw.get("summary", "")).split()),
            query=query,
            request=request,
            response=response,
            errors=tuple(sorted(errors)),
            cache=cache,
            span=span,
        )

    def _check_window(self, op_id: str, path: tuple[Any, ...], query: tuple[QueryParam, ...], response: tuple[BodyField, ...]) -> None:
        """A window is N UTC days ending today; an endpoint has at most one, and
        a per-day series needs one (an all-time series has no first day)."""
        windows = [q for q in query if q.window_days]
        if len(windows) > 1:
            self.diags.error(
                self.doc.span(path + ("query", windows[1].name, "window_days")),
                "E251",
                f"endpoint {op_id}: query parameters {windows[0].name!r} and {windows[1].name!r} both pick the metric window; give window_days to one",
            )
        if windows:
            return
        for field in response:
            if isinstance(field, MetricField) and field.metric.series:
                self.diags.error(
                    self.doc.span(path + ("response", field.name)),
                    "E251",
                    f"endpoint {op_id}: metric {field.metric.name!r} has a per-day series, but the endpoint has no window (a query parameter with window_days), so the series would have no first day",
                    hint="add a query parameter with window_days, or set series: false on the metric",
                )

    def _cache(self, raw: dict[str, Any], kind: str, path: tuple[Any, ...]) -> CachePolicy:
        if "cache" in raw:
            c = raw["cache"]
            return CachePolicy(c["control"], tuple(c.get("vary") or ()))
        if kind == "aggregate":
            q = questions.CACHE
            self.questions.append(
                OpenQuestion(
                    f"{q.key}:{path[1]}",
                    q.question.format(method=raw["method"], path=raw["path"]),
                    q.default,
                    span=self.doc.key_span(path),
                )
            )
            return CachePolicy(questions.STATS_CACHE_CONTROL, questions.STATS_VARY)
        return CachePolicy(questions.PRIVATE_CACHE_CONTROL, ())

    def _query(self, name: str, raw: dict[str, Any], path: tuple[Any, ...]) -> QueryParam:
        span = self.doc.key_span(path)
        self._python_name(name, path, "query parameter")
        enum = self.enums.get(raw["enum"])
        if enum is None:
            self.diags.error(self.doc.span(path + ("enum",)), "E203", f"query parameter {name!r}: unknown enum {raw['enum']!r}")
            enum = EnumDef(raw["enum"], (), span)
        default = raw.get("default")
        if default is not None and enum.values and default not in enum.values:
            self.diags.error(self.doc.span(path + ("default",)), "E222", f"query parameter {name!r}: default {default!r} is not a value of enum {enum.name!r}")
        window = raw.get("window_days") or {}
        if window and enum.values and set(window) != set(enum.values):
            self.diags.error(self.doc.span(path + ("window_days",)), "E222", f"query parameter {name!r}: window_days must give days for exactly the values of enum {enum.name!r}")
        return QueryParam(
            name,
            enum,
            default,
            required=default is None,
            window_days=tuple((v, int(window[v])) for v in enum.values if v in window),
            description=" ".join(str(raw.get("description", "")).split()),
            span=span,
        )

    def _tables_hint(self, name: str) -> str:
        return did_you_mean(name, [t.name for t in self.schema.tables], "known tables")

    def _column_ref(self, ref: str, path: tuple[Any, ...]) -> tuple[str, Column, str | None] | None:
        """(table, column, the table's column holding the user, None for the
        users row) of a scalar field's `table.column`."""
        table_name, _, col_name = ref.partition(".")
        table = self.schema.table(table_name)
        if table is None:
            self.diags.error(self.doc.span(path), "E201", f"unknown table {table_name!r} in {ref!r}", hint=self._tables_hint(table_name))
            return None
        col = table.column(naming.column(col_name))
        if col is None:
            self.diags.error(self.doc.span(path), "E202", f"unknown column {ref!r}", hint=did_you_mean(col_name, [c.name for c in table.columns], f"columns of {table_name}"))
            return None
        if table_name == SUBJECT_TABLE:
            return table_name, col, None
        owner = self._user_row_owner(table)
        if owner is None:
            self.diags.error(
                self.doc.span(path),
                "E223",
                f"{ref!r}: scalar fields come from the signed-in user's {SUBJECT_TABLE} row, or from a table with a unique NOT NULL reference to it (the user's one row)",
                hint="use `{list: TABLE}` for child rows",
            )
        return table_name, col, owner

    @staticmethod
    def _user_row_owner(table: Table) -> str | None:
        """The column of `table` that makes a row the user's one row of it: a
        NOT NULL reference to users with a unique index on it alone."""
        unique = {ix.columns for ix in table.indexes if ix.unique}
        for owner in table.columns:
            if owner.references and owner.references.table == SUBJECT_TABLE and not owner.nullable and (owner.name,) in unique:
                return owner.name
        return None

    def _field(self, name: str, raw: Any, path: tuple[Any, ...], params: set[str], *, request: bool) -> BodyField:
        self._python_name(name, path, "field")
        if isinstance(raw, str) or "column" in raw:
            ref = raw if isinstance(raw, str) else raw["column"]
            found = self._column_ref(ref, path)
            required = False if isinstance(raw, str) else bool(raw.get("required"))
            if found is None:
                return WindowField(name, "")
            table_name, col, owner = found
            if request and (col.primary_key or col.kind == "id"):
                self.diags.error(self.doc.span(path), "E223", f"{ref!r} is generated by the server and cannot be written")
            elif request and col.name == owner:
                self.diags.error(self.doc.span(path), "E223", f"{ref!r} is set from the signed-in user and cannot be written")
            if owner is not None and not request:
                col = replace(col, nullable=True)  # NULL while the user has no such row
            return ColumnField(name, table_name, col, required, owner_column=owner)
        if "list" in raw:
            return self._list(name, raw, path, request=request)
        if "metric" in raw:
            metric = self.metrics.get(raw["metric"])
            if metric is None or request:
                self.diags.error(self.doc.span(path), "E224", f"unknown metric {raw['metric']!r}" if metric is None else "metrics cannot be written")
                return WindowField(name, "")
            return MetricField(name, metric)
        if raw["query"] not in params or request:
            self.diags.error(self.doc.span(path), "E222", f"unknown query parameter {raw['query']!r}")
        return WindowField(name, raw["query"])

    def _list(self, name: str, raw: dict[str, Any], path: tuple[Any, ...], *, request: bool) -> BodyField:
        table = self.schema.table(raw["list"])
        if table is None:
            self.diags.error(self.doc.span(path + ("list",)), "E201", f"unknown table {raw['list']!r}", hint=self._tables_hint(raw["list"]))
            return WindowField(name, "")
        owners = [c for c in table.columns if c.references and c.references.table == SUBJECT_TABLE]
        if table.cap is not None:
            owners = [c for c in owners if c.name == table.cap.per] or owners
        if not owners:
            self.diags.error(self.doc.span(path + ("list",)), "E223", f"table {table.name!r} has no ref column to {SUBJECT_TABLE}, so it has no rows of the user")
            return WindowField(name, "")
        owner = owners[0]
        generated = {c.name for c in table.columns if c.primary_key or c.name in ("created_at", "updated_at", "createdAt", "updatedAt")}
        default_fields = [c.name for c in table.columns if c.name != owner.name and not (request and c.name in generated)]
        field_names = raw.get("fields") or default_fields
        fields = []
        for i, fname in enumerate(field_names):
            col = table.column(fname) or table.column(naming.column(fname))
            if col is None:
                self.diags.error(self.doc.span(path + ("fields", i)), "E202", f"unknown column {table.name}.{fname}")
                continue
            if request and col.name in generated:
                self.diags.error(self.doc.span(path + ("fields", i)), "E223", f"{table.name}.{fname} is generated by the server and cannot be written")
            if col.name == owner.name:
                self.diags.error(self.doc.span(path + ("fields", i)), "E223", f"{table.name}.{fname} is set from the signed-in user and cannot be listed")
            fields.append(ColumnField(fname, table.name, col, required=request and not col.nullable and col.default is None))
        order_by = raw.get("order_by")
        if order_by:
            order_by = naming.column(order_by) if table.column(order_by) is None else order_by
        if order_by and table.column(order_by) is None:
            self.diags.error(self.doc.span(path + ("order_by",)), "E202", f"unknown column {table.name}.{order_by}")
        listed = ListField(name, table.name, owner.name, tuple(fields), order_by, table.cap, bool(raw.get("required")))
        return self._insert_fills(listed, table, path) if request else listed

    def _insert_fills(self, listed: ListField, table: Table, path: tuple[Any, ...]) -> ListField:
        """What an INSERT of one item of `listed` sets beyond the owner and the
        item's fields; a located E223 for a NOT NULL column nothing sets (the
        insert would fail on every non-empty write)."""
        covered = {listed.owner_column} | {f.column.name for f in listed.fields}
        stamps = set(STAMPS) | {naming.column(n) for n in STAMPS}
        app_key: str | None = None
        stamped: list[str] = []
        parents: list[UserRowRef] = []
        for col in table.columns:
            if col.name in covered or col.default is not None:
                continue
            if col.primary_key:
                if col.kind in APP_KEY_KINDS:
                    app_key = col.name
                    continue
                if col.kind == "id":
                    continue  # an identity: the database numbers it
            elif col.nullable:
                continue
            elif col.kind == "timestamp" and col.name in stamps:
                stamped.append(col.name)
                continue
            else:
                parent = self._user_row_ref(col)
                if parent is not None:
                    parents.append(parent)
                    continue
            self.diags.error(
                self.doc.span(path + ("list",)),
                "E223",
                f"list {listed.name}: {table.name}.{col.name} is NOT NULL without a default, and a write of this list does not set it",
                hint=f"add {col.name} to the list's fields, or give the column a default",
            )
        return replace(listed, app_key=app_key, stamped=tuple(stamped), parents=tuple(parents))

    def _user_row_ref(self, col: Column) -> UserRowRef | None:
        """`col` as a reference to the signed-in user's one row of another
        table: one with a unique NOT NULL reference to the user."""
        ref = col.references
        target = self.schema.table(ref.table) if ref is not None else None
        if ref is None or target is None or target.name == SUBJECT_TABLE:
            return None
        owner = self._user_row_owner(target)
        return UserRowRef(col.name, target.name, ref.column, owner) if owner is not None else None
