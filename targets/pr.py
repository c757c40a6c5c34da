"""The `pr` target: a draft PR body and payload per task.

Per spec: `<spec-id>/pr/body.md` and `<spec-id>/pr/payload.json`.  When a spec
has both a migration and endpoints it gets two PRs: the migration PR in
`<spec-id>/pr/migration.body.md` + `migration.payload.json`, and the
application PR (which names the migration PR's branch in `depends_on`) in
`body.md` + `payload.json`.  The three cross-spec views get theirs under
`_project/pr/<view-id>/`.

"Files modified" and the payload's content hashes come from the artifacts the
other targets actually render: the target reads the tree of the targets
registered before it (`reads_tree`).  Snapshot
bodies say plainly that checks had not run; `specc pr` fills in real results.
"""

from __future__ import annotations

from compiler.pypackage import in_package, owner_of
from pathlib import PurePosixPath
from collections.abc import Mapping

from compiler import jsontext
from compiler.checkers import JSON, MARKDOWN
from compiler.review.draft import payloads
from compiler.review.draft.parts import is_split
from compiler.review.draft.pieces import Pieces
from compiler.build.header import HTML
from compiler.ir import Project
from compiler.target import PR, FileKind, Memo, Target
from compiler.review.tasks import PROJECT, group_of, pr_dir, project_tasks


def from_tree(project: Project, tree: Mapping[PurePosixPath, str], cache: Memo | None = None) -> dict[PurePosixPath, str]:
    """The PR files, given the other targets' rendered tree.

    With a `cache` (whose `render_keys` name each spec's rendered files), the
    per-spec pieces of the bodies (`compiler.review.draft.pieces`) are reused for
    every spec whose files and dependencies did not change.
    """
    clean = {p: t for p, t in tree.items() if group_of(p) != "pr"}
    deps = _dependency_parts(project)
    keys = {s.id: key for s in project.specs if cache is not None and (key := cache.spec_key("draft", s.id, *deps[s.id])) is not None}
    seeded = {sid: entry for sid, key in keys.items() if isinstance(entry := cache.get("draft", key), dict)} if cache else {}
    pieces = Pieces(clean, seeded)
    # A spec's PR covers its own files and the project-wide application files:
    # hand it just those, not the whole tree.
    owned: dict[str, dict[PurePosixPath, str]] = {}
    for path, text in clean.items():
        owned.setdefault(owner_of(path), {})[path] = text
    shared = {p: t for p, t in owned.get(PROJECT, {}).items() if group_of(p) == "app" or in_package(p)}
    out: dict[PurePosixPath, str] = {}
    shared_names = sorted(p.as_posix() for p in shared)
    for task in project_tasks(project):
        folder = pr_dir(task.id, task.kind)
        # A spec's PR files are a function of its pieces and of which shared
        # files exist (listed, not hashed): reuse them whole when those did
        # not change.  The cross-spec PRs cover every spec and are rebuilt.
        whole = cache.spec_key("draft-files", task.id, *deps[task.id], *shared_names) if cache is not None and task.kind == "spec" else None
        cached = cache.get("pr", whole) if whole is not None and cache is not None else None
        if isinstance(cached, dict):
            out.update((PurePosixPath(k), v) for k, v in cached.items())
            continue
        view = {**owned.get(task.id, {}), **shared} if task.kind == "spec" else clean
        files: dict[PurePosixPath, str] = {}
        for part, data in payloads(project, task, view, pieces=pieces, clean=True):
            files[folder / f"{part.stem}body.md"] = data["body"]
            files[folder / f"{part.stem}payload.json"] = jsontext.dumps(data) + "\n"
        out.update(files)
        if whole is not None and cache is not None:
            cache.put("pr", whole, {k.as_posix(): v for k, v in files.items()})
    if cache is not None:
        for sid in sorted(pieces.dirty):
            if sid in keys:
                cache.put("draft", keys[sid], pieces.by_owner[sid])
    return out


def _dependency_parts(project: Project) -> dict[str, list[str]]:
    """spec id -> what its PR pieces read besides its rendered files: for
    each spec it depends on, whether that one is split into two PRs (its own
    PR names the branch it waits for)."""
    by_id = {s.id: s for s in project.specs}
    return {spec.id: [f"{d}:{d in by_id and is_split(by_id[d])}" for d in spec.depends_on] for spec in project.specs}


TARGET = Target(
    "pr",
    kinds=(
        FileKind(".md", HTML, PR, MARKDOWN, where="*/pr/*"),
        FileKind(".json", None, PR, JSON, where="*/pr/*"),
    ),
    reads_tree=True,
    emit_from_tree=from_tree,
)
