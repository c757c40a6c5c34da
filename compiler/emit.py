"""Stage 4: run every registered target over the IR and collect the file tree.

Targets that implement the per-spec protocol (`targets/__init__.py`) are run
spec by spec: each spec's files come from the cache when its inputs are
unchanged, and the specs that must be rendered are spread over worker
processes when there are enough of them to pay for it.  Other targets run
once over the whole project.  The tree is the same either way.

Targets write Python without caring for its layout; every generated module
rendered by a compile is then formatted by ruff (`compiler.ruff_format`) in
one `ruff format` process, before it is cached, so cached entries hold the
formatted bytes.
"""

from __future__ import annotations

import os
import time
from pathlib import PurePosixPath
from types import ModuleType
from typing import TYPE_CHECKING, Any

import targets
from compiler import progress
from compiler.build.cache import key_of
from compiler.build.header import with_header
from compiler.ir import Project, Spec
from compiler.ruff_format import format_python

if TYPE_CHECKING:
    from compiler.build.incremental import CompileCache

# Below this many specs to render, worker processes cost more than they save
# (measured: starting a worker and shipping results back is ~50-100 ms).
PARALLEL_MIN_SPECS = 24

# One spec's rendered files per target (paths as text), and its fragments.
Entry = tuple[dict[str, dict[str, str]], dict[str, Any]]


class TargetConflict(Exception):
    """Two targets produced the same path: a compiler bug, not a user error."""


class _Layout:
    """The rendered Python modules still to be formatted, collected so that one
    ruff process formats all of them; `run` replaces each in its files dict."""

    def __init__(self) -> None:
        self.pending: list[tuple[dict[str, str], str]] = []

    def add(self, files: dict[str, str]) -> None:
        self.pending.extend((files, path) for path in files if path.endswith(".py"))

    def run(self) -> None:
        pending, self.pending = self.pending, []
        for (files, path), text in zip(pending, format_python([files[p] for files, p in pending])):
            files[path] = text


def _checked(name: str, files: dict[PurePosixPath, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for path, text in files.items():
        if path.is_absolute() or ".." in path.parts:
            raise TargetConflict(f"target {name} emitted an unsafe path {path}")
        out[path.as_posix()] = with_header(path, text)
    return out


def _render_spec(project: Project, spec: Spec, names: tuple[str, ...], mods: dict[str, ModuleType]) -> Entry:
    files: dict[str, dict[str, str]] = {}
    fragments: dict[str, Any] = {}
    for name in names:
        module = mods[name]
        files[name] = _checked(name, module.emit_spec(project, spec))
        if hasattr(module, "spec_fragment"):
            fragments[name] = module.spec_fragment(project, spec)
    return files, fragments


# Set in the parent before forking, so workers inherit the IR instead of
# receiving it pickled.
_WORK: tuple[Project, tuple[str, ...], dict[str, ModuleType]] | None = None


def _render_index(i: int) -> Entry:
    assert _WORK is not None
    project, names, mods = _WORK
    return _render_spec(project, project.specs[i], names, mods)


def _workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _render_many(project: Project, indexes: list[int], names: tuple[str, ...], mods: dict[str, ModuleType], jobs: int) -> list[Entry]:
    if jobs <= 1 or len(indexes) < PARALLEL_MIN_SPECS:
        return [_render_spec(project, project.specs[i], names, mods) for i in indexes]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _WORK
    # The first spec is rendered here, before forking, so every worker
    # inherits warm memos (templates).
    first = _render_spec(project, project.specs[indexes[0]], names, mods)
    _WORK = (project, names, mods)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            rest = indexes[1:]
            chunk = max(1, len(rest) // (jobs * 8))
            return [first] + list(pool.map(_render_index, rest, chunksize=chunk))
    finally:
        _WORK = None


def _dependencies(project: Project, spec: Spec) -> tuple[str, ...]:
    """Every spec `spec` depends on, directly or not, sorted."""
    seen: set[str] = set()
    todo = list(spec.depends_on)
    while todo:
        sid = todo.pop()
        if sid in seen:
            continue
        seen.add(sid)
        dep = project.spec(sid)
        if dep is not None:
            todo.extend(dep.depends_on)
    return tuple(sorted(seen))


def _spec_entries(
    project: Project, names: tuple[str, ...], mods: dict[str, ModuleType], cache: CompileCache | None, jobs: int, layout: _Layout
) -> tuple[list[Entry], list[tuple[str | None, Entry]]]:
    """Every spec's entry, and the (key, entry) pairs rendered now: their
    Python is in `layout`, and they are cached once it is formatted."""
    entries: list[Entry | None] = [None] * len(project.specs)
    keys: list[str | None] = [None] * len(project.specs)
    with_deps = any(getattr(mods[n], "EMIT_SPEC_READS_DEPENDENCIES", False) for n in names)
    extra = [mods[n].emit_spec_key for n in names if hasattr(mods[n], "emit_spec_key")]
    if cache is not None and names:
        for i, spec in enumerate(project.specs):
            key = cache.spec_output_key(spec.id, names)
            if key is not None and extra:
                key = key + ":" + key_of(*(f(project, spec) for f in extra))
            if key is not None and with_deps:
                dep_keys = [cache.spec_output_key(d, names) for d in _dependencies(project, spec)]
                key = None if any(k is None for k in dep_keys) else key + ":" + ",".join(dep_keys)  # type: ignore[arg-type]
            keys[i] = key
            if key is not None:
                cache.render_keys[spec.id] = key
            cached = cache.get("out", key)
            if isinstance(cached, tuple) and len(cached) == 2 and set(cached[0]) == set(names):
                entries[i] = cached
    missing = [i for i, e in enumerate(entries) if e is None]
    fresh: list[tuple[str | None, Entry]] = []
    if missing:
        total = len(project.specs)
        progress.note(f"rendering {len(missing)} of {total} specs ({total - len(missing)} unchanged, from the cache)")
        shown = time.monotonic()
        for n, (i, entry) in enumerate(zip(missing, _render_many(project, missing, names, mods, jobs)), 1):
            entries[i] = entry
            for files in entry[0].values():
                layout.add(files)
            fresh.append((keys[i], entry))
            if progress.active() and time.monotonic() - shown >= 1.0 and n < len(missing):
                progress.note(f"rendered {n} of {len(missing)} specs")
                shown = time.monotonic()
    return entries, fresh  # type: ignore[return-value]


def _project_files(
    project: Project, name: str, module: ModuleType, entries: list[Entry], cache: CompileCache | None, whole: bool
) -> tuple[dict[str, str], str | None, bool]:
    """The files, their cache key, and whether they were rendered now (then
    their Python is unformatted and they are not cached yet)."""
    key = cache.project_output_key(name, tuple(s.id for s in project.specs)) if cache is not None else None
    cached = cache.get("proj", key) if cache is not None else None
    if isinstance(cached, dict):
        return cached, key, False
    if whole:
        files = module.emit(project)
    elif hasattr(module, "spec_fragment"):
        fragments = {spec.id: entry[1][name] for spec, entry in zip(project.specs, entries)}
        files = module.emit_project(project, fragments)
    else:
        files = module.emit_project(project)
    return _checked(name, files), key, True


def render_tree(
    project: Project, only: tuple[str, ...] = (), cache: CompileCache | None = None, jobs: int | None = None
) -> dict[PurePosixPath, str]:
    """All artifacts of `project`, path -> text, with headers, sorted by path.

    `cache` reuses the files of unchanged specs; `jobs` caps worker processes
    (default: the CPUs available; 1 renders in this process).
    """
    names = tuple(n for n in targets.TARGETS if not only or n in only)
    mods = {n: targets.module(n) for n in names}
    per_spec = tuple(n for n in names if hasattr(mods[n], "emit_spec"))
    layout = _Layout()
    entries, fresh = _spec_entries(project, per_spec, mods, cache, _workers() if jobs is None else jobs, layout)
    # Every target's project-wide files (except those built from the tree),
    # rendered before anything is formatted, so that one ruff run formats all.
    project_files: dict[str, dict[str, str]] = {}
    fresh_project: list[tuple[str, str | None, dict[str, str]]] = []
    done: list[str] = []
    for name in names:
        module = mods[name]
        done.append(name)
        from_tree = name not in per_spec and hasattr(module, "emit_from_tree") and set(module.others()) <= set(done)
        if from_tree or (name in per_spec and not hasattr(module, "emit_project")):
            continue
        files, key, rendered = _project_files(project, name, module, entries, cache, whole=name not in per_spec)
        project_files[name] = files
        if rendered:
            layout.add(files)
            fresh_project.append((name, key, files))
    layout.run()
    if cache is not None:
        for key, entry in fresh:
            cache.put("out", key, entry)
        for name, key, files in fresh_project:
            cache.put("proj", key, files)
    tree: dict[str, str] = {}
    owner: dict[str, str] = {}

    def add(name: str, files: dict[str, str]) -> None:
        for path, text in files.items():
            if path in tree:
                raise TargetConflict(f"targets {owner[path]} and {name} both emit {path}")
            tree[path] = text
            owner[path] = name

    made: dict[str, PurePosixPath] = {}
    for name in names:
        module = mods[name]
        if name in per_spec:
            for entry in entries:
                add(name, entry[0][name])
        if name in project_files:
            add(name, project_files[name])
        elif name not in per_spec:
            # A target built from the others' output (the PR target): give it
            # the tree rendered so far instead of letting it render it again.
            # It caches its own per-spec pieces (keyed by `cache.render_keys`).
            others = set(module.others())
            so_far = _sorted_tree({p: t for p, t in tree.items() if owner[p] in others}, made)
            files = _checked(name, module.emit_from_tree(project, so_far, cache))
            layout.add(files)
            layout.run()
            add(name, files)
    return _sorted_tree(tree, made)


def _sorted_tree(tree: dict[str, str], made: dict[str, PurePosixPath]) -> dict[PurePosixPath, str]:
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

