"""Render targets into a temporary folder and import generated modules from it.

Shared by the tests of the validators and OpenAPI targets.  Generated
modules are imported from the rendered text (what `specc compile` writes),
never from the snapshots, so the tests always see the current compiler.
They are imported as the package `specc_app` (see compiler.pypackage).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from types import ModuleType

from compiler import pypackage
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


def import_file(path: Path) -> ModuleType:
    """Import the generated module at `path` (inside a rendered `specc_app`
    package) by its dotted name, with normal imports: the package is the
    one under the folder that holds `path`'s `specc_app` folder."""
    parts = path.with_suffix("").parts
    top = len(parts) - 1 - parts[::-1].index(pypackage.PACKAGE)
    out = Path(*parts[:top])
    return pypackage.import_module(out, ".".join(parts[top + 1 :]))


def spec_module(out: Path, spec_id: str, name: str) -> ModuleType:
    """`specc_app.<spec_name>.<name>` of a tree rendered under `out`."""
    return import_file(spec_file(out, spec_id, name + ".py"))


def spec_file(out: Path, spec_id: str, name: str) -> Path:
    """Where file `name` of a spec's generated Python is under `out`."""
    return out / Path(*pypackage.spec_package(spec_id).parts) / name


def spec_path(spec_id: str, name: str) -> PurePosixPath:
    """The tree path of file `name` of a spec's generated Python."""
    return pypackage.spec_package(spec_id) / name
