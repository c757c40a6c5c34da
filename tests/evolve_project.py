"""The bundled specs plus the evolution fixtures (tests/fixtures/evolve): a
spec that creates a table and one that drops, renames, narrows and alters,
each change approved."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from compiler.emit import render_tree
from compiler.ir import Project
from compiler.project import build_project
from tests.conftest import ROOT, SPECS

FIXTURES = ROOT / "tests" / "fixtures" / "evolve"
EVOLVE_IDS = ["legacy-sessions", "evolve-users"]


def evolve_workspace() -> Path:
    """A temporary project folder: specs/ with the seeds and the fixtures."""
    root = Path(tempfile.mkdtemp(prefix="specc-evolve-"))
    atexit.register(shutil.rmtree, root, True)
    shutil.copytree(SPECS, root / "specs")
    for spec in sorted(FIXTURES.glob("*.yaml")):
        shutil.copy(spec, root / "specs" / spec.name)
    return root


def evolve_project() -> Project:
    root = evolve_workspace()
    return build_project(root / "specs", root)


def evolve_tree(project: Project) -> dict[PurePosixPath, str]:
    return render_tree(project)
