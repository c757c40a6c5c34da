"""The mutant generator of benchmarks/mutation_score.py: one token changed,
only inside function bodies, never in docstrings or module-level data."""

from __future__ import annotations

import sys
from pathlib import PurePosixPath

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import mutation_score as ms  # noqa: E402

MODULE = '''"""Docstring: a < b and True."""

LIMIT = 10 if True else 0


def check(value: int, flag: bool) -> bool:
    """value < 3 or not flag"""
    if value < 3 and not flag:
        return value == 1
    return value in (2,) and 4 not in (5,) or False
'''


def test_mutants_are_single_tokens_inside_function_bodies() -> None:
    found = [(m.line, m.old, m.new) for m in ms.mutants_of(PurePosixPath("specc_app/x.py"), MODULE)]
    assert found == [
        (8, "<", "<="),
        (8, "3", "4"),
        (8, "and", "or"),
        (8, "not ", ""),
        (9, "==", "!="),
        (9, "1", "2"),
        (10, "2", "3"),
        (10, "and", "or"),
        (10, "4", "5"),
        (10, "5", "6"),
        (10, "or", "and"),
        (10, "False", "True"),
    ]


def test_apply_changes_exactly_the_token() -> None:
    tree = {PurePosixPath("specc_app/x.py"): MODULE}
    mutant = ms.mutants_of(PurePosixPath("specc_app/x.py"), MODULE)[3]
    mutated = ms.apply(tree, mutant)[PurePosixPath("specc_app/x.py")]
    assert mutated == MODULE.replace("and not flag", "and flag")
    compile(mutated, "x.py", "exec")
    wrong = ms.Mutant("specc_app/x.py", 8, 0, "while", "if")
    with pytest.raises(ValueError, match="not there"):
        ms.apply(tree, wrong)


def test_only_application_modules_are_mutated() -> None:
    tree = {PurePosixPath(p): "" for p in (
        "specc_app/app.py", "specc_app/testing.py", "specc_app/runtime/http.py", "specc_app/a/routes.py",
        "specc_app/a/__init__.py", "specc_app/a/backfills/b.py", "a/test_contract.py", "a/openapi.yaml",
    )}  # fmt: skip
    assert [p.as_posix() for p in ms.application_modules(tree)] == ["specc_app/a/routes.py", "specc_app/app.py", "specc_app/runtime/http.py"]


SPEC_MODULE = '''"""A spec's validators."""

SPEC_ID = "a"
CAPS: dict[str, int] = {"t": 20}
REQUEST_RULES = {"op": {"name": {"required": True, "min_length": 1, "kind": "string"}}}
OTHER = {"n": 3, "flag": True}


def check(value: int) -> bool:
    return value < 2
'''


def test_constraint_tables_of_spec_modules_are_mutated() -> None:
    """A spec's constraint tables (its caps, rules, resources) are data the
    runtime reads: their numbers and booleans are mutated; other module-level
    data is not, nor the same tables in a module that is not a spec's."""
    found = [(m.line, m.old, m.new) for m in ms.mutants_of(PurePosixPath("specc_app/a/validators.py"), SPEC_MODULE)]
    assert found == [(4, "20", "21"), (5, "True", "False"), (5, "1", "2"), (10, "<", "<="), (10, "2", "3")]
    assert [m.line for m in ms.mutants_of(PurePosixPath("specc_app/runtime/validators.py"), SPEC_MODULE)] == [10, 10]


def test_known_survivors_match_line_token_and_occurrence() -> None:
    text = 'def f(path_params, cfg):\n    return g(\n        path_params.get(cfg["item"][0]), cfg["item"][1], cfg["item"][0]\n    )\n'
    zeros = [m for m in ms.mutants_of(PurePosixPath("specc_app/runtime/http.py"), text) if m.old == "0"]
    assert len(zeros) == 2
    # Only the error path (the second `0`) is listed equivalent: the first
    # picks the key that is checked, and changing it refuses every request.
    assert ms.known(zeros[0], text) is None
    entry = ms.known(zeros[1], text)
    assert entry is not None and entry.kind == "equivalent" and entry.why
    assert ms.known(zeros[1], text.replace("item", "other")) is None


def test_every_known_entry_says_why() -> None:
    assert all(k.kind in ("equivalent", "unreachable") and k.why for k in ms.KNOWN)


def test_a_recurring_line_is_known_only_in_its_function_and_place() -> None:
    text = (
        "def _check_string(rule, value, errors):\n"
        "    if value < 1:\n        errors.append(1)\n        return False\n"
        "    if value > 9:\n        errors.append(2)\n        return False\n"
        "    return True\n\n\n"
        "def _storable(value):\n    return False\n"
    )
    path = PurePosixPath("specc_app/runtime/validation.py")
    falses = [m for m in ms.mutants_of(path, text) if m.old == "False"]
    assert [m.line for m in falses] == [4, 7, 12]
    # Each `return False` of _check_string is listed as what it is (after
    # too_short: unreachable; after too_long: equivalent), _storable's not.
    kinds = [getattr(ms.known(m, text), "kind", None) for m in falses]
    assert kinds == ["unreachable", "equivalent", None]
