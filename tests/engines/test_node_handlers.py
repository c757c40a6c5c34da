"""The node target's handlers, run: vitest contract tests against a real PostgreSQL.

Compiles the Valine example (`stack: node-serverless`), assembles a scratch
`serverless/` project from the emitted files (the project runtime, each
spec's handlers, data layer and tests), the stand-ins for Valine's own
helpers (tests/node/valine-standins, see its README) and tests/node's
node_modules (vitest 4.1.12, vite 8.3.8, pg), applies the base schema and
specc's PostgreSQL migrations to a fresh database, runs `vitest run` with
DATABASE_URL pointing at it, and checks the real counts from vitest's JSON
report.  Every run also starts the emitted local server
(tests/specc/offline.js: API Gateway v2 events from the routes of the
functions fragments) on a free port and sets SPECC_BASE_URL, so the same
cases run over HTTP too and none is skipped.  The second case adds a spec with string, int, bool and url fields,
a capped list with a host rule, and metrics over a window.  Each
runs twice: on the pg data layer, and on the Prisma one, with a Prisma 6.19
client generated offline from specc's schema.prisma (engineType = "client",
@prisma/adapter-pg; tests/node/prisma-harness/prisma-client.js), which the
generated tests use when SPECC_PRISMA_CLIENT names it.

Without node or tests/node/node_modules the tests skip with the reason,
except under CI=true or SPECC_REQUIRE_ENGINES=1, where they fail (like a
missing PostgreSQL, tests/engines/conftest.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from compiler.emit import render
from compiler.ir import Project
from compiler.project import build_project
from tests.conftest import ROOT
from tests.engines.conftest import PgServer, engines_required

NODE_MODULES = ROOT / "tests" / "node" / "node_modules"
VITEST = NODE_MODULES / "vitest" / "vitest.mjs"
PRISMA_CLI = NODE_MODULES / "prisma" / "build" / "index.js"
PRISMA_HARNESS = ROOT / "tests" / "node" / "prisma-harness" / "prisma-client.js"
STANDINS = ROOT / "tests" / "node" / "valine-standins"
VALINE = ROOT / "examples" / "valine"

ACCOUNT_SETTINGS = """\
spec: 1
id: account-settings
title: Account settings
priority: low
motivation: Users set a headline, a level, a newsletter choice and up to three badges.
depends_on: [theme-preference]
tables:
  users:
    add:
      headline_text: {type: string, min: 2, max: 40}
      skill_level: {type: int, min: 0, max: 5}
      newsletter_opt_in: {type: bool}
      website_url: {type: url, max: 200}
  user_badges:
    columns:
      id: {type: id}
      user_id: {type: ref, to: users, on_delete: cascade, nullable: false}
      label: {type: string, min: 1, max: 30, nullable: false}
      tier: {type: enum, enum: badge_tier, nullable: false}
      position: {type: int, min: 0, max: 9, nullable: false}
      proof_url:
        type: url
        nullable: false
        hosts:
          by: tier
          allow:
            gold: [example.org]
    timestamps: true
    indexes:
      - {columns: [user_id, label], unique: true}
    cap: {per: user_id, max: 3}
enums:
  badge_tier: [bronze, silver, gold]
  stats_range: [7d, 30d]
metrics:
  postsWritten:
    definition: Posts the user wrote in the window.
    series: true
    count:
      - {table: posts, time: created_at, owner: author_id}
  commentsWritten:
    definition: Comments the user wrote in the window.
    series: false
    count:
      - {table: comments, time: created_at, owner: author_id}
endpoints:
  getAccountSettings:
    method: GET
    path: /api/me/account-settings
    summary: Read the account settings.
    response:
      headline: users.headline_text
      level: users.skill_level
      newsletter: users.newsletter_opt_in
      website: users.website_url
      theme: users.theme_preference
      badges: {list: user_badges, fields: [id, label, tier, position, proof_url], order_by: position}
  updateAccountSettings:
    method: PATCH
    path: /api/me/account-settings
    summary: Change the account settings.
    request:
      headline: users.headline_text
      level: users.skill_level
      newsletter: users.newsletter_opt_in
      website: users.website_url
      badges: {list: user_badges, fields: [label, tier, position, proof_url]}
    response:
      headline: users.headline_text
      level: users.skill_level
      newsletter: users.newsletter_opt_in
      website: users.website_url
      badges: {list: user_badges, fields: [id, label, tier, position, proof_url], order_by: position}
  getPostStats:
    method: GET
    path: /api/me/post-stats
    summary: How many posts and comments the user wrote in the window.
    query:
      range: {enum: stats_range, default: 7d, window_days: {7d: 7, 30d: 30}}
    response:
      range: {query: range}
      postsWritten: {metric: postsWritten}
      commentsWritten: {metric: commentsWritten}
"""

# vitest tests the generated files hold: theme-preference has 26 (4 per endpoint:
# 401 twice, success, 503; the row lock; its enum's accepted and rejected values;
# the body checks); account-settings has 120 (the same for its four scalar fields,
# a URL among them; its badges list: round trip, cap, bad items, a host rule,
# duplicates; and an aggregate endpoint: zeros, the window parameter's values,
# its refusals, a new post counted in the total and today's point).  A change of
# the generator that changes these numbers must change them here too, so a
# silently dropped test shows.
# account-settings: 134 cases, plus 16 of the shared URL and text corpus (host labels of
# 63/64 characters, hosts of 253/254, look-alikes, combining marks, a zero-width space,
# an empty host before `?@`, NUL strings over the length) that reach its URL and text fields,
# and 11 more: 4 URL rejects (a bare scheme name, no slashes after the scheme, a Latin
# letter outside the allowed blocks, a label mixing two Indic scripts) on each of its two
# URL fields, 3 IDN accepts (upper case, the last letters of Latin-1 and of Latin
# Extended Additional) on website_url.
# The Valine example's links PATCH (updateProfileLinks) has 71: 401, success, 503, the
# row lock, the body checks; its links list: round trip, the cap of 20 (Valine's
# MAX_PROFILE_LINKS), each field's rejected items (the URL corpus on url), a duplicate
# position, not a list, and 409 parent_missing for a user
# without a profile (its new rows reference the user's profile).  The title's GET/PATCH
# (getProfile, updateProfile: a column of the user's profile, not of users) has 24: the
# same per-endpoint cases, the title's accepted and rejected values, and 409
# parent_missing for a user without a profile, who reads the title as null.
IN_PROCESS = {False: 37 + 71 + 24, True: 37 + 71 + 24 + 161}  # the three seed tasks of examples/valine; + account-settings
# The same cases again over HTTP through the local server (SPECC_BASE_URL), but the 503
# case of each endpoint (in-process only), plus one 404 case per test file: the
# example's 7 endpoints in 3 files, account-settings' 3 in 1.
EXPECTED = {False: 2 * (37 + 71 + 24) - 7 + 3, True: 2 * (37 + 71 + 24 + 161) - 10 + 4}
# The bundled specs: 129 endpoint cases in-process (109, plus 20 of the shared URL and text corpus), and over HTTP the same but 5
# endpoints' 503 cases, plus 3 files' 404 cases; reading-lists' resources have 163
# cases (items' replace: 401, five malformed keys, the whole-row reset read back,
# a missing required field, an unknown field, another user's row, a missing row;
# 4 of the URL corpus on items' url; per resource, a limit of 10 and of 40 digits
# and one of 10 zeros), run both ways, plus its file's 404 case.
BUNDLED_EXPECTED = (2 * 129 - 5 + 3) + (2 * 163 + 1)


@pytest.fixture(scope="module")
def vitest() -> Path:
    problem = None
    if shutil.which("node") is None:
        problem = "node is not installed"
    elif not VITEST.is_file() or not PRISMA_CLI.is_file() or not (NODE_MODULES / "@prisma" / "client").is_dir():
        problem = "vitest or the Prisma 6.19 CLI and client are not installed: run npm ci --prefix tests/node"
    if problem:
        if engines_required():
            pytest.fail(f"{problem} (required here: CI=true or SPECC_REQUIRE_ENGINES=1)", pytrace=False)
        pytest.skip(problem)
    return VITEST


def _database_url(pg: PgServer, db: str) -> str:
    if pg.host.startswith("/"):
        return f"postgresql://{pg.user}@localhost/{db}?host={pg.host}&port={pg.port}"
    return f"postgresql://{pg.user}@{pg.host}:{pg.port}/{db}"


def _scratch(tree: dict[str, str], work: Path) -> tuple[Path, int]:
    """The scratch serverless/ project; returns it and the number of spec folders copied."""
    shutil.copytree(STANDINS, work)
    (work / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    specs = set()
    for path, text in tree.items():
        parts = Path(path).parts
        if len(parts) < 2 or parts[1] != "serverless":
            continue
        # The functions fragments, for the local server (in Valine they are merged into serverless.yml).
        target = work / "functions" / f"{parts[0]}.yml" if path.endswith(".yml") else work.joinpath(*parts[2:])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
        if parts[0] != "_project":
            specs.add(parts[0])
    return work, len(specs)


def _prisma_client(tree: dict[str, str], project: Project, work: Path, env: dict[str, str]) -> Path:
    """Generate the Prisma client of specc's last schema.prisma into the scratch
    project, offline (engineType = "client"); the module that exports it."""
    schema = tree[f"{project.specs[-1].id}/prisma/schema.prisma"]
    schema = re.sub(r"(generator\s+\w+\s*\{\n)", r'\1  engineType = "client"\n  output = "../generated/prisma"\n', schema, count=1)
    (work / "prisma").mkdir()
    (work / "prisma" / "schema.prisma").write_text(schema, "utf-8")
    genv = {**env, "PRISMA_SCHEMA_ENGINE_BINARY": "/bin/false", "PRISMA_HIDE_UPDATE_MESSAGE": "1", "CHECKPOINT_DISABLE": "1"}
    done = subprocess.run(
        ["node", str(PRISMA_CLI), "generate", "--schema", "prisma/schema.prisma"], cwd=work, env=genv, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"prisma generate failed:\n{done.stdout}\n{done.stderr}"
    shutil.copy(PRISMA_HARNESS, work / "prisma-client.js")
    return work / "prisma-client.js"


@contextmanager
def offline_server(work: Path, env: dict[str, str]) -> Iterator[str]:
    """The emitted local server (tests/specc/offline.js) on a free port of
    127.0.0.1, serving the scratch project's handlers on the routes of its
    functions fragments; yields its base URL and stops it afterwards."""
    fragments = sorted(str(p.relative_to(work)) for p in (work / "functions").glob("*.yml"))
    assert fragments, "no functions fragments in the scratch project"
    proc = subprocess.Popen(
        ["node", "tests/specc/offline.js", "--port", "0", *fragments], cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(proc.stdout.readline() if proc.stdout else ""), daemon=True)
        reader.start()
        reader.join(timeout=60)
        match = re.match(r"specc offline: listening on (http://127\.0\.0\.1:\d+)$", first[0].strip() if first else "")
        if match is None:
            proc.kill()
            raise AssertionError(f"the local server did not start: {first!r}\n{proc.communicate(timeout=10)[1][-3000:]}")
        # Keep draining its output so a chatty handler cannot block it on a full pipe.
        threading.Thread(target=lambda: proc.stdout and proc.stdout.read(), daemon=True).start()
        log: list[str] = []
        threading.Thread(target=lambda: proc.stderr and log.append(proc.stderr.read()), daemon=True).start()
        yield match.group(1)
        assert proc.poll() is None, f"the local server exited early:\n{''.join(log)[-3000:]}"
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=20)


def run_vitest(vitest: Path, work: Path, env: dict[str, str], report: Path) -> dict[str, Any]:
    """`vitest run` in the scratch project; vitest's JSON report."""
    done = subprocess.run(
        ["node", str(vitest), "run", "--reporter=json", f"--outputFile={report}", "--reporter=default"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(done.stdout[-3000:])
    assert done.returncode == 0, f"vitest failed ({done.returncode}):\n{done.stdout[-8000:]}\n{done.stderr[-3000:]}"
    result: dict[str, Any] = json.loads(report.read_text("utf-8"))
    return result


def http_titles(result: dict[str, Any]) -> set[str]:
    """The top-level describe titles of the HTTP suite's tests."""
    return {t["ancestorTitles"][0] for f in result["testResults"] for t in f["assertionResults"] if t["ancestorTitles"][0].startswith("over HTTP")}


def test_vitest_contract_tests_of_the_bundled_specs_pass_on_postgres(vitest: Path, pg_server: PgServer, pg_db: str, tmp_path: Path) -> None:
    """The bundled specs (specc's own profile: bigint identity keys, snake_case
    columns): profile links with URL host rules and a cap of 10, dashboard
    metrics counted through a join, and reading-lists' resources (lists of
    the user, items owned through their list: 403 for another user's, a cap
    of 50 per list under a lock on the list, a unique url per list), on the
    pg data layer."""
    specs = tmp_path / "project" / "specs"
    shutil.copytree(ROOT / "specs", specs)
    (specs.parent / "specc.yaml").write_text("version: 1\nprofile: fastapi-sql\nstack: node-serverless\n", "utf-8")
    project = build_project(specs)
    tree = {str(path): text for path, text in render(project).items()}
    pg_server.run_file(pg_db, specs / "base" / "schema.sql")
    for spec in project.specs:
        if f"{spec.id}/migrations/postgres/up.sql" in tree:  # a spec without schema changes has none
            pg_server.run_sql(pg_db, tree[f"{spec.id}/migrations/postgres/up.sql"])
    work, count = _scratch(tree, tmp_path / "serverless")
    assert count == len([s for s in project.specs if s.endpoints or s.resources]) > 0
    env = {**os.environ, "DATABASE_URL": _database_url(pg_server, pg_db), "TZ": "UTC"}
    env.pop("SPECC_PRISMA_CLIENT", None)
    with offline_server(work, env) as base_url:
        result = run_vitest(vitest, work, {**env, "SPECC_BASE_URL": base_url}, tmp_path / "vitest.json")
    assert result["numFailedTests"] == 0 and result["numPendingTests"] == 0, result
    assert result["numPassedTests"] == result["numTotalTests"] == BUNDLED_EXPECTED, result["numPassedTests"]
    assert http_titles(result) == {f"over HTTP at {base_url}"}


@pytest.mark.parametrize("layer", ["pg", "prisma"])
@pytest.mark.parametrize("extra", [False, True], ids=["valine", "valine+account-settings"])
def test_vitest_contract_tests_pass_on_postgres(vitest: Path, pg_server: PgServer, pg_db: str, tmp_path: Path, extra: bool, layer: str) -> None:
    project_dir = tmp_path / "project"
    shutil.copytree(VALINE, project_dir, ignore=shutil.ignore_patterns("snapshots", ".specc"))
    if extra:
        (project_dir / "specs" / "account-settings.yaml").write_text(ACCOUNT_SETTINGS, "utf-8")
    project = build_project(project_dir / "specs")
    tree = {str(path): text for path, text in render(project).items()}
    pg_server.run_file(pg_db, project_dir / "specs" / "base" / "schema.sql")
    for spec in project.specs:
        up = tree.get(f"{spec.id}/migrations/postgres/up.sql")
        if up is not None:  # a spec without schema changes has no migration
            pg_server.run_sql(pg_db, up)
    work, specs = _scratch(tree, tmp_path / "serverless")
    assert specs == len(project.specs), sorted(tree)
    env = {**os.environ, "DATABASE_URL": _database_url(pg_server, pg_db), "TZ": "UTC"}
    env.pop("SPECC_PRISMA_CLIENT", None)
    if layer == "prisma":
        # The server and the in-process handlers both on the Prisma data layer.
        env["SPECC_PRISMA_CLIENT"] = str(_prisma_client(tree, project, work, env))
    with offline_server(work, env) as base_url:
        result = run_vitest(vitest, work, {**env, "SPECC_BASE_URL": base_url}, tmp_path / "vitest.json")
    assert result["numFailedTests"] == 0 and result["numPendingTests"] == 0, result
    assert result["numPassedTests"] == result["numTotalTests"] > 0, result
    assert result["numPassedTests"] == EXPECTED[extra], result["numPassedTests"]
    assert result["numTotalTestSuites"] > 0 and len(result["testResults"]) == len(project.specs)
    assert http_titles(result) == {f"over HTTP at {base_url}"}


def test_the_http_suite_is_skipped_with_its_reason_without_a_base_url(vitest: Path, pg_server: PgServer, pg_db: str, tmp_path: Path) -> None:
    """Without SPECC_BASE_URL the HTTP cases are reported as skipped, under a
    title that says why, and never as passed; the in-process ones still run."""
    project_dir = tmp_path / "project"
    shutil.copytree(VALINE, project_dir, ignore=shutil.ignore_patterns("snapshots", ".specc"))
    project = build_project(project_dir / "specs")
    tree = {str(path): text for path, text in render(project).items()}
    pg_server.run_file(pg_db, project_dir / "specs" / "base" / "schema.sql")
    for spec in project.specs:
        up = tree.get(f"{spec.id}/migrations/postgres/up.sql")
        if up is not None:
            pg_server.run_sql(pg_db, up)
    work, _ = _scratch(tree, tmp_path / "serverless")
    env = {**os.environ, "DATABASE_URL": _database_url(pg_server, pg_db), "TZ": "UTC"}
    for name in ("SPECC_PRISMA_CLIENT", "SPECC_BASE_URL"):
        env.pop(name, None)
    result = run_vitest(vitest, work, env, tmp_path / "vitest.json")
    assert result["numFailedTests"] == 0
    assert (result["numPassedTests"], result["numPendingTests"]) == (IN_PROCESS[False], EXPECTED[False] - IN_PROCESS[False])
    skipped = {t["ancestorTitles"][0] for f in result["testResults"] for t in f["assertionResults"] if t["status"] != "passed"}
    assert skipped == {"over HTTP: skipped, SPECC_BASE_URL is not set"}
    assert http_titles(result) == skipped


def test_vitest_fails_without_a_database(vitest: Path, tmp_path: Path) -> None:
    """The generated tests never pass (or skip) without DATABASE_URL: they fail."""
    project = build_project(VALINE / "specs")
    work, _ = _scratch({str(p): t for p, t in render(project).items()}, tmp_path / "serverless")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(["node", str(vitest), "run"], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0, done.stdout
    assert "DATABASE_URL is not set" in done.stdout + done.stderr
