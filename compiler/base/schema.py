"""The base schema: the tables that already exist, read from PostgreSQL DDL.

The DDL is parsed with sqlglot (never executed) and lowered into the same
`Table`/`Column` IR the specs produce, so specs can reference existing tables
and every target can render the base schema for its own dialect (the test
suites build their databases from it).
"""

from __future__ import annotations

from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from compiler.diagnostics import Collector, Diagnostic, SpecError
from compiler.ir import Check, Column, ColumnKind, EnumDef, ForeignKey, ForeignKeyConstraint, Index, Schema, Span, Table

_TYPE_KINDS: dict[exp.DataType.Type, ColumnKind] = {
    exp.DataType.Type.UUID: "uuid",
    exp.DataType.Type.VARCHAR: "string",
    exp.DataType.Type.CHAR: "string",
    exp.DataType.Type.TEXT: "text",
    exp.DataType.Type.INT: "int",
    exp.DataType.Type.SMALLINT: "int",
    exp.DataType.Type.BIGINT: "bigint",
    exp.DataType.Type.BOOLEAN: "bool",
    exp.DataType.Type.TIMESTAMPTZ: "timestamp",
    exp.DataType.Type.TIMESTAMP: "timestamp",
    exp.DataType.Type.DATE: "date",
    exp.DataType.Type.JSON: "json",
    exp.DataType.Type.JSONB: "json",
    # serial types: an integer with a sequence default; a serial primary key is an `id`
    exp.DataType.Type.SERIAL: "int",
    exp.DataType.Type.SMALLSERIAL: "int",
    exp.DataType.Type.BIGSERIAL: "bigint",
}
_SERIALS = (exp.DataType.Type.SERIAL, exp.DataType.Type.SMALLSERIAL, exp.DataType.Type.BIGSERIAL)

_ON_DELETE = {"CASCADE": "cascade", "RESTRICT": "restrict", "SET NULL": "set null", "NO ACTION": "no action"}


def _line_of(sql: str, needle: str) -> int:
    idx = sql.find(needle)
    return sql.count("\n", 0, idx) + 1 if idx >= 0 else 1


def in_list_values(check: exp.Expression, column: str) -> tuple[str, ...] | None:
    """The values of a `column IN ('a', 'b')` check, or None for any other check."""
    node = check.this if isinstance(check, (exp.CheckColumnConstraint, exp.Paren)) else check
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.In) and isinstance(node.this, exp.Column) and node.this.name == column:
        if all(isinstance(v, exp.Literal) and v.is_string for v in node.expressions):
            return tuple(v.name for v in node.expressions)
    return None


def enum_check(table: str, col: Column) -> Check:
    """The CHECK an enum column of an existing table has (postgres's default name)."""
    assert col.enum is not None
    return Check(f"{table}_{col.name}_check", table, col.name, "enum", values=col.enum.values)


def _column(coldef: exp.ColumnDef, table: str, span: Span, diags: Collector, enums: dict[str, EnumDef] | None = None) -> Column:
    name = coldef.name
    dtype = coldef.args.get("kind")
    kind = _TYPE_KINDS.get(dtype.this) if isinstance(dtype, exp.DataType) else None
    enum: EnumDef | None = None
    if isinstance(dtype, exp.DataType) and dtype.this == exp.DataType.Type.USERDEFINED and enums:
        # A column typed with a CREATE TYPE ... AS ENUM (replayed migrations).
        type_name = dtype.args.get("kind")
        enum = enums.get(type_name.name if isinstance(type_name, exp.Expression) else str(type_name))
        kind = "enum" if enum is not None else None
    if kind is None:
        diags.error(span, "E217", f"base schema: column {table}.{name} has unsupported type {dtype.sql('postgres') if dtype else '?'}")
        kind = "text"
    max_length = None
    if kind == "string" and dtype is not None and dtype.expressions:
        max_length = int(dtype.expressions[0].this.name)
    nullable, primary, default, ref = True, False, None, None
    for constraint in coldef.constraints:
        ck = constraint.kind
        if isinstance(ck, exp.NotNullColumnConstraint):
            nullable = False
        elif isinstance(ck, exp.PrimaryKeyColumnConstraint):
            primary, nullable = True, False
        elif isinstance(ck, exp.GeneratedAsIdentityColumnConstraint):
            kind = "id"
        elif isinstance(ck, exp.DefaultColumnConstraint):
            value = ck.this
            if isinstance(value, (exp.CurrentTimestamp, exp.Anonymous)) or value.sql().lower() == "now()":
                default = "now"
            elif isinstance(value, exp.Literal):
                default = value.this if value.is_string else int(value.this)
            elif isinstance(value, exp.Boolean):
                default = bool(value.this)
        elif isinstance(ck, exp.CheckColumnConstraint) and kind in ("string", "text"):
            values = in_list_values(ck, name)
            if values is not None:
                kind, enum = "enum", EnumDef(f"{table}_{name}", values)
        elif isinstance(ck, exp.Reference):
            target = ck.this
            ref_table = target.this.name
            ref_cols = [i.name for i in target.expressions] or ["id"]
            options = " ".join(str(o) for o in ck.args.get("options") or []).upper()
            on_delete = "no action"
            for text, value in _ON_DELETE.items():
                if f"ON DELETE {text}" in options:
                    on_delete = value
            ref = ForeignKey(ref_table, ref_cols[0], on_delete)  # type: ignore[arg-type]
    if isinstance(dtype, exp.DataType) and dtype.this in _SERIALS and primary:
        kind = "id"
    if kind == "id" and not primary:
        kind = "bigint"
    return Column(
        enum=enum,
        name=name,
        kind=kind,
        nullable=nullable,
        max_length=max_length,
        references=ref,
        default=default,
        primary_key=primary,
        span=span,
    )


def parse_base_schema(sql: str, file: str) -> Schema:
    """Parse PostgreSQL DDL (CREATE TABLE / CREATE INDEX) into a Schema."""
    diags = Collector()
    try:
        statements = sqlglot.parse(sql, read="postgres")
    except ParseError as exc:
        err = exc.errors[0] if exc.errors else {}
        raise SpecError(
            [
                Diagnostic(
                    Span(file, err.get("line", 1) or 1, err.get("col", 1) or 1),
                    "E217",
                    f"base schema does not parse: {err.get('description', exc)}",
                )
            ]
        ) from None
    tables: dict[str, Table] = {}
    for stmt in statements:
        if stmt is None:
            continue
        if isinstance(stmt, exp.Create) and stmt.kind == "TABLE":
            schema = stmt.this
            name = schema.this.name
            span = Span(file, _line_of(sql, f"CREATE TABLE {name}"), 1)
            cols = tuple(
                _column(c, name, Span(file, _line_of(sql, f"  {c.name} "), 3), diags)
                for c in schema.expressions
                if isinstance(c, exp.ColumnDef)
            )
            fks = tuple(
                ForeignKeyConstraint(f"{name}_{c.name}_fkey", name, c.name, c.references)
                for c in cols
                if c.references is not None
            )
            checks = tuple(enum_check(name, c) for c in cols if c.enum is not None)
            tables[name] = Table(name=name, columns=cols, checks=checks, foreign_keys=fks, span=span)
        elif isinstance(stmt, exp.Create) and stmt.kind == "INDEX":
            index = stmt.this
            table = index.args["table"].name
            columns = tuple(o.this.name for o in index.args["params"].args["columns"])
            span = Span(file, _line_of(sql, index.name), 1)
            if table not in tables:
                diags.error(span, "E217", f"base schema: index {index.name} is on unknown table {table}")
                continue
            idx = Index(index.name, table, columns, bool(stmt.args.get("unique")), span)
            t = tables[table]
            tables[table] = Table(t.name, t.columns, t.indexes + (idx,), t.checks, t.foreign_keys, t.cap, t.timestamps, t.span)
        else:
            diags.error(Span(file, 1, 1), "E217", f"base schema: unsupported statement {stmt.sql('postgres')[:60]!r}")
    diags.raise_if_any()
    return Schema(tuple(tables[name] for name in sorted(tables)))


def load_base_schema(path: Path, display: str) -> Schema:
    """Read the base schema file; a missing file means an empty base."""
    if not path.exists():
        return Schema(())
    return parse_base_schema(path.read_text("utf-8"), display)
