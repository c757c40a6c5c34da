"""Rendering check results (from `specc check`) into the PR body's testing checklist.

The results are whatever `compiler.check.run.CheckResult.as_dict()` returned,
stored verbatim by the agent.  The renderer is deliberately tolerant of the
shape of each part, but never turns "did not run" into "passed".
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, Mapping

from compiler.review import markdown as md

PARTS = ("lint", "tests", "build")

NOT_RUN_STATEMENT = (
    "Checks had not run when this body was generated. The live `specc pr` output "
    "fills in the results of `specc check` (lint, tests, build) for the exact files of this PR."
)


def part_status(value: object) -> tuple[str, str]:
    """(status, details) of one part: status is passed, failed or not run."""
    if value is None:
        return "not run", ""
    if isinstance(value, bool):
        return ("passed" if value else "failed"), ""
    if isinstance(value, Mapping):
        details = ", ".join(
            f"{k}: {value[k]}"
            for k in sorted(value)
            if k not in ("success", "ok", "ran", "status", "output", "log") and isinstance(value[k], (int, float, str)) and not isinstance(value[k], bool)
        )
        # `specc check` sections say `status: passed | failed | not_run`, with counts.
        if "status" in value and isinstance(value.get("run"), int):
            details = f"{value['run']} run: {value.get('passed', 0)} passed, {value.get('failed', 0)} failed"
            details += "".join(f", {value[k]} {k.replace('_', ' ')}" for k in ("skipped", "not_run") if value.get(k))
        if "status" in value:
            status = str(value["status"])
            return ("passed" if status == "passed" else "failed" if status == "failed" else "not run"), details
        if value.get("ran") is False or value.get("skipped") is True:
            return "not run", str(value.get("message") or value.get("reason") or "")
        ok: Any = value.get("success", value.get("ok"))
        if ok is None:
            return "not run", details
        return ("passed" if ok else "failed"), details
    return "not run", str(value)


def render(checks: Mapping[str, Any] | None) -> list[str]:
    """Markdown lines of the testing checklist."""
    if checks is None:
        lines = [md.checkbox(False, f"{part}: not run") for part in PARTS]
        return lines + ["", NOT_RUN_STATEMENT]
    lines = []
    for part in PARTS:
        status, details = part_status(checks.get(part))
        label = f"{part}: **{status}**" + (f" ({md.text(details)})" if details else "")
        lines.append(md.checkbox(status == "passed", label))
        data = checks.get(part)
        # Name what failed or could not run, so a reviewer need not rerun to see it.
        for item in (data.get("checks") or []) if isinstance(data, Mapping) else []:
            if isinstance(item, Mapping) and item.get("status") in ("failed", "not_run"):
                detail = f": {md.text(item.get('detail'))}" if item.get("detail") else ""
                lines.append(f"  - {md.text(str(item.get('status')).replace('_', ' '))} {md.code(item.get('name', ''))}{detail}")
    repo = checks.get("repository")
    if isinstance(repo, Mapping):
        # The target repository's own scripts (run_checks with a checkout), labelled as such.
        name = PurePosixPath(str(repo.get("repository") or "").replace("\\", "/")).name or "the repository"
        lines += ["", f"The target repository's own checks ({md.code(name)}, on a scratch copy with this PR's files):"]
        for part in PARTS:
            status, details = part_status(repo.get(part))
            lines.append(md.checkbox(status == "passed", f"repository {part}: **{status}**" + (f" ({md.text(details)})" if details else "")))
    message = checks.get("message")
    if message:
        lines += ["", f"Result of `specc check`: {md.text(message)}"]
    if not checks.get("success"):
        if all(part_status(checks.get(p))[0] == "not run" for p in PARTS):
            lines += ["", "Checks did not run, so nothing above is verified."]
        else:
            lines += ["", "Checks are **not green**: keep this PR in draft until they pass."]
    return lines
