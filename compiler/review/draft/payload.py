"""Draft PR payloads: `{branch, title, body, commits, labels, draft, files, depends_on}`.

`files` lists the generated artifacts the PR carries with their sha256
content hashes, so a reviewer (or a bot opening the PR) can verify the
files are exactly what specc produced.  A spec's PR marks the project-wide
files it carries (`_project/app.py`, ...) `"shared": true` instead: they
change with every spec, and hashing them here would change every spec's
payload whenever one spec changes.  Payloads are deterministic: no
dates, no random ids.  specc never opens the PR; it only prepares this.
"""

from __future__ import annotations

from compiler.pypackage import owner_of
from pathlib import PurePosixPath
from typing import Any
from collections.abc import Mapping

from compiler.review.draft.body import migration_verdict, render_body, shared
from compiler.review.draft.parts import Part, plan_parts, specs_of
from compiler.review.draft.pieces import Pieces
from compiler.ir import Project
from compiler.target import PrGroup
from compiler.review.tasks import CONTRACT_TESTS, MIGRATIONS, VALIDATORS, Task, group_of, pr_group



def _labels(project: Project, part: Part) -> list[str]:
    task = part.task
    labels = {"specc", "backend", f"priority:{task.priority}"}
    specs = specs_of(project, task)
    carries_migration = part.kind == "migration" or task.id == MIGRATIONS or (part.kind == "single" and task.kind == "spec" and any(s.has_migration for s in specs))
    if carries_migration:
        labels.add("migration")
        # The label follows the migration plan's verdict, like the rollout text.
        if migration_verdict(specs) == "unsafe":
            labels.add("destructive-migration")
    elif task.needs_migration:
        labels.add("needs-migration")
    if part.kind in ("app", "single") and task.kind == "spec":
        labels.add("api")
    if task.id == VALIDATORS:
        labels.add("security")
    if task.id == CONTRACT_TESTS:
        labels.update(("tests", "ci"))
    return sorted(labels)


def _commits(part: Part) -> list[dict[str, Any]]:
    # One commit per (owner, PR group), in the groups' declared commit order.
    groups: dict[tuple[str, PrGroup], list[str]] = {}
    for path in part.paths:
        owner = owner_of(path)
        groups.setdefault((owner, pr_group(path)), []).append(path.as_posix())
    order = {sid: i for i, sid in enumerate(part.task.spec_ids)}
    keys = sorted(groups, key=lambda k: (order.get(k[0], len(order)), k[1].commit_order, k[1].name, k[0]))
    return [{"files": groups[k], "message": f"{k[0]}: {k[1].commit_message}"} for k in keys]


def payload(
    project: Project, part: Part, tree: Mapping[PurePosixPath, str], checks: Mapping[str, Any] | None = None, pieces: Pieces | None = None
) -> dict[str, Any]:
    """The draft PR payload of one part (`pieces`: see `render_body`)."""
    pieces = pieces if pieces is not None else Pieces(tree)
    return {
        "body": render_body(project, part, tree, checks, pieces),
        "branch": part.branch,
        "commits": _commits(part),
        "depends_on": list(part.depends_on),
        "draft": True,
        "files": [{"path": p.as_posix(), "shared": True} if shared(part, p) else {"path": p.as_posix(), "sha256": pieces.digest(p)} for p in part.paths],
        "labels": _labels(project, part),
        "title": part.title,
    }


def payloads(
    project: Project,
    task: Task,
    tree: Mapping[PurePosixPath, str],
    checks: Mapping[str, Any] | None = None,
    pieces: Pieces | None = None,
    clean: bool = False,
) -> list[tuple[Part, dict[str, Any]]]:
    """Every PR of `task` with its payload, in the order to open them
    (`clean`: `tree` holds no PR files already, so it need not be filtered)."""
    if not clean:
        tree = {p: t for p, t in tree.items() if group_of(p) != "pr"}
    pieces = pieces if pieces is not None else Pieces(tree)
    return [(part, payload(project, part, tree, checks, pieces)) for part in plan_parts(project, task, tree)]
