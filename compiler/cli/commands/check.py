"""`specc check [SPEC_ID...]`: lint, build and test the generated code.

Prints a summary with real counts and exits 0 only when every check ran and
passed (1 otherwise, 2 for a broken spec or an unknown spec id).  `--format
json` prints the same result as `run_checks(...).as_dict()`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from typing import TYPE_CHECKING

from compiler.cli.commands.common import EXIT_USER_ERROR, load_project, report
from compiler.diagnostics import SpecError

if TYPE_CHECKING:
    from compiler.check.run import CheckResult

EXIT_FAILED = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec_ids", nargs="*", metavar="SPEC_ID", help="specs to check (default: every spec)")
    parser.add_argument("--specs", type=Path, default=Path("specs"), help="folder of spec files (default: specs)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgres", "mysql"),
        default="sqlite",
        help="engine the migrations and contract tests run on (default: sqlite, embedded); postgres and mysql "
        "(MariaDB) use a server named by SPECC_PG_HOST/PORT/USER or SPECC_MYSQL_SOCKET (or _HOST/_PORT)/USER",
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="render the tree and database into DIR and keep them (for debugging)")


def run(args: argparse.Namespace) -> int:
    try:
        project = load_project(args)
    except SpecError as err:
        return report(err, args.format)
    from compiler.check.run import run_checks, select_specs

    try:
        select_specs(project, args.spec_ids)
    except KeyError as err:
        known = ", ".join(s.id for s in project.specs)
        print(f"specc: error: unknown spec id {err.args[0]}; known: {known}", file=sys.stderr)
        return EXIT_USER_ERROR
    from compiler import progress

    with progress.reporting("specc check", args.format):
        result = run_checks(project, args.spec_ids, workdir=args.keep, database=args.database)
    if args.format == "json":
        print(json.dumps(result.as_dict(), indent=2, sort_keys=True))
    else:
        print(render_text(result))
    return 0 if result.success else EXIT_FAILED


def render_text(result: CheckResult) -> str:
    """The human summary: one line per section, then every failure."""
    lines = [f"specc check: {', '.join(result.specs)}", ""]
    for section in result.sections:
        lines.append(f"{section.name:<6} {section.status:<8} {section.summary}")
    contract = result.contract_counts()
    migrations = [c for c in result.tests.checks if c.name.startswith("migrations:")]
    lines.append(
        f"{'':<6} {'':<8} contract tests: {contract['passed']} passed, {contract['failed']} failed, "
        f"{contract['skipped']} skipped; migrations: {sum(c.status == 'passed' for c in migrations)} passed, "
        f"{sum(c.status == 'failed' for c in migrations)} failed"
    )
    failures = result.failures()
    if failures:
        lines += ["", "not passed:"]
        for name, check in failures:
            detail = f": {check.detail}" if check.detail else ""
            lines.append(f"  {name:<6} {check.status:<8} {check.name}{detail}")
    lines += ["", result.message]
    return "\n".join(lines)
