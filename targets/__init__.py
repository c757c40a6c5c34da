"""The target registry: one module per backend, one line per target.

A target module exports `TARGET = Target(...)` (`compiler.target`): its
per-spec and project-wide output, what that output reads, the kinds of file
it writes (header comment syntax, PR group, checker) and, for a target built
from the others' output, `reads_tree`.  Paths are relative to the output
root (`snapshots/`): per-spec files under `<spec-id>/`, project-wide files
under `_project/`.  Modules are imported only when something asks for their
target.  docs/targets.md says how to add one.
"""

from __future__ import annotations

import fnmatch
import importlib
import re
import sys
from types import ModuleType
from pathlib import PurePosixPath
from typing import Any
from collections.abc import Callable

from compiler.target import FileKind, PrGroup, Target

# name -> module under targets/.  Order is the order targets run in; a target
# that reads the tree (pr) reads the output of those before it.
TARGETS: dict[str, str] = {
    "sql": "targets.sql",
    "prisma": "targets.prisma",
    "validators": "targets.fastapi.validators",
    "openapi": "targets.openapi",
    "models": "targets.fastapi.models",
    "routes": "targets.fastapi.routes",
    "contract_tests": "targets.fastapi.contract_tests",
    "backfill": "targets.fastapi.backfill",
    "node": "targets.node.handlers",
    "security": "targets.security",
    "ci": "targets.ci",
    "pr": "targets.pr",
}


def module(name: str) -> ModuleType:
    """The module of target `name` (imported on first use)."""
    return importlib.import_module(TARGETS[name])


def get(name: str) -> Target:
    """The target registered as `name` (its module imported on first use)."""
    target = module(name).TARGET
    if not isinstance(target, Target) or target.name != name:
        raise TypeError(f"{TARGETS[name]}.TARGET is not the Target named {name!r}")
    return target


# The targets of the registry as it was last read, with the module objects
# they came from (tests swap TARGETS, or a module under the same name): a
# compile asks for them tens of thousands of times (a file's kind, its PR
# group), and importlib.import_module costs more than the lookup.
_REGISTERED: list[tuple[tuple[tuple[str, str, Any], ...], tuple[Target, ...]]] = []


def registered() -> tuple[Target, ...]:
    """Every registered target, in run order."""
    modules = sys.modules
    items = list(TARGETS.items())
    if _REGISTERED:
        key, found = _REGISTERED[0]
        if len(key) == len(items):
            # A loop, not a generator: this runs once per file kind asked.
            for (name, path, module), item in zip(key, items, strict=True):
                if module is None or (name, path) != item or modules.get(path) is not module:
                    break
            else:
                return found
    found = tuple(get(name) for name in TARGETS)
    _REGISTERED[:] = [(tuple((name, path, modules.get(path)) for name, path in TARGETS.items()), found)]
    return found


# Per registry (the `registered()` tuple): every declared kind by suffix, each
# with its rank (target order, then declaration order) and its compiled
# `where` (None for "*").  Matching a path against this table instead of
# asking each target in turn made the kinds of a 1,000-spec tree (20,000
# files) several times cheaper.
_Match = Callable[[str], object]
_TABLES: list[tuple[tuple[Target, ...], tuple[tuple[str, tuple[tuple[int, _Match | None, FileKind], ...]], ...]]] = []


def _table(found: tuple[Target, ...]) -> tuple[tuple[str, tuple[tuple[int, _Match | None, FileKind], ...]], ...]:
    if _TABLES and _TABLES[0][0] is found:
        return _TABLES[0][1]
    by_suffix: dict[str, list[tuple[int, _Match | None, FileKind]]] = {}
    rank = 0
    for target in found:
        for kind in target.kinds:
            # fnmatchcase(path, where) is exactly this regular expression's match.
            match = None if kind.where == "*" else re.compile(fnmatch.translate(kind.where)).match
            by_suffix.setdefault(kind.suffix, []).append((rank, match, kind))
            rank += 1
    table = tuple((suffix, tuple(entries)) for suffix, entries in by_suffix.items())
    _TABLES[:] = [(found, table)]
    return table


# path text -> its kind, and the registry it was computed for (tests swap TARGETS).
_KINDS: dict[str, FileKind | None] = {}
_KINDS_FOR: list[dict[str, str]] = [{}]


# The same by path object: the PR target asks for the kind of each of a big
# project's 20,000 files several times, and `as_posix` costs more than the lookup.
_PATH_KINDS: dict[PurePosixPath, FileKind | None] = {}


def kind_of_path(path: PurePosixPath) -> FileKind | None:
    """`kind_of(path.as_posix())`, remembered by path."""
    if _KINDS_FOR[0] != TARGETS:
        _forget_kinds()
    try:
        return _PATH_KINDS[path]
    except KeyError:
        found = _PATH_KINDS[path] = kind_of(path.as_posix())
        return found


def _forget_kinds() -> None:
    _KINDS.clear()
    _TABLES.clear()
    _PATH_KINDS.clear()
    _KINDS_FOR[0] = dict(TARGETS)


def kind_of(path: str) -> FileKind | None:
    """The kind of a generated file (path relative to the output root), as the
    first registered target declaring a matching kind says; None if none does."""
    if _KINDS_FOR[0] != TARGETS:
        _forget_kinds()
    try:
        return _KINDS[path]
    except KeyError:
        pass
    found = None
    best = -1
    # The table of this registry state (kept as long as TARGETS is, like the
    # memo above: asking `registered()` for each of 20,000 paths cost more
    # than matching them).
    for suffix, entries in _TABLES[0][1] if _TABLES else _table(registered()):
        if path.endswith(suffix):
            for rank, match, kind in entries:
                if best >= 0 and rank >= best:
                    break
                if match is None or match(path) is not None:
                    found, best = kind, rank
                    break
    _KINDS[path] = found
    return found


def groups() -> tuple[PrGroup, ...]:
    """Every PR group the registered targets declare, in commit order."""
    seen = {kind.group.name: kind.group for target in registered() for kind in target.kinds}
    return tuple(sorted(seen.values(), key=lambda g: (g.commit_order, g.name)))


def provided(name: str) -> Callable[..., Any]:
    """The function some registered target provides as `name` (see `Target.provides`)."""
    for target in registered():
        if name in target.provides:
            return target.provides[name]
    raise LookupError(f"no registered target provides {name!r}")
