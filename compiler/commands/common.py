"""Options and error reporting shared by the commands that read specs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compiler.diagnostics import SpecError, render
from compiler.ir import Project
from compiler.project import build_project

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
    print(render(err.diagnostics, fmt), file=sys.stderr)
    if fmt == "text":
        n = len(err.diagnostics)
        print(f"specc: {n} error{'s' if n != 1 else ''}; nothing was written", file=sys.stderr)
    return EXIT_USER_ERROR


def load_project(args: argparse.Namespace) -> Project:
    """Build the project from --specs; a missing folder is a user error."""
    specs: Path = args.specs
    if not specs.is_dir():
        from compiler.diagnostics import Diagnostic
        from compiler.ir import Span

        raise SpecError([Diagnostic(Span(str(specs)), "E001", "specs folder not found")])
    return build_project(specs, Path.cwd())
