"""Stage 3a: lower a spec's `enums` and `tables` into schema operations.

`columns` creates a table; `add` puts new columns on an existing one.  The
other changes to existing tables (`alter`, `drop`, `rename`, `indexes`,
`drop_tables`, enums redefined) live in `compiler.lower.alter`.  Every constraint becomes a named `Check`,
`ForeignKeyConstraint` or `Index`, so every dialect renders the same names.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from compiler.lower import questions
from compiler.diagnostics import Collector
from compiler.ir import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    Cap,
    Check,
    Column,
    CreateIndex,
    CreateTable,
    EnumDef,
    ForeignKey,
    ForeignKeyConstraint,
    HostRule,
    Index,
    OpenQuestion,
    Operation,
    Schema,
    Table,
)
from compiler.frontend.document import Document
from compiler.lower.alter import AlterLowering
from compiler.lower import naming
from compiler.names import identifier_problem

FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file"})
DEFAULT_SCHEMES = ("http", "https")
DEFAULT_URL_MAX = 2048
_STRINGY = ("string", "url")
_INTY = ("int", "bigint")
# Keys that make a `tables` entry a change to an existing table.
CHANGE_KEYS = ("add", "alter", "drop", "rename", "indexes", "cap")


def default_problem(col: Column) -> str | None:
    """Why `col.default` cannot be the server default of `col`, or None."""
    value, kind = col.default, col.kind
    if kind == "timestamp":
        return None if value == "now" else "is not supported; a timestamp default can only be `now`"
    if kind in ("id", "ref") or col.references is not None:
        return "is not supported on an id or a reference"
    if kind == "bool":
        return None if isinstance(value, bool) else "is not true or false"
    if kind in _INTY:
        if isinstance(value, bool) or not isinstance(value, int):
            return "is not an integer"
        if col.minimum is not None and value < col.minimum:
            return f"is below the minimum {col.minimum}"
        if col.maximum is not None and value > col.maximum:
            return f"is above the maximum {col.maximum}"
        return None
    if not isinstance(value, str):
        return "is not a string"
    if kind == "enum":
        if col.enum is not None and value not in col.enum.values:
            return f"is not a value of enum {col.enum.name!r}"
        return None
    if kind == "json":
        try:
            json.loads(value)
        except ValueError:
            return "is not valid JSON"
    if col.min_length is not None and len(value) < col.min_length:
        return f"is shorter than the minimum length {col.min_length}"
    if col.max_length is not None and len(value) > col.max_length:
        return f"is longer than the maximum length {col.max_length}"
    return None


MAX_CAP = 10_000


def _unique_bound(per: str, cols: dict[str, Column], indexes: tuple[Index, ...]) -> tuple[int, Column] | None:
    """The most rows one owner can have because of a unique index on
    (per, an integer column with a range), and that column; None if unbounded."""
    best: tuple[int, Column] | None = None
    for ix in indexes:
        if not ix.unique or len(ix.columns) != 2 or per not in ix.columns:
            continue
        other = cols.get(next(c for c in ix.columns if c != per))
        if other is None or other.nullable or other.minimum is None or other.maximum is None or other.kind != "int":
            continue
        count = other.maximum - other.minimum + 1
        if best is None or count < best[0]:
            best = (count, other)
    return best


class SchemaLowering:
    """Lowers one spec's enums and tables against the schema before it."""

    def __init__(self, doc: Document, before: Schema, inherited_enums: dict[str, EnumDef], diags: Collector) -> None:
        self.doc = doc
        self.before = before
        self.diags = diags
        self.enums: dict[str, EnumDef] = dict(inherited_enums)
        self.own_enums: list[EnumDef] = []
        self.questions: list[OpenQuestion] = []
        self.operations: list[Operation] = []

    # -- enums -----------------------------------------------------------------

    def lower_enums(self) -> None:
        for name, values in (self.doc.data.get("enums") or {}).items():
            path = ("enums", name)
            span = self.doc.key_span(path)
            if values is None:
                default = questions.DEFAULT_ENUMS.get(name)
                if default is None:
                    self.diags.error(
                        span,
                        "E214",
                        f"enum {name!r} has no values, and specc has no safe default for it",
                        hint="list the allowed values, e.g. [a, b]",
                    )
                    continue
                values = list(default)
                q = questions.ENUM_VALUES
                self.questions.append(
                    OpenQuestion(
                        f"{q.key}:{name}",
                        q.question.format(name=name),
                        q.default.format(values=", ".join(default)),
                        span=span,
                    )
                )
            enum = EnumDef(name, tuple(str(v) for v in values), span)
            self.enums[name] = enum
            self.own_enums.append(enum)

    # -- columns ---------------------------------------------------------------

    def _identifier(self, name: str, path: tuple[Any, ...], what: str) -> None:
        problem = identifier_problem(name)
        if problem:
            code = "E211" if "bytes" in problem else "E210"
            self.diags.error(self.doc.key_span(path), code, f"{what} name {name!r} {problem}")

    def _column(self, table: str, name: str, raw: dict[str, Any], path: tuple[Any, ...], creating: dict[str, Table]) -> Column:
        span = self.doc.key_span(path)
        self._identifier(name, path, "column")
        kind = raw["type"]
        nullable = raw.get("nullable", kind != "id")
        col = Column(name=naming.column(name), kind="text", nullable=nullable, description=raw.get("description", ""), span=span)
        low, high = raw.get("min"), raw.get("max")
        if low is not None and high is not None and high < low:
            self.diags.error(self.doc.span(path + ("max",)), "E213", f"column {table}.{name}: max ({high}) is below min ({low})")
        if kind in _STRINGY:
            if low is not None and low < 0:
                self.diags.error(self.doc.span(path + ("min",)), "E213", f"column {table}.{name}: a length cannot be negative")
            if high is not None and high < 1:
                self.diags.error(self.doc.span(path + ("max",)), "E213", f"column {table}.{name}: max length must be at least 1")
            if kind == "url" and high is None:
                high = DEFAULT_URL_MAX
            col = replace(col, kind=kind, min_length=low, max_length=high)
        elif kind in _INTY:
            col = replace(col, kind=kind, minimum=low, maximum=high)
        elif low is not None or high is not None:
            hint = "did you mean `type: string`? text is unbounded; string takes min/max lengths" if kind == "text" else ""
            self.diags.error(self.doc.span(path), "E215", f"column {table}.{name}: min/max apply only to string, url, int and bigint columns", hint=hint)
        if kind == "id" and naming.active().ids == "text-uuid":
            # A TEXT key the application fills (Prisma's `@default(uuid())`).
            col = replace(col, kind="text", primary_key=True, nullable=False)
        elif kind == "id":
            col = replace(col, kind="id", primary_key=True, nullable=False)
        elif kind == "enum":
            enum_name = raw.get("enum")
            enum = self.enums.get(enum_name or "")
            if enum is None:
                self.diags.error(
                    self.doc.span(path + ("enum",)) if enum_name else span,
                    "E203",
                    f"column {table}.{name}: unknown enum {enum_name!r}" if enum_name else f"column {table}.{name}: type enum needs `enum: NAME`",
                    hint=f"declared enums: {', '.join(sorted(self.enums)) or 'none'}",
                )
            col = replace(col, kind="enum", enum=enum)
        elif kind == "ref":
            col = self._reference(table, col, raw, path, creating)
        elif kind not in _STRINGY + _INTY:
            col = replace(col, kind=kind)
        if kind == "url":
            schemes = tuple(raw.get("schemes") or DEFAULT_SCHEMES)
            for i, scheme in enumerate(schemes):
                if scheme in FORBIDDEN_SCHEMES:
                    self.diags.error(self.doc.span(path + ("schemes", i)), "E218", f"column {table}.{name}: scheme {scheme!r} is never safe in a link")
            col = replace(col, schemes=schemes)
        elif "schemes" in raw or "hosts" in raw:
            self.diags.error(span, "E215", f"column {table}.{name}: schemes and hosts apply only to url columns")
        if "default" in raw:
            col = replace(col, default=raw["default"])
            self._check_default(table, col, path + ("default",))
        if kind == "ref" and col.references and col.references.on_delete == "set null" and not col.nullable:
            self.diags.error(self.doc.span(path + ("on_delete",)), "E219", f"column {table}.{name}: on_delete 'set null' needs a nullable column")
        return naming.physical_types(col)

    def _check_default(self, table: str, col: Column, path: tuple[Any, ...]) -> None:
        """A default must satisfy its column, or the migration fails on the first row."""
        problem = default_problem(col)
        if problem:
            self.diags.error(self.doc.span(path), "E225", f"column {table}.{col.name}: default {col.default!r} {problem}")

    def _reference(self, table: str, col: Column, raw: dict[str, Any], path: tuple[Any, ...], creating: dict[str, Table]) -> Column:
        target = raw.get("to")
        if not target:
            self.diags.error(self.doc.key_span(path), "E103", f"column {table}.{col.name}: type ref needs `to: TABLE`")
            return replace(col, kind="bigint")
        ref_table, _, ref_col = target.partition(".")
        t = self.before.table(ref_table) or creating.get(ref_table)
        if t is None:
            self.diags.error(self.doc.span(path + ("to",)), "E201", f"column {table}.{col.name}: unknown table {ref_table!r}", hint=self._table_hint(ref_table))
            return replace(col, kind="bigint")
        pk = t.column(naming.column(ref_col)) if ref_col else t.primary_key
        if pk is None:
            self.diags.error(self.doc.span(path + ("to",)), "E202", f"column {table}.{col.name}: table {ref_table!r} has no column {ref_col or 'primary key'!r}")
            return replace(col, kind="bigint")
        kind = "bigint" if pk.kind == "id" else pk.kind
        fk = ForeignKey(ref_table, pk.name, raw.get("on_delete", "no action"), naming.active().fk_on_update)
        return replace(col, kind=kind, references=fk, max_length=pk.max_length)

    def _table_hint(self, name: str) -> str:
        import difflib

        close = difflib.get_close_matches(name, [t.name for t in self.before.tables], n=1)
        return f"did you mean {close[0]!r}?" if close else f"known tables: {', '.join(t.name for t in self.before.tables)}"

    def _host_rules(self, table: str, columns: dict[str, Column], raw_cols: dict[str, Any], base: tuple[Any, ...]) -> dict[str, Column]:
        out = dict(columns)
        for name, raw in raw_cols.items():
            hosts = raw.get("hosts")
            if not hosts or name not in out:
                continue
            path = base + (name, "hosts")
            by = out.get(hosts["by"]) or (known.column(naming.column(hosts["by"])) if (known := self.before.table(table)) else None)
            if by is None or by.kind != "enum" or by.enum is None:
                self.diags.error(self.doc.span(path + ("by",)), "E202", f"column {table}.{name}: hosts.by must name an enum column of {table}")
                continue
            rules = []
            for value, allowed in hosts["allow"].items():
                if value not in by.enum.values:
                    self.diags.error(self.doc.key_span(path + ("allow", value)), "E203", f"{value!r} is not a value of enum {by.enum.name!r}")
                rules.append(HostRule(by.name, value, tuple(allowed)))
            out[name] = replace(out[name], host_rules=tuple(rules))
        return out

    # -- constraints -----------------------------------------------------------

    @staticmethod
    def checks_for(table: str, col: Column) -> tuple[Check, ...]:
        out = []
        if col.kind == "enum" and col.enum is not None:
            out.append(Check(naming.check_name(table, col.name, "enum"), table, col.name, "enum", values=col.enum.values))
        if col.kind in _STRINGY and (col.min_length is not None or col.max_length is not None):
            out.append(Check(naming.check_name(table, col.name, "length"), table, col.name, "length", minimum=col.min_length, maximum=col.max_length))
        if col.kind in _INTY and (col.minimum is not None or col.maximum is not None):
            out.append(Check(naming.check_name(table, col.name, "range"), table, col.name, "range", minimum=col.minimum, maximum=col.maximum))
        if col.kind == "url" and col.schemes:
            out.append(Check(naming.check_name(table, col.name, "scheme"), table, col.name, "url", values=col.schemes))
        return tuple(out)

    @staticmethod
    def fk_for(table: str, col: Column) -> ForeignKeyConstraint | None:
        if col.references is None:
            return None
        return ForeignKeyConstraint(naming.fk_name(table, col.name), table, col.name, col.references)

    # -- tables ----------------------------------------------------------------

    def lower_tables(self) -> Schema:
        tables = {t.name: t for t in self.before.tables}
        creating: dict[str, Table] = {}
        alter = AlterLowering(self)
        alter.redefine_enums(tables, self.own_enums)
        for name, raw in (self.doc.data.get("tables") or {}).items():
            path = ("tables", name)
            self._identifier(name, path, "table")
            if "columns" not in raw and any(key in raw for key in CHANGE_KEYS):
                existing = tables.get(name)
                if existing is None:
                    self.diags.error(self.doc.key_span(path), "E201", f"table {name!r} does not exist, so it cannot be changed", hint="to create it, give it `columns:` instead")
                    continue
                table = existing
                # Renames first, so the other requests may use the new names.
                if "rename" in raw:
                    table = alter.rename(tables, table, raw["rename"], path + ("rename",))
                if "alter" in raw:
                    table = alter.alter(table, raw["alter"], path + ("alter",))
                if "drop" in raw:
                    table = alter.drop(tables, table, raw["drop"], path + ("drop",))
                if "add" in raw:
                    table = self._add_columns(table, raw["add"], path + ("add",), creating)
                if "indexes" in raw:
                    table = alter.indexes(table, raw["indexes"], path + ("indexes",))
                if "cap" in raw:
                    # Enforced by the application only: no migration, and rows
                    # stored before may be over it (a write keeping them is refused).
                    per = str(raw["cap"]["per"])
                    physical = per if table.column(per) is not None else naming.column(per)
                    cols = {c.name: c for c in table.columns}
                    table = replace(table, cap=self._cap(name, {**raw["cap"], "per": physical}, cols, path + ("cap",), table.indexes))
                tables[name] = table
            else:
                if name in tables:
                    self.diags.error(self.doc.key_span(path), "E208", f"table {name!r} already exists", hint="use `add:` to add columns to it")
                    continue
                table = self._create_table(name, raw, path, creating)
                creating[name] = table
                tables[name] = table
        alter.drop_tables(tables, self.doc.data.get("drop_tables") or [])
        return Schema(tuple(tables[n] for n in sorted(tables)))

    def _add_columns(self, table: Table, raw_cols: dict[str, Any], path: tuple[Any, ...], creating: dict[str, Table]) -> Table:
        cols: dict[str, Column] = {}
        for cname, raw in raw_cols.items():
            cpath = path + (cname,)
            if table.column(naming.column(cname)) is not None:
                self.diags.error(self.doc.key_span(cpath), "E209", f"column {table.name}.{cname} already exists")
                continue
            col = self._column(table.name, cname, raw, cpath, creating)
            if col.kind == "id":
                self.diags.error(self.doc.span(cpath + ("type",)), "E220", f"column {table.name}.{cname}: an existing table cannot get a new primary key")
            # NOT NULL without a default fails on a table with rows; lint rule
            # SC106 flags it, and a spec may approve it (e.g. for an empty table).
            cols[cname] = col
        cols = self._host_rules(table.name, cols, raw_cols, path)
        checks, fks, indexes = list(table.checks), list(table.foreign_keys), list(table.indexes)
        new_indexes = []
        for col in cols.values():
            self.operations.append(AddColumn(table.name, col))
            for check in self.checks_for(table.name, col):
                self.operations.append(AddCheck(check))
                checks.append(check)
            fk = self.fk_for(table.name, col)
            if fk:
                self.operations.append(AddForeignKey(fk))
                fks.append(fk)
                # Postgres does not index FK columns by itself; cascades and joins need one.
                new_indexes.append(Index(naming.index_name(table.name, (col.name,), False), table.name, (col.name,), False, col.span))
        for index in new_indexes:
            self.operations.append(CreateIndex(index, new_table=False))
        indexes.extend(new_indexes)
        return replace(
            table,
            columns=table.columns + tuple(cols.values()),
            indexes=tuple(indexes),
            checks=tuple(checks),
            foreign_keys=tuple(fks),
        )

    def _create_table(self, name: str, raw: dict[str, Any], path: tuple[Any, ...], creating: dict[str, Table]) -> Table:
        cols: dict[str, Column] = {}
        for cname, craw in raw["columns"].items():
            cols[cname] = self._column(name, cname, craw, path + ("columns", cname), creating)
        if raw.get("timestamps"):
            for ts in ("created_at", "updated_at"):
                if ts in cols:
                    self.diags.error(self.doc.key_span(path + ("columns", ts)), "E209", f"column {name}.{ts} is added by `timestamps: true`")
                cols[ts] = naming.physical_types(Column(naming.column(ts), "timestamp", nullable=False, default="now", span=self.doc.key_span(path + ("timestamps",))))
        cols = self._host_rules(name, cols, raw["columns"], path + ("columns",))
        pks = [c for c in cols.values() if c.primary_key]
        if len(pks) != 1:
            self.diags.error(self.doc.key_span(path), "E220", f"new table {name!r} needs exactly one primary key column", hint="add `id: {type: id}`")
        columns = tuple(cols.values())
        checks = tuple(ck for c in columns for ck in self.checks_for(name, c))
        fks = tuple(fk for c in columns if (fk := self.fk_for(name, c)))
        indexes = self._indexes(name, raw.get("indexes") or [], cols, path + ("indexes",))
        cap = self._cap(name, raw.get("cap"), cols, path + ("cap",), indexes)
        table = Table(name, columns, indexes, checks, fks, cap, bool(raw.get("timestamps")), self.doc.key_span(path))
        self.operations.append(CreateTable(table))
        for index in indexes:
            self.operations.append(CreateIndex(index, new_table=True))
        return table

    def _indexes(self, table: str, raw: list[Any], cols: dict[str, Column], path: tuple[Any, ...], auto_fk: bool = True) -> tuple[Index, ...]:
        out: list[Index] = []
        for i, item in enumerate(raw):
            columns = item if isinstance(item, list) else item["columns"]
            unique = False if isinstance(item, list) else bool(item.get("unique"))
            # A spec names columns by their spec (snake_case) names; an existing
            # table's columns are keyed by their physical names ("userId").
            found = {c: cols.get(c) or cols.get(naming.column(c)) for c in columns}
            for c in columns:
                if found[c] is None:
                    self.diags.error(self.doc.span(path + (i,)), "E202", f"index on {table}: unknown column {c!r}")
            columns = [col.name if (col := found[c]) is not None else c for c in columns]
            out.append(Index(naming.index_name(table, columns, unique), table, tuple(columns), unique, self.doc.span(path + (i,))))
        # Postgres does not index FK columns by itself; cascades and joins need one.
        for col in cols.values() if auto_fk else ():
            if col.references and not any(ix.columns[0] == col.name for ix in out):
                out.append(Index(naming.index_name(table, (col.name,), False), table, (col.name,), False, col.span))
        return tuple(out)

    def _cap(self, table: str, raw: dict[str, Any] | None, cols: dict[str, Column], path: tuple[Any, ...], indexes: tuple[Index, ...] = ()) -> Cap | None:
        if raw is None:
            return None
        per = raw["per"]
        span = self.doc.key_span(path)
        if per not in cols or cols[per].references is None:
            self.diags.error(self.doc.span(path + ("per",)), "E202", f"cap on {table}: `per` must name a ref column of {table}, not {per!r}")
        if "max" in raw:
            cap_max = raw["max"]
            if cap_max < 1:
                self.diags.error(self.doc.span(path + ("max",)), "E212", f"cap on {table}: max must be at least 1, not {cap_max}")
            elif cap_max > MAX_CAP:
                # The generated routes and tests create up to `max` + 1 rows in one request.
                self.diags.error(self.doc.span(path + ("max",)), "E212", f"cap on {table}: max must be at most {MAX_CAP}, not {cap_max}")
            else:
                bound = _unique_bound(per, cols, indexes)
                if bound is not None and cap_max >= bound[0]:
                    column, count = bound[1], bound[0]
                    self.diags.error(
                        self.doc.span(path + ("max",)),
                        "E212",
                        f"cap on {table}: max {cap_max} can never be the limit: the unique index ({per}, {column.name}) allows only {count} rows per {per} "
                        f"({column.name} is {column.minimum}..{column.maximum}); lower the cap below {count} or widen {column.name}'s range",
                    )
        else:
            cap_max = questions.DEFAULT_CAP
            q = questions.CAP
            self.questions.append(OpenQuestion(f"{q.key}:{table}", q.question.format(table=table, per=per), q.default, span=span))
        return Cap(cap_max, cols[per].name if per in cols else per, span)
