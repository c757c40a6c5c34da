"""`specc check --database postgres|mysql`: the migrations and the generated
contract tests of the resource specs run on the real engines.

For specs/reading-lists.yaml, tests/fixtures/new-domain/fleet-maintenance.yaml
and tests/fixtures/nested/fleet-chains.yaml (a path naming two parents) the
check runs on sqlite, PostgreSQL and MariaDB.  On each server every
migration applies, the down migrations restore the base schema exactly (by
the engine's catalog), the up migrations apply again, and every contract
test passes: the same tests, by name, as on sqlite, none skipped (caps,
uniqueness 409, ownership 403/404, pagination, the concurrent creates at a
cap, the seeded metric rows, a parent named under an ancestor it does not
belong to).  The scratch databases are dropped afterwards.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from compiler.check.run import CheckResult, run_checks
from compiler.cli import main
from compiler.project import build_project
from tests.conftest import SPECS
from tests.test_nested_resources import chain_specs

FLEET = Path(__file__).parents[1] / "fixtures" / "new-domain" / "fleet-maintenance.yaml"
# The contract tests of each spec on sqlite (measured 2026-12-04); the
# engines must run the same set.  A floor, so that new tests keep it green.
MIN_CONTRACT = {"reading-lists": 110, "fleet-maintenance": 110, "fleet-chains": 120}


@pytest.fixture(scope="module")
def fleet_specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fleet")
    shutil.copytree(SPECS / "base", root / "specs" / "base")
    shutil.copy(FLEET, root / "specs" / FLEET.name)
    return root / "specs"


@pytest.fixture(scope="module")
def chains(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return chain_specs(tmp_path_factory.mktemp("chains"))


def _check(specs: Path, spec_id: str, database: str) -> CheckResult:
    project = build_project(specs, specs.parent)
    return run_checks(project, [spec_id], database=database)


def _contract(result: CheckResult) -> dict[str, str]:
    return {c.name: c.status for c in result.tests.checks if c.name.startswith("contract:")}


_SQLITE: dict[str, CheckResult] = {}


def _on_sqlite(specs: Path, spec_id: str) -> CheckResult:
    if spec_id not in _SQLITE:
        _SQLITE[spec_id] = _check(specs, spec_id, "sqlite")
    return _SQLITE[spec_id]


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
@pytest.mark.parametrize("spec_id", ["reading-lists", "fleet-maintenance", "fleet-chains"])
def test_check_passes_on_the_engine_with_the_tests_of_sqlite(request: pytest.FixtureRequest, engine: str, spec_id: str) -> None:
    request.getfixturevalue("pg_server" if engine == "postgres" else "mysql_server")  # skip (or fail in CI) without it
    specs = {"reading-lists": SPECS, "fleet-maintenance": request.getfixturevalue("fleet_specs"), "fleet-chains": request.getfixturevalue("chains")}[spec_id]
    result = _check(specs, spec_id, engine)
    assert result.success, [(s, c.name, c.detail) for s, c in result.failures()]
    names = {c.name: c.status for c in result.tests.checks}
    assert names[f"migrations: base schema ({engine})"] == "passed"
    assert names["migrations: down restores the base schema"] == "passed"
    assert names["migrations: up again gives the same schema"] == "passed"
    contract = _contract(result)
    assert set(contract.values()) == {"passed"}, contract
    assert len(contract) >= MIN_CONTRACT[spec_id]
    baseline = _contract(_on_sqlite(specs, spec_id))
    assert contract == baseline
    assert any("concurrent_creates" in name for name in contract), sorted(contract)


def test_check_without_a_server_is_not_run_never_passed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An unreachable server: the tests section is not_run with the reason,
    and the check fails (exit 1)."""
    monkeypatch.setenv("SPECC_PG_HOST", str(tmp_path))  # a folder with no server socket
    monkeypatch.setenv("SPECC_PG_PORT", "1")
    result = _check(SPECS, "reading-lists", "postgres")
    assert not result.success
    assert result.tests.status == "not_run"
    reasons = [c.detail for c in result.tests.checks if c.status == "not_run"]
    assert any("cannot connect to PostgreSQL" in r for r in reasons), reasons
    assert result.contract_counts()["passed"] == 0


def test_cli_database_option(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> None:
    request.getfixturevalue("mysql_server")
    code = main(["check", "theme-preference-api", "--specs", str(SPECS), "--database", "mysql"])
    out: Any = capsys.readouterr().out
    assert code == 0, out
    assert "specc check passed" in out
