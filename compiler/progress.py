"""Progress lines on stderr while a long command runs.

Only when stderr is a terminal and the output format is not JSON: scripts,
CI logs and `--format json` consumers see exactly what they saw before.  The
commands turn it on with `reporting(...)`; the stages call `note(...)`,
which does nothing when it is off (the default), so library callers and the
tests of the stages are unaffected.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_sink: Callable[[str], None] | None = None


def wanted(fmt: str) -> bool:
    """Whether progress should be shown for output format `fmt`."""
    if fmt == "json":
        return False
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


@contextmanager
def reporting(command: str, fmt: str) -> Iterator[None]:
    """Within the block, `note` writes `<command>: <message>` lines to stderr
    when `wanted(fmt)`."""
    global _sink
    before = _sink
    if wanted(fmt):
        def write(message: str) -> None:
            print(f"{command}: {message}", file=sys.stderr, flush=True)

        _sink = write
    try:
        yield
    finally:
        _sink = before


def note(message: str) -> None:
    """One progress line, if progress is being reported."""
    if _sink is not None:
        _sink(message)


def active() -> bool:
    return _sink is not None
