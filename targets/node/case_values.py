"""Contract case values and SQL names as JavaScript source, for the vitest writers."""

from __future__ import annotations

from typing import Any

from targets.fastapi import contract_cases as cases
from targets.node.js import lit


def value(v: Any) -> str:
    """A case value as a JS expression (a Rep as `prefix + char.repeat(n)`)."""
    if isinstance(v, cases.Rep):
        return f"({lit(v.prefix)} + {lit(v.char)}.repeat({v.count}))"
    if isinstance(v, list):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{lit(k)}: {value(x)}" for k, x in v.items()) + "}"
    return lit(v)


def qi(name: str) -> str:
    """A quoted SQL identifier (names come from the validated IR)."""
    if '"' in name or "\x00" in name:
        raise AssertionError(f"identifier {name!r} cannot be quoted safely")
    return '"' + name + '"'
