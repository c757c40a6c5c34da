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

import importlib
from types import ModuleType
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


def registered() -> tuple[Target, ...]:
    """Every registered target, in run order."""
    return tuple(get(name) for name in TARGETS)


# path text -> its kind, and the registry it was computed for (tests swap TARGETS).
_KINDS: dict[str, FileKind | None] = {}
_KINDS_FOR: list[tuple[tuple[str, str], ...]] = [()]


def kind_of(path: str) -> FileKind | None:
    """The kind of a generated file (path relative to the output root), as the
    first registered target declaring a matching kind says; None if none does."""
    registry = tuple(TARGETS.items())
    if _KINDS_FOR[0] != registry:
        _KINDS.clear()
        _KINDS_FOR[0] = registry
    try:
        return _KINDS[path]
    except KeyError:
        pass
    found = None
    for target in registered():
        found = target.kind_of(path)
        if found is not None:
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
