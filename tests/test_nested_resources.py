"""Ownership two parents deep (issue 14): a resource path that names the
whole chain (`/api/fleets/{fleet_id}/vehicles/{vehicle_id}/services`).

The fixture spec tests/fixtures/nested/fleet-chains.yaml lowers with the
vehicle as parent and the fleet as its ancestor; the generated SQL checks,
with parameters only, that the named vehicle belongs to the named fleet; and
`specc check` passes with the contract tests of the mismatch (a vehicle of the
user named under another of the user's fleets: 404 on every method).
The same check runs on PostgreSQL and MariaDB in tests/engines/test_check_engines.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlglot

from compiler.check.run import run_checks
from compiler.ir import Project
from compiler.project import build_project
from targets.fastapi import route_queries as q
from tests.conftest import SPECS

CHAINS = Path(__file__).parent / "fixtures" / "nested" / "fleet-chains.yaml"


def chain_specs(root: Path) -> Path:
    """A specs folder holding the base schema and the fleet-chains spec."""
    shutil.copytree(SPECS / "base", root / "specs" / "base")
    shutil.copy(CHAINS, root / "specs" / CHAINS.name)
    return root / "specs"


@pytest.fixture(scope="module")
def chain_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    specs = chain_specs(tmp_path_factory.mktemp("chains"))
    return build_project(specs, specs.parent)


def _resource(project: Project, name: str):  # type: ignore[no-untyped-def]
    spec = next(s for s in project.specs if s.id == "fleet-chains")
    return next(r for r in spec.resources if r.name == name)


def test_the_path_names_the_parent_and_its_ancestor(chain_project: Project) -> None:
    services = _resource(chain_project, "services")
    assert services.parent is not None and (services.parent.name, services.parent.table) == ("vehicle_id", "fleet_vehicles")
    assert [(a.name, a.table, a.column.name) for a in services.ancestors] == [("fleet_id", "fleets", "id")]
    assert [p.name for p in services.path_params] == ["fleet_id", "vehicle_id"]
    vehicles = _resource(chain_project, "vehicles")
    assert vehicles.ancestors == ()


def test_ownership_queries_check_every_named_parent_with_parameters(chain_project: Project) -> None:
    project = chain_project
    services = _resource(project, "services")
    schema = next(s for s in project.specs if s.id == "fleet-chains").schema_after
    for statement in (q.resource_parent_owner(services, lock=True), q.resource_item_owner(services, schema, lock=False)):
        assert statement.params[-1] == "ancestor:fleet_id"
        for dialect in q.DIALECTS:
            sql = statement.render(dialect)
            assert sql.count(q.PLACEHOLDER[dialect]) == len(statement.params), sql
            tree = sqlglot.parse_one(sql.replace(q.PLACEHOLDER[dialect], "1"), read=dialect)
            # The vehicle (t1) must be of the fleet the path names.
            wheres = [w.sql(dialect=dialect) for w in tree.find_all(sqlglot.exp.Where)]
            assert any("t1" in w and "fleet_id" in w for w in wheres), sql
    locked = q.resource_parent_owner(services, lock=True).render("postgres")
    assert locked.endswith("FOR UPDATE")


def test_check_passes_with_the_mismatch_tests(tmp_path: Path) -> None:
    specs = chain_specs(tmp_path)
    result = run_checks(build_project(specs, tmp_path), ["fleet-chains"])
    assert result.success, [(s, c.name, c.detail) for s, c in result.failures()]
    passed = {c.name for c in result.tests.checks if c.status == "passed"}
    for name in ("test_services_parent_under_another_fleets_is_404", "test_services_malformed_fleet_id_is_422", "test_services_cap_4_per_vehicle_id", "test_services_concurrent_creates_at_the_cap_pass_it_once"):
        assert f"contract: fleet-chains::{name}" in passed, name


def test_item_routes_check_the_parent_without_a_list_method(chain_project: Project) -> None:
    """Every route but create checks the parent first, so the parent query is
    rendered for a nested resource that serves only `get` (it was rendered
    only with `list`, and a get-only nested resource failed with a KeyError)."""
    import dataclasses

    services = dataclasses.replace(_resource(chain_project, "services"), methods=("get",))
    schema = next(s for s in chain_project.specs if s.id == "fleet-chains").schema_after
    keys = {st.key for st in q.resource_statements(services, schema)}
    assert {"services:parent", "services:owner"} <= keys
