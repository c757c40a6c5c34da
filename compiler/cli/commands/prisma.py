"""`specc prisma DIR`: write the postgres migrations in Prisma's layout
(`DIR/<stamp>_<spec_id>/migration.sql` + `rollback.sql`), e.g.
`specc prisma prisma/migrations`.  The same checks as `compile` run first."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compiler.cli.commands.common import add_spec_options, load_project, report
from compiler.diagnostics import SpecError
from compiler.emit import render_tree
from compiler.safety.guards import guard
from compiler.base.prisma_layout import export


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_spec_options(parser)
    parser.add_argument("folder", type=Path, help="Prisma's migrations folder, e.g. prisma/migrations")
    parser.add_argument("--out", type=Path, default=Path("snapshots"), help="committed snapshots, for the safety checks (default: snapshots)")


def run(args: argparse.Namespace) -> int:
    try:
        project = load_project(args)
        tree = render_tree(project)
        guard(project, tree, args.out)
    except SpecError as err:
        return report(err, args.format)
    try:
        written = export(project, tree, args.folder)
    except ValueError as err:
        print(f"specc: error: {err}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}/migration.sql and rollback.sql")
    return 0
