"""Checks a compile must pass before anything is written: the safety lint
(unapproved flagged changes) and the immutability of released migrations."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from collections.abc import Mapping

from compiler.diagnostics import SpecError
from compiler.ir import Project
from compiler.safety.lint import diagnostics, lint_output

if TYPE_CHECKING:
    from compiler.build.incremental import CompileCache


def guard(project: Project, tree: Mapping[PurePosixPath, str], out: Path, cache: CompileCache | None = None) -> None:
    """Raise SpecError with every unapproved lint finding and every edited
    released migration (`cache`: this compile's, see `compiler.safety.lint.per_spec`)."""
    from compiler.safety.released import released_diagnostics

    diags = diagnostics(project, lint_output(project, tree, out, cache))
    diags += released_diagnostics(project, tree, out)
    if diags:
        raise SpecError(diags)
