"""`specc new SPEC_ID` / `specc new --evolve SPEC_ID`: scaffold a spec file.

`--evolve` starts the spec that changes a released one: it depends on it, so
it migrates after it, and carries a comment on how to express the change
(add, then backfill, then approve any destructive step)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from compiler.cli.commands.common import add_spec_options, load_project, report
from compiler.diagnostics import SpecError

_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_spec_options(parser)
    parser.add_argument("spec_id", metavar="SPEC_ID", help="id of the new spec, or with --evolve, of the spec to evolve")
    parser.add_argument("--evolve", action="store_true", help="scaffold a new spec that changes SPEC_ID (which may be released)")
    parser.add_argument("--id", dest="new_id", help="id for the evolving spec (default: SPEC_ID-v2, -v3, ...)")
    parser.add_argument("--title", help="title of the new spec")


def _next_id(specs: Path, base: str) -> str:
    stem = re.sub(r"-v\d+$", "", base)
    n = 2
    while (specs / f"{stem}-v{n}.yaml").exists() or (specs / f"{stem}-v{n}.yml").exists():
        n += 1
    return f"{stem}-v{n}"


def _scalar(value: str) -> str:
    # yaml.safe_dump quotes whatever needs quoting; strip its document marker.
    return yaml.safe_dump(value, default_flow_style=True, width=1 << 16).strip().removesuffix("...").strip()


def run(args: argparse.Namespace) -> int:
    specs: Path = args.specs
    depends: list[str] = []
    title = args.title
    if args.evolve:
        try:
            project = load_project(args)
        except SpecError as err:
            return report(err, args.format)
        old = project.spec(args.spec_id)
        if old is None:
            print(f"specc: error: unknown spec {args.spec_id!r}", file=sys.stderr)
            return 2
        new_id = args.new_id or _next_id(specs, old.id)
        depends = [old.id]
        title = title or f"Evolve {old.title}"[:120]
    else:
        new_id = args.new_id or args.spec_id
        title = title or new_id.replace("-", " ").capitalize()
    if not _ID.match(new_id) or len(new_id) > 64:
        print(f"specc: error: {new_id!r} is not a valid spec id (kebab-case, at most 64 characters)", file=sys.stderr)
        return 2
    path = specs / f"{new_id}.yaml"
    if path.exists():
        print(f"specc: error: {path} already exists", file=sys.stderr)
        return 2
    lines = [
        "# yaml-language-server: $schema=../compiler/spec.schema.json",
        "spec: 1",
        f"id: {new_id}",
        f"title: {_scalar(title)}",
        "priority: medium",
    ]
    if depends:
        lines += [
            f"depends_on: [{depends[0]}]",
            "",
            f"# {depends[0]} is released: its migration has run and never changes.",
            "# Express the change here, as a new step on top of it. The safe order:",
            "#   1. add the new shape (nullable columns, a new table) under `tables:`;",
            "#   2. move existing rows with a `backfills:` entry (generated, run by you);",
            "#   3. in a later spec, drop what is left, with an `approvals:` entry.",
            "tables: {}",
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"created {path}")
    return 0
