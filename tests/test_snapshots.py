"""The generated artifacts under snapshots/, guarded by syrupy.

Each artifact is one snapshot file at its own path, so
`pytest --snapshot-update` writes exactly what `specc compile` writes.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from compiler.emit import render_tree
from compiler.project import build_project
from tests.conftest import ROOT, SPECS
from tests.snapshot_extension import artifact_extension

ARTIFACTS = sorted(render_tree(build_project(SPECS, ROOT)))


@pytest.mark.parametrize("artifact", ARTIFACTS, ids=[str(a) for a in ARTIFACTS])
def test_artifact_matches_snapshot(artifact: PurePosixPath, tree, snapshot) -> None:  # type: ignore[no-untyped-def]
    assert tree[artifact].encode("utf-8") == snapshot(extension_class=artifact_extension(artifact))


def test_there_are_artifacts_for_every_spec(tree, project) -> None:  # type: ignore[no-untyped-def]
    for spec in project.specs:
        assert any(p.parts[0] == spec.id for p in tree), f"no artifacts for {spec.id}"


def test_snapshot_tree_has_no_stale_or_orphaned_files(tree) -> None:  # type: ignore[no-untyped-def]
    """What `specc compile --check` enforces: snapshots/ is exactly the rendered tree."""
    from compiler.build.writer import diff_tree

    diffs = diff_tree(ROOT / "snapshots", tree)
    assert diffs == [], "".join(diffs)


def test_black_and_ruff_leave_every_generated_module_unchanged() -> None:
    """ruff's formatter lays out the generated Python; it must be what black
    (the layout the project promises, pinned in the test extra) makes of it,
    and `ruff format --check` must pass on it."""
    import black

    from compiler.ruff_format import check_python

    modules = sorted((ROOT / "snapshots").rglob("*.py"))
    assert len(modules) >= 10
    texts = [m.read_text("utf-8") for m in modules]
    for module, text in zip(modules, texts):
        assert black.format_str(text, mode=black.Mode()) == text, f"black would reformat {module}"
    assert [(m, p) for m, p in zip(modules, check_python(texts)) if p] == []
