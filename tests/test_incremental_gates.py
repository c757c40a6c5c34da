"""The project-wide steps are incremental: after one spec changed, the PR
target and the lint gate recompute only that spec's pieces, and their output
(files, findings) is exactly what an uncached run gives."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from compiler.build.incremental import CompileCache
from compiler.ir import Project
from compiler.safety.lint import lint_project
from compiler.safety.lint import per_spec
from compiler.project import build_project
from compiler.build.render_cache import cached_render as render_tree
from tests.conftest import ROOT, SPECS

sys.path.insert(0, str(ROOT / "benchmarks"))
import synth  # noqa: E402

N = 12
OPENAPI = PurePosixPath("_project/openapi.yaml")


class Recording(CompileCache):
    """A compile cache that remembers which entries were written."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.written: list[tuple[str, str]] = []

    def put(self, kind: str, key: str | None, value: Any) -> None:
        self.written.append((kind, key or ""))
        super().put(kind, key, value)


def compile_once(specs: Path, root: Path, cache_dir: Path | None) -> tuple[Project, dict[PurePosixPath, str], Recording | None]:
    cache = Recording(cache_dir) if cache_dir is not None else None
    project = build_project(specs, root, cache=cache)
    tree = render_tree(project, cache=cache, jobs=1)
    return project, tree, cache


@pytest.fixture()
def project_dir(tmp_path: Path) -> Path:
    synth.write_project(tmp_path, N)
    return tmp_path


def test_one_changed_spec_recomputes_only_its_pr_pieces(project_dir: Path) -> None:
    specs, cache_dir = project_dir / "specs", project_dir / "cache"
    _, _, cold = compile_once(specs, project_dir, cache_dir)
    assert cold is not None
    cold.flush()
    assert len([k for k, _ in cold.written if k == "draft"]) == N
    changed = synth.edit_one(project_dir, N, 1)
    _, tree, warm = compile_once(specs, project_dir, cache_dir)
    assert warm is not None
    drafts = [key for kind, key in warm.written if kind == "draft"]
    assert len(drafts) == 1, "only the edited spec's PR pieces are recomputed"
    # Whole PR files: every spec's on the cold compile, then only the edited one's.
    assert len([k for k, _ in cold.written if k == "pr"]) == N
    assert len([k for k, _ in warm.written if k == "pr"]) == 1
    # ... and the bodies still match an uncached render byte for byte.
    _, want, _ = compile_once(specs, project_dir, None)
    assert tree == want
    assert any(changed in p.parts[0] for p in tree if p.name == "body.md")


def test_cached_lint_findings_equal_uncached_and_unchanged_specs_still_report(tmp_path: Path) -> None:
    """A spec with a finding stays flagged on later compiles that reuse its
    cached findings, while another spec changes."""
    shutil.copytree(SPECS, tmp_path / "specs")
    (tmp_path / "specs" / "zz-drop-links.yaml").write_text(
        "spec: 1\nid: zz-drop-links\ntitle: Drop the old links column\ndepends_on: [theme-preference-api]\n"
        "tables:\n  users:\n    drop: [social_links]\n",
        "utf-8",
    )
    specs, cache_dir = tmp_path / "specs", tmp_path / "cache"
    project, tree, cache = compile_once(specs, tmp_path, cache_dir)
    want = lint_project(project, tree)
    assert any(f.spec_id == "zz-drop-links" for f in want), want
    assert lint_project(project, tree, cache=cache) == want
    assert cache is not None
    cache.flush()
    # Edit another spec: the dropping spec's findings come from the cache.
    other = specs / "profile-links-titles.yaml"
    other.write_text(other.read_text("utf-8") + "\n# edited\n", "utf-8")
    project, tree, cache = compile_once(specs, tmp_path, cache_dir)
    assert cache is not None
    before = len(cache.written)
    found = lint_project(project, tree, cache=cache)
    assert found == lint_project(project, tree)
    assert any(f.spec_id == "zz-drop-links" for f in found)
    relinted = [key for kind, key in cache.written[before:] if kind == "lint"]
    assert len(relinted) <= 1, "only the edited spec is linted again"


def _remove_response_field(specs: Path) -> None:
    spec = specs / "profile-links-titles.yaml"
    text = spec.read_text("utf-8")
    old = "    response:\n      title: users.title\n"
    assert old in text
    spec.write_text(text.replace(old, "    response:\n"), "utf-8")


def test_api_rules_cached_equal_uncached_and_parse_only_the_changed_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(SPECS, tmp_path / "specs")
    specs, cache_dir = tmp_path / "specs", tmp_path / "cache"
    project, tree, cache = compile_once(specs, tmp_path, cache_dir)
    assert cache is not None
    # A first compile (nothing committed) records the new document's surface.
    assert lint_project(project, tree, None, cache=cache) == lint_project(project, tree, None)
    cache.flush()
    committed = tree[OPENAPI]
    _remove_response_field(specs)
    project, tree, cache = compile_once(specs, tmp_path, cache_dir)
    assert cache is not None
    want = lint_project(project, tree, committed, "snapshots/_project/openapi.yaml")
    assert any(f.rule == "BC201" for f in want), want
    parsed: list[int] = []
    real = per_spec.load_yaml
    monkeypatch.setattr(per_spec, "load_yaml", lambda text: parsed.append(len(text)) or real(text))
    got = lint_project(project, tree, committed, "snapshots/_project/openapi.yaml", cache=cache)
    assert got == want
    assert len(parsed) == 1 and parsed[0] < len(committed), "only the changed spec's own document is parsed"


def test_equal_documents_need_no_api_comparison(tmp_path: Path) -> None:
    shutil.copytree(SPECS, tmp_path / "specs")
    project, tree, cache = compile_once(tmp_path / "specs", tmp_path, tmp_path / "cache")
    assert per_spec.api_surfaces(project, tree, tree[OPENAPI], cache) is None
    assert lint_project(project, tree, tree[OPENAPI], cache=cache) == lint_project(project, tree, tree[OPENAPI])


def test_surface_survives_the_plain_round_trip(tmp_path: Path) -> None:
    from compiler.safety.lint.api_surface import from_plain, surface, to_plain

    shutil.copytree(SPECS, tmp_path / "specs")
    _, tree, _ = compile_once(tmp_path / "specs", tmp_path, None)
    found = surface(per_spec.load_yaml(tree[OPENAPI]))
    assert found and from_plain(to_plain(found)) == found


def test_security_review_assembled_from_fragments_is_the_full_render(project_dir: Path) -> None:
    from targets import security

    project = build_project(project_dir / "specs", project_dir)
    fragments = {s.id: security.spec_fragment(project, s) for s in project.specs}
    assert security.emit_project(project, fragments) == security.TARGET.emit(project)
    empty = Project(base=project.base, specs=(), base_source=project.base_source)
    assert security.emit_project(empty, {}) == security.TARGET.emit(empty)


def test_in_place_update_rewrites_an_output_edited_behind_its_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files the manifest vouches for are compared by hash; one whose stat
    changed is read, so a hand edit is still undone by the next compile."""
    import compiler.build.writer_incremental as wi
    from compiler.cli import main

    monkeypatch.setattr(wi, "INCREMENTAL_MIN_FILES", 4)  # the seed tree is small
    shutil.copytree(SPECS, tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    assert main(["compile"]) == 0
    edited = tmp_path / "snapshots" / "theme-preference-api" / "openapi.yaml"
    good = edited.read_bytes()
    edited.write_bytes(good.replace(b"openapi", b"OPENAPI", 1))  # same size
    spec = tmp_path / "specs" / "profile-links-titles.yaml"
    spec.write_text(spec.read_text("utf-8") + "# touched\n", "utf-8")
    assert main(["compile"]) == 0
    assert edited.read_bytes() == good
    assert main(["compile", "--check", "--no-cache"]) == 0
