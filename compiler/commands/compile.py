"""`specc compile`: render every target and write snapshots/ (or `--check` it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from compiler.commands.common import add_spec_options, load_project, report
<<<<<<< HEAD

if TYPE_CHECKING:
    from compiler.ir import Project

# The heavy stages (YAML, jsonschema, targets, black, sqlglot) are imported in
# `run`, after the no-op check: a compile with nothing to do imports none of them.
=======
from compiler.diagnostics import Diagnostic, SpecError
from compiler.emit import render_tree
from compiler.guards import guard
from compiler.ir import Project, Span
from compiler.writer import WriteError, diff_tree, unsafe_destination, write_tree
>>>>>>> main

EXIT_STALE = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_spec_options(parser)
    parser.add_argument("--out", type=Path, default=Path("snapshots"), help="output folder (default: snapshots)")
    parser.add_argument("--check", action="store_true", help="render in memory and compare with --out; exit 1 and print a diff when stale")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the compile cache (output is identical either way)")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="where the compile cache lives (default: .specc/ next to --out)",
    )
    parser.add_argument("--jobs", type=int, default=None, help="worker processes for big projects (default: CPUs available; 1 = none)")


def cache_root(args: argparse.Namespace) -> Path | None:
    """The folder of the compile cache, or None with --no-cache."""
    if args.no_cache:
        return None
    if args.cache_dir is not None:
        return args.cache_dir
    return args.out.parent / ".specc"


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
<<<<<<< HEAD
    root = cache_root(args)
    if root is not None and args.specs.is_dir():
        from compiler import manifest

        known = manifest.unchanged(root, args.specs, out)
        if known is not None:
            if args.check:
                print(f"specc: {known['files']} files in {out} are up to date")
            else:
                print(known["summary"])
                print(f"\nnothing changed: {out} is up to date ({known['files']} files)")
            return 0

    from compiler.diagnostics import SpecError
    from compiler.emit import render_tree
    from compiler.guards import guard
    from compiler.writer import WriteError, diff_tree, write_tree

    cache = None
    if root is not None:
        from compiler.incremental import CompileCache

        cache = CompileCache(root / "cache")
=======
>>>>>>> main
    try:
        project = load_project(args, cache)
    except SpecError as err:
        return report(err, args.format)
<<<<<<< HEAD
    tree = render_tree(project, cache=cache, jobs=args.jobs)
=======
    if not args.check and (problem := unsafe_destination(out, args.specs, Path.cwd())):
        return _write_failed(out, WriteError(f"{problem}; specc replaces the whole output folder, so give it a folder of its own", "E303"), args.format)
    tree = render_tree(project)
>>>>>>> main
    try:
        guard(project, tree, out)  # safety lint + released migrations
    except SpecError as err:
        return report(err, args.format)
    table = summary(project, tree)
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
        if root is not None:
            _record(root, args.specs, out, tree, table)
        return 0
    if root is not None:
        from compiler import manifest

        manifest.forget(root, args.specs, out)
    try:
        write_tree(out, tree)
    except WriteError as err:
<<<<<<< HEAD
        print(f"specc: error: {err}", file=sys.stderr)
        return 2
    if root is not None:
        _record(root, args.specs, out, tree, table)
    print(table)
=======
        return _write_failed(out, err, args.format)
    print(summary(project, tree))
>>>>>>> main
    print(f"\nwrote {len(tree)} files to {out}")
    return 0


def _record(root: Path, specs: Path, out: Path, tree: dict[PurePosixPath, str], table: str) -> None:
    from compiler import manifest

    manifest.record(root, specs, out, {p.as_posix(): t.encode("utf-8") for p, t in tree.items()}, table)
