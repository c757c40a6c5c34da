"""Identifier rules shared by every dialect, and deterministic constraint names."""

from __future__ import annotations

import hashlib
import keyword
import re

MAX_IDENTIFIER_BYTES = 63  # PostgreSQL's NAMEDATALEN - 1; MySQL allows 64

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

# Words reserved in at least one target dialect (PostgreSQL, MySQL/MariaDB,
# SQLite) that a lower_snake_case column or table name could plausibly be.
RESERVED = frozenset(
    """
    add all alter analyze and any array as asc asymmetric authorization between
    binary both by call case cast change check collate column constraint create
    cross current current_date current_role current_time current_timestamp
    current_user database default deferrable delete desc describe distinct div
    do drop else end except exists explain false fetch for foreign freeze from
    full grant group having if ilike in index inner insert intersect interval
    into is isnull join key keys kill lateral leading left like limit localtime
    localtimestamp lock match natural not notnull null offset on only option or
    order outer over overlaps partition placing primary range read references
    regexp rename replace require returning revoke right rlike row rows schema
    select session_user set show similar some sql symmetric table then to
    trailing transaction trigger true union unique unsigned update usage use
    user using values variadic verbose when where window with
    """.split()
)


def identifier_problem(name: str) -> str | None:
    """Why `name` cannot be a table or column name in every dialect, or None."""
    if not IDENTIFIER.match(name):
        return "must be lower_snake_case ASCII: letters, digits and underscores"
    if len(name.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        return f"is {len(name.encode('utf-8'))} bytes; PostgreSQL truncates identifiers over {MAX_IDENTIFIER_BYTES} bytes"
    if name in RESERVED:
        return "is a reserved word in PostgreSQL, MySQL or SQLite"
    return None


def python_name_problem(name: str) -> str | None:
    """Why `name` (an operationId, field, query parameter or metric name, which
    generated Python uses as a function, parameter or variable name) cannot be
    one, or None."""
    if keyword.iskeyword(name):
        return "is a reserved word in Python"
    return None


def constraint_name(prefix: str, table: str, *parts: str) -> str:
    """`<prefix>_<table>_<parts>`, shortened with a stable hash when over 63 bytes."""
    name = "_".join((prefix, table) + parts)
    if len(name) <= MAX_IDENTIFIER_BYTES:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_IDENTIFIER_BYTES - 9]}_{digest}"
