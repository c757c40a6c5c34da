"""`specc import-base DIR`: build specs/base/schema.sql by replaying an
existing repository's migrations (plain ordered .sql files, or Prisma's
prisma/migrations/<timestamp>_<name>/migration.sql) through sqlglot.

Nothing is executed; statements that do not change the table structure are
listed as skipped."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compiler.base.schema import parse_base_schema
from compiler.base.replay import discover, render_base, replay_folder
from compiler.cli.commands.common import report
from compiler.diagnostics import SpecError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=Path, help="the migrations folder (or a repository with prisma/migrations)")
    parser.add_argument("--specs", type=Path, default=Path("specs"), help="folder of spec files (default: specs)")
    parser.add_argument("--stdout", action="store_true", help="print the schema instead of writing specs/base/schema.sql")
    parser.add_argument("--format", choices=("text", "json", "github"), default="text", help="diagnostics format")


def run(args: argparse.Namespace) -> int:
    folder: Path = args.folder
    if not folder.is_dir():
        print(f"specc: error: {folder} is not a folder", file=sys.stderr)
        return 2
    try:
        state = replay_folder(folder)
    except SpecError as err:
        return report(err, args.format)
    files = discover(folder)
    text = render_base(state.schema(), [f.as_posix() for f in files])
    parse_base_schema(text, "<import-base>")  # what we write must read back: a failure here is a bug
    for span, what in state.skipped:
        print(f"{span}: skipped: {what}", file=sys.stderr)
    if args.stdout:
        sys.stdout.write(text)
        return 0
    target = args.specs / "base" / "schema.sql"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, "utf-8")
    print(f"replayed {len(files)} migration file(s): {len(state.tables)} table(s) written to {target}")
    return 0
