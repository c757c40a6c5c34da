"""The Backend Agent's answers to what a new user hits (issue 12): bounded
context, answers that must match a question, honest PR bodies, in-memory
audits, bounded error messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler import markdown as md
from compiler.agent import BackendAgent
from compiler.agent import checks as checks_mod
from tests.agent_fixtures import make_project


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path / "repo")


@pytest.fixture(autouse=True)
def quick_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    def run(project, spec_ids):  # type: ignore[no-untyped-def]
        part = {"success": True, "passed": 3, "failed": 0}
        return {"success": True, "ran": True, "lint": part, "tests": part, "build": part, "message": "green"}

    monkeypatch.setattr(checks_mod, "load_checker", lambda: run)


def agent_at(root: Path) -> BackendAgent:
    return BackendAgent(root, state_dir=root / ".specc")


def confirm(agent: BackendAgent, task: str, context: object = None, checks: bool = False) -> dict:
    started = agent.start_task("alice", task, context)
    assert started["success"], started
    if checks:
        agent.run_checks(started["conversation_id"])
    result = agent.confirm_and_prepare_pr(started["conversation_id"], f"confirm {task}")
    assert result["success"], result
    return result


# -- 12. code spans in the checklist ---------------------------------------------


def test_prose_keeps_code_spans_and_escapes_the_rest() -> None:
    assert md.prose("run `specc checks` first") == "run `specc checks` first"
    assert md.prose("<b> `x` *y*") == "&lt;b&gt; `x` \\*y\\*"
    assert md.prose("one ` tick") == md.text("one ` tick")
    assert md.prose("`a``b`").count("`") >= 4


def test_not_run_checklist_renders_a_code_span(root: Path) -> None:
    body = confirm(agent_at(root), "theme-preference-api")["draft_pr_payload"]["body"]
    assert "run `specc checks` before" in body
    assert "\\`" not in body
