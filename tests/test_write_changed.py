"""`specc compile` writes only what changed: unchanged files keep their inode
and mtime, and the summary says how many files changed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from compiler.build import writer_incremental
from compiler.build.writer import write_tree
from tests.conftest import ROOT, SPECS

P = PurePosixPath


def _stats(root: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in sorted(root.rglob("*")) if p.is_file()}


def _age(root: Path) -> None:
    """Put every file's mtime in the past, so a rewrite cannot keep it by chance."""
    for p in root.rglob("*"):
        if p.is_file():
            os.utime(p, ns=(1_000_000_000, 1_000_000_000))


@pytest.mark.parametrize("incremental", [False, True])
def test_only_changed_files_get_new_inodes_and_mtimes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, incremental: bool) -> None:
    monkeypatch.setattr(writer_incremental, "INCREMENTAL_MIN_FILES", 1 if incremental else 10**9)
    root = tmp_path / "out"
    tree = {P(f"s{i}/f{j}.txt"): f"{i}-{j}\n" for i in range(4) for j in range(5)}
    assert write_tree(root, tree) == 20
    _age(root)
    before = _stats(root)
    assert write_tree(root, dict(tree)) == 0
    assert _stats(root) == before
    new = dict(tree)
    new[P("s1/f2.txt")] = "changed\n"
    del new[P("s3/f4.txt")]
    assert write_tree(root, new) == 2
    after = _stats(root)
    assert set(after) == set(before) - {"s3/f4.txt"}
    assert after["s1/f2.txt"] != before["s1/f2.txt"]
    assert {k: v for k, v in after.items() if k != "s1/f2.txt"} == {k: v for k, v in before.items() if k not in ("s1/f2.txt", "s3/f4.txt")}
    assert (root / "s1/f2.txt").read_text() == "changed\n"
    assert not [p for p in tmp_path.glob(".out.*") if p.name != ".out.lock"], "staging or backup left behind"


def test_a_new_file_counts_as_changed(tmp_path: Path) -> None:
    root = tmp_path / "out"
    write_tree(root, {P("a.txt"): "a\n"})
    assert write_tree(root, {P("a.txt"): "a\n", P("b/c.txt"): "c\n"}) == 1


def _specc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "compiler", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_a_comment_edit_rewrites_nothing_and_says_so(tmp_path: Path) -> None:
    shutil.copytree(SPECS, tmp_path / "specs")
    first = _specc("compile", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    total = len(_stats(tmp_path / "snapshots"))
    assert f"snapshots: {total} files, {total} changed" in first.stdout
    _age(tmp_path / "snapshots")
    before = _stats(tmp_path / "snapshots")
    spec = tmp_path / "specs" / "theme-preference-api.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + "# just a comment\n", encoding="utf-8")
    again = _specc("compile", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"snapshots: {total} files, 0 changed" in again.stdout
    assert _stats(tmp_path / "snapshots") == before
