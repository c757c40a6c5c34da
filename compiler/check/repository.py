"""The target repository's own lint, tests and build, on a scratch copy.

`check_repository(repo, files)` copies the checkout at `repo` to a temporary
folder (without `.git` and `node_modules`), writes `files` (repo-relative
path -> text: what the task adds or changes) into the copy, and runs the
repository's own tooling there:

- **Node** (a `package.json` at the root, in folders given as `package_dirs`,
  or found one level down): `npm ci` when a lock file exists, else
  `npm install` (both `--no-audit --no-fund`), then the `npm run` scripts
  `lint` (or, without it, every `lint:*`), `test` and `build`.  Counts come
  from vitest's summary (`Tests  N passed | M failed`) when it prints one,
  else from exit codes.

Each section (lint, tests, build) is `passed`, `failed` or `not_run`, and a
`not_run` always says why: no such script, npm missing, the install failed
(offline), a timeout.  Nothing is reported as passed unless it ran.

It never writes to the checkout: not its files, not its `.git` (no git
command is run, and scripts run with `GIT_CEILING_DIRECTORIES` set so that
they cannot find a repository above the scratch copy).  npm's cache and
temporary files go inside the scratch copy unless a cache folder is given
(`npm_cache=`, or the environment variable `SPECC_NPM_CACHE`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from collections.abc import Mapping, Sequence
from typing import Any, Literal

Status = Literal["passed", "failed", "not_run"]
PARTS = ("lint", "tests", "build")
INSTALL_TIMEOUT_SECONDS = 900
SCRIPT_TIMEOUT_SECONDS = 600
SKIP_DIRS = frozenset({".git", "node_modules"})
OUTPUT_TAIL_LINES = 40
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# What npm prints when it cannot reach the registry.
_OFFLINE = re.compile(r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network request|request to \S+ failed", re.I)
_VITEST_TESTS = re.compile(r"^\s*Tests\s+(.+?)\s*(?:\((\d+)\))?\s*$", re.M)


class RepositoryError(Exception):
    """The repository or the files to apply cannot be used (a plain message)."""


@dataclass(frozen=True)
class Step:
    """One command that ran (or could not): `npm run test`, with its outcome."""

    name: str
    status: Status
    detail: str = ""
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    counted: bool = False  # counts are tests from the runner's summary, not the exit code
    seconds: float = 0.0
    output: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "status": self.status, "detail": self.detail, "seconds": round(self.seconds, 2)}
        if self.counted:
            out.update(passed=self.passed, failed=self.failed, skipped=self.skipped)
        if self.output:
            out["output"] = self.output
        return out


@dataclass
class Part:
    """lint, tests or build: the steps that make it up."""

    name: str
    steps: list[Step] = field(default_factory=list)

    def _counts(self) -> tuple[int, int, int]:
        passed = failed = skipped = 0
        for s in self.steps:
            if s.counted:
                passed, failed, skipped = passed + s.passed, failed + s.failed, skipped + s.skipped
            elif s.status == "passed":
                passed += 1
            elif s.status == "failed":
                failed += 1
        return passed, failed, skipped

    @property
    def status(self) -> Status:
        if any(s.status == "failed" for s in self.steps):
            return "failed"
        if not self.steps or any(s.status == "not_run" for s in self.steps):
            return "not_run"
        return "passed"

    @property
    def summary(self) -> str:
        passed, failed, skipped = self._counts()
        not_run = [s for s in self.steps if s.status == "not_run"]
        text = f"{passed + failed} run: {passed} passed, {failed} failed"
        if skipped:
            text += f", {skipped} skipped"
        if not_run:
            text += f", {len(not_run)} not run (" + "; ".join(f"{s.name}: {s.detail}" for s in not_run) + ")"
        return text

    def as_dict(self) -> dict[str, Any]:
        # The keys of a `specc check` section, so the PR checklist renders both alike.
        passed, failed, skipped = self._counts()
        return {
            "ok": self.status == "passed",
            "ran": self.status != "not_run",
            "message": self.summary,
            "status": self.status,
            "run": passed + failed,
            "passed": passed,
            "failed": failed,
            "skipped": skipped,
            "not_run": sum(1 for s in self.steps if s.status == "not_run"),
            "checks": [s.as_dict() for s in self.steps],
        }


@dataclass
class RepositoryResult:
    """`{success, lint, tests, build, message}` for the repository's own checks."""

    repository: str
    tooling: str | None = None
    packages: list[str] = field(default_factory=list)
    install: list[Step] = field(default_factory=list)
    parts: dict[str, Part] = field(default_factory=lambda: {p: Part(p) for p in PARTS})
    offline: bool = False  # the install could not reach the package registry
    problem: str = ""  # why nothing could run at all

    @property
    def success(self) -> bool:
        return not self.problem and all(p.status == "passed" for p in self.parts.values())

    @property
    def message(self) -> str:
        where = f"repository checks ({self.repository})"
        if self.problem:
            return f"{where} did not run: {self.problem}"
        if self.success:
            return f"{where} passed: " + "; ".join(f"{n} {p.summary}" for n, p in self.parts.items())
        failed = [n for n, p in self.parts.items() if p.status == "failed"]
        not_run = [n for n, p in self.parts.items() if p.status == "not_run"]
        verdict = "FAILED" if failed else "INCOMPLETE"
        text = f"{where} {verdict}"
        if failed:
            text += f": failed {', '.join(failed)}"
        if not_run:
            text += f"{';' if failed else ':'} not run {', '.join(not_run)}"
        return text + " (" + "; ".join(f"{n} {p.summary}" for n, p in self.parts.items()) + ")"

    def as_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "ran": any(p.status != "not_run" for p in self.parts.values()),
            "repository": self.repository,
            "tooling": self.tooling,
            "packages": list(self.packages),
            "install": [s.as_dict() for s in self.install],
            **{n: p.as_dict() for n, p in self.parts.items()},
            "message": self.message,
        }

    def not_run(self, reason: str) -> RepositoryResult:
        """Mark every part that has no step as not run for `reason`."""
        for name, part in self.parts.items():
            if not part.steps:
                part.steps.append(Step(name, "not_run", reason))
        return self


# -- inputs --------------------------------------------------------------------


def _relative(path: str | PurePosixPath) -> PurePosixPath:
    text = str(path).replace("\\", "/")
    rel = PurePosixPath(text)
    if not text or rel.is_absolute() or re.match(r"^[A-Za-z]:", text) or any(p in ("..", "") for p in text.split("/")) or rel == PurePosixPath("."):
        raise RepositoryError(f"cannot apply {str(path)!r}: files must be repository-relative paths without '..'")
    if rel.parts[0] in SKIP_DIRS or any(p in SKIP_DIRS for p in rel.parts):
        raise RepositoryError(f"cannot apply {str(path)!r}: specc does not write into .git or node_modules")
    return rel


def _check_inputs(repo: Path | str, files: Mapping[Any, str] | None) -> tuple[Path, dict[PurePosixPath, str]]:
    if not str(repo).strip():
        raise RepositoryError("no repository path given")
    path = Path(repo).expanduser()
    if not path.exists():
        raise RepositoryError(f"repository {str(path)!r} does not exist")
    if not path.is_dir():
        raise RepositoryError(f"repository {str(path)!r} is not a folder")
    changes: dict[PurePosixPath, str] = {}
    for key, text in (files or {}).items():
        if not isinstance(text, str):
            raise RepositoryError(f"cannot apply {str(key)!r}: its content must be text, not {type(text).__name__}")
        changes[_relative(key)] = text
    return path.resolve(), changes


# -- scratch copy --------------------------------------------------------------


def _ignore(folder: str, names: list[str]) -> set[str]:
    # Skip .git, node_modules and anything that is not a file, folder or link
    # (copying a FIFO would block on reading it).
    def special(name: str) -> bool:
        path = Path(folder, name)
        return not (path.is_symlink() or path.is_file() or path.is_dir())

    return {n for n in names if n in SKIP_DIRS or special(n)}


def make_scratch(repo: Path, files: Mapping[PurePosixPath, str], into: Path) -> Path:
    """Copy `repo` to `into/repo` (no .git, no node_modules), then write `files` there."""
    dest = into / "repo"
    try:
        # symlinks=True copies links as links: nothing outside the checkout is read through them.
        shutil.copytree(repo, dest, symlinks=True, ignore=_ignore)
    except (OSError, shutil.Error) as exc:
        raise RepositoryError(f"could not copy {str(repo)!r} to a scratch folder: {exc}") from None
    for rel, text in files.items():
        target = dest.joinpath(*rel.parts)
        # Refuse to follow a symlink in the copy out of the scratch folder.
        parent = target.parent
        if parent.exists() and not parent.resolve().is_relative_to(dest.resolve()):
            raise RepositoryError(f"cannot apply {rel.as_posix()!r}: its folder is a link that leaves the repository")
        if target.is_symlink():
            target.unlink()
        try:
            parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise RepositoryError(f"cannot apply {rel.as_posix()!r} to the scratch copy: {exc}") from None
    return dest


# -- running -------------------------------------------------------------------


@dataclass(frozen=True)
class _Ran:
    code: int | None  # None: timed out
    output: str
    seconds: float
    missing: str = ""  # the program could not be started


def _tail(text: str, lines: int = OUTPUT_TAIL_LINES) -> str:
    return "\n".join(_ANSI.sub("", text).rstrip().splitlines()[-lines:])


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> _Ran:
    """Run `argv`, killing its whole process group on timeout."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as exc:
        return _Ran(None, "", 0.0, missing=f"{argv[0]} could not start: {exc.strerror or exc}")
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):  # already gone
            os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return _Ran(None, out.decode("utf-8", "replace"), time.monotonic() - start)
    return _Ran(proc.returncode, out.decode("utf-8", "replace"), time.monotonic() - start)


def _env(scratch_root: Path, npm_cache: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    tmp = scratch_root / "tmp"
    tmp.mkdir(exist_ok=True)
    env.update(
        CI="true",  # non-interactive: vitest runs once instead of watching
        NO_COLOR="1",
        FORCE_COLOR="0",
        TMPDIR=str(tmp),
        GIT_CEILING_DIRECTORIES=str(scratch_root),
        npm_config_cache=str(npm_cache or os.environ.get("SPECC_NPM_CACHE") or scratch_root / "npm-cache"),
        npm_config_update_notifier="false",
    )
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    return env


def parse_vitest(output: str) -> tuple[int, int, int] | None:
    """(passed, failed, skipped) from vitest's `Tests  ...` summary line, or None."""
    found = None
    for match in _VITEST_TESTS.finditer(_ANSI.sub("", output)):
        counts = dict.fromkeys(("passed", "failed", "skipped"), 0)
        ok = False
        for piece in match.group(1).split("|"):
            m = re.fullmatch(r"\s*(\d+)\s+(passed|failed|skipped|todo)\s*", piece)
            if m:
                key = "skipped" if m.group(2) == "todo" else m.group(2)
                counts[key] += int(m.group(1))
                ok = True
        if ok:
            found = (counts["passed"], counts["failed"], counts["skipped"])
    return found


def find_packages(root: Path, package_dirs: Sequence[str] | None = None) -> list[str]:
    """Repo-relative folders holding a package.json: the given ones, else the
    root and any one level down."""
    if package_dirs:
        out = []
        for d in package_dirs:
            raw = str(d)
            rel = "." if raw in (".", "./") else _relative(raw.rstrip("/") or raw).as_posix()
            if not (root / rel / "package.json").is_file():
                raise RepositoryError(f"{rel}/package.json does not exist in the repository")
            out.append(rel)
        return list(dict.fromkeys(out))
    found = ["."] if (root / "package.json").is_file() else []
    for child in sorted(root.iterdir()):
        if child.is_dir() and not child.is_symlink() and child.name not in SKIP_DIRS and not child.name.startswith(".") and (child / "package.json").is_file():
            found.append(child.name)
    return found


def _scripts(package: Path) -> dict[str, str] | str:
    try:
        data = json.loads((package / "package.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"package.json cannot be read: {exc}"
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if scripts is None:
        return {}
    if not isinstance(scripts, dict):
        return "package.json 'scripts' is not an object"
    return {str(k): str(v) for k, v in scripts.items()}


def _part_scripts(part: str, scripts: Mapping[str, str]) -> list[str]:
    if part == "lint":
        # `lint` usually runs the `lint:*` ones; run them one by one only without it.
        return ["lint"] if "lint" in scripts else sorted(s for s in scripts if s.startswith("lint:"))
    return [{"tests": "test", "build": "build"}[part]] if {"tests": "test", "build": "build"}[part] in scripts else []


def _check_node_package(scratch: Path, rel: str, result: RepositoryResult, env: dict[str, str], npm: str, install_timeout: float, script_timeout: float) -> None:
    label = "" if rel == "." else f"{rel}: "
    where = scratch if rel == "." else scratch / rel
    scripts = _scripts(where)
    if isinstance(scripts, str):
        for each in result.parts.values():
            each.steps.append(Step(f"{label}npm run", "not_run", scripts))
        return
    wanted = {part: _part_scripts(part, scripts) for part in PARTS}
    for part, names in wanted.items():
        if not names:
            want = "lint or lint:*" if part == "lint" else {"tests": "test", "build": "build"}[part]
            result.parts[part].steps.append(Step(f"{label}npm run {want.split()[0]}", "not_run", f"{label}package.json has no {want!r} script"))
    if not any(wanted.values()):
        return
    lock = any((where / f).is_file() for f in ("package-lock.json", "npm-shrinkwrap.json"))
    command = ["ci"] if lock else ["install"]
    ran = _run([npm, *command, "--no-audit", "--no-fund"], where, env, install_timeout)
    name = f"{label}npm {command[0]}"
    if ran.missing or ran.code != 0:
        if ran.missing:
            reason = ran.missing
        elif ran.code is None:
            reason = f"{name} timed out after {install_timeout:g} s"
        elif _OFFLINE.search(ran.output):
            result.offline = True
            reason = f"{name} failed: the npm registry could not be reached (offline?)"
        else:
            last = [line for line in _tail(ran.output, 200).splitlines() if line.strip()]
            reason = f"{name} failed (exit {ran.code})" + (f": {last[-1].strip()}" if last else "")
        result.install.append(Step(name, "failed" if ran.code not in (None, 0) and not ran.missing else "not_run", reason, seconds=ran.seconds, output=_tail(ran.output)))
        for part, names in wanted.items():
            for script in names:
                result.parts[part].steps.append(Step(f"{label}npm run {script}", "not_run", f"dependencies not installed: {reason}"))
        return
    result.install.append(Step(name, "passed", seconds=ran.seconds, output=_tail(ran.output, 5)))
    for part, names in wanted.items():
        for script in names:
            result.parts[part].steps.append(_run_script(npm, script, label, where, env, script_timeout))


def _run_script(npm: str, script: str, label: str, where: Path, env: dict[str, str], timeout: float) -> Step:
    name = f"{label}npm run {script}"
    ran = _run([npm, "run", script], where, env, timeout)
    output = _tail(ran.output)
    if ran.missing:
        return Step(name, "not_run", ran.missing)
    if ran.code is None:
        return Step(name, "not_run", f"timed out after {timeout:g} s", seconds=ran.seconds, output=output)
    counts = parse_vitest(ran.output)
    if counts is not None:
        passed, failed, skipped = counts
        status: Status = "failed" if ran.code != 0 or failed else "passed"
        detail = f"vitest: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
        if ran.code != 0 and not failed:
            detail += f"; exit {ran.code}"
        return Step(name, status, detail, passed, failed, skipped, counted=True, seconds=ran.seconds, output=output)
    if ran.code == 0:
        return Step(name, "passed", "exit 0", seconds=ran.seconds, output=output)
    return Step(name, "failed", f"exit {ran.code}", seconds=ran.seconds, output=output)


def check_repository(
    repo: Path | str,
    files: Mapping[Any, str] | None = None,
    *,
    package_dirs: Sequence[str] | None = None,
    npm_cache: Path | None = None,
    install_timeout: float = INSTALL_TIMEOUT_SECONDS,
    script_timeout: float = SCRIPT_TIMEOUT_SECONDS,
) -> RepositoryResult:
    """Run the repository's own lint, tests and build on a scratch copy with `files` applied.

    Raises RepositoryError (a plain message) when `repo` or `files` cannot be used.
    """
    root, changes = _check_inputs(repo, files)
    result = RepositoryResult(str(root))
    with tempfile.TemporaryDirectory(prefix="specc-repo-check-") as tmp:
        scratch_root = Path(tmp)
        scratch = make_scratch(root, changes, scratch_root)
        packages = find_packages(scratch, package_dirs)
        if not packages:
            if (scratch / "pyproject.toml").is_file():
                result.tooling = "python"
                result.problem = "Python repositories (pyproject.toml) are not checked yet; only Node (package.json) tooling is"
            else:
                result.problem = "no package.json at the root or one folder down, so there is no tooling specc knows how to run"
            return result.not_run(result.problem)
        result.tooling = "node"
        result.packages = packages
        npm = shutil.which("npm")
        if npm is None:
            result.problem = "npm is not installed (not on PATH)"
            return result.not_run(result.problem)
        env = _env(scratch_root, npm_cache)
        for rel in packages:
            _check_node_package(scratch, rel, result, env, npm, install_timeout, script_timeout)
    return result
