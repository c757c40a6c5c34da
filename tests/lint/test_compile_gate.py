"""The lint runs inside `specc compile`: a flagged change fails with a
located diagnostic and writes nothing, until the spec approves it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compiler.cli import main
from tests.conftest import SPECS


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled specs, compiled once per module."""
    import os

    root = tmp_path_factory.mktemp("compiled")
    shutil.copytree(SPECS, root / "specs")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        assert main(["compile"]) == 0
    finally:
        os.chdir(cwd)
    return root


@pytest.fixture
def workdir(compiled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(compiled, tmp_path / "w")
    monkeypatch.chdir(tmp_path / "w")
    return tmp_path / "w"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_removing_an_endpoint_needs_an_approval(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = workdir / "specs" / "theme-preference-api.yaml"
    _edit(spec, "  getPreferences:\n    method: GET\n    path: /api/me/preferences\n    summary: Read the signed-in user's preferences.\n    response:\n      theme: users.theme\n", "")
    before = (workdir / "snapshots" / "_project" / "openapi.yaml").read_text()
    capsys.readouterr()
    assert main(["compile"]) == 2
    err = capsys.readouterr().err
    line = before.splitlines().index("      operationId: getPreferences") + 1
    assert f"snapshots/_project/openapi.yaml:{line}:1: error BC204: GET /api/me/preferences (getPreferences) is removed" in err
    assert "approvals: [{rule: BC204, target: getPreferences" in err
    assert (workdir / "snapshots" / "_project" / "openapi.yaml").read_text() == before, "nothing is written"

    assert main(["lint"]) == 2
    _edit(spec, "endpoints:\n", "approvals:\n  - {rule: BC204, target: getPreferences, reason: The frontend reads preferences from the session now.}\n\nendpoints:\n")
    capsys.readouterr()
    assert main(["lint"]) == 0
    assert "note BC204" in capsys.readouterr().out
    assert main(["compile"]) == 0


def test_removing_a_response_field_points_at_the_endpoint(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = workdir / "specs" / "profile-links-titles.yaml"
    text = spec.read_text()
    _edit(spec, "    response:\n      title: users.title\n      links: {list: profile_links, fields: [id, label, url, type, position], order_by: position}\n  updateProfile:", "    response:\n      links: {list: profile_links, fields: [id, label, url, type, position], order_by: position}\n  updateProfile:")
    line = text.splitlines().index("  getProfile:") + 1
    capsys.readouterr()
    assert main(["compile"]) == 2
    err = capsys.readouterr().err
    assert f"specs/profile-links-titles.yaml:{line}:3: error BC201: GET /api/me/profile no longer returns `title`" in err


def test_approval_naming_an_unknown_rule_is_an_error(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = workdir / "specs" / "theme-preference-api.yaml"
    _edit(spec, "endpoints:\n", "approvals:\n  - {rule: XX999, target: users.theme, reason: because}\n\nendpoints:\n")
    capsys.readouterr()
    assert main(["compile"]) == 2
    assert "error E250: approval names unknown lint rule 'XX999'" in capsys.readouterr().err


def test_lint_lists_its_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--rules"]) == 0
    out = capsys.readouterr().out
    assert "SC101  drop-column" in out and "BC204  endpoint-removed" in out
