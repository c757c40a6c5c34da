"""A `git apply`-able patch of a task's generated files.

The patch turns what exists under `<repo>/<prefix>/` into what specc
generates: new files are created, changed files updated.  Writing the patch
touches nothing in the repository; the user reviews it and runs
`git apply PATCH` (or `git apply --check PATCH` first).
"""

from __future__ import annotations

import difflib
from pathlib import Path, PurePosixPath
from typing import Mapping


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        # git needs this marker to reproduce a missing final newline.
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def make_patch(files: Mapping[PurePosixPath, str], repo: Path, prefix: str = "snapshots") -> str:
    """The patch from `repo/prefix/<path>` (as it is now) to `files`."""
    out: list[str] = []
    base = PurePosixPath(prefix) if prefix not in ("", ".") else PurePosixPath()
    for rel in sorted(files):
        target = base / rel
        disk = repo / Path(*target.parts)
        new = files[rel]
        if disk.is_file():
            old = disk.read_bytes().decode("utf-8", "replace")
            if old == new:
                continue
            header = [f"diff --git a/{target} b/{target}\n"]
            diff = difflib.unified_diff(_lines(old), _lines(new), f"a/{target}", f"b/{target}")
        else:
            header = [f"diff --git a/{target} b/{target}\n", "new file mode 100644\n"]
            diff = difflib.unified_diff([], _lines(new), "/dev/null", f"b/{target}")
        body = list(diff)
        if body:
            out += header + body
    return "".join(out)
