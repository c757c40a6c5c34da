"""`specc start TASK`: compile a task and show its preview (start_task)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from compiler.agent.conversations import StateError
from compiler.cli.commands.agent_options import EXIT_USER_ERROR, add_agent_options, default_user, emit_json, fail, make_agent, state_error


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", help="a spec id, or validators-and-security, migrations-and-backfills, contract-tests-and-ci")
    add_agent_options(parser)
    parser.add_argument("--context", default=None, metavar="JSON|@FILE", help="constraints, answers, narrowing or repository files to read (JSON, or @file holding JSON)")
    parser.add_argument("--no-diff", action="store_true", help="list changed files without their diffs")
    parser.add_argument(
        "--repository",
        default=None,
        metavar="PATH",
        help="a checkout of the target repository: questions it already answers (a cap, link types, a column's table) quote it and default to its answer",
    )


def read_context(value: str | None) -> str | None:
    """The --context JSON text (reading @file when given)."""
    if value is None or not value.startswith("@"):
        return value
    path = Path(value[1:])
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read context file {path}: {getattr(exc, 'strerror', None) or exc}") from None


def with_repository(context: str | None, repository: str) -> str:
    """The --context JSON with `repository` set from --repository."""
    try:
        data = json.loads(context) if context else {}
    except json.JSONDecodeError:
        return context or ""  # start_task reports the bad JSON
    if isinstance(data, list):
        data = {"files": data}
    if isinstance(data, dict):
        data["repository"] = repository
    return json.dumps(data)


def _questions(questions: list[dict[str, Any]]) -> list[str]:
    lines = []
    for q in questions:
        if q.get("answered"):
            state = f"answered: {q['answer']}"
        elif q.get("default") is None:
            state = "NO SAFE DEFAULT: needs an answer"
        else:
            state = f"default applied: {q['default']}"
        repo = q.get("repository")
        quoted = f"\n      repository: {repo['file']}:{repo['line']}: {repo['excerpt']}" if repo else ""
        lines.append(f"  - [{q['key']}] {q['question']}\n      {state}" + quoted + (f"\n      {q['hint']}" if q.get("hint") else ""))
    return lines or ["  none"]


def render_text(result: dict[str, Any], diffs: bool) -> str:
    task = result["task"]["id"]
    lines = [f"conversation {result['conversation_id']} ({result['status']}) for task {task}", ""]
    if "questions" in result and "preview" not in result:
        lines.append(result["message"])
        lines.append("")
        lines.append("Questions:")
        lines += _questions(result["questions"])
        return "\n".join(lines)
    p = result["preview"]
    c = p["file_counts"]
    lines.append(f"Files: {c['added']} added, {c['modified']} modified, {c['removed']} removed, {c['unchanged']} unchanged")
    for f in p["files"]:
        if f["status"] != "unchanged":
            lines.append(f"  {f['status']:9} {f['path']}")
    if diffs:
        for f in p["files"]:
            if f["diff"]:
                lines += ["", f["diff"].rstrip("\n")]
    lines += ["", f"Migration: {'needed' if p['needs_migration'] else 'none'}" + (f" ({'safe' if p['migration_safe'] else 'NOT SAFE'})" if p["needs_migration"] else "")]
    for m in p["migrations"]:
        lines.append(f"  {m['spec']}: {'safe' if m['safe'] else 'NOT SAFE, approved' if m['approved'] else 'NOT SAFE'}")
        for i, s in enumerate(m["steps"], 1):
            lines.append(f"    {i}. {s['action']} {s['target']}: {'safe' if s['safe'] else 'UNSAFE, approved' if s['approved'] else 'UNSAFE'}; {s['why']}")
        for b in m.get("backfills") or []:
            lines.append(f"    backfill {b['name']} on {b['table']} (run by you, never by specc; see {b['readme']})")
        lines.append("    rollback: " + "; then ".join(m["rollback"]))
    lines += ["", "Tests to add:"]
    lines += [f"  - {t['file'] + '::' if t['file'] else ''}{t['name']}" + ("" if t["generated"] else " (planned)") for t in p["tests_to_add"]] or ["  none"]
    lines += ["", "Open questions:"] + _questions(p["questions"])
    if "security_review" in p:
        sr = p["security_review"]
        lines += ["", "Security review: " + ", ".join(f"{n} {sev}" for sev, n in sr["counts"].items())]
        lines += [f"  - {f['severity']}: {f['where']}: {f['text']}" for f in sr["findings"] if f["severity"] != "info"]
    if p["repo_files"]:
        lines += ["", "Repository files read:"]
        for f in p["repo_files"]:
            if "error" in f:
                lines.append(f"  - {f['path']}: {f['error']}")
            else:
                lines.append(f"  - {f['path']}: {f['lines']} lines")
                lines += [f"      {n}" for n in f["notes"]]
    if p.get("warnings"):
        lines += ["", "API compatibility findings (approve them in the spec, or `specc compile` refuses it):"]
        lines += [f"  - {w['code']}: {w['message']}" for w in p["warnings"]]
    lines += ["", "Pull requests (draft payloads only; specc opens nothing):"]
    for pr in p["pull_requests"]:
        dep = f" (after {', '.join(pr['depends_on'])})" if pr["depends_on"] else ""
        lines.append(f"  - {pr['branch']}: {pr['title']}{dep}")
    for other in result.get("also_working") or []:
        lines.append(f"\nNote: {other['user']} also has a conversation on this task ({other['status']}).")
    lines += ["", "Next:", f"  specc checks {result['conversation_id']}", f'  specc pr {result["conversation_id"]} --confirm "confirm {task}"']
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        context = read_context(args.context)
    except ValueError as exc:
        print(f"specc: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    try:
        if args.repository is not None:
            context = with_repository(context, args.repository)
        result = make_agent(args).start_task(args.user or default_user(), args.task, context)
    except StateError as exc:
        return state_error(exc)
    if not result["success"]:
        return fail(result, args.format)
    if args.format == "json":
        emit_json(result)
    else:
        print(render_text(result, not args.no_diff))
    return 0
