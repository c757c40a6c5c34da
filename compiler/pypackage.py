"""Where the generated Python lives: one importable package, `specc_app`.

Spec folders are named after spec ids (kebab-case), which Python cannot
import.  So every generated Python module goes into one package at the top of
the output folder, with one subpackage per spec under a snake_case name:

    specc_app/__init__.py            shared
    specc_app/app.py                 shared: create_app(), discovers the spec subpackages
    specc_app/runtime/               shared: http.py (routes), validation.py (validators, backfills)
    specc_app/<spec_name>/           one spec's routes.py, validators.py, backfills/

Every import inside the package is a normal (relative) import, so IDEs,
mypy and coverage follow them, and the app is served from the folder that
holds the output folder with `uvicorn <out>.specc_app.app:app_from_hooks --factory`.

The paths of a spec's subpackage belong to that spec (its PR, its row in the
compile table); the rest of the package is shared, like `_project/`.
"""

from __future__ import annotations

import importlib
import keyword
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath
from types import ModuleType

PACKAGE = "specc_app"
PROJECT = "_project"
# Names in the package that are not spec subpackages.
SHARED_NAMES = frozenset({"__init__.py", "app.py", "runtime"})
_RESERVED = {"app": f"{PACKAGE}/app.py", "runtime": f"{PACKAGE}/runtime/"}
_LOCK = threading.RLock()


def module_name(spec_id: str) -> str:
    """The subpackage name of a spec: its id with `-` as `_`."""
    return spec_id.replace("-", "_")


def name_problem(spec_id: str) -> str | None:
    """Why `spec_id` cannot name a subpackage of the generated package, or None."""
    name = module_name(spec_id)
    if not name.isidentifier() or not name.isascii():
        return f"spec id {spec_id!r} becomes the Python package name {name!r}, which is not a Python identifier"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"spec id {spec_id!r} becomes the Python package name {name!r}, a reserved word in Python"
    if name in _RESERVED:
        return f"spec id {spec_id!r} becomes the Python package name {name!r}, which is taken by the shared {_RESERVED[name]}"
    return None


def spec_package(spec_id: str) -> PurePosixPath:
    """`specc_app/<spec_name>`: the folder of a spec's generated Python."""
    return PurePosixPath(PACKAGE, module_name(spec_id))


def owner_of(path: PurePosixPath) -> str:
    """The spec id that owns `path` (relative to the output root), or
    `_project` for a project-wide file, or the first part for any other."""
    parts = path.parts
    if parts and parts[0] == PACKAGE:
        if len(parts) > 2 and parts[1] not in SHARED_NAMES:
            return parts[1].replace("_", "-")
        return PROJECT
    return parts[0] if parts else PROJECT


def package_inits(paths: list[PurePosixPath]) -> list[PurePosixPath]:
    """The `__init__.py` of every folder inside the package that holds one of
    `paths` but none of its own (the subpackages are regular packages)."""
    have = set(paths)
    out: set[PurePosixPath] = set()
    for path in paths:
        if not path.parts or path.parts[0] != PACKAGE:
            continue
        folder = path.parent
        while folder.parts:
            init = folder / "__init__.py"
            if init not in have:
                out.add(init)
            folder = folder.parent
    return sorted(out)


def _drop() -> None:
    for key in [k for k in list(sys.modules) if k == PACKAGE or k.startswith(PACKAGE + ".")]:
        sys.modules.pop(key, None)


@contextmanager
def isolated() -> Iterator[None]:
    """Run the block with no module of the package in `sys.modules` before
    and after it, under a lock: one process may import several output
    folders (or in-memory trees) one after another, and each import must see
    only its own.  The modules imported inside the block keep working
    afterwards (their imports ran at import time)."""
    with _LOCK:
        _drop()
        importlib.invalidate_caches()
        try:
            yield
        finally:
            _drop()


@contextmanager
def imported_from(out: Path) -> Iterator[None]:
    """Make `import specc_app...` see the package under `out`, and only while
    the block runs (see `isolated`)."""
    with isolated():
        sys.path.insert(0, str(out))
        try:
            yield
        finally:
            with suppress(ValueError):
                sys.path.remove(str(out))


def import_module(out: Path, name: str) -> ModuleType:
    """`specc_app.<name>` (e.g. "app", "theme_preference_api.validators") from
    the package under `out`."""
    with imported_from(out):
        return importlib.import_module(f"{PACKAGE}.{name}" if name else PACKAGE)
