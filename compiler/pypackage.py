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


def backfill_module(spec_id: str, name: str) -> PurePosixPath:
    """`specc_app/<spec_name>/backfills/<name>.py`: a backfill script."""
    return spec_package(spec_id) / "backfills" / f"{name}.py"


def backfill_command(spec_id: str, name: str, action: str) -> str:
    """How to run `action` of a backfill script, from the folder that holds
    the default output folder `snapshots/`."""
    module = ".".join(("snapshots", *backfill_module(spec_id, name).with_suffix("").parts))
    return f"python -m {module} {action}"


def in_package(path: PurePosixPath) -> bool:
    """Whether `path` is inside the generated package (a shared module of it
    goes with every spec's PR, whatever its PR group)."""
    return path.parts[:1] == (PACKAGE,)


def owner_of(path: PurePosixPath) -> str:
    """The spec id that owns `path` (relative to the output root), or
    `_project` for a project-wide file, or the first part for any other."""
    parts = path.parts
    if parts and parts[0] == PACKAGE:
        if len(parts) > 2 and parts[1] not in SHARED_NAMES:
            return parts[1].replace("_", "-")
        return PROJECT
    return parts[0] if parts else PROJECT


RUNTIME_VALIDATION = PurePosixPath(PACKAGE, "runtime", "validation.py")
RUNTIME_HTTP = PurePosixPath(PACKAGE, "runtime", "http.py")


def support(modules: list[PurePosixPath], available: list[PurePosixPath]) -> list[PurePosixPath]:
    """What `modules` (paths of the package's modules) need to import, of
    `available`: the `__init__.py` of each folder above them, and the
    stdlib-only validation runtime that the backfill scripts use."""
    wanted: set[PurePosixPath] = set()
    for path in modules:
        if path.parts[:1] != (PACKAGE,) or path.suffix != ".py":
            continue
        wanted.update(folder / "__init__.py" for folder in path.parents if folder.parts)
        wanted.add(RUNTIME_VALIDATION)
        wanted.add(RUNTIME_VALIDATION.parent / "__init__.py")
    return [p for p in available if p in wanted]


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
