"""Rendering check results (from `specc check`) into the PR body's testing checklist.

The results are whatever `compiler.check.run.CheckResult.as_dict()` returned,
stored verbatim by the agent.  The renderer is deliberately tolerant of the
shape of each part, but never turns "did not run" into "passed".
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from collections.abc import Mapping

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


MIGRATION_PREFIX = "migrations: "


def _path_of(name: str) -> str:
    """The file a lint check is about: `black: a/b.py` -> `a/b.py`."""
    return name.partition(": ")[2]


def _section(data: Mapping[str, Any], keep: list[Any]) -> dict[str, Any]:
    """A `specc check` section narrowed to the checks in `keep`, recounted."""
    count = {k: sum(1 for c in keep if isinstance(c, Mapping) and c.get("status") == k) for k in ("passed", "failed", "skipped", "not_run")}
    run = count["passed"] + count["failed"]
    status = "failed" if count["failed"] else "not_run" if run == 0 or count["not_run"] else "passed"
    return {**{k: v for k, v in data.items() if k not in ("checks", "message", "contract")}, **count, "run": run, "status": status, "ok": status == "passed", "ran": status != "not_run", "checks": list(keep)}


def scoped(checks: Mapping[str, Any] | None, kind: str, paths: tuple[Any, ...]) -> Mapping[str, Any] | None:
    """The results of `specc check` that are about one PR of a split task.

    `specc check` checks a spec as a whole; its migration PR and its
    application PR each report only their own checks: the migration PR the
    migration checks and the lint of its files, the application PR the rest.
    Results without per-check lists (or other PR kinds) are returned as they are.
    """
    if checks is None or kind not in ("migration", "app"):
        return checks
    if not all(isinstance(checks.get(p), Mapping) and isinstance(checks[p].get("checks"), list) for p in PARTS):
        return checks
    mine = {str(p.as_posix() if hasattr(p, "as_posix") else p) for p in paths}
    out: dict[str, Any] = dict(checks)
    out["lint"] = _section(checks["lint"], [c for c in checks["lint"]["checks"] if _path_of(str(c.get("name", ""))) in mine])
    is_migration = [str(c.get("name", "")).startswith(MIGRATION_PREFIX) for c in checks["tests"]["checks"]]
    if kind == "migration":
        out["tests"] = _section(checks["tests"], [c for c, m in zip(checks["tests"]["checks"], is_migration, strict=True) if m])
        out["build"] = {"status": "skipped", "ran": False, "not_applicable": True}
    else:
        out["tests"] = _section(checks["tests"], [c for c, m in zip(checks["tests"]["checks"], is_migration, strict=True) if not m])
    parts = [out[p] for p in PARTS if not out[p].get("not_applicable")]
    out["success"] = all(p.get("status") == "passed" for p in parts)
    run = sum(p.get("run", 0) for p in parts)
    failed = sum(p.get("failed", 0) for p in parts)
    out["message"] = f"this PR's checks: {run} run, {failed} failed (the whole `specc check` run: {checks.get('message')})"
    return out


def render(checks: Mapping[str, Any] | None) -> list[str]:
    """Markdown lines of the testing checklist."""
    if checks is None:
        lines = [md.checkbox(False, f"{part}: not run") for part in PARTS]
        return lines + ["", NOT_RUN_STATEMENT]
    lines = []
    for part in PARTS:
        if isinstance(checks.get(part), Mapping) and checks[part].get("not_applicable"):
            lines.append(md.checkbox(True, f"{part}: not part of this PR (the application PR builds and serves the app)"))
            continue
        status, details = part_status(checks.get(part))
        label = f"{part}: **{status}**" + (f" ({md.prose(details)})" if details else "")
        lines.append(md.checkbox(status == "passed", label))
        data = checks.get(part)
        # Name what failed or could not run, so a reviewer need not rerun to see it.
        for item in (data.get("checks") or []) if isinstance(data, Mapping) else []:
            if isinstance(item, Mapping) and item.get("status") in ("failed", "not_run"):
                detail = f": {md.prose(item.get('detail'))}" if item.get("detail") else ""
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
        lines += ["", f"Result of `specc check`: {md.prose(message)}"]
    if not checks.get("success"):
        if all(part_status(checks.get(p))[0] == "not run" for p in PARTS if not (isinstance(checks.get(p), Mapping) and checks[p].get("not_applicable"))):
            lines += ["", "Checks did not run, so nothing above is verified."]
        else:
            lines += ["", "Checks are **not green**: keep this PR in draft until they pass."]
    return lines
