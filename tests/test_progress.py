"""Progress on stderr while long commands run: only when stderr is a
terminal, never with --format json, streamed as each stage finishes."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from compiler import progress
from compiler.check import run as check
from compiler.cli import main
from compiler.cli.commands import checks as checks_command
from compiler.cli.commands import tasks as tasks_command
from tests.conftest import SPECS


class FakeTerminal(io.StringIO):
    """A stderr that says it is a terminal and keeps what was written."""

    def isatty(self) -> bool:
        return True


def fake_tty(monkeypatch: pytest.MonkeyPatch) -> FakeTerminal:
    """sys.stderr replaced by a FakeTerminal.  Called in the test body:
    capsys installs its own stderr when the test starts, after fixtures."""
    fake = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", fake)
    return fake


def _lines(err: str, prefix: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith(prefix + ": ")]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(SPECS, tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_compile_reports_specs_and_files_on_a_terminal(work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    tty = fake_tty(monkeypatch)
    assert main(["compile"]) == 0
    captured = capsys.readouterr()
    lines = _lines(tty.getvalue(), "specc compile")
    assert any("specs read" in line for line in lines), tty.getvalue()
    assert any(line.startswith("specc compile: rendering 4 of 4 specs") for line in lines), captured.err
    assert any("files rendered" in line for line in lines) and any(line.startswith("specc compile: writing") for line in lines)
    assert "specc compile" not in captured.out
    # The no-op compile stays as it was: instant and silent.
    tty.seek(0)
    tty.truncate()
    assert main(["compile"]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert _lines(tty.getvalue(), "specc compile") == []


def test_compile_is_silent_in_json_and_off_a_terminal(work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["compile", "--no-cache"]) == 0
    assert capsys.readouterr().err == ""  # capsys's stderr is not a terminal
    fake = fake_tty(monkeypatch)
    assert main(["compile", "--no-cache", "--format", "json"]) == 0
    assert fake.getvalue() == "" and json.loads(capsys.readouterr().out)["status"] == "written"


def test_check_streams_each_stage_before_the_next_runs(monkeypatch: pytest.MonkeyPatch, project: Any) -> None:
    tty = fake_tty(monkeypatch)
    seen: list[str] = []

    def fake_build(out: Path, specs: Any, section: check.Section) -> bool:
        seen.append(tty.getvalue())  # what was already on stderr when the build started
        section.add("import specc_app/app.py", "failed", "boom")
        return False

    def fake_tests(root: Path, out: Path, project: Any, specs: Any, tree: Any, section: check.Section, *, app_built: bool, **_: Any) -> None:
        seen.append(tty.getvalue())
        section.add("contract: x", "passed")

    monkeypatch.setattr(check, "build", fake_build)
    monkeypatch.setattr(check, "run_tests", fake_tests)
    with progress.reporting("specc check", "text"):
        check.run_checks(project, ("theme-preference-api",), tree={})
    assert "specc check: lint" in seen[0] and "build failed: import specc_app/app.py: boom" in seen[1]
    after = tty.getvalue()
    assert "specc check: build failed: import specc_app/app.py: boom" in after
    assert "specc check: tests passed" in after
    tty.seek(0)
    tty.truncate()
    with progress.reporting("specc check", "json"):
        check.run_checks(project, ("theme-preference-api",), tree={})
    assert tty.getvalue() == ""


class _Agent:
    def run_checks(self, conversation: str) -> dict[str, Any]:
        progress.note("lint passed")
        return {"success": True, "message": "ok"}

    def next_tasks_overview(self, user: str, audit: Any = None) -> dict[str, Any]:
        progress.note("rendering 3 of 3 specs")
        return {"success": True, "tasks": []}


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_checks_and_tasks_report_progress_only_in_text(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tty = fake_tty(monkeypatch)
    monkeypatch.setattr(checks_command, "make_agent", lambda args: _Agent())
    monkeypatch.setattr(tasks_command, "make_agent", lambda args: _Agent())
    monkeypatch.setattr(tasks_command, "render_text", lambda result: "")
    checks_command.run(argparse.Namespace(conversation="c", format=fmt, repository=None, repository_prefix="snapshots"))
    tasks_command.run(argparse.Namespace(user="u", audit=None, format=fmt))
    err = tty.getvalue()
    if fmt == "json":
        assert err == ""
    else:
        assert "specc checks: lint passed" in err and "specc tasks: rendering 3 of 3 specs" in err
