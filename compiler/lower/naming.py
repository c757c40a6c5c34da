"""The conventions lowering applies (see `compiler.ir.Conventions`).

`build_project` activates the project's conventions around lowering; the
functions here give the physical name of a spec's column, constraint or
index under them.  With the default profile they are exactly the names
specc has always produced.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from compiler.ir import DEFAULT_CONVENTIONS, Column, Conventions
from compiler.names import MAX_IDENTIFIER_BYTES, constraint_name

_ACTIVE: ContextVar[Conventions] = ContextVar("specc_conventions", default=DEFAULT_CONVENTIONS)


def active() -> Conventions:
    return _ACTIVE.get()


@contextmanager
def using(conventions: Conventions) -> Iterator[None]:
    token = _ACTIVE.set(conventions)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def column(name: str) -> str:
    """The physical name of the column a spec calls `name`."""
    return active().column(name)


def _prisma(name: str) -> str:
    # Prisma's own names have no length guard; past PostgreSQL's limit specc
    # shortens them as it shortens its own (a stable hash suffix).
    if len(name.encode()) <= MAX_IDENTIFIER_BYTES:
        return name
    return constraint_name(name[:40], "")[:MAX_IDENTIFIER_BYTES]


def index_name(table: str, columns: tuple[str, ...] | list[str], unique: bool) -> str:
    if active().naming == "prisma":
        return _prisma("_".join((table, *columns, "key" if unique else "idx")))
    return constraint_name("ux" if unique else "ix", table, *columns)


def fk_name(table: str, col: str) -> str:
    if active().naming == "prisma":
        return _prisma(f"{table}_{col}_fkey")
    return constraint_name("fk", table, col)


def check_name(table: str, col: str, what: str) -> str:
    if active().naming == "prisma":
        return _prisma(f"{table}_{col}_{what}_check")
    return constraint_name("ck", table, col, what)


def physical_types(col: Column) -> Column:
    """`col` with the profile's physical types: TIMESTAMP(3) timestamps."""
    from dataclasses import replace

    if col.kind == "timestamp" and active().timestamps == "timestamp3":
        return replace(col, precision=3, timezone=False)
    return col
