"""Tasks: the units of work the Backend Agent and the PR target talk about.

Every spec is a task.  Three more tasks are views across all specs (the
brief's `validators-and-security`, `migrations-and-backfills` and
`contract-tests-and-ci`).  A task owns a set of generated artifacts, chosen
from the rendered tree by path, so "files modified" always reflects what the
targets really produced rather than a hard-coded list.
"""

from __future__ import annotations

from compiler import pypackage
from compiler.pypackage import owner_of
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal
from collections.abc import Mapping

import targets
from compiler.ir import Project, Spec
from compiler.target import APPLICATION, PrGroup

VALIDATORS = "validators-and-security"
MIGRATIONS = "migrations-and-backfills"
CONTRACT_TESTS = "contract-tests-and-ci"
VIEW_IDS = (VALIDATORS, MIGRATIONS, CONTRACT_TESTS)

VIEW_TITLES = {
    VALIDATORS: "Validators and a security review of every input surface",
    MIGRATIONS: "Every migration in order, with plans and rollbacks",
    CONTRACT_TESTS: "Every contract test, plus a CI workflow that runs specc",
}

PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}

PROJECT = "_project"
SECURITY_REVIEW = PurePosixPath(PROJECT, "security-review.md")
CI_DIR = PurePosixPath(PROJECT, "ci")


@dataclass(frozen=True)
class Task:
    """One task: a spec, or a view across specs.

    `spec_ids` are the specs whose artifacts the task covers, in project
    (dependency) order.  `priority` of a view is the highest priority of
    the specs it covers.
    """

    id: str
    title: str
    kind: Literal["spec", "view"]
    spec_ids: tuple[str, ...]
    priority: Literal["high", "medium", "low"]
    needs_migration: bool
    enables: tuple[str, ...]


def group_of(path: PurePosixPath) -> str:
    """The name of the PR group `path` (relative to the output root) belongs
    to, as the target that writes it declares (`compiler.target.FileKind`);
    "app" for a path no target declares."""
    return pr_group(path).name


def pr_group(path: PurePosixPath) -> PrGroup:
    """The PR group of `path` (see `group_of`)."""
    kind = targets.kind_of_path(path)
    return APPLICATION if kind is None else kind.group


def pr_dir(task_id: str, kind: str) -> PurePosixPath:
    """Where a task's PR files go: `<spec-id>/pr` or `_project/pr/<view-id>`."""
    return PurePosixPath(task_id, "pr") if kind == "spec" else PurePosixPath(PROJECT, "pr", task_id)


def _view_priority(specs: list[Spec]) -> Literal["high", "medium", "low"]:
    if not specs:
        return "low"
    best = min(specs, key=lambda s: PRIORITY_RANK[s.priority])
    return best.priority


def spec_task(spec: Spec) -> Task:
    """The task of one spec."""
    return Task(spec.id, spec.title, "spec", (spec.id,), spec.priority, spec.has_migration, spec.enables)


def view_task(project: Project, view_id: str, only: tuple[str, ...] = ()) -> Task:
    """A cross-spec view, optionally narrowed to the specs in `only`."""
    specs = [s for s in project.specs if not only or s.id in only]
    if view_id == MIGRATIONS:
        specs = [s for s in specs if s.has_migration]
    enables: list[str] = []
    for spec in specs:
        enables.extend(e for e in spec.enables if e not in enables)
    return Task(
        view_id,
        VIEW_TITLES[view_id],
        "view",
        tuple(s.id for s in specs),
        _view_priority(specs),
        view_id == MIGRATIONS and any(s.has_migration for s in specs),
        tuple(enables),
    )


def project_tasks(project: Project) -> tuple[Task, ...]:
    """Every spec task in project order, then the three views.

    A spec whose id collides with a view id keeps its spec task; the view
    is then only reachable through the PR target's `_project/pr/` output.
    """
    spec_tasks = tuple(spec_task(s) for s in project.specs)
    taken = {t.id for t in spec_tasks}
    return spec_tasks + tuple(view_task(project, v) for v in VIEW_IDS if v not in taken)


def find_task(project: Project, task_id: str) -> Task | None:
    """The task named `task_id`, or None."""
    for task in project_tasks(project):
        if task.id == task_id:
            return task
    return None


def task_paths(task: Task, tree: Mapping[PurePosixPath, str]) -> list[PurePosixPath]:
    """The generated artifacts `task` covers (never PR bodies/payloads), sorted
    so that specs appear in project order."""
    order = {sid: i for i, sid in enumerate(task.spec_ids)}
    chosen: list[PurePosixPath] = []
    for path in tree:
        group = group_of(path)
        if group == "pr":
            continue
        owner = owner_of(path)
        if task.kind == "spec":
            if owner in order or (owner == PROJECT and (group == "app" or pypackage.in_package(path))):
                chosen.append(path)
            continue
        wanted = {VALIDATORS: ("validators", "review"), MIGRATIONS: ("migration",), CONTRACT_TESTS: ("tests", "ci")}[task.id]
        if group in wanted and (owner in order or owner == PROJECT):
            chosen.append(path)
    return sorted(chosen, key=lambda p: (order.get(owner_of(p), len(order)), p.as_posix()))


def split_paths(task: Task, paths: list[PurePosixPath]) -> tuple[list[PurePosixPath], list[PurePosixPath]]:
    """(migration artifacts, application artifacts) of a spec task.

    The brief wants migrations and application logic in separate PRs, so the
    schema change can be reviewed, merged and run before code that needs it.
    """
    migration = [p for p in paths if group_of(p) == "migration"]
    app = [p for p in paths if group_of(p) != "migration"]
    # A backfill script imports the package's shared validation runtime: the
    # migration PR carries what it imports, so it runs when merged first.
    extra = set(pypackage.support(migration, app))
    return sorted(migration + list(extra), key=paths.index), app
