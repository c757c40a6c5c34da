"""The four agent methods called from several threads of one process.

A server hosting the agent serves users from threads.  Checks run that way
used to fail for reasons that were not the code's (`module 'black' has no
attribute 'Mode'` from a racing first import, "dictionary changed size during
iteration" from walking sys.modules while another thread imported) and the
overview kept showing "checks failing" for them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from compiler.agent import BackendAgent
from compiler.agent import checks as checks_mod
from tests.agent_fixtures import REPO, make_project

THREADS, ROUNDS = 3, 2


def test_four_methods_from_threads_in_a_fresh_process(tmp_path: Path) -> None:
    root = make_project(tmp_path / "repo")
    # A fresh interpreter: the first imports of black/sqlglot/FastAPI happen in the threads.
    proc = subprocess.run(
        [sys.executable, "-m", "tests.agent_stress", str(root), str(THREADS), str(ROUNDS)],
        cwd=REPO, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["errors"] == []
    assert len(summary["results"]) == THREADS * ROUNDS
    for row in summary["results"]:
        assert row["overview"] and row["start"] and row["pr"], row
        assert row["bad"] == [] and row["checks"] is True, row
    # Every checked task shows its (green) checks, none "checks failing".
    assert "checks failing" not in summary["statuses"].values(), summary["statuses"]


def test_an_internal_crash_of_the_checker_is_not_checks_failing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "repo")

    def crashing(project, spec_ids):  # type: ignore[no-untyped-def]
        raise RuntimeError("dictionary changed size during iteration")

    monkeypatch.setattr(checks_mod, "load_checker", lambda: crashing)
    agent = BackendAgent(root, state_dir=root / ".specc")
    conv = agent.start_task("alice", "theme-preference-api")["conversation_id"]
    result = agent.run_checks(conv)
    assert result["success"] is False and "crashed" in result["message"]
    row = next(t for t in agent.next_tasks_overview("alice")["tasks"] if t["id"] == "theme-preference-api")
    assert row["status"] != "checks failing"
    assert agent.store.get(conv).status == "checks_not_run"


def test_a_check_that_breaks_inside_is_not_run_not_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A formatter that breaks for a reason of its own (not the input) did not check the file."""
    from compiler import ruff_format
    from compiler.check.run import Section, lint

    def broken(texts: object) -> object:
        raise ruff_format.FormatError("ruff crashed: signal 11")

    monkeypatch.setattr(ruff_format, "check_python", broken)
    section = Section("lint")
    lint({PurePosixPath("specc_app/a/routes.py"): "x = 1\n"}, section)
    statuses = {c.name: c.status for c in section.checks}
    assert statuses == {"ruff format: specc_app/a/routes.py": "not_run", "compile: specc_app/a/routes.py": "passed"}
    assert section.count("failed") == 0 and section.status == "not_run"
