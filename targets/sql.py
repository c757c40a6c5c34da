"""Placeholder until the SQL target lands."""
from __future__ import annotations

from pathlib import PurePosixPath

from compiler.ir import Project


def emit(project: Project) -> dict[PurePosixPath, str]:
    return {}
