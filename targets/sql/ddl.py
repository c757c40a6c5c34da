"""IR -> sqlglot expressions, one dialect at a time.

Every statement specc emits is built here as a sqlglot expression tree from
IR nodes: identifiers through `exp.to_identifier` (after checking them
against specc's identifier rule), values through `exp.Literal`.  No spec text
is ever formatted into SQL.  The dialect decides types and a few spellings;
the *choice* of statements (which phase, NOT VALID or not) belongs to
`targets.sql.migration`.

Type choices (see docs in the migration plan as well):

| kind      | postgres                      | sqlite              | mysql / mariadb            |
|-----------|-------------------------------|---------------------|----------------------------|
| id        | bigint GENERATED ALWAYS AS IDENTITY | INTEGER PRIMARY KEY (rowid) | BIGINT AUTO_INCREMENT |
| uuid      | uuid                          | TEXT                | CHAR(36)                   |
| string    | text + length CHECK (varchar(n) when no CHECK, as in the base schema) | TEXT | VARCHAR(n) (TEXT if unbounded) |
| enum      | text + IN CHECK               | TEXT + IN CHECK     | VARCHAR(longest value) + IN CHECK |
| url       | text + CHECKs                 | TEXT + CHECKs       | VARCHAR(max) + CHECKs      |
| int       | bigint (squawk prefer-bigint-over-int; the range CHECK bounds it) | INTEGER | INT |
| timestamp | timestamptz                   | TIMESTAMP (ISO text)| DATETIME(6), UTC by convention |
| json      | jsonb                         | TEXT                | JSON                       |
| float     | double precision (base only)  | REAL                | DOUBLE                     |

MySQL/MariaDB string, text, url and enum columns also say
`CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`, whatever the database default.
"""

from __future__ import annotations

import json
from dataclasses import replace

from sqlglot import exp

from compiler.diagnostics import Diagnostic, SpecError
from compiler.ir import Check, Column, ForeignKeyConstraint, Index, Schema, Table
from compiler.names import IDENTIFIER, MAX_IDENTIFIER_BYTES, PHYSICAL_IDENTIFIER

DIALECTS = ("postgres", "sqlite", "mysql")
_NULLS_ARE_SMALL = ("sqlite", "mysql")

_ON_DELETE = {"cascade": "ON DELETE CASCADE", "restrict": "ON DELETE RESTRICT", "set null": "ON DELETE SET NULL"}


# MySQL/MariaDB text columns: 4-byte UTF-8, compared byte by byte like
# PostgreSQL's and SQLite's text (a case-insensitive collation would make a
# unique index refuse 'A' next to 'a' on MySQL only).  Both exist on MySQL
# 5.5.3+ and every MariaDB.
MYSQL_CHARSET = "utf8mb4"
MYSQL_COLLATION = "utf8mb4_bin"
MYSQL_TEXT_KINDS = ("string", "text", "url", "enum")


class SqlTargetError(Exception):
    """The IR asks for something this target cannot render: a compiler bug."""


def ident(name: str) -> exp.Identifier:
    """A validated identifier.  Lowering already rejected bad names; this is
    the last line of defence before a name reaches SQL.  A name with capitals
    is always quoted, so PostgreSQL does not fold it to lower case."""
    if len(name.encode()) > MAX_IDENTIFIER_BYTES:
        raise SqlTargetError(f"refusing to emit unvalidated identifier {name!r}")
    if IDENTIFIER.match(name):
        return exp.to_identifier(name)
    if PHYSICAL_IDENTIFIER.match(name):  # capitals: "userId" (a profile), "Script" (imported)
        return exp.to_identifier(name, quoted=True)
    raise SqlTargetError(f"refusing to emit unvalidated identifier {name!r}")


def table_ref(name: str) -> exp.Table:
    return exp.Table(this=ident(name))


def _type(text: str, dialect: str) -> exp.DataType:
    # `text` is one of this module's fixed type spellings, never spec input.
    return exp.DataType.build(text, dialect=dialect)


def column_type(col: Column, dialect: str, checked: bool) -> exp.DataType:
    """The SQL type of `col`.  `checked` says whether a CHECK constraint
    bounds its length, so postgres may use text instead of varchar(n).

    Imported base schemas add arrays, native enums and timestamps with a
    precision or without a time zone: postgres renders them as they are;
    SQLite and MySQL have no arrays or named enums, so an array is JSON text
    (SQLite TEXT, MySQL JSON) and a native enum its plain string type."""
    if col.array:
        if dialect == "postgres":
            return exp.DataType(this=exp.DataType.Type.ARRAY, expressions=[column_type(replace(col, array=False), dialect, checked)], nested=True)
        return _type("TEXT" if dialect == "sqlite" else "JSON", dialect)
    if col.enum is not None and col.enum.native:
        if dialect == "postgres":
            return exp.DataType(this=exp.DataType.Type.USERDEFINED, kind=ident(col.enum.name))
        return _type("TEXT" if dialect == "sqlite" else "VARCHAR(" + str(max((len(v) for v in col.enum.values), default=1)) + ")", dialect)
    if col.kind == "timestamp" and (col.precision is not None or not col.timezone):
        p = "" if col.precision is None else f"({col.precision})"
        if dialect == "postgres":
            return _type(("TIMESTAMPTZ" if col.timezone else "TIMESTAMP") + p, dialect)
        if dialect == "mysql":
            return _type(f"DATETIME{p or '(6)'}", dialect)
    kind = col.kind
    if dialect == "postgres":
        if kind == "string" and col.max_length is not None and not checked:
            return _type(f"VARCHAR({col.max_length})", dialect)
        return _type(_PG_TYPES[kind], dialect)
    if dialect == "sqlite":
        return _type(_SQLITE_TYPES[kind], dialect)
    if kind in ("string", "url"):
        return _type(f"VARCHAR({col.max_length})" if col.max_length else "TEXT", dialect)
    if kind == "enum":
        values = col.enum.values if col.enum else ()
        return _type(f"VARCHAR({max((len(v) for v in values), default=1)})", dialect)
    return _type(_MYSQL_TYPES[kind], dialect)


_PG_TYPES = {
    "id": "BIGINT",
    "uuid": "UUID",
    "string": "TEXT",
    "text": "TEXT",
    "int": "BIGINT",
    "bigint": "BIGINT",
    "bool": "BOOLEAN",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
    "url": "TEXT",
    "enum": "TEXT",
    "json": "JSONB",
    "float": "DOUBLE PRECISION",
}
_SQLITE_TYPES = {
    "id": "INTEGER",
    "uuid": "TEXT",
    "string": "TEXT",
    "text": "TEXT",
    "int": "INTEGER",
    "bigint": "INTEGER",
    "bool": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "url": "TEXT",
    "enum": "TEXT",
    "json": "TEXT",
    "float": "REAL",
}
_MYSQL_TYPES = {
    "id": "BIGINT",
    "uuid": "CHAR(36)",
    "text": "TEXT",
    "int": "INT",
    "bigint": "BIGINT",
    "bool": "BOOLEAN",
    "timestamp": "DATETIME(6)",
    "date": "DATE",
    "json": "JSON",
    "float": "DOUBLE",
}


def _default(col: Column, dialect: str) -> exp.Expr:
    value = col.default
    if value == "now" and col.kind == "timestamp":
        # DATETIME(n) needs a default of the same precision on MySQL.
        precision = 6 if col.precision is None or col.timezone else col.precision
        return exp.CurrentTimestamp(this=exp.Literal.number(precision)) if dialect == "mysql" else exp.CurrentTimestamp()
    if isinstance(value, tuple):
        items = [exp.Boolean(this=v) if isinstance(v, bool) else exp.Literal.number(v) if isinstance(v, int) else exp.Literal.string(v) for v in value]
        if dialect == "postgres":
            return exp.Cast(this=exp.Array(expressions=items), to=column_type(col, dialect, False))
        if dialect == "sqlite":
            return exp.Literal.string(json.dumps(list(value)))
        raise SpecError([Diagnostic(col.span, "E217", f"column {col.name}: MySQL cannot give the JSON column that stands for this array a default")])
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise SqlTargetError(f"column {col.name}: unsupported default {value!r}")


def check_condition(check: Check) -> exp.Expr:
    """The boolean expression of a CHECK.  NULL passes every CHECK (SQL's
    three-valued logic), so nullable columns stay nullable."""
    col = exp.column(ident(check.column))
    if check.kind == "enum":
        return exp.In(this=col, expressions=[exp.Literal.string(v) for v in check.values])
    if check.kind == "url":
        # Schemes match ^[a-z][a-z0-9+.-]*$ (JSON Schema), so they hold no LIKE wildcard.
        for scheme in check.values:
            if not scheme or any(ch in scheme for ch in "%_\\"):
                raise SqlTargetError(f"scheme {scheme!r} cannot be matched with LIKE")
        likes: list[exp.Expr] = [exp.Like(this=col.copy(), expression=exp.Literal.string(f"{s}://%")) for s in check.values]
        cond = likes[0]
        for like in likes[1:]:
            cond = exp.Or(this=cond, expression=like)
        return cond
    subject: exp.Expr = exp.Length(this=col) if check.kind == "length" else col
    low = exp.Literal.number(check.minimum) if check.minimum is not None else None
    high = exp.Literal.number(check.maximum) if check.maximum is not None else None
    if low is not None and high is not None:
        return exp.Between(this=subject, low=low, high=high)
    if low is not None:
        return exp.GTE(this=subject, expression=low)
    if high is not None:
        return exp.LTE(this=subject, expression=high)
    raise SqlTargetError(f"check {check.name} has no bounds")


def check_constraint(check: Check) -> exp.Constraint:
    """`CONSTRAINT name CHECK (...)`, as a table constraint."""
    return exp.Constraint(this=ident(check.name), expressions=[exp.CheckColumnConstraint(this=check_condition(check))])


def _reference(fk: ForeignKeyConstraint) -> exp.Reference:
    options = [_ON_DELETE[fk.fk.on_delete]] if fk.fk.on_delete in _ON_DELETE else []
    if fk.fk.on_update in _ON_DELETE:  # imported base schemas only: specs never set it
        options.append(_ON_DELETE[fk.fk.on_update].replace("ON DELETE", "ON UPDATE"))
    return exp.Reference(
        this=exp.Schema(this=table_ref(fk.fk.table), expressions=[ident(fk.fk.column)]),
        options=options,
    )


def fk_constraint(fk: ForeignKeyConstraint) -> exp.Constraint:
    """`CONSTRAINT name FOREIGN KEY (col) REFERENCES t (c) [ON DELETE ...]`."""
    return exp.Constraint(
        this=ident(fk.name),
        expressions=[exp.ForeignKey(expressions=[ident(fk.column)], reference=_reference(fk))],
    )


def column_def(
    col: Column,
    dialect: str,
    *,
    checked: bool,
    inline_checks: tuple[Check, ...] = (),
    inline_fk: ForeignKeyConstraint | None = None,
) -> exp.ColumnDef:
    """A column definition.  `inline_checks`/`inline_fk` become named column
    constraints, which is how SQLite adds constraints with ADD COLUMN."""
    constraints: list[exp.ColumnConstraint] = []
    if dialect == "mysql" and col.kind in MYSQL_TEXT_KINDS:
        # Stated on the column, not left to the table or database default:
        # MariaDB's default character set is latin1, where non-Latin text in
        # a default, a CHECK or a row fails (ERROR 1918), and ADD COLUMN on a
        # base table created latin1 would inherit it.  (uuid and ref columns
        # keep the default, so a foreign key matches the key it references;
        # MariaDB's JSON is utf8mb4_bin already.)
        constraints.append(exp.ColumnConstraint(kind=exp.CharacterSetColumnConstraint(this=exp.var(MYSQL_CHARSET))))
        constraints.append(exp.ColumnConstraint(kind=exp.CollateColumnConstraint(this=exp.var(MYSQL_COLLATION))))
    if col.kind == "id":
        if dialect == "postgres":
            constraints.append(exp.ColumnConstraint(kind=exp.GeneratedAsIdentityColumnConstraint(this=True)))
        elif dialect == "mysql":
            constraints.append(exp.ColumnConstraint(kind=exp.AutoIncrementColumnConstraint()))
    if col.primary_key:
        constraints.append(exp.ColumnConstraint(kind=exp.PrimaryKeyColumnConstraint()))
    elif not col.nullable:
        constraints.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
    if col.default is not None:
        constraints.append(exp.ColumnConstraint(kind=exp.DefaultColumnConstraint(this=_default(col, dialect))))
    for check in inline_checks:
        constraints.append(exp.ColumnConstraint(this=ident(check.name), kind=exp.CheckColumnConstraint(this=check_condition(check))))
    if inline_fk is not None:
        constraints.append(exp.ColumnConstraint(this=ident(inline_fk.name), kind=_reference(inline_fk)))
    return exp.ColumnDef(this=ident(col.name), kind=column_type(col, dialect, checked), constraints=constraints)


def _checked_columns(table: Table) -> set[str]:
    return {c.column for c in table.checks if c.kind == "length"}


def create_table(table: Table, dialect: str, *, deferred_fks: tuple[str, ...] = ()) -> exp.Create:
    """CREATE TABLE with every column, then its CHECKs and FKs as named table
    constraints.  FKs named in `deferred_fks` are left out (added later by
    ALTER TABLE, for cycles in the base schema)."""
    checked = _checked_columns(table)
    elements: list[exp.Expr] = [column_def(c, dialect, checked=c.name in checked) for c in table.columns]
    elements += [check_constraint(c) for c in table.checks]
    elements += [fk_constraint(fk) for fk in table.foreign_keys if fk.name not in deferred_fks]
    return exp.Create(this=exp.Schema(this=table_ref(table.name), expressions=elements), kind="TABLE")


def create_index(index: Index, dialect: str, *, concurrently: bool = False, if_not_exists: bool = False) -> exp.Create:
    # Each column carries its dialect's default NULL ordering; otherwise sqlglot
    # "preserves" the ordering of its neutral dialect and turns the MySQL index
    # into an index over CASE expressions.
    nulls_first = dialect in _NULLS_ARE_SMALL
    return exp.Create(
        this=exp.Index(
            this=ident(index.name),
            table=table_ref(index.table),
            params=exp.IndexParameters(columns=[exp.Ordered(this=exp.column(ident(c)), nulls_first=nulls_first) for c in index.columns]),
        ),
        kind="INDEX",
        unique=index.unique,
        exists=if_not_exists,
        concurrently=concurrently,
    )


def drop_index(index: Index, dialect: str, *, concurrently: bool = False, if_exists: bool = False) -> exp.Drop:
    # MySQL indexes live in their table's namespace: DROP INDEX name ON table.
    cluster = exp.OnProperty(this=table_ref(index.table)) if dialect == "mysql" else None
    return exp.Drop(this=None, kind="INDEX", tables=[table_ref(index.name)], exists=if_exists, concurrently=concurrently, cluster=cluster)


def drop_table(name: str) -> exp.Drop:
    return exp.Drop(kind="TABLE", tables=[table_ref(name)])


def alter(table: str, actions: list[exp.Expr], *, not_valid: bool = False) -> exp.Alter:
    """ALTER TABLE with one or more actions (MySQL applies them as one DDL)."""
    return exp.Alter(this=table_ref(table), kind="TABLE", actions=actions, not_valid=not_valid)


def add_constraint(constraint: exp.Constraint) -> exp.AddConstraint:
    return exp.AddConstraint(expressions=[constraint])


def drop_column(name: str) -> exp.Drop:
    return exp.Drop(kind="COLUMN", tables=[exp.column(ident(name))])


def drop_constraint(name: str, *, foreign_key_on_mysql: bool = False) -> exp.Drop:
    # MariaDB has no DROP CHECK; DROP CONSTRAINT works for CHECKs on MySQL
    # 8.0.19+ and MariaDB 10.2+, while FKs need DROP FOREIGN KEY on both.
    kind = "FOREIGN KEY" if foreign_key_on_mysql else "CONSTRAINT"
    return exp.Drop(kind=kind, tables=[table_ref(name)])


def set_setting(name: str, value: str | int) -> exp.Set:
    """`SET name = value` (name is one of the target's fixed setting names)."""
    rhs = exp.Literal.string(value) if isinstance(value, str) else exp.Literal.number(value)
    return exp.Set(expressions=[exp.SetItem(this=exp.EQ(this=exp.column(ident(name)), expression=rhs))])


def set_names_utf8mb4() -> exp.Set:
    """MySQL's `SET NAMES utf8mb4`: the client sends this file's text (UTF-8)
    as utf8mb4, whatever its default (often latin1), so non-Latin literals
    reach the utf8mb4 columns intact."""
    return exp.Set(expressions=[exp.SetItem(this=exp.var(MYSQL_CHARSET), kind="NAMES")])


def begin() -> exp.Transaction:
    return exp.Transaction()


def commit() -> exp.Commit:
    return exp.Commit()


def rename_column(old: str, new: str) -> exp.RenameColumn:
    return exp.RenameColumn(this=exp.column(ident(old)), to=exp.column(ident(new)))


def rename_table(new: str) -> exp.AlterRename:
    return exp.AlterRename(this=table_ref(new))


def set_type(col: Column, dialect: str, *, checked: bool, using: bool) -> exp.AlterColumn:
    """ALTER COLUMN c SET DATA TYPE t [USING CAST(c AS t)] (postgres)."""
    dtype = column_type(col, dialect, checked)
    cast = exp.Cast(this=exp.column(ident(col.name)), to=dtype.copy()) if using else None
    return exp.AlterColumn(this=ident(col.name), dtype=dtype, using=cast)


def set_default(col: Column, dialect: str) -> exp.AlterColumn:
    """ALTER COLUMN c SET DEFAULT v, or DROP DEFAULT when the column has none."""
    if col.default is None:
        return exp.AlterColumn(this=ident(col.name), drop=True)
    return exp.AlterColumn(this=ident(col.name), default=_default(col, dialect))


def set_not_null(name: str, not_null: bool) -> exp.AlterColumn:
    """ALTER COLUMN c SET NOT NULL / DROP NOT NULL."""
    return exp.AlterColumn(this=ident(name), allow_null=not not_null, drop=not not_null)


def not_null_check(table: str, column: str) -> exp.Constraint:
    """`CONSTRAINT ck_<table>_<column>_not_null CHECK (column IS NOT NULL)`:
    validated first, it lets SET NOT NULL skip its table scan (PostgreSQL 12+)."""
    return exp.Constraint(
        this=ident(not_null_check_name(table, column)),
        expressions=[exp.CheckColumnConstraint(this=exp.Not(this=exp.Is(this=exp.column(ident(column)), expression=exp.Null())))],
    )


def not_null_check_name(table: str, column: str) -> str:
    from compiler.names import constraint_name

    return constraint_name("ck", table, column, "not_null")


def modify_column(coldef: exp.ColumnDef) -> exp.ModifyColumn:
    """MySQL's MODIFY COLUMN: restates the whole column definition."""
    return exp.ModifyColumn(this=coldef)


def copy_rows(into: str, columns: list[tuple[str, str]], source: str) -> exp.Insert:
    """INSERT INTO into (new, ...) SELECT old, ... FROM source."""
    select = exp.Select(expressions=[exp.column(ident(old)) for _new, old in columns]).from_(table_ref(source))
    target = exp.Schema(this=table_ref(into), expressions=[ident(new) for new, _old in columns])
    return exp.Insert(this=target, expression=select)


def pragma_foreign_keys(on: bool) -> exp.Pragma:
    """SQLite's `PRAGMA foreign_keys = ON|OFF` (a no-op inside a transaction)."""
    return exp.Pragma(this=exp.EQ(this=exp.column(ident("foreign_keys")), expression=exp.var("ON" if on else "OFF")))


def create_enum_types(schema: Schema) -> list[exp.Expr]:
    """`CREATE TYPE name AS ENUM (...)` for each native enum a base table's column uses (postgres), by name."""
    enums = {c.enum.name: c.enum for t in schema.tables for c in t.columns if c.enum is not None and c.enum.native}
    return [
        exp.Create(
            kind="TYPE",
            this=exp.Table(this=ident(name)),
            expression=exp.DataType(this=exp.DataType.Type.ENUM, expressions=[exp.Literal.string(v) for v in enums[name].values]),
        )
        for name in sorted(enums)
    ]
