"""The target registry: one module per backend, one line per target.

A target module exposes `emit(project: Project) -> dict[PurePosixPath, str]`,
mapping paths relative to the output root (`snapshots/`) to file contents
without the generated-file header (the emit stage adds it).  Per-spec files
go under `<spec-id>/`; project-wide files under `_project/`.  Modules are
imported only when a compile runs them.

Optional per-spec protocol (what makes incremental and parallel compiles
possible; see `compiler.emit`).  A target may also define:

- `emit_spec(project, spec) -> dict[PurePosixPath, str]`: the files of one
  spec.  It may read `spec` (including `schema_before`/`schema_after`) and
  `project.base`, not other specs: its result is cached under a key of that
  spec's inputs only.  A target whose per-spec files also depend on the
  specs a spec depends on sets `EMIT_SPEC_READS_DEPENDENCIES = True`; one
  that reads something else of the project defines
  `emit_spec_key(project, spec) -> str`, a text that changes whenever that
  something changes (it becomes part of the cache key).
- `emit_project(project) -> dict[PurePosixPath, str]`: the project-wide
  files (re-rendered whenever any spec changes), or, when the target also
  defines `spec_fragment`, `emit_project(project, fragments)`.
- `spec_fragment(project, spec) -> object`: a picklable per-spec value
  (cached like `emit_spec`) that `emit_project` assembles, so a project-wide
  file does not re-render every spec when one changes.  `fragments` maps
  spec id -> fragment, in project order.

When `emit_spec` is defined, `emit(project)` must equal the union of
`emit_spec` over every spec and `emit_project`; `emit` stays the simple
entry point for tests and other callers.
"""

from __future__ import annotations

import importlib
from pathlib import PurePosixPath
from types import ModuleType
from typing import Callable

from compiler.ir import Project

Emit = Callable[[Project], dict[PurePosixPath, str]]

# name -> module under targets/.  Order is the order targets run in.
TARGETS: dict[str, str] = {
    "sql": "targets.sql",
    "validators": "targets.fastapi.validators",
    "openapi": "targets.openapi",
    "routes": "targets.fastapi.routes",
    "contract_tests": "targets.fastapi.contract_tests",
    "backfill": "targets.fastapi.backfill",
    "security": "targets.security",
    "ci": "targets.ci",
    # pr renders the others first (for "files modified"), so it comes last.
    "pr": "targets.pr",
}


def module(name: str) -> ModuleType:
    """The module of target `name` (imported on first use)."""
    return importlib.import_module(TARGETS[name])


def load(name: str) -> Emit:
    """The `emit` function of target `name`."""
    return module(name).emit  # type: ignore[no-any-return]
