"""Importing optional heavy modules (black, sqlglot, fastapi) once per process,
safely from several threads.

The Backend Agent serves several users from one process, so `run_checks` and
the renderers run in threads.  A first import of a package racing with
another thread's import can hand one of them a half-initialised module
(`module 'black' has no attribute 'Mode'`).  Every lazy import of these
packages goes through `load`, which imports under one process-wide lock and
returns the module only once it is fully initialised.
"""

from __future__ import annotations

import importlib
import sys
import threading
from types import ModuleType

# Re-entrant: importing one package may import another through `load`.
IMPORT_LOCK = threading.RLock()
_LOADED: dict[str, ModuleType] = {}


def load(name: str) -> ModuleType:
    """`import name`, once, under the import lock (ImportError propagates)."""
    module = _LOADED.get(name)
    if module is not None:
        return module
    with IMPORT_LOCK:
        module = _LOADED.get(name)
        if module is None:
            module = importlib.import_module(name)
            _LOADED[name] = module
        return module


def snapshot_modules() -> list[tuple[str, ModuleType]]:
    """`sys.modules` items as a list: another thread may import meanwhile,
    and iterating the live dict then raises "dictionary changed size"."""
    return list(sys.modules.items())
