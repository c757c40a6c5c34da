"""`specc import-base DIR`: build specs/base/schema.sql by replaying an
existing repository's migrations (plain ordered .sql files, or Prisma's
prisma/migrations/<timestamp>_<name>/migration.sql) through sqlglot.

`specc import-base --prisma-schema prisma/schema.prisma` reads the schema
file itself instead, with Prisma's own parser run under node (see
compiler/base/prisma_schema.py).

Nothing is executed; statements that do not change the table structure are
listed as skipped."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compiler.base.schema import parse_base_schema
from compiler.base.replay import READ_PRISMA, REPLAYED, discover, render_base, replay_folder
from compiler.cli.commands.common import report
from compiler.diagnostics import SpecError
from compiler.ir import Schema


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=Path, nargs="?", help="the migrations folder (or a repository with prisma/migrations)")
    parser.add_argument(
        "--prisma-schema", type=Path, metavar="FILE", help="read this schema.prisma (Prisma's parser, needs node and @prisma/prisma-schema-wasm) instead of replaying migrations"
    )
    parser.add_argument(
        "--node-modules", type=Path, action="append", default=[], metavar="DIR", help="a node_modules folder that holds @prisma/prisma-schema-wasm (repeatable)"
    )
    parser.add_argument("--specs", type=Path, default=Path("specs"), help="folder of spec files (default: specs)")
    parser.add_argument("--stdout", action="store_true", help="print the schema instead of writing specs/base/schema.sql")
    parser.add_argument("--format", choices=("text", "json", "github"), default="text", help="diagnostics format")


def run(args: argparse.Namespace) -> int:
    folder: Path | None = args.folder
    schema: Schema
    if args.prisma_schema is not None:
        from compiler.base.prisma_schema import load_prisma_schema

        if folder is not None:
            print("specc: error: give either a migrations folder or --prisma-schema, not both", file=sys.stderr)
            return 2
        try:
            schema = load_prisma_schema(args.prisma_schema, args.prisma_schema.as_posix(), tuple(args.node_modules))
        except SpecError as err:
            return report(err, args.format)
        sources = [args.prisma_schema.as_posix()]
        skipped: list[tuple[object, str]] = []
        what = f"read {args.prisma_schema.as_posix()}"
    else:
        if folder is None:
            print("specc: error: give a migrations folder, or --prisma-schema FILE", file=sys.stderr)
            return 2
        if not folder.is_dir():
            print(f"specc: error: {folder} is not a folder", file=sys.stderr)
            return 2
        try:
            state = replay_folder(folder)
        except SpecError as err:
            return report(err, args.format)
        files = discover(folder)
        schema, sources, skipped = state.schema(), [f.as_posix() for f in files], list(state.skipped)
        what = f"replayed {len(files)} migration file(s)"
    text = render_base(schema, sources, READ_PRISMA if args.prisma_schema is not None else REPLAYED)
    parse_base_schema(text, "<import-base>")  # what we write must read back: a failure here is a bug
    for span, skip in skipped:
        print(f"{span}: skipped: {skip}", file=sys.stderr)
    if args.stdout:
        sys.stdout.write(text)
        return 0
    target = args.specs / "base" / "schema.sql"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, "utf-8")
    print(f"{what}: {len(schema.tables)} table(s) written to {target}")
    return 0
