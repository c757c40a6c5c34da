"""The target repository's own lint/tests/build on a scratch copy (compiler/check/repository.py).

The fixture tests/fixtures/node_repo is a tiny Node repository (vitest 4.1.12 +
vite 8.3.8, pinned by its lock).  Installing it needs npm and the npm registry:
without them these tests skip on a developer's machine and fail with `CI=true`
(CI has Node 20 and npm).  npm's cache lives in pytest's cache folder, so a
second run installs from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from compiler.check import repository as repo_mod
from compiler.check.repository import RepositoryError, check_repository, parse_vitest

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "node_repo"
FAILING_TEST = 'import { expect, test } from "vitest";\n\ntest("the change breaks this", () => {\n  expect(1 + 1).toBe(3);\n});\n'


def tree_hash(root: Path) -> str:
    """Names, kinds and contents of everything under `root`."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"L" if path.is_symlink() else b"D" if path.is_dir() else path.read_bytes())
    return digest.hexdigest()


def need_npm(result: repo_mod.RepositoryResult | None = None) -> None:
    """Skip locally, fail under CI=true, when npm or its registry is unavailable."""
    reason = None
    if shutil.which("npm") is None:
        reason = "npm is not installed"
    elif result is not None and result.offline:
        reason = "npm could not reach the registry to install the fixture's packages: " + "; ".join(s.detail for s in result.install)
    if reason:
        unavailable(reason)


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the repository checks must run here)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def npm_cache(request: pytest.FixtureRequest) -> Path:
    return Path(request.config.cache.mkdir("specc-npm-cache"))


@pytest.fixture(scope="module")
def runs(npm_cache: Path) -> dict[str, object]:
    """The fixture checked as it is, and with a change (a failing test, the build script removed)."""
    need_npm()
    before = tree_hash(FIXTURE)
    clean = check_repository(FIXTURE, {}, npm_cache=npm_cache)
    need_npm(clean)
    package = json.loads((FIXTURE / "package.json").read_text())
    del package["scripts"]["build"]
    changed = check_repository(
        FIXTURE,
        {"test/broken.test.js": FAILING_TEST, "package.json": json.dumps(package, indent=2) + "\n"},
        npm_cache=npm_cache,
    )
    need_npm(changed)
    return {"before": before, "after": tree_hash(FIXTURE), "clean": clean.as_dict(), "changed": changed.as_dict()}


def test_clean_fixture_reports_real_counts(runs: dict) -> None:
    clean = runs["clean"]
    assert clean["tooling"] == "node" and clean["packages"] == ["."]
    assert clean["install"][0]["name"] == "npm ci" and clean["install"][0]["status"] == "passed"
    tests = clean["tests"]
    assert tests["status"] == "passed" and (tests["run"], tests["passed"], tests["failed"]) == (1, 1, 0), tests
    assert tests["checks"][0]["name"] == "npm run test" and tests["checks"][0]["detail"] == "vitest: 1 passed, 0 failed"
    assert clean["lint"]["status"] == "passed" and clean["lint"]["checks"][0]["name"] == "npm run lint"
    assert "2 files checked, 0 with syntax errors" in clean["lint"]["checks"][0]["output"]
    assert clean["build"]["status"] == "passed" and "wrote dist/" in clean["build"]["checks"][0]["output"]
    assert clean["success"] is True and "passed" in clean["message"]


def test_failing_test_from_the_change_is_failed_with_its_count(runs: dict) -> None:
    changed = runs["changed"]
    tests = changed["tests"]
    assert tests["status"] == "failed" and (tests["run"], tests["passed"], tests["failed"]) == (2, 1, 1), tests
    assert "the change breaks this" in tests["checks"][0]["output"]
    assert changed["success"] is False and "FAILED" in changed["message"]


def test_missing_script_is_not_run_with_a_reason(runs: dict) -> None:
    build = runs["changed"]["build"]
    assert build["status"] == "not_run" and build["ran"] is False and build["run"] == 0
    assert build["checks"] == [{"name": "npm run build", "status": "not_run", "detail": "package.json has no 'build' script", "seconds": 0.0}]
    assert "not run build" in runs["changed"]["message"]


def test_the_checkout_is_never_written(runs: dict) -> None:
    assert runs["before"] == runs["after"]
    assert not (FIXTURE / "node_modules").exists() and not (FIXTURE / "dist").exists()
    assert not (FIXTURE / "test" / "broken.test.js").exists()


# -- without the registry --------------------------------------------------------


def _package(root: Path, scripts: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text(json.dumps({"name": "t", "private": True, "type": "module", "scripts": scripts}))
    return root


def test_timeout_is_not_run_and_kills_the_script(tmp_path: Path) -> None:
    need_npm()
    repo = _package(tmp_path / "repo", {"test": 'node -e "setTimeout(() => {}, 60000)"', "lint": "node -e 0"})
    result = check_repository(repo, npm_cache=tmp_path / "cache", script_timeout=10).as_dict()
    assert result["install"][0]["name"] == "npm install"  # no lock file
    assert result["tests"]["status"] == "not_run" and result["tests"]["checks"][0]["detail"] == "timed out after 10 s"
    assert result["tests"]["checks"][0]["seconds"] < 40
    assert result["lint"]["status"] == "passed" and (result["lint"]["run"], result["lint"]["passed"]) == (1, 1)
    assert result["build"]["checks"][0]["detail"] == "package.json has no 'build' script"
    assert result["success"] is False and "INCOMPLETE" in result["message"]
    assert sorted(p.name for p in repo.iterdir()) == ["package.json"]


def test_unreachable_registry_is_not_run_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    need_npm()
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo, ignore=shutil.ignore_patterns("node_modules", "dist"))
    result = check_repository(repo, npm_cache=tmp_path / "empty-cache", install_timeout=120)
    assert result.offline is True
    data = result.as_dict()
    for part in ("lint", "tests", "build"):
        assert data[part]["status"] == "not_run" and data[part]["run"] == 0
        assert "registry could not be reached" in data[part]["checks"][0]["detail"]
    assert data["success"] is False


def test_npm_missing_is_not_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repo_mod.shutil, "which", lambda name: None)
    result = check_repository(_package(tmp_path / "repo", {"test": "vitest run"})).as_dict()
    assert result["success"] is False and result["ran"] is False
    assert all(result[p]["checks"][0]["detail"] == "npm is not installed (not on PATH)" for p in ("lint", "tests", "build"))


def test_no_tooling_is_not_run(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "README.md").write_text("hi")
    result = check_repository(tmp_path / "repo").as_dict()
    assert result["success"] is False and result["tooling"] is None
    assert "no package.json" in result["message"] and result["tests"]["status"] == "not_run"


def test_package_one_level_down_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repo_mod.shutil, "which", lambda name: None)
    repo = tmp_path / "repo"
    _package(repo / "serverless", {"test": "vitest run"})
    _package(repo / "node_modules" / "x", {"test": "x"})
    assert repo_mod.find_packages(repo) == ["serverless"]
    assert repo_mod.find_packages(repo, ["serverless/"]) == ["serverless"]
    with pytest.raises(RepositoryError, match="api/package.json does not exist"):
        check_repository(repo, package_dirs=["api"])


@pytest.mark.parametrize(
    ("path", "message"),
    [("/etc/passwd", "repository-relative"), ("../outside.js", "repository-relative"), (".git/config", "into .git"), ("", "repository-relative")],
)
def test_bad_file_paths_are_refused(tmp_path: Path, path: str, message: str) -> None:
    repo = _package(tmp_path / "repo", {})
    with pytest.raises(RepositoryError, match=message):
        check_repository(repo, {path: "x"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo"]


def test_nonexistent_repository_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match="does not exist"):
        check_repository(tmp_path / "nope")
    (tmp_path / "file").write_text("")
    with pytest.raises(RepositoryError, match="is not a folder"):
        check_repository(tmp_path / "file")


def test_parse_vitest_summary() -> None:
    assert parse_vitest(" Test Files  1 failed | 1 passed (2)\n      Tests  1 failed | 1 passed | 1 skipped (3)\n") == (1, 1, 1)
    assert parse_vitest("\x1b[2m      Tests \x1b[22m \x1b[1m\x1b[32m4 passed\x1b[39m\x1b[22m\x1b[90m (4)\x1b[39m\n") == (4, 0, 0)
    assert parse_vitest("lint: 2 files checked\n") is None
    assert parse_vitest("Tests  2 todo (2)") == (0, 0, 2)


def test_special_files_are_not_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repo_mod.shutil, "which", lambda name: None)
    repo = _package(tmp_path / "repo", {"test": "vitest run"})
    os.mkfifo(repo / "pipe")  # reading it would block forever
    result = check_repository(repo).as_dict()
    assert result["tests"]["checks"][0]["detail"] == "npm is not installed (not on PATH)"
