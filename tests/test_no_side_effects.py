"""Compiling has no side effects: no network, no database, no processes but
the one `ruff format` that lays out the generated Python (with our settings,
on files in a private temporary folder), and no files written outside the
output folder and that temporary folder.

Two layers: the Python-level entry points are replaced by tripwires while
`specc compile` runs in-process, and a fresh process runs it under an audit
hook (PEP 578), which also sees what C code does.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest

from compiler.cli import main
from compiler import ruff_format
from compiler.ruff_format import ruff_bin

ROOT = Path(__file__).resolve().parent.parent

# Database drivers a target might be tempted to use, patched when installed.
DB_DRIVERS = ("psycopg", "psycopg2", "asyncpg", "pymysql", "MySQLdb", "mysql.connector", "sqlalchemy")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    return tmp_path


def test_compile_opens_no_socket_and_no_database(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    attempts: list[str] = []

    def tripwire(name: str) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            attempts.append(name)
            raise OSError(f"specc must not call {name} while compiling")

        return refuse

    monkeypatch.setattr(socket, "socket", tripwire("socket.socket"))
    monkeypatch.setattr(socket, "create_connection", tripwire("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", tripwire("socket.getaddrinfo"))
    monkeypatch.setattr(socket, "socketpair", tripwire("socket.socketpair"))
    monkeypatch.setattr(sqlite3, "connect", tripwire("sqlite3.connect"))
    for name in DB_DRIVERS:
        try:
            module = importlib.import_module(name)
        except Exception:
            continue
        for attr in ("connect", "create_engine"):
            if hasattr(module, attr):
                monkeypatch.setattr(module, attr, tripwire(f"{name}.{attr}"))
    real_popen = subprocess.Popen
    ruff_runs: list[list[str]] = []

    def only_ruff_format(args: Any, *rest: Any, **kwargs: Any) -> Any:
        # The one process a compile may start: ruff's formatter, isolated
        # from any configuration, in its own temporary folder.
        if isinstance(args, list) and args[:2] == [ruff_bin(), "format"] and "--isolated" in args and "--no-cache" in args:
            assert Path(kwargs["cwd"]).resolve() != project.resolve()
            ruff_runs.append(args)
            return real_popen(args, *rest, **kwargs)
        return tripwire("subprocess.Popen")(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", only_ruff_format)
    # Modules this process already laid out need no ruff (compiler.ruff_format
    # remembers them); start without, so that this compile formats them all.
    monkeypatch.setattr(ruff_format, "_LAID_OUT", {})
    monkeypatch.setattr(os, "system", tripwire("os.system"))

    monkeypatch.chdir(project)
    rc = main(["compile", "--no-cache", "--specs", "specs", "--out", "snapshots"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert attempts == []
    assert (project / "snapshots").is_dir()
    # ONE ruff process formats every generated module of the compile.
    assert len(ruff_runs) == 1
    modules = sorted((project / "snapshots").rglob("*.py"))
    assert len([a for a in ruff_runs[0] if a.endswith(".py")]) == len(modules) > 10
    assert not (project / ".ruff_cache").exists()


# Runs `specc compile` under an audit hook and prints what it saw as JSON.
_AUDITED = textwrap.dedent("""
    import json, os, sys

    seen = []
    WATCH = ("socket.", "sqlite3.connect", "subprocess.", "os.system", "os.exec", "os.posix_spawn",
             "os.fork", "os.spawn", "urllib.", "http.", "ctypes.dlopen", "os.remove", "os.rmdir",
             "os.rename", "shutil.rmtree", "open")

    def hook(event, args):
        if not event.startswith(WATCH):
            return
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
            if not writing or not isinstance(path, (str, bytes)):
                return
            seen.append(["write", os.fsdecode(path)])
        elif event == "subprocess.Popen":
            seen.append([event, os.fsdecode(args[0]), [os.fsdecode(a) for a in args[1]]])
        elif event == "ctypes.dlopen":
            seen.append([event, args[0]])
        elif event in ("os.remove", "os.rmdir") and len(args) > 1 and isinstance(args[1], int) and args[1] >= 0:
            # relative to a folder's descriptor (shutil.rmtree): name the real path
            seen.append([event, os.path.join(os.readlink(f"/proc/self/fd/{args[1]}"), os.fsdecode(args[0]))])
        elif event in ("os.remove", "os.rmdir", "os.rename", "shutil.rmtree"):
            seen.append([event] + [os.fsdecode(a) for a in args if isinstance(a, (str, bytes, os.PathLike))])
        else:
            seen.append([event])

    from compiler.cli import main
    sys.addaudithook(hook)
    rc = main(["compile", "--specs", "specs", "--out", "out/snapshots"])
    sys.stdout.flush()
    print("\\nAUDIT " + json.dumps({"rc": rc, "seen": seen}))
    """)


def test_compile_under_an_audit_hook(project: Path) -> None:
    """No socket, database, process or new native library; file writes, renames
    and deletes only touch the output folder and the writer's siblings of it."""
    (project / "out").mkdir()
    done = subprocess.run(
        [sys.executable, "-c", _AUDITED],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.rsplit("AUDIT ", 1)[1])
    assert report["rc"] == 0
    out_parent = (project / "out").resolve()
    # .specc/ is the compile cache and no-op manifest, next to the output
    # folder (compiler/build/incremental.py, compiler/build/manifest.py).
    allowed_names = ("snapshots", ".snapshots.new", ".snapshots.old", ".snapshots.lock", ".specc")
    # ruff formats the generated modules in a private temporary folder.
    ruff_tmp = (Path(tempfile.gettempdir()) / "specc-ruff-").as_posix()
    processes = [e for e in report["seen"] if e[0] == "subprocess.Popen"]
    assert len(processes) == 1, processes
    assert processes[0][1] == ruff_bin() and processes[0][2][:2] == [ruff_bin(), "format"]
    for event in report["seen"]:
        if event == ["ctypes.dlopen", None]:
            continue  # the writer looks up renameat2 in the already-loaded libc
        if event[0] == "subprocess.Popen":
            continue
        kind, paths = event[0], event[1:]
        assert kind in ("write", "os.remove", "os.rmdir", "os.rename", "shutil.rmtree"), f"forbidden: {event}"
        for raw in paths:
            path = (project / raw).resolve() if not os.path.isabs(raw) else Path(raw).resolve()
            if path.as_posix().startswith(ruff_tmp):
                continue
            if kind in ("write", "os.remove") and path.parent == Path(tempfile.gettempdir()).resolve() and re.fullmatch(r"[a-z0-9_]{8}", path.name):
                continue  # tempfile's one-off probe that the temporary folder is writable
            rel = path.relative_to(out_parent)  # raises when outside the output folder's parent
            assert rel.parts[0] in allowed_names, f"{event} touches {path}"
