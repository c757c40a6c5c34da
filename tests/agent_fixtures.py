"""Shared helpers for the Backend Agent tests: a throwaway copy of the seed project."""

from __future__ import annotations

import shutil
from pathlib import Path

from compiler.emit import render_tree
from compiler.project import build_project
from compiler.build.writer import write_tree

REPO = Path(__file__).resolve().parent.parent
SEED_TASKS = (
    "theme-preference-api",
    "profile-links-titles",
    "dashboard-stats-endpoints",
    "validators-and-security",
    "migrations-and-backfills",
    "contract-tests-and-ci",
)


_SEED_TREE: dict = {}


def make_project(tmp: Path, compile_snapshots: bool = True) -> Path:
    """Copy specs/ into `tmp` (and compile snapshots there); return the root."""
    shutil.copytree(REPO / "specs", tmp / "specs")
    if compile_snapshots:
        # The seed specs always compile to the same tree: render it once.
        if not _SEED_TREE:
            _SEED_TREE.update(render_tree(build_project(tmp / "specs", tmp)))
        write_tree(tmp / "snapshots", dict(_SEED_TREE))
    return tmp
