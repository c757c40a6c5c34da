"""Each contract test can fail, and the suite shows it.

Every case breaks the generated code the way a real bug would (a string
replacement on the rendered tree, asserted to apply), runs `run_checks` on
it, and expects the named contract tests to fail where the unmutated tree
passes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

import pytest

from compiler.check.run import run_checks
from compiler.pypackage import RUNTIME_HTTP, RUNTIME_VALIDATION, spec_package
from compiler.ir import Project
from tests.check_runs import green_cli_json, mutate, statuses

PROFILE = "profile-links-titles"
STATS = "dashboard-stats-endpoints"


@dataclass(frozen=True)
class Mutation:
    id: str
    spec: str
    path: str
    old: str
    new: str
    must_fail: tuple[str, ...]


def _label_rule(tree: dict[PurePosixPath, str]) -> tuple[str, str]:
    """The label rule's max_length line in the validators, and it loosened."""
    text = tree[spec_package(PROFILE) / "validators.py"]
    match = re.search(r'"label": \{[^}]*?"max_length": 40,', text)
    assert match, "the label rule is not in the generated validators"
    return match.group(0), match.group(0).replace('"max_length": 40,', '"max_length": 4000,')


def _url_entry(tree: dict[PurePosixPath, str]) -> tuple[str, str]:
    """The URL check's signature, and it with an early `return` for javascript:."""
    text = tree[RUNTIME_VALIDATION]
    match = re.search(r"def _normalize_url\([^)]*\) -> str:\n", text)
    assert match, "the URL check is not in the generated validators"
    hole = '    if isinstance(value, str) and value.lower().startswith("javascript:"):\n        return value\n'
    return match.group(0), match.group(0) + hole


def mutations(tree: dict[PurePosixPath, str]) -> list[Mutation]:
    label_old, label_new = _label_rule(tree)
    url_old, url_new = _url_entry(tree)
    return [
        Mutation(
            "validator-accepts-too-long-labels",
            PROFILE,
            (spec_package(PROFILE) / "validators.py").as_posix(),
            label_old,
            label_new,
            (f"{PROFILE}::test_updateProfile_rejects[links[0].label-length-41-over-max]",),
        ),
        Mutation(
            "route-drops-the-cache-header",
            STATS,
            (spec_package(STATS) / "routes.py").as_posix(),
            'CACHE["getDashboardStats"],',
            "{},",
            (
                f"{STATS}::test_getDashboardStats_cache_headers",
                f"{STATS}::test_getDashboardStats_range_accepts[7d]",
            ),
        ),
        Mutation(
            "route-skips-the-cap",
            PROFILE,
            (spec_package(PROFILE) / "routes.py").as_posix(),
            'validators.check_cap("profile_links", runtime.count(cur.fetchone()), "links")',
            "runtime.count(cur.fetchone())",
            (f"{PROFILE}::test_updateProfile_links_cap",),
        ),
        Mutation(
            "url-check-lets-javascript-through",
            PROFILE,
            RUNTIME_VALIDATION.as_posix(),
            url_old,
            url_new,
            (
                f"{PROFILE}::test_updateProfile_rejects[links[0].url-url-javascript]",
                f"{PROFILE}::test_updateProfile_rejects[links[0].url-url-javascript-mixed-case]",
            ),
        ),
        # The window's edges and owner, caught by the test on seeded rows.
        Mutation(
            "window-counts-one-day-more",
            STATS,
            RUNTIME_HTTP.as_posix(),
            "first = today - timedelta(days=days - 1)",
            "first = today - timedelta(days=days)",
            (f"{STATS}::test_getDashboardStats_counts_seeded_rows",),
        ),
        Mutation(
            "window-has-no-end-today",
            STATS,
            RUNTIME_HTTP.as_posix(),
            "after = today + timedelta(days=1)",
            "after = today + timedelta(days=2)",
            (f"{STATS}::test_getDashboardStats_counts_seeded_rows",),
        ),
        Mutation(
            "metric-counts-other-users",
            STATS,
            (spec_package(STATS) / "routes.py").as_posix(),
            '"s"."profile_user_id" = ?',
            '"s"."profile_user_id" <> ?',
            (f"{STATS}::test_getDashboardStats_counts_seeded_rows",),
        ),
    ]


MUTATION_IDS = [
    "validator-accepts-too-long-labels",
    "route-drops-the-cache-header",
    "route-skips-the-cap",
    "url-check-lets-javascript-through",
    "window-counts-one-day-more",
    "window-has-no-end-today",
    "metric-counts-other-users",
]


@pytest.mark.parametrize("mutation_id", MUTATION_IDS)
def test_contract_tests_catch_the_mutation(mutation_id: str, project: Project, tree: dict[PurePosixPath, str]) -> None:
    mutation = next(m for m in mutations(tree) if m.id == mutation_id)
    _, green = green_cli_json()
    green_checks = statuses(green["tests"])
    for name in mutation.must_fail:
        assert green_checks.get(f"contract: {name}") == "passed", f"{name} must pass on the unmutated tree"
    mutated = mutate(tree, mutation.path, mutation.old, mutation.new)
    result = run_checks(project, [mutation.spec], tree=mutated)
    assert not result.success
    data = result.as_dict()
    checks = statuses(data["tests"])
    for name in mutation.must_fail:
        assert checks.get(f"contract: {name}") == "failed", f"{name} did not catch {mutation.id}"
    assert data["tests"]["contract"]["failed"] >= len(mutation.must_fail)
    assert "FAILED" in result.message


def test_every_listed_mutation_is_tested(tree: dict[PurePosixPath, str]) -> None:
    assert [m.id for m in mutations(tree)] == MUTATION_IDS
