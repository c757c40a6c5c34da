"""`specc compile`, `compile --check` and `specc schema`, end to end in subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SPECS


def specc(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "compiler", *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(SPECS, tmp_path / "specs")
    return tmp_path


def test_compile_then_check_is_clean(workdir: Path) -> None:
    done = specc("compile", cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert "theme-preference-api" in done.stdout and "open questions" in done.stdout
    check = specc("compile", "--check", cwd=workdir)
    assert check.returncode == 0, check.stdout + check.stderr


def test_check_fails_with_a_diff_after_a_spec_edit(workdir: Path) -> None:
    assert specc("compile", cwd=workdir).returncode == 0
    spec = workdir / "specs" / "theme-preference-api.yaml"
    spec.write_text(spec.read_text().replace("theme: [light, dark]", "theme: [light, dark, sepia]"))
    check = specc("compile", "--check", cwd=workdir)
    assert check.returncode == 1
    assert "sepia" in check.stdout and check.stdout.count("+++ b/") >= 1


def test_check_reports_orphaned_files(workdir: Path) -> None:
    assert specc("compile", cwd=workdir).returncode == 0
    (workdir / "snapshots" / "stray.txt").write_text("left over\n")
    check = specc("compile", "--check", cwd=workdir)
    assert check.returncode == 1 and "orphaned: snapshots/stray.txt" in check.stdout


def test_out_writes_elsewhere_and_compile_removes_orphans(workdir: Path) -> None:
    out = workdir / "elsewhere"
    (out / "old").mkdir(parents=True)
    (out / "old" / "gone.sql").write_text("-- stale\n")
    assert specc("compile", "--out", str(out), cwd=workdir).returncode == 0
    assert not (out / "old").exists()
    assert not (workdir / "snapshots").exists()


def test_bad_spec_exits_2_with_located_errors_and_writes_nothing(workdir: Path) -> None:
    assert specc("compile", cwd=workdir).returncode == 0
    before = {p: p.read_bytes() for p in (workdir / "snapshots").rglob("*") if p.is_file()}
    spec = workdir / "specs" / "theme-preference-api.yaml"
    spec.write_text(spec.read_text().replace("enum: theme\n", "enum: themes\n").replace("  getPreferences:\n", "  getPreferences:\n    methd: GET\n"))
    done = specc("compile", cwd=workdir)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "specs/theme-preference-api.yaml:" in done.stderr and "error E101: unknown key 'methd'" in done.stderr
    assert "did you mean 'method'?" in done.stderr
    after = {p: p.read_bytes() for p in (workdir / "snapshots").rglob("*") if p.is_file()}
    assert after == before


def test_semantic_errors_are_all_reported_at_once(workdir: Path) -> None:
    spec = workdir / "specs" / "theme-preference-api.yaml"
    text = spec.read_text().replace("enum: theme\n", "enum: themes\n").replace("theme: users.theme", "theme: users.them")
    spec.write_text(text)
    done = specc("compile", cwd=workdir)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if " error " in line]
    codes = sorted(line.split(" error ")[1].split(":")[0] for line in lines)
    assert codes == ["E202", "E202", "E202", "E203"], done.stderr
    for line in lines:
        path, row, col = line.split(":")[:3]
        assert path == "specs/theme-preference-api.yaml" and int(row) > 0 and int(col) > 0


def test_json_diagnostics(workdir: Path) -> None:
    spec = workdir / "specs" / "theme-preference-api.yaml"
    spec.write_text(spec.read_text().replace("enum: theme\n", "enum: themes\n"))
    done = specc("compile", "--format", "json", cwd=workdir)
    assert done.returncode == 2
    (diag,) = json.loads(done.stderr)
    assert diag["code"] == "E203" and diag["file"] == "specs/theme-preference-api.yaml" and diag["line"] == 23


def test_schema_command_prints_the_packaged_schema() -> None:
    done = specc("schema", cwd=ROOT)
    assert done.returncode == 0
    schema = json.loads(done.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _properties(node: object, path: str = "$"):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield f"{path}.{name}", sub
        for key, sub in node.items():
            yield from _properties(sub, f"{path}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _properties(sub, f"{path}[{i}]")


def test_every_schema_property_has_a_description() -> None:
    schema = json.loads((ROOT / "compiler" / "spec.schema.json").read_text())
    missing = [path for path, sub in _properties(schema) if isinstance(sub, dict) and not sub.get("description") and "$ref" not in sub]
    assert missing == []


def test_bundled_specs_point_editors_at_the_schema() -> None:
    for spec in sorted(SPECS.glob("*.yaml")):
        assert spec.read_text().startswith("# yaml-language-server: $schema=../compiler/spec.schema.json\n"), spec


@pytest.mark.parametrize("seed", ["0", "1", "123", "random"])
def test_output_is_identical_under_any_hash_seed(tmp_path: Path, seed: str, tree) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    done = specc("compile", "--specs", str(SPECS), "--out", str(out), cwd=tmp_path, env={"PYTHONHASHSEED": seed})
    assert done.returncode == 0, done.stderr
    written = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert written == {str(k): v.encode() for k, v in tree.items()}
