"""A spec from a product domain no bundled spec covers compiles, stays
up to date under `compile --check`, and passes `specc check` with contract
tests that exercise each of its constraints (issue 14's "done when").

The spec (tests/fixtures/new-domain/fleet-maintenance.yaml: vehicles and
their service records) uses a resource owned through a parent, every method,
a cap per parent, uniqueness per parent, owner-only access with 403, column
defaults, and a per-day series over two windows.  Nothing in compiler/ or
targets/ knows this domain.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compiler.check.run import run_checks
from compiler.cli import main
from compiler.project import build_project
from tests.conftest import SPECS

SPEC = Path(__file__).parent / "fixtures" / "new-domain" / "fleet-maintenance.yaml"

# Each constraint of the spec, and the contract test that exercises it.
CONSTRAINT_TESTS = {
    "cap of 30 records per vehicle (the 31st create is 409)": "test_records_cap_30_per_vehicle_id",
    "cap of 10 vehicles per user": "test_vehicles_cap_10_per_owner_id",
    "one record per odometer reading per vehicle": "test_records_duplicate_odometer_km_is_409",
    "unique plate per user": "test_vehicles_duplicate_plate_is_409",
    "another user's record: 403": "test_records_get_of_another_user_is_403",
    "another user's vehicle as parent: 403": "test_records_create_under_another_users_parent_is_403",
    "another user's vehicle: 404 (hidden)": "test_vehicles_get_of_another_user_is_404",
    "missing record: 404": "test_records_get_missing_is_404",
    "malformed path id: 422": "test_records_malformed_item_id_is_422",
    "default kind applied on create": "test_records_create_applies_default_of_kind",
    "default fuel applied on create": "test_vehicles_create_applies_default_of_fuel",
    "idempotent DELETE (204 then 204)": "test_records_delete_is_204_then_204",
    "pages cover every row once": "test_records_pages_cover_every_row_exactly_once",
    "series: one point per day, totals equal the seeded rows": "test_getFleetStats_counts_seeded_rows",
}


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("new-domain")
    (root / "specs").mkdir()
    shutil.copytree(SPECS / "base", root / "specs" / "base")
    shutil.copy(SPEC, root / "specs" / SPEC.name)
    return root


def test_compiles_and_stays_up_to_date(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--specs", str(project_dir / "specs"), "--out", str(project_dir / "snapshots")]
    assert main(["compile", *args]) == 0, capsys.readouterr().err
    assert main(["compile", "--check", *args]) == 0, capsys.readouterr().err
    assert "up to date" in capsys.readouterr().out


def test_specc_check_passes_and_exercises_every_constraint(project_dir: Path) -> None:
    project = build_project(project_dir / "specs", project_dir)
    result = run_checks(project, ["fleet-maintenance"])
    assert result.success, [(s, c.name, c.detail) for s, c in result.failures()]
    passed = {c.name for c in result.tests.checks if c.status == "passed"}
    for constraint, name in CONSTRAINT_TESTS.items():
        test = f"contract: fleet-maintenance::{name}"
        assert any(p == test or p.startswith(test + "[") for p in passed), constraint
    assert result.contract_counts()["passed"] >= 100
