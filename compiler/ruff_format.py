"""Generated Python is laid out by ruff's formatter (black-compatible).

`format_python` formats many modules with ONE `ruff format` process: the
sources are written to a private temporary folder under neutral names
(`m0.py`, `m1.py`, ...), formatted in place and read back.  A single module
goes through stdin instead (no folder to make).  `check_python` runs
`ruff format --check` the same way and reports, per module, whether ruff
would change it or cannot parse it.

The output must not depend on where or how specc runs, so every setting
ruff's layout depends on is passed explicitly, configuration files are
ignored (`--isolated`), ruff's own cache is off, `RUFF_*` variables of the
caller's environment are dropped and ruff runs in the temporary folder.
The files are named on the command line (not found by walking the folder),
so none of ruff's default exclusions can skip one.  The ruff version is
pinned in pyproject.toml and is part of every cache key
(`compiler.build.fingerprint`): another ruff may lay code out differently.
"""

from __future__ import annotations

import json
import os
import threading
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LINE_LENGTH = 88
TARGET_VERSION = "py311"  # pyproject's requires-python

# Every `format` setting, spelled out: ruff's defaults are black's layout, but
# a default that moves in a later ruff must not move our bytes silently.
SETTINGS = (
    "--isolated",
    "--no-cache",
    # The modules are named on the command line; nothing may skip one.
    "--no-force-exclude",
    "--no-respect-gitignore",
    "--line-length",
    str(LINE_LENGTH),
    "--target-version",
    TARGET_VERSION,
    "--config",
    "format.quote-style='double'",
    "--config",
    "format.indent-style='space'",
    "--config",
    "indent-width=4",
    "--config",
    "format.skip-magic-trailing-comma=false",
    "--config",
    "format.line-ending='lf'",
    "--config",
    "format.docstring-code-format=false",
    "--config",
    "format.preview=false",
)

# Command lines stay well below ARG_MAX however many modules a compile has.
_MAX_ARGS = 2000


class FormatError(Exception):
    """ruff could not format generated code: a compiler bug, not a user error."""


_FIND_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _find_ruff_bin() -> str:
    try:
        from ruff import find_ruff_bin
    except ImportError as err:  # pragma: no cover - ruff is a dependency
        raise FormatError("the `ruff` package is not installed (pip install specc installs it)") from err
    return os.fsdecode(find_ruff_bin())


def ruff_bin() -> str:
    """The ruff executable of the installed `ruff` distribution.

    Looked up once, under a lock: `find_ruff_bin` reads `sysconfig`, whose
    first initialisation is not thread-safe (a second thread can see a
    config variable as None while the first fills them in)."""
    with _FIND_LOCK:
        return _find_ruff_bin()


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("RUFF_")}


def _run(args: list[str], cwd: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [ruff_bin(), "format", *SETTINGS, *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=_env(),
            check=False,
        )
    except OSError as err:
        raise FormatError(f"cannot run ruff: {err}") from err


def _names(count: int) -> list[str]:
    return [f"m{i}.py" for i in range(count)]


# source -> ruff's layout of it, for the modules this process formatted:
# the layout is a pure function of the text (the ruff binary and settings are
# fixed for the process), and a process often renders the same modules again
# (the shared runtime in every compile of a session, unchanged modules of
# the agent's previews and checks, the test suite).  Bounded: a big compile
# formats thousands of distinct modules once each, and remembering them would
# keep every module's unformatted text alive beside its formatted one (at
# 1,000 specs, 5,000 modules: measured as a third of the traced memory), so
# a batch bigger than the bound is not remembered at all.
_LAID_OUT: dict[str, str] = {}
_LAID_OUT_MAX = 2048
_LAID_OUT_LOCK = threading.Lock()


def format_python(sources: list[str]) -> list[str]:
    """Each of `sources` as ruff formats it, in the same order."""
    with _LAID_OUT_LOCK:
        known = {text: _LAID_OUT[text] for text in sources if text in _LAID_OUT}
    todo = list(dict.fromkeys(text for text in sources if text not in known))
    fresh = dict(zip(todo, _format_with_ruff(todo), strict=True))
    if len(fresh) <= _LAID_OUT_MAX:
        with _LAID_OUT_LOCK:
            if len(_LAID_OUT) + len(fresh) > _LAID_OUT_MAX:
                _LAID_OUT.clear()
            _LAID_OUT.update(fresh)
    return [known[text] if text in known else fresh[text] for text in sources]


def _format_with_ruff(sources: list[str]) -> list[str]:
    if not sources:
        return []
    if len(sources) == 1:
        done = _run(["--stdin-filename", "m0.py", "-"], tempfile.gettempdir(), sources[0])
        if done.returncode != 0:
            raise FormatError(f"ruff cannot format a generated module: {done.stderr.strip()}")
        return [done.stdout]
    with tempfile.TemporaryDirectory(prefix="specc-ruff-") as tmp:
        names = _names(len(sources))
        for name, text in zip(names, sources, strict=True):
            with open(os.path.join(tmp, name), "w", encoding="utf-8", newline="") as f:
                f.write(text)
        for start in range(0, len(names), _MAX_ARGS):
            done = _run(names[start : start + _MAX_ARGS], tmp)
            if done.returncode != 0:
                raise FormatError(f"ruff cannot format a generated module: {done.stderr.strip()}")
        out = []
        for name in names:
            with open(os.path.join(tmp, name), encoding="utf-8", newline="") as f:
                out.append(f.read())
        return out


@dataclass(frozen=True)
class Problem:
    """Why `ruff format --check` rejects one module."""

    code: str  # "unformatted" or "invalid-syntax"
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        if self.code == "unformatted":
            return f"ruff format would reformat it (first change at line {self.line}:{self.column})"
        return f"ruff cannot parse it: line {self.line}:{self.column}: {self.message}"


def check_python(sources: list[str]) -> list[Problem | None]:
    """`ruff format --check` over `sources`: None for a module ruff leaves
    unchanged, else the first problem it reports."""
    if not sources:
        return []
    found: dict[str, Problem] = {}
    with tempfile.TemporaryDirectory(prefix="specc-ruff-") as tmp:
        names = _names(len(sources))
        for name, text in zip(names, sources, strict=True):
            with open(os.path.join(tmp, name), "w", encoding="utf-8", newline="") as f:
                f.write(text)
        for start in range(0, len(names), _MAX_ARGS):
            done = _run(["--check", "--output-format", "json", *names[start : start + _MAX_ARGS]], tmp)
            if done.returncode not in (0, 1, 2):
                raise FormatError(f"ruff format --check failed: {done.stderr.strip()}")
            try:
                reports = json.loads(done.stdout or "[]")
            except json.JSONDecodeError as err:
                raise FormatError(f"ruff format --check printed no report: {done.stderr.strip()}") from err
            for r in reports:
                name = Path(r["filename"]).name
                if name in found:
                    continue
                loc = r.get("location") or {}
                found[name] = Problem(str(r.get("code")), int(loc.get("row", 0)), int(loc.get("column", 0)), str(r.get("message", "")))
            if done.returncode == 2 and not reports:
                raise FormatError(f"ruff format --check failed: {done.stderr.strip()}")
    return [found.get(name) for name in names]
