"""run_checks pointed at a checkout of the target repository (compiler/agent/repo_checks.py):
the repository's own checks are reported next to specc's, labelled `repository`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.agent import BackendAgent
from compiler.agent import checks as checks_mod
from compiler.agent.conversations import CHECKS_FAILING, CHECKS_PASSED
from tests.agent_fixtures import make_project
from tests.test_agent_cli import specc
from tests.test_repository_checks import FIXTURE, need_npm, tree_hash, unavailable

TASK = "theme-preference-api"


def green(project, spec_ids):  # type: ignore[no-untyped-def]
    part = {"status": "passed", "run": 1, "passed": 1, "failed": 0}
    return {"success": True, "lint": part, "tests": part, "build": part, "message": "specc check passed"}


@pytest.fixture()
def agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BackendAgent:
    # specc's own check is a stand-in here (tests/test_check.py covers it); the repository's is real.
    monkeypatch.setattr(checks_mod, "load_checker", lambda: green)
    root = make_project(tmp_path / "project")
    return BackendAgent(root, state_dir=root / ".specc")


def test_repository_checks_are_reported_next_to_specc_check(agent: BackendAgent, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    need_npm()
    monkeypatch.setenv("SPECC_NPM_CACHE", str(request.config.cache.mkdir("specc-npm-cache")))
    conv = agent.start_task("alice", TASK)["conversation_id"]
    before = tree_hash(FIXTURE)
    result = agent.run_checks(conv, repository=FIXTURE)
    repo = result["repository"]
    if "registry could not be reached" in json.dumps(repo):
        unavailable(f"npm could not reach the registry: {repo['message']}")
    assert tree_hash(FIXTURE) == before
    assert result["lint"]["passed"] == 1 and "specc check passed" in result["message"]
    assert repo["repository"] == str(FIXTURE) and repo["tooling"] == "node"
    assert repo["tests"]["status"] == "passed" and (repo["tests"]["passed"], repo["tests"]["failed"]) == (1, 0), repo["tests"]
    assert repo["success"] is True and result["success"] is True
    assert "repository checks" in result["message"]
    assert agent.store.get(conv).status == CHECKS_PASSED


def test_failing_repository_checks_make_the_result_not_green(agent: BackendAgent, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from compiler.agent import repo_checks

    seen = {}

    def fake(repository, files, **kw):  # type: ignore[no-untyped-def]
        seen.update(files)
        from compiler.check.repository import Part, RepositoryResult, Step

        r = RepositoryResult(str(repository), tooling="node")
        r.parts["tests"] = Part("tests", [Step("npm run test", "failed", "vitest: 0 passed, 2 failed", 0, 2, 0, counted=True)])
        return r.not_run("package.json has no such script")

    monkeypatch.setattr(repo_checks, "check_repository", fake)
    conv = agent.start_task("alice", TASK)["conversation_id"]
    result = agent.run_checks(conv, repository=tmp_path)
    assert result["success"] is False and result["repository"]["tests"]["failed"] == 2
    assert result["repository"]["build"]["status"] == "not_run"
    # The task's files go where the patch puts them: under snapshots/.
    assert seen and all(path.startswith("snapshots/") for path in seen)
    assert agent.store.get(conv).status == CHECKS_FAILING


def test_nonexistent_repository_is_a_clear_error(agent: BackendAgent, tmp_path: Path) -> None:
    conv = agent.start_task("alice", TASK)["conversation_id"]
    result = agent.run_checks(conv, repository=tmp_path / "nope")
    assert result["success"] is False and "does not exist" in result["message"]
    assert "repository" not in result


def test_cli_nonexistent_repository_exits_2_without_a_traceback(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    conv = json.loads(specc(root, "start", TASK, "--format", "json").stdout)["conversation_id"]
    done = specc(root, "checks", conv, "--repository", str(tmp_path / "nope"))
    assert done.returncode == 2
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr


REPO_RESULT = {
    "success": False,
    "repository": "/home/someone/valine",
    "lint": {"status": "passed", "run": 1, "passed": 1, "failed": 0},
    "tests": {"status": "failed", "run": 3, "passed": 2, "failed": 1},
    "build": {"status": "not_run", "run": 0, "passed": 0, "failed": 0, "ran": False, "message": "no 'build' script"},
    "message": "repository checks (/home/someone/valine) FAILED",
}


def test_pr_checklist_and_cli_text_label_the_repository_results() -> None:
    from compiler.cli.commands.checks import render_text
    from compiler.review.draft.checks import render

    part = {"status": "passed", "run": 1, "passed": 1, "failed": 0}
    checks = {"success": False, "lint": part, "tests": part, "build": part, "repository": REPO_RESULT, "message": "specc check passed | repository checks FAILED"}
    body = "\n".join(render(checks))
    assert "- [x] tests: **passed**" in body
    assert "own checks (`valine`" in body and "/home/someone" not in body
    assert "- [ ] repository tests: **failed** (3 run: 2 passed, 1 failed)" in body
    assert "- [ ] repository build: **not run**" in body
    assert "not green" in body
    text = render_text(checks)
    assert "repository /home/someone/valine:" in text and "  tests  failed  (3 run: 2 passed, 1 failed)" in text
