"""Faults while writing: the output folder is always entirely old or entirely new.

The writer stages the new tree in a sibling folder and swaps it in; these
tests break it at every step (a failure after the first file, a failed swap,
an interrupt), on a read-only or full file system, and with two compiles
racing for the same folder.  Every user-facing failure is a diagnostic with
exit 2, never a traceback.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

import pytest

from compiler.build import writer
from compiler.cli import main
from compiler.build.writer import WriteError, read_tree, write_tree

ROOT = Path(__file__).resolve().parent.parent

OLD = {PurePosixPath(f"spec-{i}/file-{j}.sql"): f"-- old {i} {j}\n" for i in range(3) for j in range(4)}
NEW = {PurePosixPath(f"spec-{i}/file-{j}.sql"): f"-- new {i} {j}\n" for i in range(4) for j in range(3)}


def _as_bytes(tree: dict[PurePosixPath, str]) -> dict[PurePosixPath, bytes]:
    return {p: t.encode("utf-8") for p, t in tree.items()}


def _siblings(root: Path) -> list[str]:
    """The writer's debris next to the output folder: staging copies and backups (not the lock file)."""
    return sorted(p.name for p in root.parent.iterdir() if p.name.startswith(f".{root.name}.") and p.name != f".{root.name}.lock")


@pytest.fixture()
def old_root(tmp_path: Path) -> Path:
    root = tmp_path / "out" / "snapshots"
    write_tree(root, OLD)
    assert read_tree(root) == _as_bytes(OLD)
    return root


class _Boom(OSError):
    pass


def _fail_after_first_file(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> list[str]:
    """Make the writer's `open` raise `exc` once one file has been written."""
    opened: list[str] = []
    real_open = open

    def fake_open(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "w" in mode and str(path).endswith(".sql"):
            if opened:
                raise exc
            opened.append(str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(writer, "open", fake_open, raising=False)
    return opened


@pytest.mark.parametrize(
    "exc",
    [OSError(errno.EIO, "Input/output error"), OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt(), RuntimeError("bug")],
    ids=["eio", "enospc", "interrupt", "bug"],
)
def test_failure_after_first_file_keeps_the_old_tree(old_root: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    opened = _fail_after_first_file(monkeypatch, exc)
    with pytest.raises((WriteError, type(exc))):
        write_tree(old_root, NEW)
    assert opened, "the fault was never injected"
    assert read_tree(old_root) == _as_bytes(OLD)
    assert _siblings(old_root) == [], "staging debris left behind"


def test_failed_swap_keeps_the_old_tree(old_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_exchange(a: Path, b: Path) -> bool:
        raise OSError(errno.EIO, "Input/output error", str(a))

    monkeypatch.setattr(writer, "_exchange", broken_exchange)
    with pytest.raises(WriteError, match="previous output is unchanged"):
        write_tree(old_root, NEW)
    assert read_tree(old_root) == _as_bytes(OLD)
    assert _siblings(old_root) == []


def test_two_rename_fallback_failing_halfway_restores_the_old_tree(old_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without renameat2 the swap is two renames; if the second fails the old tree goes back."""
    monkeypatch.setattr(writer, "_exchange", lambda a, b: False)
    real_rename = os.rename
    calls: list[tuple[str, str]] = []

    def rename(src: Any, dst: Any) -> None:
        calls.append((str(src), str(dst)))
        if str(src).endswith(".snapshots.new"):
            raise OSError(errno.EIO, "Input/output error")
        real_rename(src, dst)

    monkeypatch.setattr(writer.os, "rename", rename)
    with pytest.raises(WriteError):
        write_tree(old_root, NEW)
    assert any(dst.endswith(".snapshots.old") for _, dst in calls), "the fallback path was not taken"
    assert read_tree(old_root) == _as_bytes(OLD)
    assert _siblings(old_root) == []


def test_two_rename_fallback_succeeds(old_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "_exchange", lambda a, b: False)
    write_tree(old_root, NEW)
    assert read_tree(old_root) == _as_bytes(NEW)
    assert _siblings(old_root) == []


def test_backup_left_by_a_crash_is_recovered(old_root: Path) -> None:
    """A crash between the two fallback renames leaves only `.snapshots.old`; the next run restores it."""
    backup = old_root.parent / f".{old_root.name}.old"
    os.rename(old_root, backup)
    writer.recover(old_root)
    assert read_tree(old_root) == _as_bytes(OLD)
    assert not backup.exists()


# --- through the CLI: a clear diagnostic, exit 2 --------------------------------------------


def _compile_cli(
    tmp_path: Path, out: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str = "text"
) -> tuple[int, str]:
    """Compile the bundled specs, with a fixed multi-file tree standing in for the targets."""

    from compiler.cli.commands import compile as compile_command

    if not (tmp_path / "specs").exists():
        shutil.copytree(ROOT / "specs", tmp_path / "specs")
    monkeypatch.setattr(compile_command, "render_tree", lambda project: dict(NEW))
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    rc = main(["compile", "--specs", "specs", "--out", str(out), "--format", fmt])
    return rc, capsys.readouterr().err


def test_cli_failure_after_first_file_is_a_diagnostic(
    tmp_path: Path, old_root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_after_first_file(monkeypatch, OSError(errno.EIO, "Input/output error"))
    rc, err = _compile_cli(tmp_path, old_root, capsys, monkeypatch)
    assert rc == 2
    assert err == (
        f"{old_root.as_posix()}: error E301: cannot write {old_root}: Input/output error; the previous output is unchanged\n"
        "specc: 1 error; nothing was written\n"
    )
    assert read_tree(old_root) == _as_bytes(OLD)


def _enospc_on_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulate a full disk: every write of generated bytes fails with ENOSPC."""

    class FullFile:
        def __init__(self, fh: Any) -> None:
            self._fh = fh

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name: str) -> Any:
            return getattr(self._fh, name)

        def __enter__(self) -> "FullFile":
            return self

        def __exit__(self, *exc: object) -> None:
            self._fh.close()

    real_open = open

    def fake_open(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        fh = real_open(path, mode, *args, **kwargs)
        return FullFile(fh) if "wb" in mode else fh

    monkeypatch.setattr(writer, "open", fake_open, raising=False)


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_cli_full_disk_is_a_diagnostic(
    tmp_path: Path, old_root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    _enospc_on_write(monkeypatch)
    rc, err = _compile_cli(tmp_path, old_root, capsys, monkeypatch, fmt)
    assert rc == 2
    assert "Traceback" not in err
    assert "E301" in err and "the disk is full" in err
    assert read_tree(old_root) == _as_bytes(OLD)
    assert _siblings(old_root) == []


def test_cli_read_only_output_is_a_diagnostic(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated (tests often run as root, which ignores permission bits): the parent refuses writes."""
    out = tmp_path / "ro" / "snapshots"
    out.parent.mkdir()
    real_open = open

    def read_only_open(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if Path(path).parent == out.parent and any(m in mode for m in "wa+x"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(writer, "open", read_only_open, raising=False)
    rc, err = _compile_cli(tmp_path, out, capsys, monkeypatch)
    assert rc == 2
    assert err == (
        f"{out.as_posix()}: error E301: cannot write to {out.parent}: Read-only file system\n" "specc: 1 error; nothing was written\n"
    )
    assert not out.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permission bits; see the simulated and tmpfs tests")
def test_cli_read_only_folder_by_permissions(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        rc, err = _compile_cli(tmp_path, parent / "snapshots", capsys, monkeypatch)
    finally:
        parent.chmod(0o755)
    assert rc == 2
    assert "error E301: cannot write" in err and "Traceback" not in err


@contextmanager
def _tmpfs(where: Path, options: str) -> Iterator[Path]:
    """Mount a tmpfs at `where` (root only), or skip."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or sys.platform != "linux":
        pytest.skip("mounting a tmpfs needs root on Linux")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


def test_real_full_disk_on_a_tiny_tmpfs(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    with _tmpfs(tmp_path / "tiny", "size=64k") as disk:
        out = disk / "snapshots"
        write_tree(out, {PurePosixPath("a/old.sql"): "-- old\n"})
        big = {PurePosixPath(f"spec/{i}.sql"): "-- " + "x" * 8000 + "\n" for i in range(40)}  # ~320 KB

        from compiler.cli.commands import compile as compile_command

        shutil.copytree(ROOT / "specs", tmp_path / "specs")
        monkeypatch.setattr(compile_command, "render_tree", lambda project: big)
        monkeypatch.chdir(tmp_path)
        capsys.readouterr()
        rc = main(["compile", "--specs", "specs", "--out", str(out)])
        err = capsys.readouterr().err
        assert rc == 2, err
        assert "error E301" in err and "the disk is full" in err and "Traceback" not in err
        assert read_tree(out) == {PurePosixPath("a/old.sql"): b"-- old\n"}
        assert _siblings(out) == []


def test_real_read_only_tmpfs(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    with _tmpfs(tmp_path / "ro", "ro,size=64k") as disk:
        rc, err = _compile_cli(tmp_path, disk / "snapshots", capsys, monkeypatch)
        assert rc == 2
        assert err.startswith(f"{(disk / 'snapshots').as_posix()}: error E301: cannot write to {disk}: Read-only file system")
        assert "Traceback" not in err


# --- two compiles at once ------------------------------------------------------------------

# A compile whose targets produce a labelled tree and whose writer is slow, so
# that two processes really overlap inside the locked section.
_DRIVER = textwrap.dedent("""
    import sys, time
    from pathlib import PurePosixPath
    from compiler.build import writer
    from compiler.cli.commands import compile as compile_command
    from compiler.cli import main

    label, out, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
    tree = {PurePosixPath(f"spec-{i}/file-{j}.txt"): f"{label} {i} {j}\\n" for i in range(5) for j in range(10)}
    compile_command.render_tree = lambda project: dict(tree)
    real_write = writer._write_files

    def slow_write(staging, tree, *rest):
        print("writing", flush=True)
        time.sleep(delay)
        return real_write(staging, tree, *rest)

    writer._write_files = slow_write
    sys.exit(main(["compile", "--specs", "specs", "--out", out]))
    """)


def _start(tmp_path: Path, label: str, out: Path, delay: float) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", _DRIVER, label, str(out), str(delay)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _labelled(label: str) -> dict[PurePosixPath, bytes]:
    return {PurePosixPath(f"spec-{i}/file-{j}.txt"): f"{label} {i} {j}\n".encode() for i in range(5) for j in range(10)}


def test_second_compile_fails_clearly_while_the_first_holds_the_lock(tmp_path: Path) -> None:

    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    out = tmp_path / "snapshots"
    first = _start(tmp_path, "first", out, 3.0)
    assert first.stdout is not None
    assert first.stdout.readline().strip() == "writing"  # it holds the lock now
    second = _start(tmp_path, "second", out, 0.0)
    _, second_err = second.communicate(timeout=60)
    first_out, first_err = first.communicate(timeout=60)
    assert second.returncode == 2, second_err
    assert "error E302: another specc compile is writing" in second_err
    assert "Traceback" not in second_err
    assert first.returncode == 0, first_err
    assert read_tree(out) == _labelled("first")


def test_racing_compiles_leave_one_whole_tree(tmp_path: Path) -> None:
    """Start pairs at the same moment: each either wins or fails with the lock
    message, and the folder always holds exactly one compile's tree."""

    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    out = tmp_path / "snapshots"
    for round_ in range(3):
        procs = {label: _start(tmp_path, label, out, 0.2) for label in (f"a{round_}", f"b{round_}")}
        results = {label: p.communicate(timeout=120) + (p.returncode,) for label, p in procs.items()}
        winners = [label for label, (_, _, rc) in results.items() if rc == 0]
        for label, (_, err, rc) in results.items():
            assert rc in (0, 2), err
            assert "Traceback" not in err
            if rc == 2:
                assert "error E302: another specc compile is writing" in err
        assert winners, results
        assert read_tree(out) in [_labelled(w) for w in winners]
        assert _siblings(out) == []


# --- an output folder that is not specc's to replace ---------------------------------------


@pytest.mark.parametrize("out", [".", "..", "specs", "specs/base", "repo", "afile"])
def test_refuses_to_replace_the_project_or_the_specs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, out: str
) -> None:
    """The writer replaces its folder wholesale: `--out` must not be the project,
    an ancestor, the specs, a git checkout or a file."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "repo" / ".git").mkdir(parents=True)
    (project / "afile").write_text("keep me\n")

    shutil.copytree(ROOT / "specs", project / "specs")
    before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    rc, err = _compile_cli(project, Path(out), capsys, monkeypatch)
    assert rc == 2
    assert f"{out}: error E303: --out {out} " in err
    assert "specc replaces the whole output folder" in err
    after = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert after == before
