"""The intermediate representation every target reads.

Lowering (`compiler.lower`) turns validated YAML into these frozen dataclasses;
targets never see raw YAML.  Every node that came from a spec carries the
`Span` it came from, so later stages can point at the line that caused a
problem.  Collections are tuples (never dicts or sets) so that iteration order,
and therefore output, is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

ColumnKind = Literal[
    "id",  # surrogate primary key: bigint identity (postgres), autoincrement elsewhere
    "uuid",
    "string",  # bounded text: varchar(max_length) or text with a length check
    "text",
    "int",
    "bigint",
    "bool",
    "timestamp",  # timestamptz on postgres
    "date",
    "url",  # a string that holds an absolute http(s) URL
    "enum",  # a string restricted to EnumDef.values via a CHECK constraint
    "json",
    "float",  # double precision (imported base schemas only)
]
OnDelete = Literal["cascade", "restrict", "set null", "no action"]
HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


@dataclass(frozen=True, order=True)
class Span:
    """A place in a source file: 1-based line and column."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        return self.file


NO_SPAN = Span("<builtin>")


@dataclass(frozen=True)
class EnumDef:
    """A named, reusable set of allowed string values, e.g. theme = {light, dark}."""

    name: str
    values: tuple[str, ...]
    span: Span = NO_SPAN
    native: bool = False  # a PostgreSQL `CREATE TYPE ... AS ENUM` (imported base schemas), not a CHECK


@dataclass(frozen=True)
class ForeignKey:
    """A reference from one column to `table.column`, with its ON DELETE action."""

    table: str
    column: str
    on_delete: OnDelete = "no action"
    on_update: OnDelete = "no action"


@dataclass(frozen=True)
class HostRule:
    """URL host allow-list that applies when `when_column` holds `when_value`.

    Example: links of type `imdb` must be on imdb.com or a subdomain of it.
    A host matches a listed domain when equal to it or ending in `.domain`.
    """

    when_column: str
    when_value: str
    hosts: tuple[str, ...]


# A column default specc models: a literal, "now", or (array columns) a tuple.
ColumnDefault = str | int | bool | tuple[str | int | bool, ...]


@dataclass(frozen=True)
class Column:
    """One column of a table, with every constraint the spec puts on it.

    `min_length`/`max_length` count characters of strings; `minimum`/`maximum`
    bound integers.  `enum` is set for kind "enum"; `schemes` and `host_rules`
    for kind "url"; `references` for foreign keys.  `default` is a literal
    server default, or the sentinel "now" for timestamps.
    """

    name: str
    kind: ColumnKind
    nullable: bool = True
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    enum: EnumDef | None = None
    schemes: tuple[str, ...] = ()
    host_rules: tuple[HostRule, ...] = ()
    references: ForeignKey | None = None
    default: ColumnDefault | None = None  # a tuple: an array column's default
    primary_key: bool = False
    description: str = ""
    span: Span = NO_SPAN
    # Imported base schemas only (specs never set these): an array of `kind`
    # (postgres `text[]`), and a timestamp's fractional-second precision and
    # time zone (`TIMESTAMP(3)` is precision 3 without time zone).
    array: bool = False
    precision: int | None = None
    timezone: bool = True


@dataclass(frozen=True)
class Index:
    """A named index over `columns` of `table`."""

    name: str
    table: str
    columns: tuple[str, ...]
    unique: bool = False
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Cap:
    """At most `max` rows of a table per distinct value of `per` (a FK column)."""

    max: int
    per: str
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Check:
    """A CHECK constraint derived from a column's constraints.

    `kind` says which: "enum" (column IN values), "length" (character length
    between min and max), "range" (integer between minimum and maximum), or
    "url" (the value starts with one of the allowed schemes).  Targets render
    the expression from these fields; no spec text is ever spliced into SQL.
    """

    name: str
    table: str
    column: str
    kind: Literal["enum", "length", "range", "url"]
    values: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class ForeignKeyConstraint:
    """A named FK constraint: `table.column` references `fk.table.fk.column`."""

    name: str
    table: str
    column: str
    fk: ForeignKey


@dataclass(frozen=True)
class Table:
    """A table as it stands at one point of the project (base schema or after a spec).

    `checks` and `foreign_keys` are derived from the columns with deterministic
    names; `cap` is the per-parent row limit the application enforces.
    """

    name: str
    columns: tuple[Column, ...]
    indexes: tuple[Index, ...] = ()
    checks: tuple[Check, ...] = ()
    foreign_keys: tuple[ForeignKeyConstraint, ...] = ()
    cap: Cap | None = None
    timestamps: bool = False
    span: Span = NO_SPAN

    def column(self, name: str) -> Column | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None

    @property
    def primary_key(self) -> Column | None:
        for col in self.columns:
            if col.primary_key:
                return col
        return None


@dataclass(frozen=True)
class Schema:
    """All tables at one point of the project, sorted by name."""

    tables: tuple[Table, ...]

    def table(self, name: str) -> Table | None:
        for table in self.tables:
            if table.name == name:
                return table
        return None

    def creation_order(self) -> tuple[Table, ...]:
        """Tables ordered so that every FK target comes before its referrers
        (ties broken by name, so the order is deterministic)."""
        done: list[Table] = []
        seen: set[str] = set()

        def visit(table: Table, stack: tuple[str, ...]) -> None:
            if table.name in seen or table.name in stack:
                return
            for fk in table.foreign_keys:
                target = self.table(fk.fk.table)
                if target is not None and target.name != table.name:
                    visit(target, stack + (table.name,))
            seen.add(table.name)
            done.append(table)

        for table in self.tables:
            visit(table, ())
        return tuple(done)


# --- schema operations: what one spec's migration does, in order ----------


@dataclass(frozen=True)
class CreateTable:
    """Create a new table with its columns, primary key, checks and FKs inline."""

    table: Table


@dataclass(frozen=True)
class AddColumn:
    """Add one column (always nullable unless approved) to an existing table."""

    table: str
    column: Column


@dataclass(frozen=True)
class AddCheck:
    """Add a CHECK constraint to an existing table (postgres: NOT VALID, then VALIDATE)."""

    check: Check


@dataclass(frozen=True)
class AddForeignKey:
    """Add a FK constraint to an existing table (postgres: NOT VALID, then VALIDATE)."""

    constraint: ForeignKeyConstraint


@dataclass(frozen=True)
class CreateIndex:
    """Create an index (postgres: CONCURRENTLY, outside a transaction)."""

    index: Index
    new_table: bool = False


@dataclass(frozen=True)
class DropColumn:
    """Drop a column of an existing table (lint rule SC101 asks for an approval).

    `column`, `checks`, `foreign_key` and `indexes` are the definitions the
    column had before, so down.sql can recreate its structure; the data is
    never restored.  Postgres and SQLite drop the CHECKs, FK and indexes
    together with the column."""

    table: str
    column: Column
    checks: tuple[Check, ...] = ()
    foreign_key: ForeignKeyConstraint | None = None
    indexes: tuple[Index, ...] = ()
    span: Span = NO_SPAN


@dataclass(frozen=True)
class DropTable:
    """Drop a whole table (SC102).  `table` is its definition before the drop,
    so down.sql can recreate it, empty."""

    table: Table
    span: Span = NO_SPAN


@dataclass(frozen=True)
class RenameColumn:
    """Rename column `old` of `table` to `new` (SC105).  Constraint and index
    names keep the old column name: names are identities, not descriptions."""

    table: str
    old: str
    new: str
    span: Span = NO_SPAN


@dataclass(frozen=True)
class AlterColumn:
    """Change an existing column: its type or maximum length, nullability,
    default, or allowed values (its CHECKs).

    `before`/`after` are the whole column definitions and `checks_before`/
    `checks_after` the column's CHECKs, so every dialect can render what it
    needs: postgres one ALTER per changed part (a NOT NULL through a validated
    CHECK first), MySQL one MODIFY COLUMN, SQLite a table rebuild.  The
    inverse (`inverse()`) is the down migration's change."""

    table: str
    before: Column
    after: Column
    checks_before: tuple[Check, ...] = ()
    checks_after: tuple[Check, ...] = ()
    span: Span = NO_SPAN

    @property
    def sets_not_null(self) -> bool:
        return self.before.nullable and not self.after.nullable

    @property
    def drops_not_null(self) -> bool:
        return not self.before.nullable and self.after.nullable

    @property
    def changes_default(self) -> bool:
        return self.before.default != self.after.default

    @property
    def changes_checks(self) -> bool:
        return self.checks_before != self.checks_after

    def inverse(self) -> AlterColumn:
        return AlterColumn(self.table, self.after, self.before, self.checks_after, self.checks_before, self.span)


Operation = CreateTable | AddColumn | AddCheck | AddForeignKey | CreateIndex | DropColumn | DropTable | RenameColumn | AlterColumn


# --- backfills: data moves that accompany a migration, never run by specc ---


@dataclass(frozen=True)
class SetValue:
    """`column` gets `value` on rows where it IS NULL."""

    column: str
    value: str | int | bool


@dataclass(frozen=True)
class JsonField:
    """A child column read from key `key` of each JSON item (`default` when absent).

    `column` is the full IR column of the child table, so the runner can
    apply the same checks the database will (enum, length, scheme, range)
    and skip, rather than fail on, an item that would violate them."""

    column: Column
    key: str | None
    default: str | int | bool | None = None


@dataclass(frozen=True)
class SetBackfill:
    """Set default values on existing rows of `table`, batch by batch.

    Idempotent because only NULLs are written; the ledger records each row
    changed, so the rollback resets exactly those rows to NULL."""

    name: str
    description: str
    table: str
    key: str  # the primary key column batches walk
    values: tuple[SetValue, ...]
    batch_size: int = 1000
    span: Span = NO_SPAN


@dataclass(frozen=True)
class JsonRowsBackfill:
    """Move a JSON array column of `table` into rows of child table `into`.

    Each source row's array items become child rows with `owner` set to the
    source row's key and `position` (if any) to the item's position among the
    moved items; items that would violate a column rule, and items beyond the
    child table's cap, are skipped and counted.  A source row whose owner
    already has child rows is left alone, so rows written through the API are
    never mixed with legacy ones."""

    name: str
    description: str
    table: str
    key: str
    json_column: str
    into: str
    into_key: Column  # the child table's primary key (returned for the ledger)
    owner: str
    position: str | None
    fields: tuple[JsonField, ...]
    cap: int | None = None
    batch_size: int = 1000
    span: Span = NO_SPAN
    # (child column, source column): copied from the source row into each moved row.
    copy: tuple[tuple[str, str], ...] = ()
    # NOT NULL timestamp columns without a database default (Prisma's
    # `@updatedAt`, which the client fills): set to the current time.
    stamped: tuple[str, ...] = ()


Backfill = SetBackfill | JsonRowsBackfill


# --- API ---------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnField:
    """A body field backed by one column of the authenticated user's own row
    (or of a row of a child table, inside a ListField)."""

    name: str
    table: str
    column: Column
    required: bool = False
    # Endpoints only: set when `table` is not `users` but the user's one row
    # of another table (one with a unique NOT NULL reference to the user, such
    # as Valine's profiles."userId"): the column that holds the user.  A
    # response reads NULL while the user has no such row; a write to it is
    # refused (409 `parent_missing`).
    owner_column: str | None = None


@dataclass(frozen=True)
class ListField:
    """A body field holding the user's rows of a child table, e.g. profile links.

    `owner_column` is the FK column of `table` pointing at the user;
    `order_by` orders the rows; in requests the list replaces the whole set.
    """

    name: str
    table: str
    owner_column: str
    fields: tuple[ColumnField, ...]
    order_by: str | None = None
    cap: Cap | None = None
    required: bool = False
    # What an INSERT of one item sets beyond the owner and `fields` (requests
    # only; lowering refuses a list that would leave a NOT NULL column unset):
    # the key when the application makes it (a TEXT or uuid key with no
    # database default: Prisma's `@default(uuid())` is filled by its client),
    # timestamps with no database default (Prisma's `@updatedAt`), and
    # references to the user's one row of another table.
    app_key: str | None = None
    stamped: tuple[str, ...] = ()
    parents: tuple[UserRowRef, ...] = ()


@dataclass(frozen=True)
class UserRowRef:
    """A NOT NULL column of a list's rows that points at the signed-in user's
    one row of `table`: `table` has a unique NOT NULL reference to the user
    (`owner_column`), so `SELECT key FROM table WHERE owner_column = user`
    names at most one row.  E.g. Valine's profile_links."profileId", from
    profiles where "userId" is the user.  A write of items by a user who has no
    such row is refused (409 `parent_missing`)."""

    column: str
    table: str
    key: str
    owner_column: str


@dataclass(frozen=True)
class MetricSource:
    """Rows of `table` counted for a metric.

    A row belongs to the user when `owner_column` equals the user's id, or,
    with `via_column`/`via_table`, when the row's `via_column` points at a
    row of `via_table` whose `owner_column` equals it.  `time_column` places
    the row in the window.
    """

    table: str
    time_column: str
    owner_column: str
    via_column: str | None = None
    via_table: str | None = None
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Metric:
    """An aggregate over a time window: the sum of row counts of its sources.

    `series` asks for a per-day series alongside the total.
    """

    name: str
    description: str
    sources: tuple[MetricSource, ...]
    series: bool = False
    span: Span = NO_SPAN


@dataclass(frozen=True)
class MetricField:
    """A response field holding a metric's value (and series, if asked for)."""

    name: str
    metric: Metric


@dataclass(frozen=True)
class WindowField:
    """A response field echoing the query parameter that chose the window."""

    name: str
    param: str


BodyField = ColumnField | ListField | MetricField | WindowField


@dataclass(frozen=True)
class QueryParam:
    """A query parameter restricted to an enum, with its default.

    When `window_days` is set the parameter picks the metric window:
    each enum value maps to that many days.
    """

    name: str
    enum: EnumDef
    default: str | None
    required: bool = False
    window_days: tuple[tuple[str, int], ...] = ()
    description: str = ""
    span: Span = NO_SPAN


@dataclass(frozen=True)
class CachePolicy:
    """Exact response headers for caching: Cache-Control and Vary."""

    cache_control: str
    vary: tuple[str, ...] = ()


# What an endpoint does: reads the user's row, updates it, or counts metrics.
EndpointKind = Literal["read", "update", "aggregate"]


@dataclass(frozen=True)
class Endpoint:
    """One HTTP operation.

    `kind` says what the generated route does: "read" returns the user's own
    row and child rows, "update" applies a partial update (PATCH semantics) and
    replaces child lists, "aggregate" computes metrics over a window.
    """

    operation_id: str
    method: HttpMethod
    path: str
    kind: EndpointKind
    auth: bool
    summary: str
    query: tuple[QueryParam, ...] = ()
    request: tuple[BodyField, ...] = ()
    response: tuple[BodyField, ...] = ()
    errors: tuple[int, ...] = ()
    cache: CachePolicy | None = None
    span: Span = NO_SPAN


@dataclass(frozen=True)
class OwnerLink:
    """One step of a resource's ownership chain: `table.column` references
    `to.to_column` (the last step's `to` is the users table)."""

    table: str
    column: str
    to: str
    to_column: str


@dataclass(frozen=True)
class PathParam:
    """A typed path parameter: it holds `table.column` (a primary key), so it
    is validated like that column (an int for `id`, a UUID for `uuid`)."""

    name: str
    table: str
    column: Column


ResourceMethod = Literal["create", "list", "get", "update", "replace", "delete"]
RESOURCE_VERBS: tuple[ResourceMethod, ...] = ("create", "list", "get", "update", "replace", "delete")
# update is PATCH (the fields present); replace is PUT (the whole row: an
# absent optional field is stored as its default, or NULL).
RESOURCE_HTTP: dict[str, HttpMethod] = {"create": "POST", "list": "GET", "get": "GET", "update": "PATCH", "replace": "PUT", "delete": "DELETE"}
# The methods addressed at the item path (the others at the collection path).
ITEM_VERBS: tuple[ResourceMethod, ...] = ("get", "update", "replace", "delete")


@dataclass(frozen=True)
class Resource:
    """Rows of `table` served at a collection path and an item path.

    `owner` is the chain of refs from `table` up to the users table: one link
    for a row the user owns directly, more for a row owned through a parent
    (`parent` is then the collection path's parameter, the key of the first
    link's table).  A path may also name the links above it, in chain order
    (`/fleets/{fleet_id}/vehicles/{vehicle_id}/services`): `ancestors` are
    those parameters, from the one next to `parent` upwards (ancestors[i] holds
    the key of `owner[i + 1].to`), and each named row must belong to the one
    above it.  `item` is the item path's parameter (the table's key).
    `fields` are written on create, update (only those present) and replace
    (all of them: an absent optional field gets its default, or NULL);
    `response` is every column.  `not_owner` answers a row of another user;
    `delete_missing` a DELETE of a missing row.  Lists page by keyset on the
    key, `page_default` rows at a time, at most `page_max`.  `cap` (the
    table's) is counted under a lock on the parent row in the create
    transaction; `unique` are the table's unique indexes (a duplicate is 409).
    """

    name: str
    table: str
    path: str
    item_path: str
    item: PathParam
    parent: PathParam | None
    owner: tuple[OwnerLink, ...]
    methods: tuple[ResourceMethod, ...]
    fields: tuple[ColumnField, ...]
    response: tuple[ColumnField, ...]
    not_owner: int = 404
    delete_missing: int = 404
    page_max: int = 100
    page_default: int = 20
    cap: Cap | None = None
    unique: tuple[tuple[str, ...], ...] = ()
    summary: str = ""
    span: Span = NO_SPAN
    ancestors: tuple[PathParam, ...] = ()

    def op(self, verb: str) -> str:
        """The operationId of one method, e.g. `items_create`."""
        return f"{self.name}_{verb}"

    @property
    def owner_column(self) -> str:
        """The column of `table` the chain starts with (the parent ref, or the user ref)."""
        return self.owner[0].column

    @property
    def path_params(self) -> tuple[PathParam, ...]:
        """The collection path's parameters in path order: the outermost ancestor first, `parent` last."""
        return tuple(reversed(self.ancestors)) + ((self.parent,) if self.parent else ())


# --- questions, approvals, the spec and the project ------------------------


@dataclass(frozen=True)
class OpenQuestion:
    """A decision the spec left to a default: the question and the default applied."""

    key: str
    question: str
    default: str
    answered: bool = False
    answer: str = ""
    span: Span = NO_SPAN
    # Where a repository checkout answers it (`file:line`) and that line,
    # when the default came from the repository instead of the brief.
    source: str = ""
    excerpt: str = ""


@dataclass(frozen=True)
class Approval:
    """An explicit approval of a flagged change: the rule, the target, the reason."""

    rule: str
    target: str
    reason: str
    span: Span = NO_SPAN


@dataclass(frozen=True)
class CoordinationLink:
    """A frontend pull request (or issue) that consumes this spec's endpoints."""

    url: str
    title: str = ""


@dataclass(frozen=True)
class Spec:
    """One compiled spec: identity, the schema change it makes, its API.

    `schema_before` is the project's schema after the base schema and every
    spec this one follows; `operations` turn it into `schema_after`.
    """

    id: str
    title: str
    motivation: str
    priority: Literal["high", "medium", "low"]
    depends_on: tuple[str, ...]
    coordination: tuple[CoordinationLink, ...]
    enables: tuple[str, ...]
    enums: tuple[EnumDef, ...]
    operations: tuple[Operation, ...]
    schema_before: Schema
    schema_after: Schema
    endpoints: tuple[Endpoint, ...]
    metrics: tuple[Metric, ...]
    questions: tuple[OpenQuestion, ...]
    approvals: tuple[Approval, ...] = ()
    backfills: tuple[Backfill, ...] = ()
    resources: tuple[Resource, ...] = ()
    source: str = ""
    source_sha256: str = ""
    span: Span = NO_SPAN

    @property
    def has_migration(self) -> bool:
        return bool(self.operations)


@dataclass(frozen=True)
class Conventions:
    """How the spec language's logical names and kinds become physical ones.

    The project configuration (`compiler.config`, `specc.yaml`) picks a
    profile; lowering applies it, so every target reads physical names and
    types from the IR and none of them needs to know the profile:

    - `column_case`: "snake" keeps spec names; "camel" turns `user_id` into
      the column `"userId"` (quoted wherever it is emitted);
    - `ids`: "identity" (bigint identity / autoincrement) or "text-uuid"
      (TEXT primary key that the application fills, Prisma's `uuid()`);
    - `timestamps`: "timestamptz" or "timestamp3" (`TIMESTAMP(3)` without
      time zone, Prisma's `DateTime`);
    - `fk_on_update`: the ON UPDATE action of every foreign key a spec adds;
    - `naming`: "specc" (`ix_<table>_<cols>`, `fk_...`, `ck_...`) or
      "prisma" (`<table>_<cols>_idx`, `_key`, `_fkey`, `<table>_<col>_<what>_check`).

    The Prisma fields say where a Prisma repository keeps its files
    (repository paths) and carry the base `schema.prisma` text, so that the
    Prisma target stays a pure function of the Project.
    """

    profile: str = "fastapi-sql"
    # The application stack the routes are written for: "fastapi" (the
    # Python routes, always written) or "node-serverless" (also Node Lambda
    # handlers in Project Valine's style, targets/node; docs/node.md).
    stack: Literal["fastapi", "node-serverless"] = "fastapi"
    column_case: Literal["snake", "camel"] = "snake"
    ids: Literal["identity", "text-uuid"] = "identity"
    timestamps: Literal["timestamptz", "timestamp3"] = "timestamptz"
    fk_on_update: OnDelete = "no action"
    naming: Literal["specc", "prisma"] = "specc"
    prisma_schema: str = ""  # repository path of schema.prisma, e.g. "prisma/schema.prisma"; "" = no Prisma output
    prisma_schema_text: str = ""  # the base schema.prisma, as read
    prisma_migrations: str = ""  # repository path of the migrations folder, e.g. "prisma/migrations"
    migration_stamp: int = 0  # the newest `<14 digits>_` folder stamp in the base migrations folder (0: none)

    def column(self, name: str) -> str:
        """The physical column name of spec name `name`."""
        if self.column_case == "snake" or "_" not in name.strip("_"):
            return name
        head, *rest = name.split("_")
        return head + "".join(part[:1].upper() + part[1:] for part in rest)


DEFAULT_CONVENTIONS = Conventions()


@dataclass(frozen=True)
class Project:
    """Every spec of the project in dependency order, on top of the base schema."""

    base: Schema
    specs: tuple[Spec, ...]
    base_source: str = ""
    conventions: Conventions = DEFAULT_CONVENTIONS

    def spec(self, spec_id: str) -> Spec | None:
        return self._by_id.get(spec_id)

    @cached_property
    def _by_id(self) -> dict[str, Spec]:
        # Built on first lookup (a thousand specs made `spec` a hot loop);
        # the first spec with an id wins, as the linear search did.
        by_id: dict[str, Spec] = {}
        for spec in self.specs:
            by_id.setdefault(spec.id, spec)
        return by_id

    @property
    def final_schema(self) -> Schema:
        return self.specs[-1].schema_after if self.specs else self.base
