"""Stage 3a, part 2: changes to tables that already exist, beyond `add`.

A spec may ask for `rename`, `alter`, `drop` and `indexes` on an existing
table, `drop_tables` at the top level, and may redefine an enum that
existing columns use.  Each request becomes an IR operation (`RenameColumn`,
`AlterColumn`, `DropColumn`, `CreateIndex`, `DropTable`) and the schema after
it is computed here.  Whether a change is *allowed* is not decided here: the
safety lint (compiler/lint) flags the risky ones and the spec approves them.
Only requests no approval can make meaningful are errors (an unknown column,
a drop that would leave a foreign key dangling, dropping a primary key).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from compiler.lower import naming
from compiler.ir import AlterColumn, Check, Column, CreateIndex, DropColumn, DropTable, EnumDef, ForeignKey, RenameColumn, Span, Table

if TYPE_CHECKING:
    from compiler.lower.schema import SchemaLowering

_STRINGY = ("string", "url")
_INTY = ("int", "bigint")
# Keys of an `alter` entry that change what the column's CHECKs say.
_CHECKED_KEYS = ("type", "min", "max", "enum", "schemes")


class AlterLowering:
    """Lowers the alteration requests of one spec; shares the owner's
    document, diagnostics, enums and operation list."""

    def __init__(self, owner: SchemaLowering) -> None:
        self.o = owner
        self.doc = owner.doc

    # -- helpers -----------------------------------------------------------------

    def _error(self, span: Span, code: str, message: str, hint: str = "") -> None:
        self.o.diags.error(span, code, message, hint=hint)

    def _known(self, table: Table, name: str, path: tuple[Any, ...], span: Span | None = None) -> Column | None:
        col = table.column(naming.column(name))
        if col is None:
            self._error(
                span or self.doc.key_span(path),
                "E202",
                f"table {table.name!r} has no column {name!r}",
                hint=f"its columns: {', '.join(c.name for c in table.columns)}",
            )
        return col

    @staticmethod
    def _referrers(tables: dict[str, Table], table: str, column: str | None = None) -> list[str]:
        """`t.c` of every other table's FK that points at `table` (`.column`)."""
        out = []
        for name in sorted(tables):
            if name == table:
                continue
            for fk in tables[name].foreign_keys:
                if fk.fk.table == table and (column is None or fk.fk.column == column):
                    out.append(f"{name}.{fk.column}")
        return out

    def _checks_after(self, table: Table, before: Column, after: Column, raw: dict[str, Any]) -> tuple[tuple[Check, ...], tuple[Check, ...]]:
        """The column's CHECKs before and after.  Derived again only when the
        request touches what they say; a kept kind keeps its name, so a base
        schema's `users_theme_check` stays `users_theme_check`."""
        old = tuple(c for c in table.checks if c.column == before.name)
        if not any(k in raw for k in _CHECKED_KEYS):
            return old, old
        names = {c.kind: c.name for c in old}
        new = tuple(replace(c, name=names.get(c.kind, c.name)) for c in self.o.checks_for(table.name, after))
        return old, new

    def _apply_alter(self, table: Table, before: Column, after: Column, old: tuple[Check, ...], new: tuple[Check, ...], span: Span) -> Table:
        self.o.operations.append(AlterColumn(table.name, before, after, old, new, span))
        checks = tuple(c for c in table.checks if c.column != before.name) + new
        columns = tuple(after if c.name == before.name else c for c in table.columns)
        return replace(table, columns=columns, checks=checks)

    # -- enums redefined by a later spec --------------------------------------------

    def redefine_enums(self, tables: dict[str, Table], enums: list[EnumDef]) -> None:
        """An enum this spec declares under a name existing columns use, with
        other values, changes those columns' allowed values."""
        for enum in enums:
            for name in sorted(tables):
                table = tables[name]
                for col in table.columns:
                    if col.kind != "enum" or col.enum is None or col.enum.name != enum.name or col.enum.values == enum.values:
                        continue
                    after = replace(col, enum=enum)
                    old, new = self._checks_after(table, col, after, {"enum": enum.name})
                    table = self._apply_alter(table, col, after, old, new, enum.span)
                tables[name] = table

    # -- rename ------------------------------------------------------------------------

    def rename(self, tables: dict[str, Table], table: Table, raw: dict[str, str], path: tuple[Any, ...]) -> Table:
        for old, new in raw.items():
            span = self.doc.key_span(path + (old,))
            if self._known(table, old, path + (old,)) is None:
                continue
            self.o._identifier(new, path + (old,), "column")
            old, new = naming.column(old), naming.column(new)
            if table.column(new) is not None:
                self._error(self.doc.span(path + (old,)), "E209", f"column {table.name}.{new} already exists")
                continue
            self.o.operations.append(RenameColumn(table.name, old, new, span))
            table = _renamed(table, old, new)
            for other in list(tables):
                if other != table.name:
                    tables[other] = _retarget(tables[other], table.name, old, new)
        return table

    # -- alter ---------------------------------------------------------------------------

    def alter(self, table: Table, raw_cols: dict[str, Any], path: tuple[Any, ...]) -> Table:
        for name, raw in raw_cols.items():
            cpath = path + (name,)
            before = self._known(table, name, cpath)
            if before is None:
                continue
            if before.primary_key:
                self._error(self.doc.key_span(cpath), "E241", f"column {table.name}.{name} is the primary key; specc does not alter primary keys", hint="no approval makes this safe: keys are referenced by other tables and by clients")
                continue
            after = self._altered(table, before, raw, cpath)
            if after is None:
                continue
            old, new = self._checks_after(table, before, after, raw)
            if replace(after, span=before.span) == before and old == new:
                self._error(self.doc.key_span(cpath), "E243", f"alter of {table.name}.{name} changes nothing", hint="remove the entry, or say what changes (type, max, min, nullable, default, enum)")
                continue
            table = self._apply_alter(table, before, after, old, new, self.doc.key_span(cpath))
        return table

    def _altered(self, table: Table, before: Column, raw: dict[str, Any], path: tuple[Any, ...]) -> Column | None:
        span = self.doc.key_span(path)
        if "type" in raw:
            if raw["type"] in ("id", "ref"):
                self._error(self.doc.span(path + ("type",)), "E240", f"column {table.name}.{before.name}: cannot change a column into type {raw['type']!r}", hint="add a new column instead")
                return None
            full: dict[str, Any] = {"nullable": before.nullable, **raw}
            if before.default is not None and "default" not in raw and raw["type"] == before.kind:
                full["default"] = before.default
            if raw["type"] == "enum" and "enum" not in raw and before.enum is not None:
                full["enum"] = before.enum.name
            after = self.o._column(table.name, before.name, full, path, {})
            return replace(after, description=raw.get("description", before.description), span=span)
        after = replace(before, span=span)
        low, high = raw.get("min"), raw.get("max")
        if low is not None and high is not None and high < low:
            self._error(self.doc.span(path + ("max",)), "E213", f"column {table.name}.{before.name}: max ({high}) is below min ({low})")
        if "min" in raw or "max" in raw:
            if before.kind in _STRINGY:
                if high is not None and high < 1:
                    self._error(self.doc.span(path + ("max",)), "E213", f"column {table.name}.{before.name}: max length must be at least 1")
                after = replace(after, min_length=low if "min" in raw else before.min_length, max_length=high if "max" in raw else before.max_length)
            elif before.kind in _INTY:
                after = replace(after, minimum=low if "min" in raw else before.minimum, maximum=high if "max" in raw else before.maximum)
            else:
                hint = "did you mean to change it to `type: string` as well? text is unbounded; string takes min/max lengths" if before.kind == "text" else ""
                self._error(span, "E215", f"column {table.name}.{before.name} is {before.kind}: min/max apply only to string, url, int and bigint columns", hint=hint)
        if "enum" in raw:
            enum = self.o.enums.get(raw["enum"])
            if before.kind != "enum":
                self._error(self.doc.span(path + ("enum",)), "E215", f"column {table.name}.{before.name} is not an enum column", hint="give `type: enum` as well to change its type")
            elif enum is None:
                self._error(self.doc.span(path + ("enum",)), "E203", f"column {table.name}.{before.name}: unknown enum {raw['enum']!r}", hint=f"declared enums: {', '.join(sorted(self.o.enums)) or 'none'}")
            else:
                after = replace(after, enum=enum)
        if "schemes" in raw:
            if before.kind != "url":
                self._error(self.doc.span(path + ("schemes",)), "E215", f"column {table.name}.{before.name}: schemes apply only to url columns")
            else:
                after = replace(after, schemes=tuple(raw["schemes"]))
        if "nullable" in raw:
            after = replace(after, nullable=bool(raw["nullable"]))
        if "default" in raw:
            after = replace(after, default=raw["default"])
        if "description" in raw:
            after = replace(after, description=raw["description"])
        return after

    # -- drop columns --------------------------------------------------------------------

    def drop(self, tables: dict[str, Table], table: Table, names: list[str], path: tuple[Any, ...]) -> Table:
        for i, name in enumerate(names):
            span = self.doc.span(path + (i,))
            col = self._known(table, name, path + (i,), span)
            if col is None:
                continue
            if col.primary_key:
                self._error(span, "E241", f"column {table.name}.{name} is the primary key and cannot be dropped", hint="drop the whole table with `drop_tables:` instead")
                continue
            users = self._referrers(tables, table.name, name)
            if users:
                self._error(span, "E242", f"column {table.name}.{name} is referenced by {', '.join(users)}; dropping it would leave a foreign key dangling", hint="drop or alter the referencing columns first; no approval makes a dangling foreign key safe")
                continue
            if table.cap is not None and table.cap.per == name:
                self._error(span, "E242", f"column {table.name}.{name} groups the table's cap (`cap.per`)")
                continue
            if any(r.when_column == name for c in table.columns for r in c.host_rules):
                self._error(span, "E242", f"column {table.name}.{name} selects URL host allow-lists (`hosts.by`)")
                continue
            checks = tuple(c for c in table.checks if c.column == name)
            fk = next((f for f in table.foreign_keys if f.column == name), None)
            indexes = tuple(ix for ix in table.indexes if name in ix.columns)
            self.o.operations.append(DropColumn(table.name, col, checks, fk, indexes, span))
            table = replace(
                table,
                columns=tuple(c for c in table.columns if c.name != name),
                checks=tuple(c for c in table.checks if c.column != name),
                foreign_keys=tuple(f for f in table.foreign_keys if f.column != name),
                indexes=tuple(ix for ix in table.indexes if name not in ix.columns),
            )
        return table

    # -- indexes on an existing table ------------------------------------------------------

    def indexes(self, table: Table, raw: list[Any], path: tuple[Any, ...]) -> Table:
        cols = {c.name: c for c in table.columns}
        added = self.o._indexes(table.name, raw, cols, path, auto_fk=False)
        names = {ix.name for ix in table.indexes}
        fresh = []
        for ix in added:
            if ix.name in names:
                self._error(ix.span, "E209", f"index {ix.name} already exists on {table.name}")
                continue
            names.add(ix.name)
            fresh.append(ix)
            self.o.operations.append(CreateIndex(ix, new_table=False))
        return replace(table, indexes=table.indexes + tuple(fresh))

    # -- drop tables -------------------------------------------------------------------------

    def drop_tables(self, tables: dict[str, Table], names: list[str]) -> None:
        for i, name in enumerate(names):
            span = self.doc.span(("drop_tables", i))
            table = tables.get(name)
            if table is None:
                self._error(span, "E201", f"table {name!r} does not exist, so it cannot be dropped", hint=self.o._table_hint(name))
                continue
            users = self._referrers(tables, name)
            if users:
                self._error(span, "E242", f"table {name!r} is referenced by {', '.join(users)}; dropping it would leave foreign keys dangling", hint="drop the referencing columns or tables in the same spec first; no approval makes a dangling foreign key safe")
                continue
            self.o.operations.append(DropTable(table, span))
            del tables[name]


def _renamed(table: Table, old: str, new: str) -> Table:
    """`table` with column `old` called `new` everywhere the IR mentions it."""

    def col(c: Column) -> Column:
        rules = tuple(replace(r, when_column=new) if r.when_column == old else r for r in c.host_rules)
        return replace(c, name=new if c.name == old else c.name, host_rules=rules)

    def ref(fk: ForeignKey) -> ForeignKey:
        return replace(fk, column=new) if fk.table == table.name and fk.column == old else fk

    return replace(
        table,
        columns=tuple(replace(col(c), references=ref(c.references) if c.references else None) for c in table.columns),
        checks=tuple(replace(c, column=new) if c.column == old else c for c in table.checks),
        foreign_keys=tuple(replace(f, column=new if f.column == old else f.column, fk=ref(f.fk)) for f in table.foreign_keys),
        indexes=tuple(replace(ix, columns=tuple(new if c == old else c for c in ix.columns)) for ix in table.indexes),
        cap=replace(table.cap, per=new) if table.cap and table.cap.per == old else table.cap,
    )


def _retarget(table: Table, target: str, old: str, new: str) -> Table:
    """Another table's FKs that point at `target.old` now point at `target.new`."""

    def ref(fk: ForeignKey) -> ForeignKey:
        return replace(fk, column=new) if fk.table == target and fk.column == old else fk

    if not any(f.fk.table == target and f.fk.column == old for f in table.foreign_keys):
        return table
    return replace(
        table,
        columns=tuple(replace(c, references=ref(c.references)) if c.references else c for c in table.columns),
        foreign_keys=tuple(replace(f, fk=ref(f.fk)) for f in table.foreign_keys),
    )


__all__ = ["AlterLowering"]
