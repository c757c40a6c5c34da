"""Placeholder."""
from __future__ import annotations


def render_plan(spec, migration) -> str:  # type: ignore[no-untyped-def]
    return ""
