"""Stage 4: run every registered target over the IR and collect the file tree.

`render(project)` is the whole stage: each target's per-spec files (the
contract's per-spec loop), its project-wide files, then the files of the
targets built from the tree rendered so far (`reads_tree`), each file given
the generated-file header of its declared kind, in path order.  Caching and
worker processes are a layer around the same steps
(`compiler.build.render_cache.cached_render`); targets see neither.

Targets write Python without caring for its layout: the driver formats every
module rendered by a compile with ruff (`compiler.ruff_format`), in one
`ruff format` process for all specs' files (`format_entries`), so what is
cached holds the formatted bytes.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from collections.abc import Callable, Mapping

import targets
from compiler.build.header import with_header
from compiler.ir import Project, Spec
from compiler.ruff_format import format_python
from compiler.target import Files, Memo, Target

# One spec's rendered files per per-spec target (paths as text, headed), and
# its fragments per target.
Entry = tuple[dict[str, dict[str, str]], dict[str, Any]]
# (target, every spec's entry) -> that target's project-wide files, headed.
ProjectFiles = Callable[[Target, list[Entry]], dict[str, str]]


class TargetConflict(Exception):
    """Two targets produced the same path, or a target wrote a file of no kind
    it declares: a compiler bug, not a user error."""


def selection(only: tuple[str, ...] = ()) -> tuple[tuple[Target, ...], frozenset[str]]:
    """(the targets to run, the names whose files to keep) for `only` (default
    all).  A tree-reading target in `only` needs every target before it run."""
    names = tuple(targets.TARGETS)
    keep = frozenset(n for n in names if not only or n in only)
    chosen = [targets.get(n) for n in names]
    last = max((i for i, t in enumerate(chosen) if t.name in keep and t.reads_tree), default=-1)
    run = tuple(t for i, t in enumerate(chosen) if t.name in keep or i < last)
    return run, keep


def headed(target: Target, files: Files) -> dict[str, str]:
    """`files` keyed by path text, each with the header of its declared kind."""
    out: dict[str, str] = {}
    for path, text in files.items():
        if path.is_absolute() or ".." in path.parts:
            raise TargetConflict(f"target {target.name} emitted an unsafe path {path}")
        name = path.as_posix()
        kind = target.kind_of(name)
        if kind is None:
            raise TargetConflict(f"target {target.name} wrote {name}, which is of no file kind it declares")
        out[name] = with_header(text, kind.comment)
    return out


def render_spec(project: Project, spec: Spec, per_spec: tuple[Target, ...]) -> Entry:
    """The files and fragments of one spec, for every per-spec target."""
    files: dict[str, dict[str, str]] = {}
    fragments: dict[str, Any] = {}
    for target in per_spec:
        files[target.name] = headed(target, target.spec_files(project, spec))
        if target.spec_fragment is not None:
            fragments[target.name] = target.spec_fragment(project, spec)
    return files, fragments


def format_files(groups: list[dict[str, str]]) -> None:
    """Format every Python module of `groups` in place, in one ruff process."""
    pending = [(files, path) for files in groups for path in files if path.endswith(".py")]
    if pending:
        for (files, path), text in zip(pending, format_python([files[p] for files, p in pending]), strict=True):
            files[path] = text


def project_files(project: Project, target: Target, entries: list[Entry]) -> dict[str, str]:
    """`target`'s project-wide files, assembled from the specs' fragments
    (headed; their Python not yet formatted)."""
    fragments = {spec.id: entry[1][target.name] for spec, entry in zip(project.specs, entries, strict=True)} if target.spec_fragment else {}
    return headed(target, target.project_files(project, fragments))


def assemble(
    project: Project,
    run: tuple[Target, ...],
    keep: frozenset[str],
    entries: list[Entry],
    project_output: ProjectFiles,
    memo: Memo | None = None,
) -> dict[PurePosixPath, str]:
    """The tree: every target of `run` in order, its per-spec files from
    `entries`, its project-wide files from `project_output`, a tree reader's
    files from the tree of the targets before it; only `keep`'s files kept."""
    tree: dict[str, str] = {}
    owner: dict[str, str] = {}
    made: dict[str, PurePosixPath] = {}

    def add(name: str, files: Mapping[str, str]) -> None:
        for path, text in files.items():
            if path in tree:
                raise TargetConflict(f"targets {owner[path]} and {name} both emit {path}")
            tree[path] = text
            owner[path] = name

    for target in run:
        if target.per_spec:
            for entry in entries:
                add(target.name, entry[0][target.name])
        if target.has_project_files:
            add(target.name, project_output(target, entries))
        if target.emit_from_tree is not None:
            so_far = sorted_tree(tree, made)
            from_tree = headed(target, target.emit_from_tree(project, so_far, memo))
            format_files([from_tree])
            add(target.name, from_tree)
    return sorted_tree({p: t for p, t in tree.items() if owner[p] in keep}, made)


def render(project: Project, only: tuple[str, ...] = ()) -> dict[PurePosixPath, str]:
    """All artifacts of `project` (or of the targets in `only`), path -> text,
    with headers, sorted by path."""
    run, keep = selection(only)
    per_spec = tuple(t for t in run if t.per_spec)
    entries = [render_spec(project, spec, per_spec) for spec in project.specs]
    whole = {t.name: project_files(project, t, entries) for t in run if t.has_project_files}
    format_files([files for entry in entries for files in entry[0].values()] + list(whole.values()))
    return assemble(project, run, keep, entries, lambda target, got: whole[target.name])


# The name most callers know stage 4 by.
render_tree = render


def sorted_tree(tree: Mapping[str, str], made: dict[str, PurePosixPath]) -> dict[PurePosixPath, str]:
    """`tree` keyed by PurePosixPath, in PurePosixPath order: the order of
    the paths' parts, compared as lists of strings (much cheaper than
    comparing thousands of PurePosixPath objects).  `made` keeps the path
    objects already built (building one costs more than sorting it)."""
    out: dict[PurePosixPath, str] = {}
    for p in sorted(tree, key=lambda p: p.split("/")):
        path = made.get(p)
        if path is None:
            path = made[p] = PurePosixPath(p)
        out[path] = tree[p]
    return out
