"""The target registry: one module per backend, one line per target.

A target module exposes `emit(project: Project) -> dict[PurePosixPath, str]`,
mapping paths relative to the output root (`snapshots/`) to file contents
without the generated-file header (the emit stage adds it).  Per-spec files
go under `<spec-id>/`; project-wide files under `_project/`.  Modules are
imported only when a compile runs them.
"""

from __future__ import annotations

import importlib
from pathlib import PurePosixPath
from typing import Callable

from compiler.ir import Project

Emit = Callable[[Project], dict[PurePosixPath, str]]

# name -> module under targets/.  Order is the order targets run in.
TARGETS: dict[str, str] = {
    "sql": "targets.sql",
    "validators": "targets.validators",
    "openapi": "targets.openapi",
    "routes": "targets.routes",
    "contract_tests": "targets.contract_tests",
    "backfill": "targets.backfill",
}


def load(name: str) -> Emit:
    """The `emit` function of target `name`."""
    module = importlib.import_module(TARGETS[name])
    return module.emit  # type: ignore[no-any-return]
