"""Shared fixtures: the bundled project, compiled once per session."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from compiler.emit import render_tree
from compiler.ir import Project
from compiler.project import build_project

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"


@pytest.fixture(scope="session")
def project() -> Project:
    """The IR of the bundled specs."""
    return build_project(SPECS, ROOT)


@pytest.fixture(scope="session")
def tree(project: Project) -> dict[PurePosixPath, str]:
    """Every artifact `specc compile` writes for the bundled specs."""
    return render_tree(project)
