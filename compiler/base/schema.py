"""The base schema: the tables that already exist, read from PostgreSQL DDL.

The DDL is parsed with sqlglot (never executed) and lowered into the same
`Table`/`Column` IR the specs produce, so specs can reference existing tables
and every target can render the base schema for its own dialect (the test
suites build their databases from it).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError
from sqlglot.expressions.datatypes import DType  # what exp.DataType.Type names

from compiler.diagnostics import Collector, Diagnostic, SpecError
from compiler.ir import Check, Column, ColumnDefault, ColumnKind, EnumDef, ForeignKey, ForeignKeyConstraint, Index, Schema, Span, Table

_TYPE_KINDS: dict[DType, ColumnKind] = {
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
    exp.DataType.Type.DOUBLE: "float",
    # serial types: an integer with a sequence default; a serial primary key is an `id`
    exp.DataType.Type.SERIAL: "int",
    exp.DataType.Type.SMALLSERIAL: "int",
    exp.DataType.Type.BIGSERIAL: "bigint",
}
_SERIALS = (exp.DataType.Type.SERIAL, exp.DataType.Type.SMALLSERIAL, exp.DataType.Type.BIGSERIAL)

_ON_DELETE = {"CASCADE": "cascade", "RESTRICT": "restrict", "SET NULL": "set null", "NO ACTION": "no action"}


def referential_actions(options: str) -> tuple[str, str]:
    """The ON DELETE and ON UPDATE actions named in a REFERENCES clause's text."""
    text = " ".join(options.upper().split())
    on_delete = next((v for k, v in _ON_DELETE.items() if f"ON DELETE {k}" in text), "no action")
    on_update = next((v for k, v in _ON_DELETE.items() if f"ON UPDATE {k}" in text), "no action")
    return on_delete, on_update


def _line_of(sql: str, needle: str) -> int:
    idx = sql.find(needle)
    return sql.count("\n", 0, idx) + 1 if idx >= 0 else 1


def in_list_values(check: exp.Expression, column: str) -> tuple[str, ...] | None:
    """The values of a `column IN ('a', 'b')` check, or None for any other check."""
    node = check.this if isinstance(check, (exp.CheckColumnConstraint, exp.Paren)) else check
    while isinstance(node, exp.Paren):
        node = node.this
    if (
        isinstance(node, exp.In)
        and isinstance(node.this, exp.Column)
        and node.this.name == column
        and all(isinstance(v, exp.Literal) and v.is_string for v in node.expressions)
    ):
        return tuple(v.name for v in node.expressions)
    return None


def enum_checks(table: str, columns: tuple[Column, ...]) -> tuple[Check, ...]:
    """The CHECKs of a base table's enum columns; a native (CREATE TYPE) enum has none."""
    return tuple(enum_check(table, c) for c in columns if c.enum is not None and not c.enum.native)


def enum_type(stmt: exp.Create) -> EnumDef | None:
    """The enum a `CREATE TYPE name AS ENUM (...)` defines, or None for another statement."""
    if (stmt.args.get("kind") or "").upper() == "TYPE" and isinstance(stmt.expression, exp.DataType) and stmt.expression.this == exp.DataType.Type.ENUM:
        return EnumDef(stmt.this.name, tuple(v.name for v in stmt.expression.expressions), native=True)
    return None


def column_comment(stmt: exp.Expr) -> tuple[str, str, str] | None:
    """(table, column, text) of a `COMMENT ON COLUMN t.c IS '...'`, or None."""
    if isinstance(stmt, exp.Comment) and (stmt.args.get("kind") or "").upper() == "COLUMN" and isinstance(stmt.this, exp.Column):
        text = stmt.expression
        if isinstance(text, exp.Literal) and text.is_string and stmt.this.table:
            return stmt.this.table, stmt.this.name, text.this
    return None


def enum_check(table: str, col: Column) -> Check:
    """The CHECK an enum column of an existing table has (postgres's default name)."""
    assert col.enum is not None
    return Check(f"{table}_{col.name}_check", table, col.name, "enum", values=col.enum.values)


def _column(coldef: exp.ColumnDef, table: str, span: Span, diags: Collector, enums: dict[str, EnumDef] | None = None) -> Column:
    name = coldef.name
    declared = coldef.args.get("kind")
    dtype = declared
    array = False
    if isinstance(dtype, exp.DataType) and dtype.this == exp.DataType.Type.ARRAY and len(dtype.expressions) == 1:
        # `text[]`: a one-dimensional array of a supported element type
        array, dtype = True, dtype.expressions[0]
    kind = _TYPE_KINDS.get(dtype.this) if isinstance(dtype, exp.DataType) else None
    precision: int | None = None
    timezone = True
    if isinstance(dtype, exp.DataType) and dtype.this in (exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPTZ):
        timezone = dtype.this == exp.DataType.Type.TIMESTAMPTZ
        if dtype.expressions:
            precision = int(dtype.expressions[0].this.name)
    enum: EnumDef | None = None
    if isinstance(dtype, exp.DataType) and dtype.this == exp.DataType.Type.USERDEFINED and enums:
        # A column typed with a CREATE TYPE ... AS ENUM (replayed migrations).
        type_name = dtype.args.get("kind")
        enum = enums.get(type_name.name if isinstance(type_name, exp.Expression) else str(type_name))
        kind = "enum" if enum is not None else None
    if kind is None:
        diags.error(span, "E217", f"base schema: column {table}.{name} has unsupported type {declared.sql('postgres') if declared else '?'}")
        kind = "text"
    max_length = None
    if kind == "string" and dtype is not None and dtype.expressions:
        max_length = int(dtype.expressions[0].this.name)
    nullable, primary, ref = True, False, None
    default: ColumnDefault | None = None
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
            elif isinstance(value, exp.Literal) and (value.is_string or value.this.lstrip("-").isdigit()):
                default = value.this if value.is_string else int(value.this)
            elif isinstance(value, exp.Neg) and isinstance(value.this, exp.Literal) and value.this.this.isdigit():
                default = -int(value.this.this)
            elif isinstance(value, (exp.Literal, exp.Neg)):
                diags.error(span, "E217", f"base schema: column {table}.{name} has default {value.sql('postgres')}, which specc does not model (only integer, string and boolean literals)")
            elif isinstance(value, exp.Boolean):
                default = bool(value.this)
            elif array and isinstance(value, exp.Cast) and isinstance(value.this, exp.Array):
                items = value.this.expressions
                if all(isinstance(i, exp.Literal) and (i.is_string or i.this.lstrip("-").isdigit()) for i in items):
                    default = tuple(i.this if i.is_string else int(i.this) for i in items)
            elif array and isinstance(value, exp.Literal) and value.is_string and value.this.strip() == "{}":
                default = ()
        elif isinstance(ck, exp.CheckColumnConstraint) and kind in ("string", "text"):
            values = in_list_values(ck, name)
            if values is not None:
                kind, enum = "enum", EnumDef(f"{table}_{name}", values)
        elif isinstance(ck, exp.Reference):
            target = ck.this
            ref_table = target.this.name
            ref_cols = [i.name for i in target.expressions] or ["id"]
            on_delete, on_update = referential_actions(" ".join(str(o) for o in ck.args.get("options") or []))
            ref = ForeignKey(ref_table, ref_cols[0], on_delete, on_update)  # type: ignore[arg-type]
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
        array=array,
        precision=precision,
        timezone=timezone,
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
    enums: dict[str, EnumDef] = {}
    for stmt in statements:
        if stmt is None:
            continue
        if isinstance(stmt, exp.Create) and (enum := enum_type(stmt)) is not None:
            enums[enum.name] = enum
        elif (comment := column_comment(stmt)) is not None:
            table_name, column_name, text = comment
            t = tables.get(table_name)
            if t is None or t.column(column_name) is None:
                diags.error(Span(file, _line_of(sql, "COMMENT ON"), 1), "E217", f"base schema: comment on unknown column {table_name}.{column_name}")
                continue
            cols = tuple(replace(c, description=text) if c.name == column_name else c for c in t.columns)
            tables[table_name] = replace(t, columns=cols)
        elif isinstance(stmt, exp.Create) and stmt.kind == "TABLE":
            schema = stmt.this
            name = schema.this.name
            span = Span(file, _line_of(sql, f"CREATE TABLE {name}"), 1)
            cols = tuple(
                _column(c, name, Span(file, _line_of(sql, f"  {c.this.sql('postgres')} "), 3), diags, enums)
                for c in schema.expressions
                if isinstance(c, exp.ColumnDef)
            )
            fks = tuple(
                ForeignKeyConstraint(f"{name}_{c.name}_fkey", name, c.name, c.references)
                for c in cols
                if c.references is not None
            )
            checks = enum_checks(name, cols)
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
