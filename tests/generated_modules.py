"""Render targets into a temporary folder and import generated modules from it.

Shared by the tests of the validators and OpenAPI targets.  Generated
modules are imported from the rendered text (what `specc compile` writes),
never from the snapshots, so the tests always see the current compiler.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path, PurePosixPath
from types import ModuleType

from compiler.emit import render_tree
from compiler.ir import Project
from compiler.project import build_project

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"


def seed_project() -> Project:
    """The project built from the repository's own specs."""
    return build_project(SPECS, ROOT)


def render_to(project: Project, out: Path, only: tuple[str, ...]) -> dict[PurePosixPath, str]:
    """Render `only` targets of `project` and write them under `out`."""
    tree = render_tree(project, only)
    for path, text in tree.items():
        target = out / Path(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tree


_counter = 0


def import_file(path: Path) -> ModuleType:
    """Import a generated module from `path` under a fresh, unique name."""
    global _counter
    _counter += 1
    name = f"_specc_generated_{_counter}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the module up in sys.modules while the class is built.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
