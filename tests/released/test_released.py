"""Released migrations are immutable: editing a released spec's migration
fails with a located error; title/description edits pass; `specc new
--evolve` scaffolds the spec to write instead; hand edits of the sum fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compiler.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Compiled once per module, with theme-preference-api released."""
    import os

    root = tmp_path_factory.mktemp("released")
    shutil.copytree(ROOT / "specs", root / "specs")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        assert main(["compile"]) == 0
        assert main(["release", "theme-preference-api"]) == 0
    finally:
        os.chdir(cwd)
    return root


@pytest.fixture
def project(released: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(released, tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p")
    return tmp_path / "p"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_unchanged_release_compiles(project: Path) -> None:
    assert (project / "released.sum").read_text().count("spec theme-preference-api ") == 1
    assert main(["compile"]) == 0


def test_title_and_description_edits_are_allowed(project: Path) -> None:
    spec = project / "specs" / "theme-preference-api.yaml"
    _edit(spec, "title: Persist the user's theme preference", "title: Persist the theme preference\n# a new line shifts every span")
    _edit(spec, "description: The user's chosen colour theme", "description: The chosen colour theme")
    assert main(["compile"]) == 0


def test_migration_edit_fails_at_the_changed_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = project / "specs" / "theme-preference-api.yaml"
    _edit(spec, "theme: [light, dark]", "theme: [light, dark, system]")
    line = spec.read_text().splitlines().index("  theme: [light, dark, system]") + 1
    capsys.readouterr()
    assert main(["compile"]) == 2
    err = capsys.readouterr().err
    assert f"specs/theme-preference-api.yaml:{line}:3: error E401:" in err
    assert "`enums.theme` was changed" in err
    assert "specc new --evolve theme-preference-api" in err


def test_column_edit_names_the_entry(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = project / "specs" / "theme-preference-api.yaml"
    _edit(spec, "nullable: true\n        description: The user's", "nullable: false\n        default: light\n        description: The user's")
    capsys.readouterr()
    assert main(["compile"]) == 2
    assert "`tables.users.add.theme` was changed" in capsys.readouterr().err


def test_deleting_a_released_spec_fails(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "specs" / "theme-preference-api.yaml").unlink()
    # profile-links-titles depends on it; drop that dependency too
    _edit(project / "specs" / "profile-links-titles.yaml", "depends_on: [theme-preference-api]\n", "")
    capsys.readouterr()
    assert main(["compile"]) == 2
    assert "released.sum:4:1: error E403" in capsys.readouterr().err


def test_hand_edited_sum_fails(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "released.sum"
    path.write_text(path.read_text().replace("part theme-preference-api enums.theme h1:", "part theme-preference-api enums.theme h1:0"))
    capsys.readouterr()
    assert main(["compile"]) == 2
    assert "E404" in capsys.readouterr().err


def test_new_evolve_scaffolds_a_compiling_spec(project: Path) -> None:
    assert main(["new", "--evolve", "theme-preference-api"]) == 0
    created = project / "specs" / "theme-preference-api-v2.yaml"
    text = created.read_text()
    assert "depends_on: [theme-preference-api]" in text
    assert main(["compile"]) == 0
    assert main(["new", "--evolve", "theme-preference-api"]) == 0
    assert (project / "specs" / "theme-preference-api-v3.yaml").exists()
