"""`specc release SPEC_ID...`: record specs whose migrations have run on a
shared database, so later edits that change those migrations fail to compile.

Run it when a migration has been applied to staging or production (typically
from the deploy pipeline), and commit `released.sum` with the snapshots."""

from __future__ import annotations

import argparse
from pathlib import Path

from compiler.cli.commands.common import add_spec_options, load_project, report
from compiler.diagnostics import SpecError
from compiler.emit import render_tree
from compiler.safety.released import release


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_spec_options(parser)
    parser.add_argument("--out", type=Path, default=Path("snapshots"), help="snapshots folder; released.sum sits next to it (default: snapshots)")
    parser.add_argument("spec_ids", nargs="+", metavar="SPEC_ID", help="specs whose migrations have been applied")


def run(args: argparse.Namespace) -> int:
    try:
        project = load_project(args)
        path = release(project, render_tree(project), args.out, list(args.spec_ids))
    except SpecError as err:
        return report(err, args.format)
    print(f"released {', '.join(args.spec_ids)} in {path}")
    return 0
