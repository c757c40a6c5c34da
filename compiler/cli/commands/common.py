"""Options and error reporting shared by the commands that read specs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compiler.diagnostics import SpecError
    from compiler.build.incremental import CompileCache
    from compiler.ir import Project

# Imports of the pipeline happen inside the functions: `specc compile` checks
# whether anything changed before it loads any of it.

EXIT_USER_ERROR = 2


def add_spec_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--specs", type=Path, default=Path("specs"), help="folder of spec files (default: specs)")
    parser.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="diagnostics format: text, json, or GitHub Actions annotations (default: text)",
    )


def report(err: SpecError, fmt: str) -> int:
    """Print diagnostics to stderr and return the user-error exit code."""
    from compiler.diagnostics import render

    print(render(err.diagnostics, fmt), file=sys.stderr)
    if fmt == "text":
        n = len(err.diagnostics)
        print(f"specc: {n} error{'s' if n != 1 else ''}; nothing was written", file=sys.stderr)
    return EXIT_USER_ERROR


def load_project(args: argparse.Namespace, cache: CompileCache | None = None) -> Project:
    """Build the project from --specs; a missing folder is a user error."""
    from compiler.diagnostics import SpecError
    from compiler.project import build_project

    specs: Path = args.specs
    if not specs.is_dir():
        from compiler.diagnostics import Diagnostic
        from compiler.ir import Span

        raise SpecError([Diagnostic(Span(str(specs)), "E001", "specs folder not found")])
    return build_project(specs, Path.cwd(), cache=cache)
