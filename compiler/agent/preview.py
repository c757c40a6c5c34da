"""The preview `start_task` returns: what would change, and how safely.

- the proposed changes per file, as a unified diff against what exists in
  the output folder;
- the migration plan of every spec in the task, marked safe or not, with its
  rollback (and the SQL, when the SQL target produced it);
- the tests to add (the generated contract tests, or the cases they must cover);
- the open questions with the default applied (or the context's answer);
- the PRs the task becomes, and what the named repository files mention.
"""

from __future__ import annotations

import ast
import difflib
import re
from pathlib import Path, PurePosixPath
from typing import Any
from collections.abc import Mapping

from compiler.review import security_review
from compiler.agent.context import Context
from compiler.review.draft import plan_parts
from compiler.review.examples import qa_calls
from compiler.ir import AddColumn, CreateTable, Project, Spec
from compiler.review.migration_steps import plan_for
from compiler.review.tasks import VALIDATORS, Task, group_of, task_paths

MAX_REPO_FILE_BYTES = 1024 * 1024


def file_changes(files: Mapping[PurePosixPath, str], task: Task, out_dir: Path, label: str) -> list[dict[str, Any]]:
    """Each task file as added/modified/unchanged (with a diff), plus files that
    exist for the task but would no longer be generated (removed)."""
    changes: list[dict[str, Any]] = []
    existing: dict[PurePosixPath, str] = {}
    if out_dir.is_dir():
        for path in sorted(out_dir.rglob("*")):
            if path.is_file():
                rel = PurePosixPath(path.relative_to(out_dir).as_posix())
                existing[rel] = path.read_bytes().decode("utf-8", "replace")
    scope = set(task_paths(task, existing)) | {p for p in existing if p.parent in {f.parent for f in files if group_of(f) == "pr"}}
    for rel in sorted(set(files) | scope, key=lambda p: p.as_posix()):
        new = files.get(rel)
        old = existing.get(rel)
        where = f"{label}/{rel.as_posix()}"
        if new is not None and old == new:
            changes.append({"path": rel.as_posix(), "status": "unchanged", "diff": ""})
            continue
        status = "added" if old is None else "removed" if new is None else "modified"
        diff = difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            (new or "").splitlines(keepends=True),
            "/dev/null" if old is None else f"a/{where}",
            "/dev/null" if new is None else f"b/{where}",
        )
        changes.append({"path": rel.as_posix(), "status": status, "diff": "".join(diff)})
    return changes


def _test_names(text: str) -> list[str]:
    try:
        module = ast.parse(text)
    except SyntaxError:
        return []
    return sorted(n.name for n in ast.walk(module) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test_"))


def tests_to_add(project: Project, task: Task, files: Mapping[PurePosixPath, str]) -> list[dict[str, Any]]:
    """Generated test functions, or (when no test target ran) the cases they must cover."""
    out: list[dict[str, Any]] = []
    for path, text in files.items():
        if group_of(path) == "tests" and path.suffix == ".py":
            out += [{"file": path.as_posix(), "name": name, "generated": True} for name in _test_names(text)]
    if out:
        return out
    for spec in (s for s in project.specs if s.id in task.spec_ids):
        if spec.has_migration:
            out.append({"file": None, "generated": False, "name": f"{spec.id}: migration applies, rolls back and applies again on every engine"})
        for endpoint in spec.endpoints:
            for call in qa_calls(endpoint):
                out.append({"file": None, "generated": False, "name": f"{endpoint.operation_id}: {call.purpose} returns {call.status}"})
    return out


def migrations(project: Project, task: Task, tree: Mapping[PurePosixPath, str]) -> list[dict[str, Any]]:
    """Each covered spec's migration plan, marked safe or not, with its rollback."""
    out = []
    for spec in (s for s in project.specs if s.id in task.spec_ids and s.has_migration):
        plan = plan_for(spec).as_dict()
        for name in ("up", "down"):
            path = PurePosixPath(spec.id, "migrations", "postgres", f"{name}.sql")
            plan[f"postgres_{name}_sql"] = tree.get(path)
        plan["backfills"] = [
            {"description": b.description, "name": b.name, "readme": PurePosixPath(spec.id, "backfills", b.name, "README.md").as_posix(), "table": b.table}
            for b in spec.backfills
        ]
        plan_path = PurePosixPath(spec.id, "migration-plan.md")
        plan["plan_file"] = plan_path.as_posix() if plan_path in tree else None
        out.append(plan)
    return out


def questions(project: Project, task: Task) -> list[dict[str, Any]]:
    """Open questions with the default applied (or the context's answer)."""
    out: list[dict[str, Any]] = []
    for spec in (s for s in project.specs if s.id in task.spec_ids):
        for q in spec.questions:
            row: dict[str, Any] = {"answered": q.answered, "answer": q.answer if q.answered else None, "default": q.default, "key": q.key, "question": q.question, "spec": spec.id, "where": str(q.span)}
            if q.source:
                # The default came from the repository checkout: the file, line and that line quoted.
                file, _, line = q.source.rpartition(":")
                row["repository"] = {"file": file, "line": int(line), "excerpt": q.excerpt}
            out.append(row)
    return out


def _mentions(spec: Spec) -> dict[str, list[str]]:
    tables = [op.table.name for op in spec.operations if isinstance(op, CreateTable)]
    columns = [f"{op.table}.{op.column.name}" for op in spec.operations if isinstance(op, AddColumn)]
    return {
        "tables": tables,
        "columns": columns,
        "paths": sorted({e.path for e in spec.endpoints}),
        "operations": [e.operation_id for e in spec.endpoints],
    }


def repo_files(root: Path, names: tuple[str, ...], project: Project, task: Task) -> list[dict[str, Any]]:
    """Read the repository files the context names (read-only, inside `root`),
    and report which of the task's tables, columns and routes they mention."""
    out: list[dict[str, Any]] = []
    base = root.resolve()
    specs = [s for s in project.specs if s.id in task.spec_ids]
    for name in names:
        entry: dict[str, Any] = {"path": name}
        path = (root / name).resolve()
        if base not in path.parents and path != base:
            out.append({**entry, "error": "outside the repository; not read"})
            continue
        if not path.is_file():
            out.append({**entry, "error": "not found"})
            continue
        raw = path.read_bytes()[: MAX_REPO_FILE_BYTES + 1]
        if len(raw) > MAX_REPO_FILE_BYTES:
            out.append({**entry, "error": f"larger than {MAX_REPO_FILE_BYTES} bytes; not read"})
            continue
        if b"\0" in raw:
            out.append({**entry, "error": "binary file; not read"})
            continue
        text = raw.decode("utf-8", "replace")
        found: dict[str, list[str]] = {"tables": [], "columns": [], "paths": [], "operations": []}
        notes: list[str] = []
        for spec in specs:
            for kind, items in _mentions(spec).items():
                for item in items:
                    word = item.split(".")[-1] if kind == "columns" else item
                    if re.search(r"(?<![A-Za-z0-9_])" + re.escape(word) + r"(?![A-Za-z0-9_])", text):
                        found[kind].append(item)
                        if kind == "tables":
                            notes.append(f"already mentions table {item}, which {spec.id} creates: check for an existing model or table")
                        elif kind == "paths":
                            notes.append(f"already mentions route {item}: check the generated route does not shadow an existing handler")
                        elif kind == "columns":
                            notes.append(f"mentions {word}; {spec.id} adds column {item}: update the model to include it")
        out.append({**entry, "bytes": len(raw), "lines": text.count("\n") + (0 if text.endswith("\n") or not text else 1), "mentions": found, "notes": notes})
    return out


def build(
    project: Project,
    task: Task,
    tree: Mapping[PurePosixPath, str],
    files: Mapping[PurePosixPath, str],
    context: Context,
    root: Path,
    out_dir: Path,
    out_label: str,
) -> dict[str, Any]:
    """The whole preview, as JSON-ready data."""
    changes = file_changes(files, task, out_dir, out_label)
    counts = {s: sum(1 for c in changes if c["status"] == s) for s in ("added", "modified", "removed", "unchanged")}
    clean = {p: t for p, t in tree.items() if group_of(p) != "pr"}
    prs = [
        {"branch": part.branch, "depends_on": list(part.depends_on), "files": [p.as_posix() for p in part.paths], "kind": part.kind, "title": part.title}
        for part in plan_parts(project, task, clean)
    ]
    preview: dict[str, Any] = {
        "context": context.as_dict(),
        "files": changes,
        "file_counts": counts,
        "migrations": migrations(project, task, tree),
        "needs_migration": task.needs_migration,
        "migration_safe": all(m["safe"] for m in migrations(project, task, tree)),
        "pull_requests": prs,
        "questions": questions(project, task),
        "repo_files": repo_files(root, context.files, project, task),
        "tests_to_add": tests_to_add(project, task, files),
    }
    if task.id == VALIDATORS:
        surfaces = security_review.review(project, task.spec_ids)
        preview["security_review"] = {
            "counts": security_review.counts(surfaces),
            "findings": [
                {"severity": f.severity, "spec": s.spec_id, "text": f.text, "where": f.where}
                for s in surfaces
                for f in sorted(s.findings, key=lambda f: security_review.SEVERITY_ORDER.index(f.severity))
            ],
        }
    return preview
