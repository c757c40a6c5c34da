"""How a task becomes one or two pull requests.

A spec with both a schema change and endpoints becomes two PRs, as the brief
asks ("separate PRs for migrations vs application logic"): the migration PR
first, then the application PR, which names the migration PR it depends on.
Everything else is one PR.  Branch names and titles are derived from the task
id only, so they are stable across runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal
from collections.abc import Mapping

from compiler.ir import Project, Spec
from compiler.review.tasks import Task, split_paths, task_paths

BRANCH_PREFIX = "specc/"

PartKind = Literal["single", "migration", "app"]


@dataclass(frozen=True)
class Part:
    """One draft PR of a task: which artifacts it carries and what it waits for.

    `name` is the file stem in `<spec-id>/pr/`: "payload"/"body" for the main
    PR, "migration.payload"/"migration.body" for a split-off migration PR.
    """

    kind: PartKind
    task: Task
    paths: tuple[PurePosixPath, ...]
    branch: str
    title: str
    depends_on: tuple[str, ...]

    @property
    def stem(self) -> str:
        return "migration." if self.kind == "migration" else ""


def specs_of(project: Project, task: Task) -> list[Spec]:
    """The specs a task covers, in project order."""
    if len(task.spec_ids) == 1:
        return [s for s in project.specs if s.id == task.spec_ids[0]]
    wanted = set(task.spec_ids)
    return [s for s in project.specs if s.id in wanted]


def is_split(spec: Spec) -> bool:
    """Whether `spec` becomes a migration PR plus an application PR."""
    return spec.has_migration and bool(spec.endpoints)


def _dep_branches(project: Project, spec: Spec, kind: PartKind) -> tuple[str, ...]:
    out = []
    for dep_id in spec.depends_on:
        dep = project.spec(dep_id)
        # A migration waits only for the schema it builds on; code waits for code.
        if dep is not None and is_split(dep) and kind == "migration":
            out.append(BRANCH_PREFIX + dep_id + "-migration")
        else:
            out.append(BRANCH_PREFIX + dep_id)
    return tuple(out)


def plan_parts(project: Project, task: Task, tree: Mapping[PurePosixPath, str]) -> tuple[Part, ...]:
    """The PRs of `task`, in the order they must be opened and merged."""
    paths = task_paths(task, tree)
    branch = BRANCH_PREFIX + task.id
    # A spec's PR also waits for the PRs of the specs it depends on.
    deps: tuple[str, ...] = ()
    if task.kind == "spec":
        spec = project.spec(task.id)
        assert spec is not None
        if is_split(spec):
            migration, app = split_paths(task, paths)
            mig_branch = branch + "-migration"
            return (
                Part("migration", task, tuple(migration), mig_branch, f"[specc] {task.id} (1/2): schema migration for {task.title}", _dep_branches(project, spec, "migration")),
                Part("app", task, tuple(app), branch, f"[specc] {task.id} (2/2): {task.title}", (mig_branch,) + _dep_branches(project, spec, "app")),
            )
        deps = _dep_branches(project, spec, "single")
    return (Part("single", task, tuple(paths), branch, f"[specc] {task.id}: {task.title}", deps),)
