"""Stage 4: run every registered target over the IR and collect the file tree.

Targets that implement the per-spec protocol (`targets/__init__.py`) are run
spec by spec: each spec's files come from the cache when its inputs are
unchanged, and the specs that must be rendered are spread over worker
processes when there are enough of them to pay for it.  Other targets run
once over the whole project.  The tree is the same either way.
"""

from __future__ import annotations

import os
import time
from pathlib import PurePosixPath
from types import ModuleType
from typing import TYPE_CHECKING, Any

import targets
from compiler import progress
from compiler.cache import key_of
from compiler.header import with_header
from compiler.ir import Project, Spec

if TYPE_CHECKING:
    from compiler.incremental import CompileCache

# Below this many specs to render, worker processes cost more than they save
# (measured: starting a worker and shipping results back is ~50-100 ms).
PARALLEL_MIN_SPECS = 24

# One spec's rendered files per target (paths as text), and its fragments.
Entry = tuple[dict[str, dict[str, str]], dict[str, Any]]


class TargetConflict(Exception):
    """Two targets produced the same path: a compiler bug, not a user error."""


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
    # inherits warm memos (templates, black results for the fixed code).
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
    project: Project, names: tuple[str, ...], mods: dict[str, ModuleType], cache: CompileCache | None, jobs: int
) -> list[Entry]:
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
    if missing:
        total = len(project.specs)
        progress.note(f"rendering {len(missing)} of {total} specs ({total - len(missing)} unchanged, from the cache)")
        shown = time.monotonic()
        for n, (i, entry) in enumerate(zip(missing, _render_many(project, missing, names, mods, jobs)), 1):
            entries[i] = entry
            if cache is not None:
                cache.put("out", keys[i], entry)
            if progress.active() and time.monotonic() - shown >= 1.0 and n < len(missing):
                progress.note(f"rendered {n} of {len(missing)} specs")
                shown = time.monotonic()
    return entries  # type: ignore[return-value]


def _project_files(
    project: Project, name: str, module: ModuleType, entries: list[Entry], cache: CompileCache | None, whole: bool
) -> dict[str, str]:
    key = cache.project_output_key(name, tuple(s.id for s in project.specs)) if cache is not None else None
    cached = cache.get("proj", key) if cache is not None else None
    if isinstance(cached, dict):
        return cached
    if whole:
        files = module.emit(project)
    elif hasattr(module, "spec_fragment"):
        fragments = {spec.id: entry[1][name] for spec, entry in zip(project.specs, entries)}
        files = module.emit_project(project, fragments)
    else:
        files = module.emit_project(project)
    out = _checked(name, files)
    if cache is not None:
        cache.put("proj", key, out)
    return out


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
    entries = _spec_entries(project, per_spec, mods, cache, _workers() if jobs is None else jobs)
    tree: dict[str, str] = {}
    owner: dict[str, str] = {}

    def add(name: str, files: dict[str, str]) -> None:
        for path, text in files.items():
            if path in tree:
                raise TargetConflict(f"targets {owner[path]} and {name} both emit {path}")
            tree[path] = text
            owner[path] = name

    done: list[str] = []
    made: dict[str, PurePosixPath] = {}
    for name in names:
        module = mods[name]
        done.append(name)
        if name in per_spec:
            for entry in entries:
                add(name, entry[0][name])
            if hasattr(module, "emit_project"):
                add(name, _project_files(project, name, module, entries, cache, whole=False))
        elif hasattr(module, "emit_from_tree") and set(module.others()) <= set(done):
            # A target built from the others' output (the PR target): give it
            # the tree rendered so far instead of letting it render it again.
            # It caches its own per-spec pieces (keyed by `cache.render_keys`).
            others = set(module.others())
            so_far = _sorted_tree({p: t for p, t in tree.items() if owner[p] in others}, made)
            add(name, _checked(name, module.emit_from_tree(project, so_far, cache)))
        else:
            add(name, _project_files(project, name, module, entries, cache, whole=True))
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

