"""Stage 4 with the compile cache and worker processes around it.

`cached_render` produces exactly `compiler.emit.render`'s tree, through the
same steps (`render_spec`, `project_files`, `assemble`), but takes each
spec's entry from the cache when the spec's inputs are unchanged (its
lowering key, plus its dependencies' keys or the target's `spec_key` when the
target declares it reads them), spreads the specs left to render over worker
processes when there are enough to pay for it, and caches project-wide files
under every spec's key.  Targets see none of it.
"""

from __future__ import annotations

import os
import time
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from compiler.build.cache import key_of
from compiler import progress
from compiler.emit import Entry, assemble, format_files, project_files, render, render_spec, selection
from compiler.ir import Project, Spec
from compiler.target import DEPENDENCIES, Target

if TYPE_CHECKING:
    from compiler.build.incremental import CompileCache

# Below this many specs to render, worker processes cost more than they save
# (measured: starting a worker and shipping results back is ~50-100 ms).
PARALLEL_MIN_SPECS = 24

# Set in the parent before forking, so workers inherit the IR instead of
# receiving it pickled.
_WORK: tuple[Project, tuple[Target, ...]] | None = None


def _render_index(i: int) -> Entry:
    assert _WORK is not None
    project, per_spec = _WORK
    return render_spec(project, project.specs[i], per_spec)


def _workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _render_many(project: Project, indexes: list[int], per_spec: tuple[Target, ...], jobs: int) -> list[Entry]:
    if jobs <= 1 or len(indexes) < PARALLEL_MIN_SPECS:
        return [render_spec(project, project.specs[i], per_spec) for i in indexes]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _WORK
    # The first spec is rendered here, before forking, so every worker
    # inherits warm memos (templates).
    first = render_spec(project, project.specs[indexes[0]], per_spec)
    _WORK = (project, per_spec)
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


def _spec_entries(project: Project, per_spec: tuple[Target, ...], cache: CompileCache, jobs: int) -> tuple[list[Entry], list[tuple[str | None, Entry]]]:
    """Every spec's entry, and the (key, entry) pairs rendered now (their
    Python still to be formatted, then cached)."""
    names = tuple(t.name for t in per_spec)
    entries: list[Entry | None] = [None] * len(project.specs)
    keys: list[str | None] = [None] * len(project.specs)
    with_deps = any(t.reads == DEPENDENCIES for t in per_spec)
    extra = [t.spec_key for t in per_spec if t.spec_key is not None]
    if names:
        for i, spec in enumerate(project.specs):
            key = cache.spec_output_key(spec.id, names)
            if key is not None and extra:
                key = key + ":" + key_of(*(f(project, spec) for f in extra))
            if key is not None and with_deps:
                dep_keys = [cache.spec_output_key(d, names) for d in _dependencies(project, spec)]
                known = [k for k in dep_keys if k is not None]
                key = key + ":" + ",".join(known) if len(known) == len(dep_keys) else None
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
        for n, (i, entry) in enumerate(zip(missing, _render_many(project, missing, per_spec, jobs), strict=True), 1):
            entries[i] = entry
            if progress.active() and time.monotonic() - shown >= 1.0 and n < len(missing):
                progress.note(f"rendered {n} of {len(missing)} specs")
                shown = time.monotonic()
    filled = [e for e in entries if e is not None]
    assert len(filled) == len(entries)  # every missing entry was rendered above
    return filled, [(keys[i], filled[i]) for i in missing]


def cached_render(
    project: Project, only: tuple[str, ...] = (), cache: CompileCache | None = None, jobs: int | None = None
) -> dict[PurePosixPath, str]:
    """`render(project, only)`, reusing the files of unchanged specs from
    `cache` (none: plain `render`, but still in `jobs` worker processes);
    `jobs` caps worker processes (default: the CPUs available; 1 renders in
    this process)."""
    jobs = _workers() if jobs is None else jobs
    if cache is None and jobs <= 1:
        return render(project, only)
    run, keep = selection(only)
    per_spec = tuple(t for t in run if t.per_spec)
    if cache is None:
        entries = _render_many(project, list(range(len(project.specs))), per_spec, jobs)
        rendered = {t.name: project_files(project, t, entries) for t in run if t.has_project_files}
        format_files([files for entry in entries for files in entry[0].values()] + list(rendered.values()))
        return assemble(project, run, keep, entries, lambda target, got: rendered[target.name])
    spec_ids = tuple(s.id for s in project.specs)
    entries, fresh = _spec_entries(project, per_spec, cache, jobs)
    # Project-wide files from the cache, or rendered now; then one ruff
    # process formats everything rendered now, before any of it is cached.
    whole: dict[str, dict[str, str]] = {}
    fresh_whole: list[tuple[str | None, dict[str, str]]] = []
    for target in run:
        if not target.has_project_files:
            continue
        key = cache.project_output_key(target.name, spec_ids)
        found = cache.get("proj", key)
        if isinstance(found, dict):
            whole[target.name] = found
        else:
            whole[target.name] = project_files(project, target, entries)
            fresh_whole.append((key, whole[target.name]))
    format_files([files for _, entry in fresh for files in entry[0].values()] + [files for _, files in fresh_whole])
    for key, entry in fresh:
        cache.put("out", key, entry)
    for key, files in fresh_whole:
        cache.put("proj", key, files)
    return assemble(project, run, keep, entries, lambda target, got: whole[target.name], memo=cache)
