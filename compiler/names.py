"""Identifier rules shared by every dialect, and deterministic constraint names."""

from __future__ import annotations

import hashlib
import keyword
import re

MAX_IDENTIFIER_BYTES = 63  # PostgreSQL's NAMEDATALEN - 1; MySQL allows 64

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
# A physical name: a spec name after a profile's conventions ("userId" under
# prisma-postgres), or an imported base schema's name ("Script").
PHYSICAL_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# SQL keywords are not refused: every generated statement quotes a table or
# column name in each dialect whose engine reserves it (or that sqlglot would
# misread), from the engines' own keyword tables; see compiler/sql_keywords/.


def identifier_problem(name: str) -> str | None:
    """Why `name` cannot be a table or column name in every dialect, or None."""
    if not IDENTIFIER.match(name):
        return "must be lower_snake_case ASCII: letters, digits and underscores"
    if len(name.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        return f"is {len(name.encode('utf-8'))} bytes; PostgreSQL truncates identifiers over {MAX_IDENTIFIER_BYTES} bytes"
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
