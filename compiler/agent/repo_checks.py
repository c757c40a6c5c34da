"""The target repository's own checks, next to `specc check`, for run_checks.

`run_checks(conversation_id, repository=PATH)` runs specc's own checks and then
`compiler.check.repository.check_repository` on a scratch copy of PATH with the
task's generated files applied under `prefix` (default `snapshots/`, where
`confirm_and_prepare_pr`'s patch puts them).  The repository's results are
kept apart, under `repository`, in the same `{success, lint, tests, build,
message}` shape; the overall result is a success only if both are.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from compiler.check.repository import RepositoryError, check_repository


def problem(repository: Path | str) -> str | None:
    """Why `repository` cannot be checked (checked before anything runs), or None."""
    text = str(repository)
    if not text.strip():
        return "no repository path given"
    path = Path(text).expanduser()
    if not path.exists():
        return f"repository {text!r} does not exist"
    if not path.is_dir():
        return f"repository {text!r} is not a folder"
    return None


def task_files(files: Mapping[PurePosixPath, str], prefix: str = "snapshots") -> dict[str, str]:
    """The task's files as repository-relative paths under `prefix`."""
    base = PurePosixPath(prefix) if prefix not in ("", ".") else PurePosixPath()
    return {(base / rel).as_posix(): text for rel, text in files.items()}


def add_repository_checks(result: dict[str, Any], repository: Path | str, files: Mapping[PurePosixPath, str], prefix: str = "snapshots", **options: Any) -> dict[str, Any]:
    """`result` (specc's own checks) plus the repository's, labelled `repository`."""
    try:
        repo = check_repository(repository, task_files(files, prefix), **options).as_dict()
    except RepositoryError as exc:
        repo = {"success": False, "ran": False, "repository": str(repository), "message": f"repository checks did not run: {exc}"}
        for part in ("lint", "tests", "build"):
            repo[part] = {"ok": False, "ran": False, "status": "not_run", "message": str(exc)}
    out = dict(result)
    out["repository"] = repo
    out["success"] = bool(result.get("success")) and bool(repo["success"])
    out["message"] = f"{result.get('message') or ''} | {repo['message']}".strip(" |")
    return out
