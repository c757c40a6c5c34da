"""`specc checks CONVERSATION`: run `specc check` for a conversation's task (run_checks)."""

from __future__ import annotations

import argparse
from typing import Any

from compiler import progress
from compiler.agent.conversations import StateError
from compiler.cli.commands.agent_options import add_agent_options, emit_json, make_agent, state_error
from compiler.review.draft.checks import PARTS, part_status

EXIT_NOT_GREEN = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("conversation", help="the id `specc start` printed")
    add_agent_options(parser, user=False)


def render_text(result: dict[str, Any]) -> str:
    lines = []
    for part in PARTS:
        status, details = part_status(result.get(part))
        lines.append(f"{part:6} {status}" + (f"  ({details})" if details else ""))
    lines.append("")
    lines.append(str(result.get("message") or ""))
    return "\n".join(lines).rstrip()


def run(args: argparse.Namespace) -> int:
    try:
        with progress.reporting("specc checks", args.format):
            result = make_agent(args).run_checks(args.conversation)
    except StateError as exc:
        return state_error(exc)
    if args.format == "json":
        emit_json(result)
    else:
        print(render_text(result))
    # Not run is not green: exit 1 either way, so scripts never mistake it for a pass.
    return 0 if result.get("success") else EXIT_NOT_GREEN
