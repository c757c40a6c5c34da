"""`specc check` / `run_checks`: real counts, honest failures, the JSON shape."""

from __future__ import annotations

import io
import re
import shutil
from contextlib import redirect_stdout
from pathlib import Path, PurePosixPath

import pytest

from compiler import pypackage
from compiler.check.run import Section, lint, run_checks
from compiler.cli import main
from compiler.emit import render
from compiler.ir import Project
from compiler.project import build_project
from tests.check_runs import green_cli_json, mutate, statuses
from tests.conftest import SPECS

THEME = "theme-preference-api"


def test_check_is_green_for_the_seed_specs_with_real_counts(project: Project) -> None:
    code, result = green_cli_json()
    assert code == 0, result["message"]
    assert set(result) == {"success", "specs", "lint", "build", "tests", "message"}
    assert result["success"] is True
    assert result["specs"] == [s.id for s in project.specs]
    for name in ("lint", "build", "tests"):
        section = result[name]
        assert section["status"] == "passed"
        assert section["ok"] is True and section["ran"] is True
        assert section["failed"] == section["not_run"] == 0
        # Only lint skips, and only what a target declares "not checked" (Markdown).
        assert section["run"] == section["passed"] == len(section["checks"]) - section["skipped"] > 0
        assert section["skipped"] == (1 if name == "lint" else 0)
    contract = result["tests"]["contract"]
    assert contract["failed"] == contract["skipped"] == 0
    assert contract["passed"] >= 100
    checks = statuses(result["tests"])
    for spec in project.specs:
        assert any(n.startswith(f"contract: {spec.id}::test_") for n in checks), spec.id
    for step in ("down restores the base schema", "up again gives the same schema"):
        assert checks[f"migrations: {step}"] == "passed"
    lint_names = statuses(result["lint"])
    assert lint_names["ruff format: specc_app/profile_links_titles/routes.py"] == "passed"
    assert "sqlglot: profile-links-titles/migrations/postgres/up.sql" in lint_names
    assert "yaml: _project/openapi.yaml" in lint_names and "json: profile-links-titles/pr/payload.json" in lint_names
    assert any(n.startswith("not checked: markdown (") for n in lint_names)
    assert f"{contract['passed']} passed, 0 failed, 0 skipped" in result["message"]


def test_text_summary_prints_the_counts() -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["check", THEME, "--specs", str(SPECS)])
    text = out.getvalue()
    assert code == 0, text
    match = re.search(r"contract tests: (\d+) passed, 0 failed, 0 skipped", text)
    assert match and int(match.group(1)) > 10, text
    # Lint's one skip is the Markdown its targets declare "not checked".
    assert re.search(r"^lint\s+passed\s+\d+ run: \d+ passed, 0 failed, 1 skipped$", text, re.M), text
    assert "specc check passed" in text


def test_unknown_spec_id_is_a_user_error(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check", "no-such-spec", "--specs", str(SPECS)]) == 2
    assert "unknown spec id no-such-spec" in capsys.readouterr().err


def test_what_did_not_run_is_never_reported_as_passed(project: Project, tree: dict[PurePosixPath, str]) -> None:
    broken = {p: t for p, t in tree.items() if p != pypackage.spec_package(THEME) / "validators.py"}
    result = run_checks(project, [THEME], tree=broken)
    assert not result.success
    data = result.as_dict()
    assert data["build"]["status"] == "failed"
    assert data["tests"]["contract"]["passed"] == 0
    assert statuses(data["tests"])["contract: (all)"] == "not_run"
    assert data["tests"]["status"] == "not_run"
    assert data["tests"]["ran"] is False and data["tests"]["ok"] is False
    assert data["build"]["ok"] is False
    assert "not run (the app did not build)" in data["tests"]["message"]
    assert "FAILED" in result.message


def test_lint_catches_unformatted_python_and_unparsable_sql() -> None:
    section = Section("lint")
    lint(
        {
            PurePosixPath("specc_app/s/routes.py"): "x = 1\n",
            PurePosixPath("specc_app/s/validators.py"): "x=1\n",
            PurePosixPath("s/test_contract.py"): "def f(:\n",
            PurePosixPath("s/migrations/sqlite/up.sql"): "CREATE TABLE t (id INTEGER);\n",
            PurePosixPath("s/migrations/postgres/up.sql"): "CREATE TABLE (;\n",
        },
        section,
    )
    got = {c.name: c.status for c in section.checks}
    assert got == {
        "ruff format: specc_app/s/routes.py": "passed",
        "compile: specc_app/s/routes.py": "passed",
        "ruff format: specc_app/s/validators.py": "failed",
        "compile: specc_app/s/validators.py": "passed",
        "ruff format: s/test_contract.py": "failed",
        "compile: s/test_contract.py": "failed",
        "sqlglot: s/migrations/sqlite/up.sql": "passed",
        "sqlglot: s/migrations/postgres/up.sql": "failed",
    }
    # The report says what is wrong, with the real path and where, never
    # ruff's temporary file names.
    detail = {c.name: c.detail for c in section.checks}
    assert detail["ruff format: specc_app/s/routes.py"] == ""
    assert detail["ruff format: specc_app/s/validators.py"] == "ruff format would reformat it (first change at line 1:2)"
    assert detail["ruff format: s/test_contract.py"].startswith("ruff cannot parse it: line 1:7: "), detail
    assert not any("m0.py" in d or "m1.py" in d or "m2.py" in d for d in detail.values())


def test_lint_reports_ruff_that_cannot_run_as_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import compiler.ruff_format as ruff_format

    monkeypatch.setattr(ruff_format, "ruff_bin", lambda: "/nonexistent/ruff")
    section = Section("lint")
    lint({PurePosixPath("specc_app/s/routes.py"): "x = 1\n"}, section)
    got = {c.name: (c.status, c.detail) for c in section.checks}
    status, detail = got["ruff format: specc_app/s/routes.py"]
    assert status == "not_run" and "cannot run ruff" in detail
    assert got["compile: specc_app/s/routes.py"] == ("passed", "")


def test_a_down_migration_that_forgets_a_column_fails_the_check(project: Project, tree: dict[PurePosixPath, str]) -> None:
    path = f"{THEME}/migrations/sqlite/down.sql"
    statement = next(line for line in tree[PurePosixPath(path)].splitlines() if "DROP COLUMN" in line)
    result = run_checks(project, [THEME], tree=mutate(tree, path, statement + "\n", ""))
    checks = statuses(result.as_dict()["tests"])
    assert checks["migrations: down restores the base schema"] == "failed"
    assert not result.success


DIGEST_SPEC = SPECS.parent / "tests" / "fixtures" / "user-default" / "digest-frequency.yaml"
DIGEST_DEFAULT_TEST = "contract: digest-frequency::test_getDigest_digest_of_an_older_row_is_its_default"


def _digest_project(tmp_path: Path) -> Project:
    """The base schema and one spec adding a NOT NULL column with a default to users."""
    specs = tmp_path / "specs"
    shutil.copytree(SPECS / "base", specs / "base")
    shutil.copy(DIGEST_SPEC, specs)
    return build_project(specs, tmp_path)


def test_a_default_added_to_users_is_what_an_older_row_reads(tmp_path: Path) -> None:
    """The generated test reads the new column as the user stored before the
    migration ran: it passes on the real migration, and fails when the
    migration gives existing rows another value."""
    project = _digest_project(tmp_path)
    tree = dict(render(project))
    result = run_checks(project, tree=tree)
    assert result.success, result.message
    assert statuses(result.as_dict()["tests"])[DIGEST_DEFAULT_TEST] == "passed"
    wrong = mutate(tree, "digest-frequency/migrations/sqlite/up.sql", "DEFAULT 'weekly'", "DEFAULT 'daily'")
    result = run_checks(project, tree=wrong)
    assert statuses(result.as_dict()["tests"])[DIGEST_DEFAULT_TEST] == "failed"
    assert not result.success
