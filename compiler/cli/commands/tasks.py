"""`specc tasks`: the Backend Agent's task list (next_tasks_overview)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from compiler import progress
from compiler.agent.conversations import StateError
from compiler.cli.commands.agent_options import add_agent_options, default_user, emit_json, fail, make_agent, state_error


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_agent_options(parser)
    parser.add_argument("--audit", type=Path, default=None, metavar="FILE", help="UX audit findings (JSON or CSV with id, severity, title): order tasks by the most severe finding each unblocks")


def render_text(result: dict[str, Any]) -> str:
    rows = [("task", "priority", "migration", "status", "unblocks")]
    for t in result["tasks"]:
        top = t["top_finding"]
        finding = f"{top['id']} ({top['severity']}): {top['title']}" if top else "-"
        rows.append((t["id"], t["priority"], "yes" if t["needs_migration"] else "no", t["status"], finding))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for i, r in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[j]) if j < 4 else cell for j, cell in enumerate(r)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  --------")
    for t in result["tasks"]:
        for c in t["conversations"]:
            who = f"you ({c['id']})" if c["id"] else c["user"]
            lines.append(f"  {t['id']}: {who}: {c['status']}")
    missing = result.get("unaddressed_findings") or []
    if missing:
        lines.append("")
        lines.append("Audit findings no spec unblocks yet:")
        lines += [f"  {f['id']} ({f['severity']}): {f['title']}" for f in missing]
    lines.append("")
    lines.append("Start one with: specc start TASK")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        agent = make_agent(args)
        with progress.reporting("specc tasks", args.format):
            result = agent.next_tasks_overview(args.user or default_user(), audit=args.audit)
    except StateError as exc:
        return state_error(exc)
    if not result["success"]:
        return fail(result, args.format)
    if args.format == "json":
        emit_json(result)
    else:
        print(render_text(result))
    return 0
