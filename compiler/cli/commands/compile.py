"""`specc compile`: render every target and write snapshots/ (or `--check` it)."""

from __future__ import annotations

from compiler.pypackage import owner_of
import argparse
import hashlib
import json
import sys
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from compiler.cli.commands.common import add_spec_options, load_project, report

if TYPE_CHECKING:
    from compiler.diagnostics import SpecError
    from compiler.ir import Project
    from compiler.build.writer import WriteError

# The heavy stages (YAML, jsonschema, targets, sqlglot; ruff runs as a
# subprocess) are imported in
# `run`, after the no-op check: a compile with nothing to do imports none of them.

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
    cache_dir: Path | None = args.cache_dir
    out: Path = args.out
    return cache_dir if cache_dir is not None else out.parent / ".specc"


def summary(project: Project, tree: dict[PurePosixPath, str]) -> str:
    """The table `specc compile` prints: spec, artifacts, open questions."""
    rows = [("spec", "artifacts", "open questions")]
    counts: dict[str, int] = {}
    for p in tree:
        counts[owner_of(p)] = counts.get(owner_of(p), 0) + 1
    for spec in project.specs:
        rows.append((spec.id, str(counts.get(spec.id, 0)), str(len(spec.questions))))
    shared = counts.get("_project", 0)
    if shared:
        rows.append(("(project)", str(shared), "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# This compile's cache and worker count, for `render_tree` (set by `run`).
_RENDER: dict[str, Any] = {}


def render_tree(project: Project) -> dict[PurePosixPath, str]:
    """Stage 4 with this compile's cache and workers (`compiler.build.render_cache.cached_render`;
    a seam the fault tests replace)."""
    from compiler.build.render_cache import cached_render as render

    return render(project, cache=_RENDER.get("cache"), jobs=_RENDER.get("jobs"))


_RENDER_TREE = render_tree


def _document(doc: dict[str, Any]) -> None:
    """`--format json`: the one JSON document on stdout."""
    sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")


def _failed(err: SpecError, fmt: str) -> int:
    """Diagnostics on stderr as always; with --format json also the result
    document on stdout, so stdout is JSON whatever happened."""
    rc = report(err, fmt)
    if fmt == "json":
        _document({"status": "error", "exit": rc, "diagnostics": [d.as_dict() for d in err.diagnostics]})
    return rc


def _counts(project: Project, tree: dict[PurePosixPath, str]) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for p in tree:
        counts[owner_of(p)] = counts.get(owner_of(p), 0) + 1
    rows = [{"spec": s.id, "artifacts": counts.get(s.id, 0), "open_questions": len(s.questions)} for s in project.specs]
    if counts.get("_project"):
        rows.append({"spec": None, "artifacts": counts["_project"], "open_questions": None})
    return rows


def _write_failed(out: Path, err: WriteError, fmt: str) -> int:
    """An output problem is reported like any diagnostic, located at the folder."""
    from compiler.diagnostics import Diagnostic, SpecError
    from compiler.ir import Span

    return _failed(SpecError([Diagnostic(Span(out.as_posix()), err.code, str(err))]), fmt)


def _pipeline_is_ours() -> bool:
    """False when something replaced stage 4 at run time (tests do): then the
    fingerprint of the code on disk does not describe the program, and the
    no-op manifest must be neither trusted nor written."""
    return globals().get("render_tree") is _RENDER_TREE


def run(args: argparse.Namespace) -> int:
    out: Path = args.out
    # A project with a specc.yaml compiles without the cache: a profile also
    # reads files outside specs/ (schema.prisma, the migrations folder).
    root = cache_root(args) if _pipeline_is_ours() and not (args.specs.parent / "specc.yaml").exists() else None
    if root is not None and args.specs.is_dir():
        from compiler.build import manifest

        known = manifest.unchanged(root, args.specs, out)
        if known is not None:
            if args.format == "json":
                doc = {"status": "up_to_date", "stale": []} if args.check else {"status": "unchanged", "changed": 0}
                _document({**doc, "out": out.as_posix(), "files": known["files"]})
            elif args.check:
                print(f"specc: {known['files']} files in {out} are up to date")
            else:
                print(known["summary"])
                print(f"\nnothing changed: {out} is up to date ({known['files']} files)")
            return 0

    from compiler import progress

    with progress.reporting("specc compile", args.format):
        return _compile(args, out, root)


def _compile(args: argparse.Namespace, out: Path, root: Path | None) -> int:
    from compiler import progress
    from compiler.diagnostics import SpecError
    from compiler.safety.guards import guard
    from compiler.build.writer import WriteError, diff_tree, unsafe_destination, write_tree

    cache = None
    if root is not None:
        from compiler.build.incremental import CompileCache

        cache = CompileCache(root / "cache")
    progress.note(f"reading specs in {args.specs}")
    try:
        project = load_project(args, cache)
    except SpecError as err:
        return _failed(err, args.format)
    progress.note(f"{len(project.specs)} specs read and validated")
    if not args.check and (problem := unsafe_destination(out, args.specs, Path.cwd())):
        return _write_failed(out, WriteError(f"{problem}; specc replaces the whole output folder, so give it a folder of its own", "E303"), args.format)
    _RENDER.update(cache=cache, jobs=args.jobs)
    try:
        tree = render_tree(project)
    finally:
        _RENDER.clear()
    progress.note(f"{len(tree)} files rendered; checking them")
    try:
        guard(project, tree, out, cache)  # safety lint + released migrations
    except SpecError as err:
        return _failed(err, args.format)
    table = summary(project, tree)
    if args.check:
        try:
            diffs = diff_tree(out, tree)
        except OSError as exc:
            return _write_failed(out, WriteError(f"cannot read {out}: {exc.strerror or exc}"), args.format)
        if args.format == "json":
            stale = [{"path": path, "status": status, "diff": diff} for path, status, diff in (_split(d) for d in diffs)]
            _document({"status": "stale" if diffs else "up_to_date", "out": out.as_posix(), "files": len(tree), "stale": stale})
            return EXIT_STALE if diffs else 0
        if diffs:
            sys.stdout.write("".join(diffs))
            print(f"specc: {len(diffs)} file(s) in {out} are stale; run `specc compile`", file=sys.stderr)
            return EXIT_STALE
        print(f"specc: {len(tree)} files in {out} are up to date")
        return 0
    known = None
    if root is not None:
        from compiler.build import manifest
        from compiler.build.writer_incremental import EncodedTree, Known

        # The bytes and their hashes serve both the writer and the manifest;
        # files the manifest vouches for are compared by hash, not read.
        data = EncodedTree(tree)
        on_disk, stats = manifest.on_disk(root, args.specs, out)
        known = Known(data, {rel: hashlib.sha256(b).hexdigest() for rel, b in data.items()}, on_disk, stats)
        manifest.forget(root, args.specs, out)
    progress.note(f"writing {len(tree)} files to {out}")
    try:
        changed = write_tree(out, tree, known)
    except WriteError as err:
        return _write_failed(out, err, args.format)
    if root is not None and cache is not None and known is not None:
        # Only a compile that wrote its output leaves cache entries behind.
        cache.flush()
        # After an in-place update only the touched files need a fresh stat.
        stats = manifest.restat(out, known.stats, known.touched) if known.stats is not None and known.touched is not None else None
        manifest.record(root, args.specs, out, known.data, table, known.digests, stats)
    if args.format == "json":
        _document({"status": "written", "out": out.as_posix(), "files": len(tree), "changed": changed, "specs": _counts(project, tree)})
        return 0
    print(table)
    print(f"\nwrote {out}: {len(tree)} files, {changed} changed")
    return 0


def _split(diff: str) -> tuple[str, str, str]:
    """(path, status, unified diff) of one `diff_tree` entry, whose first line
    is `# <status>: <path>`."""
    head, _, body = diff.partition("\n")
    status, _, path = head.removeprefix("# ").partition(": ")
    return path, status, body
