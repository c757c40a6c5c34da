"""The target contract (`compiler.target`): a target declared in one module
and registered with one line gets everything else from the driver: its
generated-file header, its PR grouping, its cache entries and its
`specc check` verification.  The target here is defined in a temporary
module; no file of the project changes."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path, PurePosixPath

import pytest

import targets
from compiler.check.run import Section, lint
from compiler.emit import TargetConflict, render
from compiler.build.header import HEADER, SLASH
from compiler.build.incremental import CompileCache
from compiler.ir import Project, Spec
from compiler.project import build_project
from compiler.build.render_cache import cached_render
from compiler.target import Checker, FileKind, PrGroup, Target
from tests.conftest import ROOT, SPECS

MODULE = "specc_test_typescript_target"
CLIENT = PrGroup("typescript", "TypeScript client", 35, "add the TypeScript client")
CALLS: list[str] = []


def _balanced(path: PurePosixPath, text: str) -> str | None:
    """A stand-in for tsc: braces must balance."""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return "a closing brace without an opening one"
    return None if depth == 0 else f"{depth} unclosed brace(s)"


def _emit_spec(project: Project, spec: Spec) -> dict[PurePosixPath, str]:
    CALLS.append(spec.id)
    ops = "\n".join(f"  {e.operation_id}: {json.dumps(e.path)}," for e in spec.endpoints)
    return {
        PurePosixPath(spec.id, "client.ts"): f"export const paths = {{\n{ops}\n}};\n",
        PurePosixPath(spec.id, "schema.prisma"): f"// tables after {spec.id}\n" + "".join(f"model {t.name} {{}}\n" for t in spec.schema_after.tables),
    }


TYPESCRIPT = Target(
    "typescript",
    kinds=(
        FileKind(".ts", SLASH, CLIENT, checker=Checker("tsc-braces", _balanced), where="*/client.ts"),
        FileKind(".prisma", SLASH, CLIENT, checker=Checker("prisma-braces", _balanced)),
    ),
    emit_spec=_emit_spec,
)


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one registry line, added before the PR target (which reads the
    tree of the targets before it)."""
    module = types.ModuleType(MODULE)
    module.TARGET = TYPESCRIPT  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, MODULE, module)
    registry = dict(targets.TARGETS)
    pr = registry.pop("pr")
    monkeypatch.setattr(targets, "TARGETS", {**registry, "typescript": MODULE, "pr": pr})
    CALLS.clear()


@pytest.fixture(scope="module")
def project() -> Project:
    return build_project(SPECS, ROOT)


def _spec_with_endpoints(project: Project) -> Spec:
    return next(s for s in project.specs if s.endpoints)


def test_its_files_get_the_header_in_their_comment_syntax(registered: None, project: Project) -> None:
    tree = render(project)
    for spec in project.specs:
        for name in ("client.ts", "schema.prisma"):
            assert tree[PurePosixPath(spec.id, name)].startswith(f"// {HEADER}\n")


def test_its_files_are_grouped_in_the_pr_under_its_declared_group(registered: None, project: Project) -> None:
    tree = render(project)
    spec = _spec_with_endpoints(project)
    client = f"{spec.id}/client.ts"
    body = tree[PurePosixPath(spec.id, "pr", "body.md")]
    assert f"`{client}` (TypeScript client, sha256" in body
    payload = json.loads(tree[PurePosixPath(spec.id, "pr", "payload.json")])
    commit = next(c for c in payload["commits"] if client in c["files"])
    assert commit["message"] == f"{spec.id}: add the TypeScript client"
    assert sorted(commit["files"]) == [client, f"{spec.id}/schema.prisma"]
    # Its declared commit order (35) puts it after the application (30) and before the tests (40).
    messages = [c["message"] for c in payload["commits"] if c["message"].startswith(f"{spec.id}:")]
    assert messages.index(commit["message"]) == messages.index(f"{spec.id}: add routes and API description") + 1


def test_a_second_compile_takes_its_files_from_the_cache(registered: None, tmp_path: Path) -> None:
    def compile_once() -> tuple[dict[PurePosixPath, str], CompileCache]:
        cache = CompileCache(tmp_path / "cache")
        tree = cached_render(build_project(SPECS, ROOT, cache=cache), cache=cache, jobs=1)
        cache.flush()
        return tree, cache

    cold, _ = compile_once()
    assert CALLS, "the cold compile renders the target"
    CALLS.clear()
    warm, cache = compile_once()
    assert CALLS == [] and cache.store.hits > 0
    assert warm == cold
    assert any(p.suffix == ".ts" for p in warm)


def test_check_runs_its_declared_checker_and_fails_a_broken_file(registered: None, project: Project) -> None:
    tree = render(project)
    spec = _spec_with_endpoints(project)
    client = PurePosixPath(spec.id, "client.ts")
    section = Section("lint")
    lint({client: tree[client]}, section)
    assert [(c.name, c.status) for c in section.checks] == [(f"tsc-braces: {client}", "passed")]
    broken = Section("lint")
    lint({client: tree[client] + "}\n"}, broken)
    assert [(c.name, c.status) for c in broken.checks] == [(f"tsc-braces: {client}", "failed")]
    assert broken.checks[0].detail == "a closing brace without an opening one"


def test_check_says_plainly_what_it_does_not_check(project: Project) -> None:
    tree = render(project, ("sql",))
    plans = {p: t for p, t in tree.items() if p.suffix == ".md"}
    section = Section("lint")
    lint(plans, section)
    assert [(c.name, c.status) for c in section.checks] == [(f"not checked: markdown ({len(plans)} files)", "skipped")]
    unknown = Section("lint")
    lint({PurePosixPath("x", "notes.txt"): "hello\n"}, unknown)
    assert [c.status for c in unknown.checks] == ["failed"]


def test_sql_is_checked_in_the_dialect_its_target_declares() -> None:
    """The dialect is the target's declaration, not the folder's name: the
    same broken-for-sqlite text fails only where sqlite is declared."""
    kind = targets.kind_of("s/migrations/mysql/up.sql")
    assert kind is not None and kind.checker.problem is not None
    assert kind.checker.problem(PurePosixPath("s/migrations/mysql/up.sql"), "ALTER TABLE `t` ADD COLUMN `c` INT;\n") is None
    assert targets.kind_of("s/elsewhere/up.sql") is None


def test_a_file_of_no_declared_kind_is_refused(monkeypatch: pytest.MonkeyPatch, project: Project) -> None:
    stray = Target("stray", kinds=(FileKind(".ts", SLASH, CLIENT, TYPESCRIPT.kinds[0].checker),), emit_project=lambda p: {PurePosixPath("_project", "x.go"): "package x\n"})
    module = types.ModuleType(MODULE)
    module.TARGET = stray  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, MODULE, module)
    monkeypatch.setattr(targets, "TARGETS", {"stray": MODULE})
    with pytest.raises(TargetConflict, match="x.go, which is of no file kind it declares"):
        render(project)


def test_every_rendered_file_is_of_the_kind_its_own_target_declares(project: Project) -> None:
    """Path-only lookups (PR groups, check) agree with the target that wrote the file."""
    for target in targets.registered():
        for path in render(project, (target.name,)):
            assert targets.kind_of(path.as_posix()) == target.kind_of(path.as_posix()), path
