"""The `pr` target: a draft PR body and payload per task.

Per spec: `<spec-id>/pr/body.md` and `<spec-id>/pr/payload.json`.  When a spec
has both a migration and endpoints it gets two PRs: the migration PR in
`<spec-id>/pr/migration.body.md` + `migration.payload.json`, and the
application PR (which names the migration PR's branch in `depends_on`) in
`body.md` + `payload.json`.  The three cross-spec views get theirs under
`_project/pr/<view-id>/`.

"Files modified" and the payload's content hashes come from the artifacts the
other targets actually render, so this target renders them first.  Snapshot
bodies say plainly that checks had not run; `specc pr` fills in real results.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Mapping

import targets
from compiler.draft import payloads
from compiler.emit import render_tree
from compiler.header import with_header
from compiler.ir import Project
from compiler.tasks import PROJECT, project_tasks

NAME = "pr"


def pr_dir(task_id: str, kind: str) -> PurePosixPath:
    """Where a task's PR files go: `<spec-id>/pr` or `_project/pr/<view-id>`."""
    return PurePosixPath(task_id, "pr") if kind == "spec" else PurePosixPath(PROJECT, "pr", task_id)


def from_tree(project: Project, tree: Mapping[PurePosixPath, str]) -> dict[PurePosixPath, str]:
    """The PR files, given the other targets' rendered tree."""
    out: dict[PurePosixPath, str] = {}
    for task in project_tasks(project):
        folder = pr_dir(task.id, task.kind)
        for part, data in payloads(project, task, tree):
            out[folder / f"{part.stem}body.md"] = data["body"]
            out[folder / f"{part.stem}payload.json"] = json.dumps(data, indent=2, sort_keys=True) + "\n"
    return out


def others() -> tuple[str, ...]:
    """Every registered target but this one."""
    return tuple(name for name in targets.TARGETS if name != NAME)


def render_all(project: Project) -> dict[PurePosixPath, str]:
    """Exactly `render_tree(project)`, rendering the other targets only once
    (the agent's fast path; `emit` alone has to render them itself)."""
    names = others()
    tree = render_tree(project, only=names) if names else {}
    if NAME in targets.TARGETS:
        tree.update({path: with_header(path, text) for path, text in from_tree(project, tree).items()})
    return dict(sorted(tree.items()))


def emit(project: Project) -> dict[PurePosixPath, str]:
    names = others()
    return from_tree(project, render_tree(project, only=names) if names else {})


def emit_from_tree(project: Project, tree: Mapping[PurePosixPath, str]) -> dict[PurePosixPath, str]:
    """`emit`, given the tree of the other targets that `compiler.emit` has
    just rendered (so a compile renders them once, and from its cache)."""
    return from_tree(project, tree)
