"""The compile cache never changes the output.

Cached and uncached compiles of the seed specs and of a synthetic project are
compared byte for byte, across edits that hit every cache kind, under several
PYTHONHASHSEEDs, and with damaged cache entries (which must be detected by
their checksum and ignored).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.build.cache import MAGIC, Store
from compiler.build.incremental import CompileCache
from compiler.project import build_project
from compiler.build.render_cache import cached_render as render_tree
from tests.conftest import ROOT, SPECS

sys.path.insert(0, str(ROOT / "benchmarks"))
import synth  # noqa: E402


def specc(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "compiler", *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=600
    )


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def uncached(specs: Path, root: Path) -> dict[str, bytes]:
    tree = render_tree(build_project(specs, root), jobs=1)
    return {p.as_posix(): t.encode("utf-8") for p, t in tree.items()}


def cached(specs: Path, root: Path, cache_dir: Path, jobs: int = 1) -> tuple[dict[str, bytes], CompileCache]:
    cache = CompileCache(cache_dir)
    tree = render_tree(build_project(specs, root, cache=cache), cache=cache, jobs=jobs)
    cache.flush()  # as a compile does once its output is written
    return {p.as_posix(): t.encode("utf-8") for p, t in tree.items()}, cache


@pytest.fixture()
def seed(tmp_path: Path) -> Path:
    shutil.copytree(SPECS, tmp_path / "specs")
    return tmp_path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synthetic")
    synth.write_project(root, 30)
    return root


def test_cold_and_warm_cache_give_the_uncached_bytes(seed: Path) -> None:
    want = uncached(seed / "specs", seed)
    cold, cache = cached(seed / "specs", seed, seed / "cache")
    assert cold == want
    assert cache.store.hits == 0
    warm, cache = cached(seed / "specs", seed, seed / "cache")
    assert warm == want
    assert cache.store.misses == 0 and cache.store.hits > 0


def test_synthetic_project_cached_in_parallel_gives_the_uncached_bytes(synthetic: Path) -> None:
    want = uncached(synthetic / "specs", synthetic)
    cache_dir = synthetic / "cache-parallel"
    cold, _ = cached(synthetic / "specs", synthetic, cache_dir, jobs=2)
    assert cold == want
    warm, cache = cached(synthetic / "specs", synthetic, cache_dir, jobs=2)
    assert warm == want and cache.store.misses == 0


@pytest.mark.parametrize(
    "edit",
    [
        # Text only: later specs keep their schema digest, so they stay cached.
        ("theme-preference-api.yaml", "Read the signed-in user's preferences.", "Read the user's saved preferences."),
        # Schema: every spec lowered after it must be lowered again.
        ("theme-preference-api.yaml", "theme: [light, dark]", "theme: [light, dark, sepia]"),
        # An enum a later spec inherits nothing from, and a cap.
        ("profile-links-titles.yaml", "max: 100", "max: 120"),
    ],
)
def test_edits_invalidate_exactly_enough(seed: Path, edit: tuple[str, str, str]) -> None:
    cached(seed / "specs", seed, seed / "cache")
    name, old, new = edit
    path = seed / "specs" / name
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")
    after, cache = cached(seed / "specs", seed, seed / "cache")
    assert after == uncached(seed / "specs", seed)
    assert cache.store.misses > 0


def test_base_schema_edit_invalidates_everything(seed: Path) -> None:
    cached(seed / "specs", seed, seed / "cache")
    base = seed / "specs" / "base" / "schema.sql"
    base.write_text(base.read_text("utf-8").replace("display_name varchar(100)", "display_name varchar(120)"), "utf-8")
    after, cache = cached(seed / "specs", seed, seed / "cache")
    assert after == uncached(seed / "specs", seed)
    assert cache.store.misses > 0


def test_fingerprint_change_invalidates_everything(seed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached(seed / "specs", seed, seed / "cache")
    import compiler.build.incremental as incremental

    monkeypatch.setattr(incremental, "fingerprint", lambda: "another compiler version")
    _, cache = cached(seed / "specs", seed, seed / "cache")
    assert cache.store.hits == 0


def _entries(cache_dir: Path) -> list[Path]:
    return [p for p in cache_dir.rglob("*") if p.is_file() and not p.name.startswith(".")]


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty", "foreign-pickle"])
def test_damaged_entries_are_detected_and_ignored(seed: Path, damage: str) -> None:
    want = uncached(seed / "specs", seed)
    cached(seed / "specs", seed, seed / "cache")
    entries = _entries(seed / "cache")
    assert entries
    for path in entries:
        blob = path.read_bytes()
        if damage == "truncate":
            path.write_bytes(blob[: len(blob) // 2])
        elif damage == "flip":
            i = len(blob) - 5
            path.write_bytes(blob[:i] + bytes([blob[i] ^ 0x40]) + blob[i + 1 :])
        elif damage == "garbage":
            path.write_bytes(os.urandom(len(blob)))
        elif damage == "empty":
            path.write_bytes(b"")
        else:
            # A valid checksum over a pickle that would run code: the restricted
            # unpickler must refuse it.
            import hashlib
            import pickle

            payload = pickle.dumps(os.system)
            path.write_bytes(MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    again, cache = cached(seed / "specs", seed, seed / "cache")
    assert again == want
    assert cache.store.corrupt > 0 and cache.store.hits == 0
    # Damaged entries were replaced by good ones.
    third, cache = cached(seed / "specs", seed, seed / "cache")
    assert third == want and cache.store.corrupt == 0


def test_store_round_trip_and_missing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.get("x", "ab" * 32) is None
    store.put("x", "ab" * 32, {"a": (1, "b")})
    assert store.get("x", "ab" * 32) == {"a": (1, "b")}
    assert store.hits == 1 and store.misses == 1


def test_unwritable_cache_is_only_slower(seed: Path) -> None:
    blocker = seed / "cache"
    blocker.write_text("not a folder")
    tree, cache = cached(seed / "specs", seed, blocker / "inner")
    assert tree == uncached(seed / "specs", seed)


# --- end to end, in subprocesses ---------------------------------------------------


@pytest.mark.parametrize("seed_value", ["0", "1", "2", "random"])
def test_cached_compile_is_identical_under_any_hash_seed(seed: Path, seed_value: str) -> None:
    """A cache written under one PYTHONHASHSEED serves identical bytes under another."""
    first = specc("compile", cwd=seed, env={"PYTHONHASHSEED": "12345"})
    assert first.returncode == 0, first.stderr
    (seed / "specs" / "theme-preference-api.yaml").write_text(
        (seed / "specs" / "theme-preference-api.yaml").read_text("utf-8") + "# touched\n", "utf-8"
    )
    want = uncached(seed / "specs", seed)
    again = specc("compile", cwd=seed, env={"PYTHONHASHSEED": seed_value})
    assert again.returncode == 0, again.stderr
    assert files(seed / "snapshots") == want


def test_no_op_compile_and_check_use_the_manifest(seed: Path) -> None:
    assert specc("compile", cwd=seed).returncode == 0
    noop = specc("compile", cwd=seed)
    assert noop.returncode == 0 and "nothing changed" in noop.stdout
    assert "theme-preference-api" in noop.stdout  # the summary is still printed
    check = specc("compile", "--check", cwd=seed)
    assert check.returncode == 0 and "up to date" in check.stdout


@pytest.mark.parametrize("change", ["edit-output", "add-orphan", "delete-output", "edit-spec", "add-spec-file"])
def test_no_op_path_notices_every_change(seed: Path, change: str) -> None:
    assert specc("compile", cwd=seed).returncode == 0
    out = seed / "snapshots"
    target = out / "specc_app" / "theme_preference_api" / "validators.py"
    if change == "edit-output":
        target.write_text(target.read_text("utf-8").replace("SPEC_ID", "SPEC_IDX", 1), "utf-8")
    elif change == "add-orphan":
        (out / "stray.txt").write_text("x")
    elif change == "delete-output":
        target.unlink()
    elif change == "edit-spec":
        p = seed / "specs" / "theme-preference-api.yaml"
        p.write_text(p.read_text("utf-8").replace("[light, dark]", "[light, dark, sepia]"), "utf-8")
    else:
        shutil.copy(seed / "specs" / "theme-preference-api.yaml", seed / "specs" / "copy.yaml")
    check = specc("compile", "--check", cwd=seed)
    assert check.returncode != 0, check.stdout
    if change != "add-spec-file":
        fixed = specc("compile", cwd=seed)
        assert fixed.returncode == 0 and "wrote" in fixed.stdout
        assert files(out) == uncached(seed / "specs", seed)


def test_racily_clean_output_is_compared_by_content(seed: Path) -> None:
    """An output rewritten with the same size, inode and mtime within one
    timestamp tick of the recording is compared by content, not trusted."""
    from compiler.build import manifest

    assert specc("compile", cwd=seed).returncode == 0
    root, specs, out = seed / ".specc", seed / "specs", seed / "snapshots"
    os.chdir(seed)
    try:
        data = manifest.unchanged(root, specs, out)
        assert data is not None
        target = out / "specc_app" / "theme_preference_api" / "validators.py"
        st = target.stat()
        target.write_text(target.read_text("utf-8").replace("SPEC_ID", "SPEC_IX", 1), "utf-8")
        racy = data["recorded_ns"] - 1_000_000  # 1 ms before the recording
        os.utime(target, ns=(st.st_atime_ns, racy))
        path = manifest._manifest_path(root, specs, out)
        import marshal

        data["outputs"]["specc_app/theme_preference_api/validators.py"][1] = racy
        path.write_bytes(marshal.dumps(data))
        assert manifest.unchanged(root, specs, out) is None
    finally:
        os.chdir(ROOT)


def test_no_cache_writes_no_cache(seed: Path) -> None:
    done = specc("compile", "--no-cache", cwd=seed)
    assert done.returncode == 0, done.stderr
    assert not (seed / ".specc").exists()
    assert files(seed / "snapshots") == uncached(seed / "specs", seed)


# --- small changes to big trees -----------------------------------------------------


def test_incremental_write_changes_only_what_differs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import PurePosixPath

    import compiler.build.writer_incremental as wi
    from compiler.build.writer import read_tree, write_tree

    monkeypatch.setattr(wi, "INCREMENTAL_MIN_FILES", 4)
    root = tmp_path / "snapshots"
    tree = {PurePosixPath(f"s{i}/f{j}.txt"): f"{i}-{j}\n" for i in range(5) for j in range(3)}
    write_tree(root, tree)
    untouched = (root / "s0" / "f0.txt").stat().st_ino
    new = dict(tree)
    new[PurePosixPath("s1/f1.txt")] = "changed\n"
    new[PurePosixPath("s9/new.txt")] = "new\n"
    del new[PurePosixPath("s2/f2.txt")]
    write_tree(root, new)
    assert read_tree(root) == {p: t.encode() for p, t in new.items()}
    assert (root / "s0" / "f0.txt").stat().st_ino == untouched  # not rewritten
    assert not (tmp_path / ".snapshots.new").exists() and not (tmp_path / ".snapshots.old").exists()


@pytest.mark.parametrize("fail_at", [1, 2, 3, 4])
def test_incremental_write_failure_or_crash_leaves_the_old_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int) -> None:
    from pathlib import PurePosixPath

    import compiler.build.writer_incremental as wi
    from compiler.build.writer import WriteError, read_tree, recover, write_tree

    monkeypatch.setattr(wi, "INCREMENTAL_MIN_FILES", 4)
    root = tmp_path / "snapshots"
    tree = {PurePosixPath(f"s{i}/f{j}.txt"): f"{i}-{j}\n" for i in range(5) for j in range(3)}
    write_tree(root, tree)
    before = read_tree(root)
    new = dict(tree)
    new[PurePosixPath("s1/f1.txt")] = "changed\n"
    new[PurePosixPath("s9/new.txt")] = "new\n"
    del new[PurePosixPath("s2/f2.txt")]
    real = wi._move
    calls = {"n": 0}

    def flaky(src: Path, dst: Path) -> None:
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise OSError(5, "injected I/O error")
        real(src, dst)

    monkeypatch.setattr(wi, "_move", flaky)
    with pytest.raises(WriteError):
        write_tree(root, new)
    monkeypatch.setattr(wi, "_move", real)
    assert read_tree(root) == before
    # A crash (no rollback in-process) is undone by the next run's recover().
    calls["n"] = 0

    def crash(src: Path, dst: Path) -> None:
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(wi, "_move", crash)
    # The process dies: neither the update's nor the writer's clean-up runs.
    import compiler.build.writer as writer_module

    monkeypatch.setattr(wi, "rollback", lambda root: False)
    monkeypatch.setattr(writer_module, "_restore", lambda root, staging: None, raising=False)
    with pytest.raises(KeyboardInterrupt):
        write_tree(root, new)
    monkeypatch.undo()
    recover(root)
    assert read_tree(root) == before


def test_failed_compile_and_check_leave_no_cache_behind(seed: Path) -> None:
    bad = seed / "specs" / "theme-preference-api.yaml"
    bad.write_text(bad.read_text("utf-8").replace("method: GET", "method: GOT", 1), "utf-8")
    assert specc("compile", cwd=seed).returncode == 2
    assert not (seed / ".specc").exists()
    bad.write_text(bad.read_text("utf-8").replace("method: GOT", "method: GET", 1), "utf-8")
    assert specc("compile", "--check", cwd=seed).returncode == 1  # nothing compiled yet
    assert not (seed / ".specc").exists()
