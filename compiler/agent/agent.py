"""The Backend Agent: the brief's four API methods on top of the compiler.

- `next_tasks_overview(user)`: every task with priority, migration need and status;
- `start_task(user, task_id, context)`: compile, then a preview (or questions);
- `run_checks(conversation_id)`: the real `specc check` for that task;
- `confirm_and_prepare_pr(conversation_id, user_confirmation)`: draft PR payloads.

Safe by default: the agent reads specs and (optionally) named repository
files, writes only its own state database (and a patch file when asked).
It never creates branches, pushes, opens PRs or touches a database.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any
from collections.abc import Callable

from compiler.agent import audit as audit_mod
from compiler.agent import checks as checks_mod
from compiler.agent.echo import bound, cut, names, shown
from compiler.agent import preview as preview_mod
from compiler.agent import repo_checks
from compiler.agent.repo_answers import Finding, RepositoryFacts
from compiler.agent.context import Context, ContextError, Overlay, parse
from compiler.agent.conversations import (
    CHECKS_FAILING,
    CHECKS_NOT_RUN,
    CHECKS_PASSED,
    CONFIRMED,
    DEFAULT_TTL,
    EXPIRED,
    NEEDS_ANSWERS,
    PREVIEWED,
    STALE,
    Conversation,
    ConversationStore,
)
from compiler.agent.patch import make_patch
from compiler.diagnostics import SpecError
from compiler.review.draft import payloads
from compiler.emit import render as render_all
from compiler.safety.guards import guard
from compiler.ir import AddColumn, CreateTable, OpenQuestion, Project, Spec
from compiler.project import BASE_SCHEMA, build_project, spec_files
from compiler.build.writer import read_tree
from compiler.review.tasks import MIGRATIONS, PRIORITY_RANK, VIEW_IDS, Task, find_task, pr_dir, project_tasks, task_paths, view_task

# Statuses of a task in the overview, most pressing first.
TASK_STATUSES = ("checks failing", "stale", "has open questions", "compiled")


class AgentFailure(Exception):
    """A call that cannot proceed; carries the JSON result to return."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result.get("message", ""))
        self.result = result


def _bounded(method: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """A public method whose result's message is bounded (see `echo`)."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return bound(method(*args, **kwargs))

    return call


def _fail(message: str, **extra: Any) -> AgentFailure:
    return AgentFailure({"success": False, "message": message, **extra})


@dataclass
class _Build:
    """A compiled task: the project, the task, its artifacts and their hashes."""

    project: Project
    task: Task
    tree: dict[PurePosixPath, str]
    files: dict[PurePosixPath, str]
    spec_hash: str
    output_hash: str
    warnings: list[dict[str, Any]]


def _sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def _spec_mentions(spec: Spec, kind: str, name: str) -> bool:
    """Whether a no-safe-default answer (enum values, NOT NULL column) is about `spec`."""
    if kind == "enum-values":
        return any(e.name == name for e in spec.enums)
    table, _, column = name.partition(".")
    return any(isinstance(op, AddColumn) and op.table == table and op.column.name == column for op in spec.operations)


def _spec_constrained(spec: Spec, kind: str, name: str) -> bool:
    """Whether a constraint (an enum's values, a table's cap) applies to `spec`."""
    if kind == "enum-values":
        return any(e.name == name for e in spec.enums)
    tables = [op.table.name for op in spec.operations if isinstance(op, CreateTable)]
    return any(("link" in t) if name == "*links*" else t == name for t in tables)


def _task_dict(task: Task) -> dict[str, Any]:
    return {
        "enables": list(task.enables),
        "id": task.id,
        "kind": task.kind,
        "needs_migration": task.needs_migration,
        "priority": task.priority,
        "spec_ids": list(task.spec_ids),
        "title": task.title,
    }


class BackendAgent:
    """The Backend Agent for the project at `root`.

    `specs_dir` and `out_dir` default to `root/specs` and `root/snapshots`;
    conversations live in `state_dir/state.db` (default `root/.specc`).
    `clock` is injectable so expiry can be tested.
    """

    def __init__(
        self,
        root: Path | str = ".",
        *,
        specs_dir: Path | str | None = None,
        out_dir: Path | str | None = None,
        state_dir: Path | str | None = None,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = Path(root)
        self.specs_dir = Path(specs_dir) if specs_dir is not None else self.root / "specs"
        self.out_dir = Path(out_dir) if out_dir is not None else self.root / "snapshots"
        self._renders: list[tuple[int, Project, dict[PurePosixPath, str]]] = []
        self.store = ConversationStore(Path(state_dir) if state_dir is not None else self.root / ".specc", ttl=ttl, clock=clock)

    # -- compiling ---------------------------------------------------------

    def _render(self, project: Project) -> dict[PurePosixPath, str]:
        """The rendered tree of `project`, memoised per agent instance.

        Targets are pure functions of the IR, so an equal Project renders to
        the same bytes; rendering (templates, sqlglot, ruff) is the slow part of every
        call, and one conversation renders the same project several times.
        """
        try:
            key = hash(project)
        except TypeError:  # an unhashable IR value: just render
            return render_all(project)
        for cached_key, cached_project, tree in self._renders:
            if cached_key == key and cached_project == project:
                return dict(tree)
        tree = render_all(project)
        self._renders = ([(key, project, tree)] + self._renders)[:4]
        return dict(tree)

    def _out_label(self) -> str:
        try:
            return self.out_dir.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return self.out_dir.as_posix()

    def _spec_ids_on_disk(self) -> list[str]:
        return [p.stem for p in spec_files(self.specs_dir)] if self.specs_dir.is_dir() else []

    def _task_scope(self, task_id: str, context: Context) -> tuple[str, ...]:
        """The spec ids a task's context applies to, known before compiling
        (so a spec that does not compile yet can still be asked about)."""
        on_disk = self._spec_ids_on_disk()
        if task_id in on_disk:
            if context.specs:
                raise ContextError("context specs narrows a view task; a spec task is one spec already")
            return (task_id,)
        if task_id in VIEW_IDS:
            unknown = [s for s in context.specs if s not in on_disk]
            if unknown:
                raise ContextError(f"context specs: unknown spec(s) {names(unknown)}")
            return tuple(s for s in on_disk if not context.specs or s in context.specs)
        raise _fail(f"unknown task {shown(task_id)}; tasks are the spec ids ({', '.join(on_disk) or 'none'}) and {', '.join(VIEW_IDS)}")

    def _project(self, overlay: Overlay | None = None) -> Project:
        if not self.specs_dir.is_dir():
            raise _fail(f"specs folder {self.specs_dir} not found")
        return build_project(self.specs_dir, self.root, overlay)

    def _spec_hash(self, project: Project, task: Task) -> str:
        """Hash of every input the task's output depends on: its specs, the
        specs they build on, and the base schema."""
        wanted = set(task.spec_ids)
        for spec in reversed(project.specs):
            if spec.id in wanted:
                wanted.update(spec.depends_on)
        parts = [[s.id, s.source_sha256] for s in project.specs if s.id in wanted]
        base = self.specs_dir / BASE_SCHEMA
        parts.append(["<base>", _sha(base.read_bytes()) if base.is_file() else ""])
        return _sha(json.dumps(parts))

    @staticmethod
    def _output_hash(task: Task, tree: dict[PurePosixPath, str]) -> str:
        folder = pr_dir(task.id, task.kind)
        chosen = [p for p in tree if p in set(task_paths(task, tree)) or p.parent == folder]
        return _sha(json.dumps([[p.as_posix(), _sha(tree[p])] for p in sorted(chosen)]))

    def _baseline(self, context: Context, scope: tuple[str, ...]) -> Project | None:
        """The project as written (only the answers to questions without a
        safe default applied, since without them it may not compile): the
        questions it asks are the ones an answer may answer."""
        needed = tuple((k, v) for k, v in context.answers if k.startswith(("enum-values:", "not-null:")))
        try:
            return self._project(Overlay(Context(answers=needed), scope) if needed else None)
        except (SpecError, AgentFailure, ContextError):
            return None

    @staticmethod
    def _repository_defaults(context: Context, baseline: Project | None, scope: tuple[str, ...]) -> list[tuple[str, OpenQuestion, Finding, Any]]:
        """The questions the checkout already answers, other than the brief's
        default: (the spec's question, what the repository says, the value to
        apply).  A question the user answered keeps the user's answer."""
        if not context.repository or baseline is None:
            return []
        problem = repo_checks.problem(context.repository)
        if problem:
            raise ContextError(problem)
        facts = RepositoryFacts(Path(context.repository).expanduser())
        given = {k for k, _ in context.answers}
        out: list[tuple[str, OpenQuestion, Finding, Any]] = []
        for spec in (s for s in baseline.specs if s.id in scope):
            for q in spec.questions:
                kind, _, name = q.key.partition(":")
                if q.key in given or (kind == "cap" and "link" in name and "cap:*links*" in given):
                    continue
                if kind == "cap" and (found := facts.cap(name)) is not None:
                    out.append((spec.id, q, found, found.value))
                elif kind == "enum-values" and (found := facts.enum_values(name)) is not None:
                    out.append((spec.id, q, found, list(found.value)))  # type: ignore[arg-type]
            for op in spec.operations:
                if isinstance(op, AddColumn) and (col := facts.column_elsewhere(op.table, op.column.name)) is not None:
                    key = f"placement:{op.table}.{op.column.name}"
                    question = OpenQuestion(
                        key,
                        f"The spec adds {op.table}.{op.column.name}, but the repository keeps {col.column} on {col.table} ({col.where}). Which column should this task use?",
                        "",  # set with the repository's column in _repository_questions
                        span=spec.span,
                    )
                    out.append((spec.id, question, col, None))
        return out

    @staticmethod
    def _repository_questions(project: Project, found: list[tuple[str, OpenQuestion, Finding, Any]], context: Context) -> Project:
        """Put the repository's answers into the IR as the defaults applied,
        each quoting the file and line it came from."""
        if not found:
            return project
        by_spec: dict[str, list[OpenQuestion]] = {}
        for spec_id, q, finding, value in found:
            shown_value = ", ".join(value) if isinstance(value, list) else str(value) if value is not None else str(finding.value)
            if value is None:  # a placement question: the repository's column is proposed, the spec's stays
                answer = context.answer(q.key)
                spec_column = q.key.partition(":")[2]
                default = f"{shown_value} (the repository's column; specc still adds {spec_column} until the spec says otherwise)"
                new = replace(q, default=default, answered=answer is not None, answer=str(answer or ""), source=finding.where, excerpt=finding.excerpt)
            else:
                text = f"{q.question} The repository answers {shown_value} at {finding.where} (the brief's default: {q.default})."
                new = replace(q, question=text, default=shown_value, source=finding.where, excerpt=finding.excerpt)
            by_spec.setdefault(spec_id, []).append(new)
        specs = []
        for spec in project.specs:
            added = by_spec.get(spec.id, [])
            keys = {q.key for q in added}
            specs.append(replace(spec, questions=tuple(q for q in spec.questions if q.key not in keys) + tuple(added)) if added else spec)
        return replace(project, specs=tuple(specs))

    @staticmethod
    def _check_asked(context: Context, overlay: Overlay, baseline: Project | None, scope: tuple[str, ...], extra: frozenset[str] = frozenset()) -> None:
        """An answer must answer a question the task asks: one its preview
        lists (with the default it replaces) or one without a safe default.
        Anything else would silently override what the spec says (e.g. make
        a personal endpoint publicly cacheable), so it is an error."""
        asked = set(overlay.no_default) | extra
        if baseline is not None:
            asked |= {q.key for s in baseline.specs if s.id in scope for q in s.questions}
        unasked = [k for k in context.asked if k not in asked]
        if unasked:
            known = ", ".join(sorted(asked)) or "none"
            raise ContextError(
                f"answers to questions this task does not ask: {', '.join(cut(k) for k in unasked)}; "
                f"the questions are: {cut(known, 600)}. To change what the spec says, edit the spec"
            )

    def _record_answers(self, project: Project, context: Context, scope: tuple[str, ...], baseline: Project | None, no_default: set[str]) -> Project:
        """Put the context's answers into the IR as answered questions, so the
        preview and the PR body list every one of them next to the default
        (or the spec's value) it replaces."""
        specs = []
        for spec in project.specs:
            if spec.id not in scope:
                specs.append(spec)
                continue
            before = baseline.spec(spec.id) if baseline else None
            known = before.questions if before else ()
            added: list[OpenQuestion] = []
            for key, value in context.answers:
                answer = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
                hits = [q for q in known if q.key == key or (key == "cap:*links*" and q.key.startswith("cap:") and "link" in q.key)]
                if hits:
                    added += [replace(q, answered=True, answer=answer) for q in hits if not any(a.key == q.key for a in added)]
                    continue
                kind, _, name = key.partition(":")
                if any(q.key == key for q in spec.questions) or any(a.key == key for a in added):
                    continue
                if key in no_default and _spec_mentions(spec, kind, name):
                    # A question with no safe default: there was no default to replace.
                    text = f"Which values are allowed for enum '{name}'?" if kind == "enum-values" else f"Column {name}: nullable, or which default for existing rows?"
                    added.append(OpenQuestion(key, text, "(no safe default)", answered=True, answer=answer, span=spec.span))
                elif kind in ("enum-values", "cap") and _spec_constrained(spec, kind, name):
                    # A constraint (enums/caps/max_links) on a value the spec wrote itself.
                    what = f"enum {name!r}" if kind == "enum-values" else "the links cap" if name == "*links*" else f"the cap of {name}"
                    added.append(OpenQuestion(key, f"Constraint from the task context on {what}", "(as written in the spec)", answered=True, answer=answer, span=spec.span))
            specs.append(replace(spec, questions=spec.questions + tuple(added)))
        return replace(project, specs=tuple(specs))

    def _build(self, task_id: str, context: Context) -> _Build:
        """Compile the project with the context applied and select the task.

        Raises AgentFailure with either an error or, when a question has no
        safe default, the questions (`needs_answers`).
        """
        scope = self._task_scope(task_id, context)
        repo_found = self._repository_defaults(context, self._baseline(context, scope), scope) if context.repository else []
        applied = tuple((q.key, value) for _, q, _, value in repo_found if value is not None)
        # The repository's answers apply like constraints; the user's own answers still win.
        overlay = Overlay(replace(context, answers=tuple(sorted(context.answers + applied))) if applied else context, scope)
        try:
            project = self._project(overlay)
        except SpecError as err:
            # An enum with no values also makes its uses "unknown enum" (E203):
            # those follow from the question, they are not separate errors.
            pending_enums = {q.key.partition(":")[2] for q in overlay.pending if q.key.startswith("enum-values:")}
            follows = all(
                d.code == "E214" or (d.code == "E203" and any(f"unknown enum {name!r}" in d.message for name in pending_enums))
                for d in err.diagnostics
            )
            if overlay.pending and follows:
                raise AgentFailure({"success": True, "status": NEEDS_ANSWERS, "questions": [q.as_dict() for q in overlay.pending]}) from None
            raise _fail(
                "the specs do not compile" + (" with this context" if context.as_dict() else ""),
                diagnostics=[d.as_dict() for d in err.diagnostics],
            ) from None
        overlay.check_used()
        if context.answers:
            baseline = self._baseline(context, scope)
            placements = frozenset(q.key for _, q, _, value in repo_found if value is None)
            self._check_asked(context, overlay, baseline, scope, placements)
            user_only = replace(context, answers=tuple((k, v) for k, v in context.answers if k not in placements))
            project = self._record_answers(project, user_only, scope, baseline, overlay.no_default)
        project = self._repository_questions(project, repo_found, context)
        if task_id in VIEW_IDS:
            task = view_task(project, task_id, context.specs)
            if context.specs and not task.spec_ids:
                # A narrowed view with nothing in it would be an empty PR: say so.
                what = "has a migration" if task_id == MIGRATIONS else "contributes to this view"
                raise _fail(
                    f"nothing to propose: none of the chosen specs ({names(context.specs)}) {what}, so {task_id} has no change for them",
                    nothing_to_propose=True,
                )
        else:
            found = find_task(project, task_id)
            if found is None:
                raise _fail(f"unknown task {shown(task_id)}")
            task = found
        tree = self._render(project)
        warnings: list[dict[str, Any]] = []
        try:
            # The same gate as `specc compile`: safety lint and released migrations.
            guard(project, tree, self.out_dir)
        except SpecError as err:
            not_null = [q for q in overlay.pending if q.key.startswith("not-null:")]
            if not_null and any(d.code == "SC106" for d in err.diagnostics):
                # The question is the root cause; what else the gate found
                # (e.g. the API losing `null`) comes along for information.
                others = [d.as_dict() for d in err.diagnostics if d.code != "SC106"]
                raise AgentFailure({"success": True, "status": NEEDS_ANSWERS, "questions": [q.as_dict() for q in not_null], "diagnostics": others}) from None
            # API-compatibility findings (BC2xx) compare with the committed
            # API in --out.  Narrowing or constraining a task through context
            # changes that API on purpose, so they are surfaced for review
            # (they need approvals before `specc compile` accepts the specs),
            # while migration-safety findings block.
            blocking = [d for d in err.diagnostics if not d.code.startswith("BC")]
            if blocking:
                raise _fail(
                    "specc's safety checks refuse this change, as `specc compile` would",
                    diagnostics=[d.as_dict() for d in err.diagnostics],
                ) from None
            warnings = [d.as_dict() for d in err.diagnostics]
        files = {p: tree[p] for p in task_paths(task, tree)}
        return _Build(project, task, tree, files, self._spec_hash(project, task), self._output_hash(task, tree), warnings)

    # -- 1. next_tasks_overview -------------------------------------------

    @_bounded
    def next_tasks_overview(self, user: str, audit: Path | str | list[Any] | dict[str, Any] | tuple[audit_mod.Finding, ...] | None = None) -> dict[str, Any]:
        """`{success, tasks}`: every task with its priority, whether it needs a
        migration and its status; ordered by the most severe UX audit finding
        it unblocks (when an audit is given), then priority.

        `audit` is a JSON or CSV file, or the same findings in memory: a list
        of `{id, severity, title}` dicts or `{"findings": [...]}`."""
        try:
            findings = audit_mod.resolve(audit)
            project = self._project()
        except audit_mod.AuditError as exc:
            return {"success": False, "message": f"audit: {exc}"}
        except SpecError as err:
            return {"success": False, "message": "the specs do not compile", "diagnostics": [d.as_dict() for d in err.diagnostics]}
        except AgentFailure as exc:
            return exc.result
        tree = self._render(project)
        on_disk = read_tree(self.out_dir)
        rows = []
        tasks = project_tasks(project)
        for index, task in enumerate(tasks):
            paths = task_paths(task, tree) + sorted(p for p in tree if p.parent == pr_dir(task.id, task.kind))
            disk_scope = set(task_paths(task, {p: "" for p in on_disk}))
            stale = any(on_disk.get(p) != tree[p].encode("utf-8") for p in paths) or bool(disk_scope - set(tree))
            open_q = sum(len(s.questions) for s in project.specs if s.id in task.spec_ids)
            last = self.store.latest_checks(task.id, self._spec_hash(project, task))
            failing = checks_mod.failed(last)
            flags = {"checks failing": failing, "stale": stale, "has open questions": open_q > 0}
            status = next((s for s in TASK_STATUSES if flags.get(s)), "compiled")
            top = audit_mod.top_finding(task.enables, findings)
            convs = [
                {"id": c.id if c.user == user else None, "status": c.status, "user": c.user}
                for c in self.store.active(task.id)
            ]
            rows.append(
                (
                    (top.rank if top else len(audit_mod.SEVERITY_RANK), task.kind != "spec", PRIORITY_RANK[task.priority], index),
                    {
                        **_task_dict(task),
                        "checks": None if last is None else {"success": bool(last.get("success")), "message": last.get("message")},
                        "conversations": convs,
                        "open_questions": open_q,
                        "stale": stale,
                        "status": status,
                        "top_finding": top.as_dict() if top else None,
                    },
                )
            )
        result: dict[str, Any] = {"success": True, "user": user, "tasks": [row for _, row in sorted(rows, key=lambda r: r[0])]}
        if findings:
            enabled = {e for t in tasks for e in t.enables}
            result["unaddressed_findings"] = [f.as_dict() for f in sorted(findings, key=lambda f: f.rank) if f.id not in enabled]
        return result

    # -- 2. start_task ------------------------------------------------------

    @_bounded
    def start_task(self, user: str, task_id: str, context: object = None) -> dict[str, Any]:
        """Compile the task and return `{success, conversation_id, preview}`, or
        `{success, conversation_id, questions}` when a question has no safe default."""
        if not user or not str(user).strip():
            return {"success": False, "message": "a user name is required"}
        try:
            ctx = parse(context)
            build = self._build(task_id, ctx)
        except ContextError as exc:
            return {"success": False, "message": f"context: {exc}"}
        except AgentFailure as exc:
            if exc.result.get("status") != NEEDS_ANSWERS:
                return exc.result
            questions = exc.result["questions"]
            conv = self.store.create(user, task_id, ctx.as_dict(), "", "", None, questions, NEEDS_ANSWERS)
            return {
                "success": True,
                "conversation_id": conv.id,
                "status": NEEDS_ANSWERS,
                "task": {"id": task_id},
                "questions": questions,
                "diagnostics": exc.result.get("diagnostics") or [],
                "message": "Some questions have no safe default, so there is no preview yet. Answer them with context and start the task again.",
            }
        # The preview also shows the task's own PR body/payload snapshots.
        shown_files = {**build.files, **{p: t for p, t in build.tree.items() if p.parent == pr_dir(build.task.id, build.task.kind)}}
        preview = preview_mod.build(build.project, build.task, build.tree, shown_files, ctx, self.root, self.out_dir, self._out_label())
        preview["warnings"] = build.warnings
        others = [c for c in self.store.active(task_id) if c.user != user]
        conv = self.store.create(user, task_id, ctx.as_dict(), build.spec_hash, build.output_hash, preview, preview["questions"], PREVIEWED)
        result: dict[str, Any] = {
            "success": True,
            "conversation_id": conv.id,
            "status": PREVIEWED,
            "task": _task_dict(build.task),
            "preview": preview,
            "message": f'Review the preview, run checks, then reply "confirm {task_id}" to prepare the draft PR payload.',
        }
        if others:
            result["also_working"] = [{"status": c.status, "user": c.user} for c in others]
        return result

    # -- shared by run_checks and confirm -----------------------------------

    def _conversation(self, conversation_id: str) -> Conversation:
        conv = self.store.get(conversation_id)
        if conv is None:
            raise _fail(f"unknown conversation {shown(conversation_id)}")
        if conv.status == EXPIRED:
            raise _fail(f"conversation {conversation_id} expired; start the task again")
        if conv.status == NEEDS_ANSWERS:
            raise _fail(f"conversation {conversation_id} has questions without a safe default; answer them with context and start the task again", questions=conv.questions)
        if conv.status == STALE:
            raise _fail(f"conversation {conversation_id} is stale: the spec or the generated output changed since the preview; start the task again")
        return conv

    def _rebuild_fresh(self, conv: Conversation) -> _Build:
        """Recompile the conversation's task; refuse (and mark stale) when the
        spec or the generated output changed since the preview."""
        try:
            build = self._build(conv.task_id, parse(conv.context))
        except (AgentFailure, ContextError):
            build = None
        if build is None or build.spec_hash != conv.spec_hash or build.output_hash != conv.output_hash:
            self.store.update(conv.id, status=STALE)
            what = "the spec" if build is None or build.spec_hash != conv.spec_hash else "the generated output"
            raise _fail(f"stale: {what} changed since the preview of {conv.task_id}; start the task again to see the new preview")
        return build

    # -- 3. run_checks -------------------------------------------------------

    @_bounded
    def run_checks(self, conversation_id: str, repository: Path | str | None = None, repository_prefix: str = "snapshots") -> dict[str, Any]:
        """`{success, lint, tests, build, message}` from the real `specc check`
        for the conversation's task (or a plain statement that checks did not run).

        With `repository` (a checkout of the target repository), also its own
        lint/tests/build on a scratch copy with the task's files applied under
        `repository_prefix`, reported under `repository` (see repo_checks)."""
        if repository is not None and (problem := repo_checks.problem(repository)):
            return {**checks_mod.not_run(problem), "success": False, "message": problem}
        try:
            conv = self._conversation(conversation_id)
            build = self._rebuild_fresh(conv)
        except AgentFailure as exc:
            return {**checks_mod.not_run(exc.result["message"]), **{k: v for k, v in exc.result.items() if k != "success"}, "success": False}
        own = checks_mod.run(build.project, build.task.spec_ids)
        result = own if repository is None else repo_checks.add_repository_checks(own, repository, build.files, repository_prefix)
        # "checks failing" only when a check really ran and failed, specc's or the repository's.
        repo = result.get("repository")
        failing = checks_mod.failed(own) or (isinstance(repo, dict) and checks_mod.failed(repo))
        status = CHECKS_PASSED if result["success"] else CHECKS_FAILING if failing else CHECKS_NOT_RUN
        self.store.update(conv.id, status=status, checks=result)
        return {"conversation_id": conv.id, "task": conv.task_id, **result}

    # -- 4. confirm_and_prepare_pr --------------------------------------------

    @_bounded
    def confirm_and_prepare_pr(
        self,
        conversation_id: str,
        user_confirmation: str,
        *,
        patch: Path | str | None = None,
        patch_repo: Path | str | None = None,
        patch_prefix: str = "snapshots",
    ) -> dict[str, Any]:
        """`{success, draft_pr_payload}` after an explicit "confirm <task-id>",
        or `{success: false, message}` and no payload.

        A task with both a migration and endpoints yields two payloads:
        `draft_pr_payloads` lists them in the order to open them (migration
        first) and `draft_pr_payload` is the application PR, whose
        `depends_on` names the migration PR's branch.  With `patch`, also
        writes a `git apply`-able patch of the generated files (against
        `patch_repo/patch_prefix`, default the project root's `snapshots/`).
        """
        try:
            conv = self._conversation(conversation_id)
        except AgentFailure as exc:
            return exc.result
        expected = f"confirm {conv.task_id}"
        if " ".join(str(user_confirmation or "").split()).lower() != expected:
            return {"success": False, "message": f'not confirmed: reply exactly "{expected}" to prepare the draft PR payload for this task'}
        try:
            build = self._rebuild_fresh(conv)
        except AgentFailure as exc:
            return exc.result
        checks = conv.checks
        if checks is None:
            checks = checks_mod.not_run("checks were not run in this conversation; run `specc checks` before marking the PR ready")
        prepared = payloads(build.project, build.task, build.tree, checks)
        result: dict[str, Any] = {
            "success": True,
            "conversation_id": conv.id,
            "task": _task_dict(build.task),
            "draft_pr_payload": prepared[-1][1],
            "draft_pr_payloads": [data for _, data in prepared],
            "message": f"Prepared {len(prepared)} draft PR payload(s). specc did not create branches, push, open PRs or touch a database.",
        }
        if build.warnings:
            result["warnings"] = build.warnings
            result["message"] += f" {len(build.warnings)} API compatibility finding(s) need approvals in the spec before `specc compile` accepts it."
        if not checks.get("success"):
            result["message"] += " Checks are not green: " + str(checks.get("message") or "see the testing checklist") + "."
        if patch is not None:
            repo = Path(patch_repo) if patch_repo is not None else self.root
            # The whole tree `specc compile` writes, not only the task's files:
            # the task's PR files, the project's PR files and the security
            # review change too, and a patch without them leaves CI red.
            text = make_patch(build.tree, repo, patch_prefix, delete_others=True)
            try:
                Path(patch).write_text(text, encoding="utf-8")
            except OSError as exc:
                return {"success": False, "message": f"cannot write the patch {patch}: {exc.strerror}"}
            result["patch"] = {"path": str(patch), "bytes": len(text.encode("utf-8")), "apply": f"git -C {repo} apply {Path(patch).resolve()}"}
            if conv.context:
                result["patch"]["note"] = (
                    "the patch includes what the context changed, which is not in the specs: "
                    "put it in the spec too, or `specc compile --check` reports those files as stale"
                )
        self.store.update(conv.id, status=CONFIRMED)
        return result
