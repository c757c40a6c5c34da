"""`specc check --keep DIR` leaves a tree whose tests re-run with plain
`python -m pytest DIR`: no environment variables, no extra options."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SPECS


def test_a_kept_tree_reruns_with_plain_pytest(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPECC_")}
    keep = tmp_path / "kept"
    check = subprocess.run(
        [sys.executable, "-m", "compiler", "check", "--specs", str(SPECS), "--keep", str(keep), "theme-preference-api"],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    assert "python -m pytest" in (keep / "README.md").read_text(encoding="utf-8")
    # From somewhere else, with nothing set: the tree finds its database and user.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    rerun = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", str(keep)], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600
    )
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-2000:]
    assert " passed" in rerun.stdout and "error" not in rerun.stdout.splitlines()[-1]
    # The tree moved elsewhere still runs: every path in it is relative.
    moved = tmp_path / "moved"
    keep.rename(moved)
    again = subprocess.run([sys.executable, "-m", "pytest", "-q", str(moved)], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout[-3000:]
