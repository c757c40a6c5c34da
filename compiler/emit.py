"""Stage 4: run every registered target over the IR and collect the file tree."""

from __future__ import annotations

from pathlib import PurePosixPath

import targets
from compiler.header import with_header
from compiler.ir import Project


class TargetConflict(Exception):
    """Two targets produced the same path: a compiler bug, not a user error."""


def render_tree(project: Project, only: tuple[str, ...] = ()) -> dict[PurePosixPath, str]:
    """All artifacts of `project`, path -> text, with headers, sorted by path."""
    tree: dict[PurePosixPath, str] = {}
    owner: dict[PurePosixPath, str] = {}
    for name in targets.TARGETS:
        if only and name not in only:
            continue
        for path, text in targets.load(name)(project).items():
            if path.is_absolute() or ".." in path.parts:
                raise TargetConflict(f"target {name} emitted an unsafe path {path}")
            if path in tree:
                raise TargetConflict(f"targets {owner[path]} and {name} both emit {path}")
            tree[path] = with_header(path, text)
            owner[path] = name
    return dict(sorted(tree.items()))
