"""Running `specc check` for a task, honestly.

`compiler.check.run.run_checks(project, spec_ids)` (the `specc check` command's
engine) lints, tests and builds the generated code.  When it is not part of
this build, or it crashes, the result says plainly that checks did not run:
"not run" is never reported as "passed".
"""

from __future__ import annotations

import importlib
from typing import Any
from collections.abc import Callable

from compiler.ir import Project

PARTS = ("lint", "tests", "build")


def not_run(reason: str) -> dict[str, Any]:
    """A result for checks that did not run, with the reason."""
    part = {"ran": False, "message": reason}
    return {"success": False, "ran": False, "lint": dict(part), "tests": dict(part), "build": dict(part), "message": f"checks did not run: {reason}"}


def load_checker() -> Callable[..., Any] | str:
    """`compiler.check.run.run_checks`, or the reason it is unavailable."""
    try:
        module = importlib.import_module("compiler.check.run")
    except ModuleNotFoundError as exc:
        if exc.name != "compiler.check.run":
            return f"`specc check` needs {exc.name!r}, which is not installed (pip install 'specc[check]')"
        return "`specc check` is not available in this build of specc (compiler/check/run.py is missing)"
    run_checks = getattr(module, "run_checks", None)
    if run_checks is None:
        return "compiler.check.run has no run_checks(project, spec_ids)"
    return run_checks  # type: ignore[no-any-return]


def run(project: Project, spec_ids: tuple[str, ...]) -> dict[str, Any]:
    """Run `specc check` for `spec_ids`; a dict `{success, lint, tests, build, message, ran}`."""
    run_checks = load_checker()
    if isinstance(run_checks, str):
        return not_run(run_checks)
    if not spec_ids:
        return not_run("the task covers no specs, so there is nothing to check")
    try:
        result = run_checks(project, list(spec_ids))
    except Exception as exc:  # a crash in the checker must not read as a pass
        return not_run(f"`specc check` crashed: {type(exc).__name__}: {exc}")
    data = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    out = {k: data.get(k) for k in ("success", *PARTS, "message")}
    out.update({k: v for k, v in data.items() if k not in out})
    out["success"] = bool(data.get("success"))
    out["ran"] = True
    return out


def failed(result: dict[str, Any] | None) -> bool:
    """Whether `result` shows a check that really ran and failed.

    Checks that did not run (not installed, or crashed for an internal
    reason) make a result unsuccessful but are not "checks failing": the
    task's code was never judged, so the overview must not say it failed.
    """
    if not result or result.get("success") or not result.get("ran", True):
        return False
    sections = [result.get(p) for p in PARTS]
    counted = [s for s in sections if isinstance(s, dict) and isinstance(s.get("failed"), int)]
    if counted:
        return any(s["failed"] > 0 for s in counted)
    return True
