"""`specc checks CONVERSATION`: run `specc check` for a conversation's task (run_checks)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from compiler import progress
from compiler.agent import repo_checks
from compiler.agent.conversations import StateError
from compiler.cli.commands.agent_options import add_agent_options, emit_json, fail, make_agent, state_error
from compiler.review.draft.checks import PARTS, part_status

EXIT_NOT_GREEN = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("conversation", help="the id `specc start` printed")
    parser.add_argument(
        "--repository",
        type=Path,
        default=None,
        help="a checkout of the target repository: also run its own lint/tests/build (npm scripts) on a scratch copy with the task's files applied",
    )
    parser.add_argument(
        "--repository-prefix",
        default="snapshots",
        help="where in the repository the task's files go (default: snapshots, as in `specc pr --patch`)",
    )
    add_agent_options(parser, user=False)


def render_text(result: dict[str, Any]) -> str:
    lines = []
    for part in PARTS:
        status, details = part_status(result.get(part))
        lines.append(f"{part:6} {status}" + (f"  ({details})" if details else ""))
    repo = result.get("repository")
    if isinstance(repo, dict):
        lines.append("")
        lines.append(f"repository {repo.get('repository', '')}:")
        for part in PARTS:
            status, details = part_status(repo.get(part))
            lines.append(f"  {part:6} {status}" + (f"  ({details})" if details else ""))
    lines.append("")
    lines.append(str(result.get("message") or ""))
    return "\n".join(lines).rstrip()


def run(args: argparse.Namespace) -> int:
    try:
        problem = None if args.repository is None else repo_checks.problem(args.repository)
        if problem:
            return fail({"success": False, "message": problem}, args.format)
        with progress.reporting("specc checks", args.format):
            if args.repository is None:
                result = make_agent(args).run_checks(args.conversation)
            else:
                result = make_agent(args).run_checks(args.conversation, repository=args.repository, repository_prefix=args.repository_prefix)
    except StateError as exc:
        return state_error(exc)
    if args.format == "json":
        emit_json(result)
    else:
        print(render_text(result))
    # Not run is not green: exit 1 either way, so scripts never mistake it for a pass.
    return 0 if result.get("success") else EXIT_NOT_GREEN
