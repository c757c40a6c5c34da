"""One green `specc check` run of the seed specs, shared by the check and
mutation tests (it is the slowest thing the suite does, so it runs once)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

from compiler.cli import main
from tests.conftest import SPECS


@lru_cache(maxsize=1)
def green_cli_json() -> tuple[int, dict[str, Any]]:
    """Exit code and JSON output of `specc check --format json` over the seed specs."""
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["check", "--format", "json", "--specs", str(SPECS)])
    return code, json.loads(out.getvalue())


def statuses(section: dict[str, Any]) -> dict[str, str]:
    """Check name -> status, from a section of `as_dict()`."""
    return {c["name"]: c["status"] for c in section["checks"]}


def mutate(tree: dict[PurePosixPath, str], path: str, old: str, new: str) -> dict[PurePosixPath, str]:
    """A copy of `tree` with `old` replaced by `new` in `path`, exactly once.

    Fails when `old` is not there (or not unique), so a mutation test can
    never pass because its mutation silently did not apply.
    """
    key = PurePosixPath(path)
    text = tree[key]
    assert text.count(old) == 1, f"mutation target found {text.count(old)} times in {path}: {old!r}"
    mutated = dict(tree)
    mutated[key] = text.replace(old, new)
    assert mutated[key] != text
    return mutated
