"""`run_checks`: prove that the generated code works (the brief's run_checks).

Three sections, each a list of checks that really ran:

- **lint**: every generated file gets the checker its target declares for
  its kind: `.py` passes `ruff format --check` (one ruff process for all of
  them) and compiles, `.sql` parses with sqlglot in the dialect its target
  declares (no opaque command), YAML and JSON parse; kinds declared "not
  checked" (Markdown) are reported as skipped;
- **build**: the generated app (`specc_app/app.py`) imports, `create_app`
  builds it, and it serves every endpoint of the checked specs;
- **tests**: on a fresh embedded sqlite database built from the base schema,
  the up migrations apply in order; the generated contract tests run (pytest
  in a subprocess, counts from its JUnit report) against the generated app on
  that database; the down migrations restore the base schema exactly; and the
  up migrations apply again to the same schema.

A check that could not run is reported as `not_run` with the reason, never as
passed, and the result is a success only if every section ran and nothing
failed.  The rendered tree is written to a temporary folder, never over
`snapshots/`.  Needs the `check` extra (FastAPI, httpx, pytest).
"""

from __future__ import annotations

from compiler import pypackage
from compiler.pypackage import owner_of
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from compiler import once, progress
from compiler.check import db as check_db
from compiler.check import engines
from compiler.ir import ColumnField, ListField, Project, Spec, UserRowRef

Status = Literal["passed", "failed", "skipped", "not_run"]
PYTEST_TIMEOUT_SECONDS = 600
# Environment of a live-server run; the check always tests in-process.
_LIVE_ENV = ("SPECC_BASE_URL", "SPECC_TOKEN")


@dataclass(frozen=True)
class Check:
    """One check that ran (or could not): its name, outcome and why."""

    name: str
    status: Status
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail}


@dataclass
class Section:
    """lint, build or tests: the checks of one part."""

    name: str
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, status: Status, detail: str = "") -> Check:
        check = Check(name, status, detail)
        self.checks.append(check)
        if status in ("failed", "not_run"):
            progress.note(f"{self.name} {status}: {name}" + (f": {detail}" if detail else ""))
        return check

    def count(self, status: Status, prefix: str = "") -> int:
        return sum(1 for c in self.checks if c.status == status and c.name.startswith(prefix))

    @property
    def run(self) -> int:
        return sum(1 for c in self.checks if c.status in ("passed", "failed"))

    @property
    def status(self) -> Status:
        if any(c.status == "failed" for c in self.checks):
            return "failed"
        if self.run == 0 or any(c.status == "not_run" for c in self.checks):
            return "not_run"
        return "passed"

    @property
    def summary(self) -> str:
        text = f"{self.run} run: {self.count('passed')} passed, {self.count('failed')} failed"
        if self.count("skipped"):
            text += f", {self.count('skipped')} skipped"
        if self.count("not_run"):
            reasons = sorted({c.detail for c in self.checks if c.status == "not_run" and c.detail})
            text += f", {self.count('not_run')} not run" + (f" ({'; '.join(reasons)})" if reasons else "")
        return text

    def as_dict(self) -> dict[str, Any]:
        # `ok`/`ran`/`message` let generic consumers (the PR checklist) read a
        # section without knowing its checks; `ran` is false whenever anything
        # could not run, so an incomplete section never reads as passed.
        return {
            "ok": self.status == "passed",
            "ran": self.status != "not_run",
            "message": self.summary,
            "status": self.status,
            "run": self.run,
            "passed": self.count("passed"),
            "failed": self.count("failed"),
            "skipped": self.count("skipped"),
            "not_run": self.count("not_run"),
            "checks": [c.as_dict() for c in self.checks],
        }


@dataclass
class CheckResult:
    """The outcome of `run_checks`: `{success, lint, tests, build, message}`."""

    specs: tuple[str, ...]
    lint: Section = field(default_factory=lambda: Section("lint"))
    build: Section = field(default_factory=lambda: Section("build"))
    tests: Section = field(default_factory=lambda: Section("tests"))

    @property
    def sections(self) -> tuple[Section, Section, Section]:
        return (self.lint, self.build, self.tests)

    @property
    def success(self) -> bool:
        return all(s.status == "passed" for s in self.sections)

    def contract_counts(self) -> dict[str, int]:
        prefix = "contract:"
        return {s: self.tests.count(s, prefix) for s in ("passed", "failed", "skipped", "not_run")}

    @property
    def message(self) -> str:
        contract = self.contract_counts()
        failed = sum(s.count("failed") for s in self.sections)
        ran = sum(s.run for s in self.sections)
        verdict = "passed" if self.success else ("FAILED" if failed else "INCOMPLETE")
        return (
            f"specc check {verdict}: {ran} checks run, {failed} failed; "
            f"contract tests: {contract['passed']} passed, {contract['failed']} failed, "
            f"{contract['skipped']} skipped"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "specs": list(self.specs),
            "lint": self.lint.as_dict(),
            "build": self.build.as_dict(),
            "tests": {**self.tests.as_dict(), "contract": self.contract_counts()},
            "message": self.message,
        }

    def failures(self) -> list[tuple[str, Check]]:
        return [(s.name, c) for s in self.sections for c in s.checks if c.status in ("failed", "not_run")]


def select_specs(project: Project, spec_ids: tuple[str, ...] | list[str]) -> tuple[Spec, ...]:
    """The specs to check, in project order; every spec when none is named.

    Raises KeyError naming an unknown id.
    """
    known = {s.id for s in project.specs}
    unknown = [s for s in spec_ids if s not in known]
    if unknown:
        raise KeyError(", ".join(unknown))
    if not spec_ids:
        return project.specs
    return tuple(s for s in project.specs if s.id in spec_ids)


def run_checks(
    project: Project,
    spec_ids: tuple[str, ...] | list[str] = (),
    *,
    tree: dict[PurePosixPath, str] | None = None,
    workdir: Path | None = None,
    database: str = "sqlite",
) -> CheckResult:
    """Lint, build and test the generated code of `spec_ids` (default: all).

    `tree` is the rendered output (default: render it now); the tests and
    mutation tests pass a modified one.  `workdir` keeps the rendered tree and
    database there instead of a temporary folder (for debugging; a server's
    scratch databases are then kept too).  `database` is the engine the
    migrations and contract tests run on: sqlite (embedded), postgres or
    mysql (a server named by the environment, `compiler.check.engines`).
    """
    from compiler.emit import render

    specs = select_specs(project, spec_ids)
    if tree is None:
        tree = render(project)
    result = CheckResult(tuple(s.id for s in specs))
    chosen = {s.id for s in specs} | {"_project"}
    files = {p: t for p, t in tree.items() if owner_of(p) in chosen}
    progress.note(f"lint: {len(files)} files (black, compile, sqlglot)")
    lint(files, result.lint)
    progress.note(f"lint {result.lint.status}: {result.lint.summary}")
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        _run_in(workdir, project, specs, tree, result, database, keep=True)
    else:
        with tempfile.TemporaryDirectory(prefix="specc-check-") as tmp:
            _run_in(Path(tmp), project, specs, tree, result, database, keep=False)
    return result


def _run_in(root: Path, project: Project, specs: tuple[Spec, ...], tree: dict[PurePosixPath, str], result: CheckResult, database: str, *, keep: bool) -> None:
    out = root / "tree"
    for path, text in tree.items():
        target = out / Path(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    progress.note("build: importing the app and its routes")
    built = build(out, specs, result.build)
    progress.note(f"build {result.build.status}: {result.build.summary}")
    progress.note(f"tests: migrations up and down on {database}, then the contract tests")
    db = engines.database(database)
    try:
        run_tests(root, out, project, specs, tree, result.tests, app_built=built, db=db)
    finally:
        # A server that went away meanwhile keeps its scratch databases; the
        # result already says what failed.
        with contextlib.suppress(engines.Unavailable):
            db.close(keep)
    progress.note(f"tests {result.tests.status}: {result.tests.summary}")


# --- lint ------------------------------------------------------------------------


def lint(files: dict[PurePosixPath, str], section: Section) -> None:
    """Run the checker each file's target declares for its kind (`FileKind.checker`)."""
    import targets
    from compiler.checkers import PYTHON
    from compiler.ruff_format import FormatError, check_python

    kinds = {path: targets.kind_of(path.as_posix()) for path in files}
    python = [p for p, kind in kinds.items() if kind is not None and kind.checker is PYTHON]
    ruff_failed = ""
    try:
        formatting = dict(zip(python, check_python([files[p] for p in python]), strict=True))
    except FormatError as err:  # ruff itself failed: no module was checked
        formatting, ruff_failed = {}, str(err)
    unchecked: dict[tuple[str, str], int] = {}
    for path, text in files.items():
        kind = kinds[path]
        checker = kind.checker if kind is not None else None
        if checker is None:
            section.add(f"unchecked: {path}", "failed", "no registered target declares this kind of file")
        elif checker is PYTHON:
            problem = formatting.get(path)
            if ruff_failed:
                section.add(f"ruff format: {path}", "not_run", ruff_failed)
            else:
                section.add(f"ruff format: {path}", "failed" if problem else "passed", str(problem) if problem else "")
            try:
                compile(text, str(path), "exec")
                section.add(f"compile: {path}", "passed")
            except SyntaxError as err:
                section.add(f"compile: {path}", "failed", f"line {err.lineno}: {err.msg}")
        elif checker.problem is None:
            # Declared "not checked": said once per kind, never passed over in silence.
            unchecked[(checker.label, checker.reason)] = unchecked.get((checker.label, checker.reason), 0) + 1
        else:
            try:
                refused = checker.problem(path, text)
            except Exception as err:  # the checker itself broke: the file was not checked
                section.add(f"{checker.label}: {path}", "not_run", f"internal error in the check: {type(err).__name__}: {err}")
                continue
            section.add(f"{checker.label}: {path}", "failed" if refused else "passed", refused or "")
    for (label, reason), count in sorted(unchecked.items()):
        section.add(f"not checked: {label} ({count} files)", "skipped", reason)


# --- build --------------------------------------------------------------------------


def build(out: Path, specs: tuple[Spec, ...], section: Section) -> bool:
    """Import the generated app, build it, and find every endpoint in it.

    The generated package has one name, `specc_app`, in the `sys.modules`
    that one process shares between threads: two checks importing at once
    would see each other's modules.  So the in-process import runs under the
    import lock (it takes well under a second; the slow contract tests run in
    a subprocess), and `pypackage.import_module` drops the package's modules
    afterwards so that a later check (another tree) starts clean.
    """
    with once.IMPORT_LOCK:
        return _build_locked(out, specs, section)


def _build_locked(out: Path, specs: tuple[Spec, ...], section: Section) -> bool:
    try:
        once.load("fastapi")
    except ImportError:
        section.add("import fastapi", "not_run", "FastAPI is not installed: pip install 'specc[check]'")
        return False
    try:
        module = pypackage.import_module(out, "app")
        section.add(f"import {pypackage.PACKAGE}/app.py", "passed")
    except Exception as err:
        section.add(f"import {pypackage.PACKAGE}/app.py", "failed", f"{type(err).__name__}: {err}")
        return False
    return _build_app(module, specs, section)


def _build_app(module: Any, specs: tuple[Spec, ...], section: Section) -> bool:
    ok = True
    for dialect in ("sqlite", "postgres", "mysql"):
        try:
            app = module.create_app(get_connection=_no_connection, get_current_user_id=_no_user, dialect=dialect)
            section.add(f"create_app(dialect={dialect!r})", "passed")
        except Exception as err:
            section.add(f"create_app(dialect={dialect!r})", "failed", f"{type(err).__name__}: {err}")
            ok = False
            continue
        if dialect != "sqlite":
            continue
        # FastAPI's own OpenAPI document lists what the app really routes
        # (included routers are not flattened into app.routes in every version).
        paths = app.openapi().get("paths", {})
        served = {(method.upper(), path) for path, ops in paths.items() for method in ops}
        for spec in specs:
            for endpoint in spec.endpoints:
                key = (endpoint.method, endpoint.path)
                label = f"route: {endpoint.method} {endpoint.path} ({endpoint.operation_id})"
                section.add(label, "passed" if key in served else "failed", "" if key in served else "the app does not serve it")
    return ok


def _no_connection() -> None:
    raise RuntimeError("the build check never serves requests")


def _no_user() -> None:
    return None


# --- tests ----------------------------------------------------------------------------


def run_tests(
    root: Path,
    out: Path,
    project: Project,
    specs: tuple[Spec, ...],
    tree: dict[PurePosixPath, str],
    section: Section,
    *,
    app_built: bool,
    db: engines.Database | None = None,
) -> None:
    db = db or engines.SqliteDatabase()
    # Migrate every spec up to the last one checked: later specs build on earlier ones.
    last = max(project.specs.index(s) for s in specs) if specs else -1
    chain = [s for s in project.specs[: last + 1] if s.has_migration]
    label = f"migrations: base schema ({db.label})"
    try:
        db.open(root, project.base)
        section.add(label, "passed")
    except engines.Unavailable as why:
        section.add(label, "not_run", str(why))
        section.add("contract: (all)", "not_run", f"no {db.label} database")
        return
    except Exception as err:
        section.add(label, "failed", f"{type(err).__name__}: {err}")
        section.add("contract: (all)", "not_run", "no database")
        return
    base_structure = db.structure("base")
    db.seed_user(project.base, check_db.LEGACY_USER_ID, "-legacy")
    if not _migrate(db, chain, "up", tree, section):
        section.add("contract: (all)", "not_run", "the up migrations failed")
        return
    migrated = db.structure("check")
    # The user's one rows that list writes reference (e.g. a profile), for the
    # main and the other user; the legacy user has none, so the contract tests
    # can show that a write needing one is refused.
    parents = [ref for s in project.specs for e in s.endpoints for f in e.request if isinstance(f, ListField) for ref in f.parents]
    parents += [UserRowRef("", f.table, "", f.owner_column) for s in project.specs for e in s.endpoints for f in e.request + e.response if isinstance(f, ColumnField) and f.owner_column]
    db.seed_user(project.final_schema, check_db.TEST_USER_ID, parents=parents)
    db.seed_user(project.final_schema, check_db.OTHER_USER_ID, "-other", parents=parents)
    if app_built:
        run_contract_tests(root, out, db, check_db.TEST_USER_ID, specs, section, keys=engines.table_keys(project.final_schema))
    else:
        section.add("contract: (all)", "not_run", "the app did not build")
    if not _migrate(db, list(reversed(chain)), "down", tree, section):
        return
    after = db.structure("check")
    same = after == base_structure
    section.add("migrations: down restores the base schema", "passed" if same else "failed", "" if same else _diff(after, base_structure))
    if not _migrate(db, chain, "up", tree, section, again=True):
        return
    again = db.structure("check")
    same = again == migrated
    section.add("migrations: up again gives the same schema", "passed" if same else "failed", "" if same else _diff(again, migrated))


def _migrate(db: engines.Database, chain: list[Spec], direction: str, tree: dict[PurePosixPath, str], section: Section, *, again: bool = False) -> bool:
    for spec in chain:
        path = PurePosixPath(spec.id) / "migrations" / db.dialect / f"{direction}.sql"
        label = f"migrations: {direction}{' again' if again else ''} {spec.id}"
        script = tree.get(path)
        if script is None:
            section.add(label, "failed", f"{path} was not generated")
            return False
        try:
            db.run_script("check", script)
        except Exception as err:
            section.add(label, "failed", f"{type(err).__name__}: {err}")
            return False
        section.add(label, "passed")
    return True


def _diff(got: dict[str, Any], want: dict[str, Any]) -> str:
    lines = []
    for table in sorted(set(got) | set(want)):
        if got.get(table) != want.get(table):
            lines.append(f"table {table}: {got.get(table)} != expected {want.get(table)}")
    return "; ".join(lines)[:2000]


def run_contract_tests(
    root: Path, out: Path, db: engines.Database, user_id: str, specs: tuple[Spec, ...], section: Section, *, keys: dict[str, str]
) -> None:
    """Run the generated contract tests in a pytest subprocess; record each test."""
    files = [out / s.id / "test_contract.py" for s in specs if (out / s.id / "test_contract.py").exists()]
    if not files:
        section.add("contract: (none)", "skipped", "the checked specs have no endpoints")
        return
    harness = Path(__file__).with_name("conftest_template.py").read_text(encoding="utf-8")
    (out / "conftest.py").write_text(harness, encoding="utf-8")
    (out / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    settings = db.settings()
    _self_contained(root, out, settings, user_id, files, keys)
    report = root / "junit.xml"
    env = {k: v for k, v in os.environ.items() if k not in _LIVE_ENV}
    env.update(
        SPECC_CHECK_DB=str(settings["db"]),
        SPECC_CHECK_USER=user_id,
        SPECC_CHECK_OTHER_USER=check_db.OTHER_USER_ID,
        SPECC_CHECK_LEGACY_USER=check_db.LEGACY_USER_ID,
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--import-mode=importlib",
        "-c", str(out / "pytest.ini"), "--rootdir", str(out), f"--junitxml={report}", "-o", "junit_family=xunit2",
        *[str(f) for f in files],
    ]  # fmt: skip
    try:
        if progress.active():
            proc = _streamed(command + ["-v"], out, env)
        else:
            proc = subprocess.run(command, cwd=out, env=env, capture_output=True, text=True, timeout=PYTEST_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        section.add("contract: (all)", "failed", f"pytest did not finish within {PYTEST_TIMEOUT_SECONDS}s")
        return
    cases = _junit_cases(report)
    for name, status, detail in cases:
        section.add(f"contract: {name}", status, detail)
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and not any(s == "failed" for _, s, _ in cases)):
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
        section.add("contract: pytest run", "failed", f"pytest exited with {proc.returncode}: " + " | ".join(tail))
    elif not cases:
        section.add("contract: pytest run", "failed", "pytest collected no tests")


KEPT_README = """\
# A tree kept by `specc check --keep`

`tree/` is the rendered output; `tree/specc-check.json` names the database
`specc check` migrated and seeded with two test users (the second owns the
rows the resource tests must not reach): `check.sqlite3` here, or a scratch
database kept on the PostgreSQL or MariaDB server of `--database`.
Re-run the generated contract tests with nothing else set:

    python -m pytest {root}

`pytest.ini` here passes `--import-mode=importlib` (every spec's test file is
called test_contract.py), `conftest.py` skips the specs that were not
checked (their tables are not in the database) and `tree/conftest.py` reads
the database and the test user from `tree/specc-check.json`.  The tests change that user's rows,
as they would on a live server; run `specc check --keep` again for a fresh
database.
"""


def _self_contained(root: Path, out: Path, db: dict[str, Any], user_id: str, files: list[Path], keys: dict[str, str]) -> None:
    """Make `root` re-runnable with plain `python -m pytest root`: the
    database and user in `out/specc-check.json` (paths relative to `out`),
    a pytest.ini with the options `specc check` passes and the test files of
    the checked specs (the database has only their migrations), a README."""
    settings = {**db, "user": user_id, "other_user": check_db.OTHER_USER_ID, "legacy_user": check_db.LEGACY_USER_ID, "keys": keys}
    if db["dialect"] == "sqlite":
        settings["db"] = os.path.relpath(db["db"], out)
    (out / "specc-check.json").write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    ini = "[pytest]\naddopts = --import-mode=importlib -p no:cacheprovider\n"
    (root / "pytest.ini").write_text(ini, encoding="utf-8")
    chosen = set(files)
    others = sorted(p.parent.relative_to(root).as_posix() for p in out.glob("*/test_contract.py") if p not in chosen)
    (root / "conftest.py").write_text(
        '"""Written by specc check: skip the specs it did not migrate."""\n\n'
        f"collect_ignore = {others!r}\n",
        encoding="utf-8",
    )
    (root / "README.md").write_text(KEPT_README.format(root=root.name), encoding="utf-8")


_OUTCOMES = (" PASSED", " FAILED", " ERROR", " SKIPPED", " XFAIL", " XPASS")


def _streamed(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run pytest -v, noting each test's outcome as it is reported; the
    results themselves still come from the JUnit report."""
    import threading

    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    timer = threading.Timer(PYTEST_TIMEOUT_SECONDS, proc.kill)
    timer.start()
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if any(o in line for o in _OUTCOMES) and "::" in line:
                progress.note("contract " + line.split("  [")[0].strip().rsplit("/", 1)[-1])
        proc.wait()
    finally:
        timer.cancel()
    if proc.returncode < 0:
        raise subprocess.TimeoutExpired(command, PYTEST_TIMEOUT_SECONDS)
    return subprocess.CompletedProcess(command, proc.returncode, "".join(lines), "")


def _junit_cases(report: Path) -> list[tuple[str, Status, str]]:
    if not report.exists():
        return []
    cases: list[tuple[str, Status, str]] = []
    for case in ET.parse(report).getroot().iter("testcase"):
        classname = case.get("classname", "")
        spec_id = classname.split(".")[0] if classname else ""
        name = f"{spec_id}::{case.get('name', '?')}" if spec_id else case.get("name", "?")
        status: Status = "passed"
        detail = ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                status = "skipped" if child.tag == "skipped" else "failed"
                lines = (child.get("message") or child.text or child.tag).strip().splitlines()
                detail = (lines[0] if lines else child.tag)[:500]
        cases.append((name, status, detail))
    return cases
