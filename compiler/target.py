"""The target contract: everything the driver, the cache, the PR drafts and
`specc check` need to know about a backend, declared in one value.

Each module under `targets/` exports `TARGET = Target(...)` and the registry
(`targets/__init__.py`) lists it with one line.  Nothing else in `compiler/`
names a concrete target: the header of a generated file, its PR group, how
`specc check` verifies it and how its per-spec output is cached all come from
the `FileKind`s and fields declared here.  See docs/targets.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import PurePosixPath
from typing import Any, Protocol
from collections.abc import Callable, Mapping

from compiler.ir import Project, Spec

# Paths relative to the output root -> file text without the generated-file header.
Files = dict[PurePosixPath, str]
# The rendered tree: paths -> text with headers.
Tree = Mapping[PurePosixPath, str]

# What a target's per-spec output reads, besides `project.base`: it decides
# what the cached files of one spec are keyed by.
OWN_SPEC = "spec"  # only the spec (schema_before/after included)
DEPENDENCIES = "dependencies"  # also every spec it depends on, directly or not


@dataclass(frozen=True)
class PrGroup:
    """A kind of artifact as a PR sees it: the body names each file's group,
    and the payload commits a spec's files one group at a time."""

    name: str
    title: str  # in "files modified": "- `x/routes.py` (application, ...)"
    commit_order: int  # a PR's commits go in increasing order
    commit_message: str  # "<spec-id>: <commit_message>"


@dataclass(frozen=True)
class Checker:
    """How `specc check` verifies one kind of generated file.

    `problem(path, text)` returns why the file is broken, or None.  A checker
    without `problem` is an explicit "not checked": check reports the files
    as skipped with `reason` instead of passing over them in silence.
    """

    label: str  # the check's name in the report: "<label>: <path>"
    problem: Callable[[PurePosixPath, str], str | None] | None = None
    reason: str = ""


@dataclass(frozen=True)
class FileKind:
    """One kind of file a target writes.

    A path is of this kind when it ends with `suffix` and matches the glob
    `where` (over the path relative to the output root; `*` crosses `/`).
    `comment` is the template of the generated-file header ("# {}\\n"), or
    None for formats without comments (JSON): such files get no header.
    """

    suffix: str
    comment: str | None
    group: PrGroup
    checker: Checker
    where: str = "*"

    def matches(self, path: str) -> bool:
        return path.endswith(self.suffix) and fnmatchcase(path, self.where)


class Memo(Protocol):
    """What a tree-reading target may reuse between compiles (the compile
    cache offers it; a plain `render` passes None)."""

    render_keys: dict[str, str]

    def spec_key(self, kind: str, spec_id: str, *parts: str) -> str | None:
        """The key of a `kind` entry derived from `spec_id`'s rendered files
        and `parts` (None: those files have no key, so do not cache)."""
        ...

    def get(self, kind: str, key: str | None) -> Any | None: ...

    def put(self, kind: str, key: str | None, value: Any) -> None: ...


def _no_files(project: Project) -> Files:
    return {}


@dataclass(frozen=True)
class Target:
    """A backend: what it writes and how.

    Output comes in up to three parts, all optional:

    - `emit_spec(project, spec)`: the files of one spec.  The driver loops
      over the specs (in worker processes, from the cache); what the result
      may read is declared by `reads` (`OWN_SPEC` or `DEPENDENCIES`) and
      `spec_key(project, spec)`, a text that changes whenever anything else
      it reads changes (it becomes part of the cache key).
    - project-wide files: `emit_project(project)`, or, so that one changed
      spec does not re-render every spec, `spec_fragment(project, spec)` (a
      picklable value cached like `emit_spec`) plus
      `assemble_project(project, fragments)` (spec id -> fragment, in
      project order).
    - `emit_from_tree(project, tree, memo)` when `reads_tree`: files built
      from the rendered tree of every target registered before this one
      (the PR target).  Such a target runs after those.

    `kinds` declares every kind of file the target writes (the driver
    refuses a file of no declared kind), `provides` named functions other
    stages use (`specc check` builds its database with `schema_ddl`).
    """

    name: str
    kinds: tuple[FileKind, ...]
    emit_spec: Callable[[Project, Spec], Files] | None = None
    reads: str = OWN_SPEC
    spec_key: Callable[[Project, Spec], str] | None = None
    emit_project: Callable[[Project], Files] | None = None
    spec_fragment: Callable[[Project, Spec], Any] | None = None
    assemble_project: Callable[[Project, Mapping[str, Any]], Files] | None = None
    reads_tree: bool = False
    emit_from_tree: Callable[[Project, Tree, Memo | None], Files] | None = None
    provides: Mapping[str, Callable[..., Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.reads not in (OWN_SPEC, DEPENDENCIES):
            raise ValueError(f"target {self.name}: reads must be OWN_SPEC or DEPENDENCIES, not {self.reads!r}")
        if (self.spec_fragment is None) != (self.assemble_project is None):
            raise ValueError(f"target {self.name}: spec_fragment and assemble_project go together")
        if self.emit_project is not None and self.assemble_project is not None:
            raise ValueError(f"target {self.name}: one of emit_project and assemble_project, not both")
        if self.reads_tree != (self.emit_from_tree is not None):
            raise ValueError(f"target {self.name}: reads_tree and emit_from_tree go together")
        if not self.kinds:
            raise ValueError(f"target {self.name}: declares no file kind")

    @property
    def per_spec(self) -> bool:
        """Whether the driver runs this target spec by spec."""
        return self.emit_spec is not None or self.spec_fragment is not None

    @property
    def has_project_files(self) -> bool:
        return self.emit_project is not None or self.assemble_project is not None

    def spec_files(self, project: Project, spec: Spec) -> Files:
        return self.emit_spec(project, spec) if self.emit_spec is not None else {}

    def project_files(self, project: Project, fragments: Mapping[str, Any]) -> Files:
        """The project-wide files, given every spec's fragment (if it has them)."""
        if self.assemble_project is not None:
            return self.assemble_project(project, fragments)
        return (self.emit_project or _no_files)(project)

    def emit(self, project: Project, tree: Tree | None = None) -> Files:
        """Every file of this target without headers: the per-spec loop plus
        the project-wide files (plus, for a tree reader, its files from
        `tree`, the headed output of the targets before it)."""
        out: Files = {}
        fragments: dict[str, Any] = {}
        for spec in project.specs:
            out.update(self.spec_files(project, spec))
            if self.spec_fragment is not None:
                fragments[spec.id] = self.spec_fragment(project, spec)
        out.update(self.project_files(project, fragments))
        if self.emit_from_tree is not None:
            out.update(self.emit_from_tree(project, tree or {}, None))
        return out

    def kind_of(self, path: str) -> FileKind | None:
        """The first declared kind `path` is of, or None."""
        for kind in self.kinds:
            if kind.matches(path):
                return kind
        return None


# The PR groups every target shares.  A target may declare its own: the PR
# drafts know a group only through its `PrGroup`.
MIGRATION = PrGroup("migration", "migration", 10, "add the schema migration and its plan")
VALIDATION = PrGroup("validators", "validation", 20, "add request validators and JSON Schemas")
APPLICATION = PrGroup("app", "application", 30, "add routes and API description")
TESTS = PrGroup("tests", "tests", 40, "add contract tests")
CI = PrGroup("ci", "CI", 50, "add the CI workflow that runs specc")
REVIEW = PrGroup("review", "security review", 60, "add the security review of every input surface")
# The PR target's own files: never part of a PR's "files modified".
PR = PrGroup("pr", "pull request", 90, "add the draft PR")
