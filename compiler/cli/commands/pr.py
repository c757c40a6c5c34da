"""`specc pr CONVERSATION --confirm "confirm TASK"`: prepare draft PR payloads
(confirm_and_prepare_pr).  Prints payloads; never creates branches, pushes or opens PRs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from compiler.agent.conversations import StateError
from compiler.cli.commands.agent_options import add_agent_options, emit_json, fail, make_agent, state_error

EXIT_REFUSED = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("conversation", help="the id `specc start` printed")
    parser.add_argument("--confirm", required=True, metavar='"confirm TASK"', help='explicit confirmation naming the task, e.g. "confirm profile-links-titles"')
    parser.add_argument("--patch", type=Path, default=None, metavar="FILE", help="also write a `git apply`-able patch of the generated files")
    parser.add_argument("--patch-repo", type=Path, default=None, metavar="DIR", help="repository the patch applies to (default: the current directory)")
    parser.add_argument("--patch-prefix", default="snapshots", metavar="DIR", help="folder of the generated files inside that repository (default: snapshots)")
    parser.add_argument("--body", action="store_true", help="text format: also print each PR body")
    add_agent_options(parser, user=False)


def render_text(result: dict[str, Any], bodies: bool) -> str:
    lines = [result["message"], ""]
    for i, p in enumerate(result["draft_pr_payloads"], 1):
        lines.append(f"{i}. {p['title']}")
        lines.append(f"   branch: {p['branch']}" + (f" (after {', '.join(p['depends_on'])})" if p["depends_on"] else ""))
        lines.append(f"   labels: {', '.join(p['labels'])}; draft: {str(p['draft']).lower()}; {len(p['files'])} files in {len(p['commits'])} commits")
        if bodies:
            lines += ["", p["body"]]
    if "patch" in result:
        lines += ["", f"Patch written to {result['patch']['path']}; apply with: {result['patch']['apply']}"]
    lines += ["", "Use --format json for the full payloads."]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        result = make_agent(args).confirm_and_prepare_pr(args.conversation, args.confirm, patch=args.patch, patch_repo=args.patch_repo, patch_prefix=args.patch_prefix)
    except StateError as exc:
        return state_error(exc)
    if not result["success"]:
        return fail(result, args.format, EXIT_REFUSED)
    if args.format == "json":
        emit_json(result)
    else:
        print(render_text(result, args.body))
    return 0
