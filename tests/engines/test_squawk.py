"""squawk (the `squawk-cli` package) over every generated postgres migration.

Up migrations must have zero violations with squawk's default rules.  Down
migrations exist to drop things: every drop must carry a squawk-ignore
comment naming the rule and giving the reason, and with those squawk is
clean on them too.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest
from sqlglot import exp

from compiler.safety.lint.statements import parse_statements
from tests.engines.conftest import engines_required

IGNORE = re.compile(r"--\s*squawk-ignore\s+([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)\s*(?:--|:)?\s*(.*)$")


def _squawk() -> str:
    found = shutil.which("squawk") or str(Path(sys.executable).parent / "squawk")
    if not Path(found).exists():
        message = "squawk is not installed (pip install -e '.[test]' brings squawk-cli)"
        if engines_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


def _postgres_files(tree: dict[PurePosixPath, str], direction: str) -> list[PurePosixPath]:
    return [p for p in tree if p.parts[1:3] == ("migrations", "postgres") and p.name == f"{direction}.sql"]


@pytest.mark.parametrize("direction", ["up", "down"])
def test_squawk_finds_nothing(tree, tmp_path: Path, direction: str) -> None:  # type: ignore[no-untyped-def]
    files = _postgres_files(tree, direction)
    assert files, "no postgres migrations to lint"
    paths = []
    for rel in files:
        out = tmp_path / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(tree[rel], "utf-8")
        paths.append(str(out))
    proc = subprocess.run([_squawk(), *paths], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Found 0 issues" in proc.stdout, proc.stdout


def _drops(expr: exp.Expression) -> bool:
    if isinstance(expr, exp.Drop):
        return True
    if isinstance(expr, exp.Alter):
        return any(isinstance(a, exp.Drop) for a in expr.args.get("actions") or [])
    return False


def test_every_drop_in_a_down_migration_says_which_rule_and_why(tree) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for rel in _postgres_files(tree, "down"):
        for stmt in parse_statements(tree[rel]):
            if not _drops(stmt.expr):
                continue
            checked += 1
            matches = [m for c in stmt.comments if (m := IGNORE.search(c))]
            assert matches, f"{rel}:{stmt.line}: drop without a squawk-ignore comment: {stmt.text}"
            rules, reason = matches[-1].group(1), matches[-1].group(2).strip()
            assert rules.startswith("ban-drop") or "drop" in rules, f"{rel}:{stmt.line}: ignore names {rules!r}"
            assert len(reason) >= 10, f"{rel}:{stmt.line}: squawk-ignore without a reason"
    assert checked, "no drops found in down migrations"
