"""`specc lint`: run the safety rules and print every finding.

Approved findings print as notes with their reason; unapproved ones as errors
(exit 2).  `specc compile` runs the same checks and refuses to write on error.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from compiler.cli.commands.common import add_spec_options, load_project, report
from compiler.diagnostics import Diagnostic, SpecError, render
from compiler.emit import render_tree
from compiler.safety.lint import RULES, diagnostics, lint_output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_spec_options(parser)
    parser.add_argument("--out", type=Path, default=Path("snapshots"), help="committed output folder to compare the API with (default: snapshots)")
    parser.add_argument("--rules", action="store_true", help="list the rules and exit")


def run(args: argparse.Namespace) -> int:
    if args.rules:
        for rule in RULES:
            print(f"{rule.id}  {rule.name:28} {rule.reason}")
        return 0
    try:
        project = load_project(args)
    except SpecError as err:
        return report(err, args.format)
    judged = lint_output(project, render_tree(project), args.out)
    notes = [
        Diagnostic(v.finding.span, v.finding.rule, f"{v.finding.message} (approved: {v.approval.reason})", "note")
        for v in judged
        if v.approval is not None
    ]
    errors = diagnostics(project, judged)
    if notes:
        print(render(sorted(notes), args.format))
    if errors:
        return report(SpecError(errors), args.format)
    print(f"specc lint: {len(judged)} finding(s), all approved" if judged else "specc lint: no findings")
    return 0
