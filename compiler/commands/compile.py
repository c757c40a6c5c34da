"""`specc compile`: render every target and write snapshots/ (or `--check` it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path, PurePosixPath

from compiler.commands.common import add_spec_options, load_project, report
from compiler.diagnostics import Diagnostic, SpecError
from compiler.emit import render_tree
from compiler.guards import guard
from compiler.ir import Project, Span
from compiler.writer import WriteError, diff_tree, unsafe_destination, write_tree

EXIT_STALE = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_spec_options(parser)
    parser.add_argument("--out", type=Path, default=Path("snapshots"), help="output folder (default: snapshots)")
    parser.add_argument("--check", action="store_true", help="render in memory and compare with --out; exit 1 and print a diff when stale")


def summary(project: Project, tree: dict[PurePosixPath, str]) -> str:
    """The table `specc compile` prints: spec, artifacts, open questions."""
    rows = [("spec", "artifacts", "open questions")]
    for spec in project.specs:
        n = sum(1 for p in tree if p.parts[0] == spec.id)
        rows.append((spec.id, str(n), str(len(spec.questions))))
    shared = sum(1 for p in tree if p.parts[0] == "_project")
    if shared:
        rows.append(("(project)", str(shared), "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _write_failed(out: Path, err: WriteError, fmt: str) -> int:
    """An output problem is reported like any diagnostic, located at the folder."""
    return report(SpecError([Diagnostic(Span(out.as_posix()), err.code, str(err))]), fmt)


def run(args: argparse.Namespace) -> int:
    out: Path = args.out
    try:
        project = load_project(args)
    except SpecError as err:
        return report(err, args.format)
    if not args.check and (problem := unsafe_destination(out, args.specs, Path.cwd())):
        return _write_failed(out, WriteError(f"{problem}; specc replaces the whole output folder, so give it a folder of its own", "E303"), args.format)
    tree = render_tree(project)
    try:
        guard(project, tree, out)  # safety lint + released migrations
    except SpecError as err:
        return report(err, args.format)
    if args.check:
        try:
            diffs = diff_tree(out, tree)
        except OSError as exc:
            return _write_failed(out, WriteError(f"cannot read {out}: {exc.strerror or exc}"), args.format)
        if diffs:
            sys.stdout.write("".join(diffs))
            print(f"specc: {len(diffs)} file(s) in {out} are stale; run `specc compile`", file=sys.stderr)
            return EXIT_STALE
        print(f"specc: {len(tree)} files in {out} are up to date")
        return 0
    try:
        write_tree(out, tree)
    except WriteError as err:
        return _write_failed(out, err, args.format)
    print(summary(project, tree))
    print(f"\nwrote {len(tree)} files to {out}")
    return 0
