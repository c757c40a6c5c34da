"""A `git apply`-able patch of a task's generated files.

The patch turns what exists under `<repo>/<prefix>/` into exactly what
`specc compile` writes there: new files are created, changed files updated
and files compile would not write (orphans, which `specc compile --check`
reports as stale) deleted.  So after `git apply`, `specc compile --check`
is green, as long as the repository's specs are the ones the patch was made
from.  Writing the patch
touches nothing in the repository; the user reviews it and runs
`git apply PATCH` (or `git apply --check PATCH` first).
"""

from __future__ import annotations

import difflib
from pathlib import Path, PurePosixPath
from collections.abc import Mapping


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        # git needs this marker to reproduce a missing final newline.
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def make_patch(files: Mapping[PurePosixPath, str], repo: Path, prefix: str = "snapshots", *, delete_others: bool = False) -> str:
    """The patch from `repo/prefix/<path>` (as it is now) to `files`; with
    `delete_others`, files under `repo/prefix` that are not in `files` are deleted."""
    out: list[str] = []
    base = PurePosixPath(prefix) if prefix not in ("", ".") else PurePosixPath()
    root = repo / Path(*base.parts)
    others: list[PurePosixPath] = []
    if delete_others and root.is_dir():
        others = [PurePosixPath(p.relative_to(root).as_posix()) for p in root.rglob("*") if p.is_file() and PurePosixPath(p.relative_to(root).as_posix()) not in files]
    for rel in sorted(set(files) | set(others)):
        target = base / rel
        disk = repo / Path(*target.parts)
        if rel not in files:
            old = disk.read_bytes().decode("utf-8", "replace")
            header = [f"diff --git a/{target} b/{target}\n", "deleted file mode 100644\n"]
            body = list(difflib.unified_diff(_lines(old), [], f"a/{target}", "/dev/null"))
            out += header + body if body else []
            continue
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
