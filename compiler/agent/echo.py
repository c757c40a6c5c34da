"""Bounding what error messages echo back of the caller's input.

A 100,000-character task id must not come back whole in the error: every
value from the caller that a message quotes goes through `shown` (its repr,
cut to `ECHO_LIMIT` characters with an ellipsis), and every message the
agent returns is cut to `MESSAGE_LIMIT` as a last resort (`bound`).
"""

from __future__ import annotations

from typing import Any

ECHO_LIMIT = 80
MESSAGE_LIMIT = 2000


def cut(text: str, limit: int = ECHO_LIMIT) -> str:
    """`text`, or its first characters and an ellipsis if longer than `limit`."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(value: Any, limit: int = ECHO_LIMIT) -> str:
    """`repr(value)` bounded to `limit` characters (strings keep their quotes' look)."""
    return cut(repr(value), limit)


def names(values: Any, limit: int = ECHO_LIMIT) -> str:
    """A comma-separated list of caller values, each bounded, at most 10 of them."""
    items = [shown(v, limit) for v in list(values)[:10]]
    more = len(list(values)) - len(items)
    return ", ".join(items) + (f" and {more} more" if more > 0 else "")


def bound(result: dict[str, Any]) -> dict[str, Any]:
    """`result` with its `message` no longer than MESSAGE_LIMIT characters."""
    message = result.get("message")
    if isinstance(message, str) and len(message) > MESSAGE_LIMIT:
        return {**result, "message": cut(message, MESSAGE_LIMIT)}
    return result
