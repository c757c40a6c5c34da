"""Type families and widths, to tell a widening from a narrowing and a
metadata-only type change from one that rewrites the table."""

from __future__ import annotations

from sqlglot import exp

from compiler.ir import Column

UNBOUNDED = 1 << 62
_INT_WIDTH = {exp.DataType.Type.SMALLINT: 2, exp.DataType.Type.INT: 4, exp.DataType.Type.BIGINT: 8}
_STRING = {exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR, exp.DataType.Type.TEXT}


def of_datatype(dtype: exp.DataType) -> tuple[str, int]:
    """(family, width) of a SQL type: strings by max length, integers by bytes."""
    t = dtype.this
    if t in _STRING:
        if t != exp.DataType.Type.TEXT and dtype.expressions:
            return "string", int(dtype.expressions[0].this.name)
        return "string", UNBOUNDED
    if t in _INT_WIDTH:
        return "int", _INT_WIDTH[t]
    return t.name.lower(), 0


def of_column(col: Column) -> tuple[str, int]:
    """(family, width) of an IR column as the SQL target stores it."""
    if col.kind in ("string", "url", "text", "enum"):
        return "string", col.max_length if col.max_length is not None and col.kind != "text" else UNBOUNDED
    if col.kind in ("int",):
        return "int", 4
    if col.kind in ("bigint", "id"):
        return "int", 8
    return col.kind, 0


def narrows(before: tuple[str, int], after: tuple[str, int]) -> bool:
    return before[0] == after[0] and after[1] < before[1]


def rewrites(before: tuple[str, int], after: tuple[str, int]) -> bool:
    """Postgres rewrites the table (and every index on it) for a type change,
    except when a string type only gets longer (varchar(n) -> varchar(m>n) or
    text), which is a catalog-only change."""
    if before == after:
        return False
    # widening a string is catalog-only; narrowing is a scan (SC103), not a rewrite
    return not before[0] == "string" == after[0]
