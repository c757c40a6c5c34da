"""The `pr`, `security` and `ci` targets: checklist sections, payload shape,
hashes, the migration/application split, escaping and determinism."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import PurePosixPath

import pytest
import yaml

from compiler.pypackage import RUNTIME_VALIDATION, owner_of
from compiler.review import markdown as md
from compiler.review.draft import SECTIONS, payloads
from compiler.review.draft.body import sha256
from compiler.emit import render_tree
from compiler.ir import CoordinationLink
from compiler.review.tasks import VIEW_IDS, find_task, project_tasks
from tests.agent_fixtures import REPO


def test_every_task_has_a_body_and_payload(project, tree) -> None:  # type: ignore[no-untyped-def]
    for spec in project.specs:
        assert PurePosixPath(spec.id, "pr", "body.md") in tree
        assert PurePosixPath(spec.id, "pr", "payload.json") in tree
    for view in VIEW_IDS:
        assert PurePosixPath("_project", "pr", view, "body.md") in tree
        assert PurePosixPath("_project", "pr", view, "payload.json") in tree


def test_every_body_has_every_checklist_section_in_order(tree) -> None:  # type: ignore[no-untyped-def]
    bodies = [t for p, t in tree.items() if p.name.endswith("body.md")]
    assert len(bodies) == 4 + 2 + 3  # four specs, two split-off migration PRs, three views
    for body in bodies:
        positions = [body.index("\n" + heading + "\n") for heading in SECTIONS]
        assert positions == sorted(positions)
        assert "Checks had not run when this body was generated" in body


def test_payload_shape_and_hashes(tree) -> None:  # type: ignore[no-untyped-def]
    for path, text in tree.items():
        if not path.name.endswith("payload.json"):
            continue
        data = json.loads(text)
        assert set(data) == {"branch", "title", "body", "commits", "labels", "draft", "files", "depends_on"}
        assert data["draft"] is True
        assert data["branch"].startswith("specc/")
        body_path = path.with_name(path.name.replace("payload.json", "body.md"))
        assert tree[body_path].endswith(data["body"])
        for f in data["files"]:
            if f.get("shared"):
                # A project-wide file in one spec's PR: listed, not hashed.
                assert set(f) == {"path", "shared"} and owner_of(PurePosixPath(f["path"])) == "_project"
                assert not path.parts[0].startswith("_project")
            else:
                assert sha256(tree[PurePosixPath(f["path"])]) == f["sha256"]
        committed = [p for c in data["commits"] for p in c["files"]]
        assert sorted(committed) == sorted(f["path"] for f in data["files"])


def test_migration_and_application_are_separate_prs(tree) -> None:  # type: ignore[no-untyped-def]
    for spec_id in ("theme-preference-api", "profile-links-titles"):
        mig = json.loads(tree[PurePosixPath(spec_id, "pr", "migration.payload.json")])
        app = json.loads(tree[PurePosixPath(spec_id, "pr", "payload.json")])
        assert mig["branch"] == f"specc/{spec_id}-migration"
        assert app["depends_on"][0] == mig["branch"]
        assert "migration" in mig["labels"]
        assert all("/migrations/" not in f["path"] for f in app["files"])
        for f in mig["files"]:
            path = PurePosixPath(f["path"])
            if path.parts[0] == "specc_app":
                # A backfill script, and what it imports: the package's
                # __init__ files and the shared validation runtime.
                assert "backfills" in path.parts or path.name == "__init__.py" or path == RUNTIME_VALIDATION, path
            else:
                assert path.parts[1] in ("migrations", "migration-plan.md", "backfills"), path
    # A spec with no schema change is one PR.
    assert PurePosixPath("dashboard-stats-endpoints", "pr", "migration.payload.json") not in tree


def test_profile_migration_waits_for_the_theme_migration(tree) -> None:  # type: ignore[no-untyped-def]
    mig = json.loads(tree[PurePosixPath("profile-links-titles", "pr", "migration.payload.json")])
    assert mig["depends_on"] == ["specc/theme-preference-api-migration"]


def test_bodies_carry_the_spec_content(tree) -> None:  # type: ignore[no-untyped-def]
    body = tree[PurePosixPath("dashboard-stats-endpoints", "pr", "body.md")]
    assert "curl -sS -i -X GET" in body and "/api/dashboard/stats" in body
    assert "private, max-age=60" in body
    assert "cache:getDashboardStats" in body
    assert "https://github.com/gcolon75/Project-Valine/pulls" in body
    mig = tree[PurePosixPath("profile-links-titles", "pr", "migration.body.md")]
    assert "### Rollback" in mig and "drop table profile\\_links" in mig
    views = tree[PurePosixPath("_project", "pr", "validators-and-security", "body.md")]
    assert "Security review of every input surface" in views


def test_files_modified_come_from_the_tree(project) -> None:  # type: ignore[no-untyped-def]
    task = find_task(project, "theme-preference-api")
    fake = {PurePosixPath("specc_app", "theme_preference_api", "validators.py"): "x = 1\n", PurePosixPath("theme-preference-api", "migrations", "postgres", "up.sql"): "SELECT 1;\n"}
    (mig_part, mig), (app_part, app) = payloads(project, task, fake)
    assert [f["path"] for f in mig["files"]] == ["theme-preference-api/migrations/postgres/up.sql"]
    assert [f["path"] for f in app["files"]] == ["specc_app/theme_preference_api/validators.py"]
    assert "`specc_app/theme_preference_api/validators.py`" in app["body"]
    assert "SELECT 1;" in mig["body"]


def test_live_checks_replace_the_not_run_statement(project) -> None:  # type: ignore[no-untyped-def]
    task = find_task(project, "dashboard-stats-endpoints")
    checks = {"success": False, "lint": {"success": True, "files": 3}, "tests": {"success": False, "passed": 4, "failed": 1}, "build": {"ran": False}, "message": "1 test failed"}
    (_, data), = payloads(project, task, {}, checks)
    assert "- [x] lint: **passed** (files: 3)" in data["body"]
    assert "- [ ] tests: **failed** (failed: 1, passed: 4)" in data["body"]
    assert "- [ ] build: **not run**" in data["body"]
    assert "not green" in data["body"]
    assert "Checks had not run when this body was generated" not in data["body"]


def test_hostile_spec_text_is_escaped(project) -> None:  # type: ignore[no-untyped-def]
    spec = project.spec("dashboard-stats-endpoints")
    evil = dataclasses.replace(
        spec,
        title="<script>alert(1)</script> ``` [x](javascript:alert(1))",
        motivation="# Heading\n```\n<img src=x onerror=alert(1)>\n```",
        coordination=(CoordinationLink("https://example.com/a)b<c>", "](javascript:alert(1)) <b>"),),
    )
    evil_project = dataclasses.replace(project, specs=tuple(evil if s.id == spec.id else s for s in project.specs))
    task = find_task(evil_project, spec.id)
    (_, data), = payloads(evil_project, task, {})
    body = data["body"]
    assert "<script>" not in body and "<img" not in body and "<b>" not in body
    assert not re.search(r"(?<!\\)\]\(javascript:", body)
    assert "\n# Heading" not in body
    # Every fence opened is closed: count fence lines of each length.
    fences = [line.strip() for line in body.splitlines() if line.strip().startswith("```")]
    assert len(fences) % 2 == 0
    assert "(https://example.com/a%29b%3Cc%3E)" in body


def test_markdown_helpers() -> None:
    assert md.code("a`b") == "``a`b``"
    assert md.code("`x`") == "`` `x` ``"
    assert md.code("a|b") == "`a\\|b`"
    block = md.fence("```\nrm -rf /\n````", "sh")
    assert block.startswith("`````sh\n") and block.endswith("\n`````")
    with pytest.raises(ValueError):
        md.url("javascript:alert(1)")
    with pytest.raises(ValueError):
        md.fence("x", "sh\nevil")
    assert md.text("1. not a list") == "1\\. not a list"
    assert md.text("a & <b>") == "a &amp; &lt;b&gt;"


def test_ci_workflow_runs_compile_check_and_check_on_pull_requests(tree) -> None:  # type: ignore[no-untyped-def]
    text = tree[PurePosixPath("_project", "ci", "specc.yml")]
    data = yaml.safe_load(text)
    assert "pull_request" in data[True]  # PyYAML reads the key `on` as True
    runs = [s.get("run", "") for s in data["jobs"]["specc"]["steps"]]
    assert any(r.startswith("specc compile --check") for r in runs)
    assert "specc check" in runs
    assert data["permissions"] == {"contents": "read"}


def test_security_review_covers_every_endpoint(project, tree) -> None:  # type: ignore[no-untyped-def]
    text = tree[PurePosixPath("_project", "security-review.md")]
    for spec in project.specs:
        for e in spec.endpoints:
            assert f"`{e.method} {e.path}` (`{e.operation_id}`" in text
    assert "at most 10 per user\\_id" in text


def test_every_task_is_listed(project) -> None:  # type: ignore[no-untyped-def]
    ids = [t.id for t in project_tasks(project)]
    assert ids[-3:] == list(VIEW_IDS)
    assert set(ids[:-3]) == {s.id for s in project.specs}


def test_pr_output_is_deterministic_across_hash_seeds() -> None:
    script = (
        "import json,sys\n"
        "from pathlib import Path\n"
        "from compiler.emit import render_tree\nfrom compiler.project import build_project\n"
        "t = render_tree(build_project(Path('specs'), Path('.')), only=('pr',))\n"
        "sys.stdout.write(json.dumps({str(k): v for k, v in t.items()}, sort_keys=True))\n"
    )
    outs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        outs.add(subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, check=True).stdout)
    assert len(outs) == 1


def test_pr_alone_reads_the_tree_of_the_targets_before_it(project, tree) -> None:  # type: ignore[no-untyped-def]
    """Selected alone, the pr target still gets the others' tree (the driver
    renders them as its input) and yields exactly its files of the full tree."""
    alone = render_tree(project, only=("pr",))
    assert alone == {p: t for p, t in tree.items() if "pr" in p.parts[:3] and p.parts[1:2] == ("pr",)}
    assert alone


def test_backfills_go_with_the_migration_pr(project, tree) -> None:  # type: ignore[no-untyped-def]
    for spec in project.specs:
        for b in spec.backfills:
            mig = json.loads(tree[PurePosixPath(spec.id, "pr", "migration.payload.json")])
            assert any(f"/backfills/{b.name}/" in f["path"] for f in mig["files"])
            body = mig["body"]
            assert "### Backfills" in body and "roll back backfill" in body
            rollback = body[body.index("### Rollback"):]
            assert rollback.index("roll back backfill") < rollback.index("drop ")


def test_breaking_changes_are_marked_unsafe_with_their_approvals() -> None:
    from compiler.ir import AlterColumn, DropColumn, DropTable, RenameColumn
    from tests.evolve_project import evolve_project, evolve_tree

    evolve = evolve_project()
    tree = evolve_tree(evolve)
    breaking = [s for s in evolve.specs if any(isinstance(op, (DropColumn, DropTable, RenameColumn, AlterColumn)) for op in s.operations)]
    assert breaking
    for spec in breaking:
        task = find_task(evolve, spec.id)
        body = payloads(evolve, task, tree)[0][1]["body"]
        for heading in SECTIONS:
            assert heading in body
        assert "**unsafe, approved**" in body
        assert "Verdict: NOT safe" in body and "Risk: **high**" in body


# -- rollout text and labels follow the migration plan's verdict ------------------------------


def test_destructive_approved_change_is_not_rolled_out_as_additive() -> None:
    from compiler.review.draft import payloads
    from compiler.review.migration_steps import plan_for
    from compiler.review.tasks import find_task
    from tests.evolve_project import evolve_project, evolve_tree

    project = evolve_project()
    tree = evolve_tree(project)
    spec = project.spec("evolve-users")
    assert spec is not None and spec.has_migration and not plan_for(spec).safe and plan_for(spec).approved
    task = find_task(project, "evolve-users")
    assert task is not None
    for _, data in payloads(project, task, tree, None):
        body = data["body"]
        assert "the change is additive" not in body and "(the change is additive)" not in body, data["title"]
        assert "NOT additive" in body
        if "schema migration" in data["title"] or not any(p.endswith("/routes.py") for p in (f["path"] for f in data["files"])):
            assert {"migration", "destructive-migration"} <= set(data["labels"]), data["labels"]
    # A safe migration keeps the plain labels and the additive wording.
    safe_task = find_task(project, "theme-preference-api")
    assert safe_task is not None
    for _, data in payloads(project, safe_task, tree, None):
        assert "destructive-migration" not in data["labels"] and "NOT additive" not in data["body"]


# -- each PR of a split task reports its own checks, and says which engines ran ------------------


def _check_result(spec_id: str, tree: dict) -> dict:
    from compiler.check.run import CheckResult

    result = CheckResult((spec_id,))
    for path in sorted(tree):
        if owner_of(path) == spec_id and path.suffix == ".py":
            result.lint.add(f"black: {path}", "passed")
        if owner_of(path) == spec_id and path.suffix == ".sql":
            result.lint.add(f"sqlglot: {path}", "passed")
    result.build.add("import specc_app/app.py", "passed")
    result.tests.add("migrations: base schema (sqlite)", "passed")
    for direction in ("up", "down", "up again"):
        result.tests.add(f"migrations: {direction} {spec_id}", "passed")
    for i in range(5):
        result.tests.add(f"contract: {spec_id}::test_{i}", "passed")
    result.tests.add(f"contract: {spec_id}::test_broken", "failed", "boom")
    return result.as_dict()


def test_split_prs_report_their_own_checks_and_the_engines_that_ran() -> None:
    from compiler.review.draft import payloads
    from compiler.emit import render_tree
    from compiler.project import build_project
    from compiler.review.tasks import find_task
    from tests.conftest import ROOT, SPECS

    project = build_project(SPECS, ROOT)
    tree = render_tree(project)
    task = find_task(project, "theme-preference-api")
    assert task is not None
    checks = _check_result("theme-preference-api", tree)
    (_, migration), (_, app) = payloads(project, task, tree, checks)
    mig, app_body = migration["body"], app["body"]
    # The migration PR: its 4 migration checks, its SQL lint, no contract test, no build.
    assert "tests: **passed** (4 run: 4 passed, 0 failed)" in mig
    assert "test\\_broken" not in mig and "build: not part of this PR" in mig
    assert "ran 4 migration checks on SQLite only (4 passed, 0 failed" in mig
    assert "PostgreSQL and MySQL/MariaDB are not run by this `specc check`: run `specc check --database postgres/mysql`" in mig
    assert "each engine where available" not in mig
    # The application PR: the 6 contract tests (one failed), not the migration checks.
    assert "tests: **failed** (6 run: 5 passed, 1 failed)" in app_body and "migrations: up" not in app_body
    assert "MySQL/MariaDB" not in app_body


def test_no_generated_file_has_trailing_whitespace() -> None:
    """`git apply` warns about it, and editors strip it (making the snapshot stale)."""
    from tests.conftest import ROOT
    from tests.evolve_project import evolve_project, evolve_tree

    trees = {"snapshots": {p.relative_to(ROOT / "snapshots").as_posix(): p.read_text("utf-8") for p in (ROOT / "snapshots").rglob("*") if p.is_file()}}
    trees["evolve"] = {p.as_posix(): t for p, t in evolve_tree(evolve_project()).items()}
    assert trees["snapshots"]
    bad = [f"{name}/{path}:{i}" for name, tree in trees.items() for path, text in tree.items() for i, line in enumerate(text.splitlines(), 1) if line != line.rstrip(" \t")]
    assert bad == []


def test_pr_pieces_are_cached_under_keys_the_cache_builds(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The pr target asks the Memo for its keys (`spec_key`) and builds none
    itself; a warm compile serves every spec's PR files from those keys."""
    import ast
    from pathlib import Path

    import targets.pr
    from compiler.build.incremental import CompileCache
    from compiler.build.render_cache import cached_render
    from compiler.project import build_project
    from tests.conftest import ROOT, SPECS

    source = ast.parse(Path(targets.pr.__file__).read_text("utf-8"))
    imported = {n.module for n in ast.walk(source) if isinstance(n, ast.ImportFrom)}
    names = {n.id for n in ast.walk(source) if isinstance(n, ast.Name)}
    assert "compiler.build.cache" not in imported and "key_of" not in names

    def compile_once() -> tuple[dict[PurePosixPath, str], CompileCache, list[str]]:
        cache = CompileCache(tmp_path / "cache")
        assert cache.spec_key("draft", "no-such-spec") is None
        project = build_project(SPECS, ROOT, cache=cache)
        tree = cached_render(project, cache=cache, jobs=1)
        cache.flush()
        return tree, cache, [s.id for s in project.specs if not s.depends_on]

    cold, _, _ = compile_once()
    warm, cache, independent = compile_once()
    assert warm == cold
    assert independent
    for sid in independent:  # (a dependent spec's keys also name its dependencies)
        draft, files = cache.spec_key("draft", sid), cache.spec_key("draft-files", sid)
        assert draft is not None and files is not None and draft != files
        assert isinstance(cache.get("draft", draft), dict)


def test_the_migration_line_names_the_engine_the_check_ran_on() -> None:
    """A check run with --database postgres says PostgreSQL, and leaves only MariaDB to do."""
    from compiler.review.draft.body import _engines_line

    checks = {"tests": {"checks": [
        {"name": "migrations: base schema (postgres)", "status": "passed"},
        {"name": "migrations: up a", "status": "passed"},
        {"name": "migrations: down a", "status": "failed"},
    ]}}  # fmt: skip
    line = _engines_line(checks)
    assert "on PostgreSQL (" in line and "SQLite" not in line
    assert "MySQL/MariaDB is not run by this `specc check`: run `specc check --database mysql`" in line
    assert "--database postgres" in _engines_line(None)
