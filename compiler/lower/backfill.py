"""Stage 3c: lower a spec's `backfills` into IR backfill nodes.

Backfills run against the schema *after* the spec's migration (they fill
what the migration added), so every name is checked against `after`.  A
value a backfill writes must satisfy the same rules the column has, checked
here once; JSON items are checked row by row by the generated runner.
"""

from __future__ import annotations

from typing import Any

from compiler.diagnostics import Collector, did_you_mean
from compiler.lower import naming
from compiler.ir import Backfill, Column, JsonField, JsonRowsBackfill, Schema, SetBackfill, SetValue, Table
from compiler.frontend.document import Document

DEFAULT_BATCH = 1000
_AUTOMATIC = ("created_at", "updated_at")


def _value_problem(col: Column, value: object) -> str | None:
    """Why `value` cannot be stored in `col`, or None."""
    if col.kind == "enum" and col.enum is not None and value not in col.enum.values:
        return f"{value!r} is not one of {', '.join(col.enum.values)}"
    if col.kind in ("string", "url", "text", "enum"):
        if not isinstance(value, str):
            return "needs a string"
        if col.max_length is not None and len(value) > col.max_length:
            return f"is longer than {col.max_length} characters"
        if col.min_length is not None and len(value) < col.min_length:
            return f"is shorter than {col.min_length} characters"
    if col.kind in ("int", "bigint"):
        if not isinstance(value, int) or isinstance(value, bool):
            return "needs an integer"
        if (col.minimum is not None and value < col.minimum) or (col.maximum is not None and value > col.maximum):
            return "is out of range"
    if col.kind == "bool" and not isinstance(value, bool):
        return "needs true or false"
    if col.kind not in ("string", "url", "text", "enum", "int", "bigint", "bool"):
        return f"cannot be set by a backfill (a {col.kind} column)"
    return None


class BackfillLowering:
    """Lowers one spec's backfills against the schema after its migration."""

    def __init__(self, doc: Document, after: Schema, diags: Collector) -> None:
        self.doc = doc
        self.after = after
        self.diags = diags

    def _table(self, name: str, path: tuple[Any, ...]) -> Table | None:
        table = self.after.table(name)
        if table is None:
            self.diags.error(self.doc.span(path), "E201", f"backfill: unknown table {name!r}", hint=did_you_mean(name, [t.name for t in self.after.tables], "known tables"))
        elif table.primary_key is None:
            self.diags.error(self.doc.span(path), "E230", f"backfill: table {name!r} has no primary key to batch by")
            return None
        return table

    def _column(self, table: Table, name: str, path: tuple[Any, ...]) -> Column | None:
        col = table.column(name) or table.column(naming.column(name))
        if col is None:
            self.diags.error(self.doc.key_span(path), "E202", f"backfill: table {table.name!r} has no column {name!r}")
        return col

    def lower(self) -> tuple[Backfill, ...]:
        out: list[Backfill] = []
        for name, raw in (self.doc.data.get("backfills") or {}).items():
            path = ("backfills", name)
            table = self._table(raw["table"], path + ("table",))
            if table is None:
                continue
            common = dict(
                name=name,
                description=" ".join(str(raw.get("description", "")).split()),
                table=table.name,
                key=table.primary_key.name,  # type: ignore[union-attr]
                batch_size=raw.get("batch_size", DEFAULT_BATCH),
                span=self.doc.key_span(path),
            )
            if "set" in raw:
                values = []
                for cname, value in raw["set"].items():
                    col = self._column(table, cname, path + ("set", cname))
                    if col is None:
                        continue
                    problem = "is the primary key" if col.primary_key else _value_problem(col, value)
                    if problem:
                        self.diags.error(self.doc.span(path + ("set", cname)), "E231", f"backfill {name}: {table.name}.{cname} {problem}")
                    values.append(SetValue(cname, value))
                out.append(SetBackfill(values=tuple(values), **common))
            else:
                lowered = self._json_rows(name, table, raw, path, common)
                if lowered is not None:
                    out.append(lowered)
        return tuple(out)

    def _json_rows(self, name: str, table: Table, raw: dict[str, Any], path: tuple[Any, ...], common: dict[str, Any]) -> JsonRowsBackfill | None:
        source = self._column(table, raw["json_array"], path + ("json_array",))
        if source is not None and source.kind != "json":
            self.diags.error(self.doc.span(path + ("json_array",)), "E232", f"backfill {name}: {table.name}.{source.name} is not a json column")
        into = self._table(raw["into"], path + ("into",))
        if into is None or source is None:
            return None
        owner = self._column(into, raw["owner"], path + ("owner",))
        pk = table.primary_key
        if owner is not None and (owner.references is None or owner.references.table != table.name or pk is None or owner.references.column != pk.name):
            self.diags.error(self.doc.span(path + ("owner",)), "E233", f"backfill {name}: {into.name}.{owner.name} must be a ref to {table.name}")
        position = raw.get("position")
        pcol = None
        if position is not None:
            pcol = self._column(into, position, path + ("position",))
            if pcol is not None and pcol.kind not in ("int", "bigint"):
                self.diags.error(self.doc.span(path + ("position",)), "E234", f"backfill {name}: position column {into.name}.{position} must be an int")
        defaults = raw.get("defaults") or {}
        fields: list[JsonField] = []
        for cname, key in raw["map"].items():
            col = self._column(into, cname, path + ("map", cname))
            if col is not None:
                fields.append(JsonField(col, key, defaults.get(cname)))
        for cname, value in defaults.items():
            col = self._column(into, cname, path + ("defaults", cname))
            if col is None:
                continue
            problem = _value_problem(col, value)
            if problem:
                self.diags.error(self.doc.span(path + ("defaults", cname)), "E231", f"backfill {name}: default for {into.name}.{cname} {problem}")
            if cname not in raw["map"]:
                fields.append(JsonField(col, None, value))
        copies: list[tuple[str, str]] = []
        for cname, source_name in (raw.get("copy") or {}).items():
            ccol = self._column(into, cname, path + ("copy", cname))
            scol = self._column(table, source_name, path + ("copy", cname))
            if ccol is not None and scol is not None:
                copies.append((ccol.name, scol.name))
        position_name = pcol.name if position is not None and pcol is not None else position
        covered = {f.column.name for f in fields} | {c for c, _ in copies} | {owner.name if owner else raw["owner"], position_name}
        automatic = set(_AUTOMATIC) | {naming.column(a) for a in _AUTOMATIC}
        stamped: list[str] = []
        for col in into.columns:
            if col.name in automatic and not col.nullable and col.default is None and col.name not in covered:
                stamped.append(col.name)  # e.g. Prisma's @updatedAt: no database default
                continue
            if col.name in covered or col.primary_key or col.nullable or col.default is not None or col.name in automatic:
                continue
            self.diags.error(self.doc.key_span(path + ("map",)), "E235", f"backfill {name}: {into.name}.{col.name} is NOT NULL without a default; map it or give it a default")
        into_pk = into.primary_key
        if into_pk is None or owner is None:
            return None
        return JsonRowsBackfill(
            json_column=source.name,
            into=into.name,
            into_key=into_pk,
            owner=owner.name,
            position=position_name,
            fields=tuple(fields),
            cap=into.cap.max if into.cap else None,
            copy=tuple(copies),
            stamped=tuple(stamped),
            **common,
        )
