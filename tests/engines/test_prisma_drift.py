"""Drift proof for the prisma-postgres profile (docs/prisma.md).

specc's Prisma migration, applied on top of the base, must give exactly the
database that Prisma 6.19 itself generates from specc's schema.prisma:

  A: `prisma migrate diff --from-empty --to-schema-datamodel <base schema.prisma> --script`,
     then every spec's migration.sql as Prisma Migrate sends it (one
     multi-statement query per file, folders in order);
  B: the same Prisma command for the schema.prisma specc wrote.

The catalogs of A and B (columns with types, nullability, defaults and
positions; constraints; indexes; enum types) must be equal, except CHECK
constraints, which Prisma cannot express.  Then every rollback.sql, in
reverse, must give back the base's catalog exactly.

Prisma runs offline here with its JS schema engine (`engine: 'js'` in a
prisma.config.ts with @prisma/adapter-pg; see shared notes), pinned in
tests/node/package.json and its lock (`npm ci --prefix tests/node`).  The
temporary copy of each schema sets `engineType = "client"` in its generator
block, which only changes client generation, never the DDL; without it the
CLI tries to download a query engine.  Without node or the installed CLI
the tests skip with the reason; they fail instead in CI (CI=true), and with
SPECC_REQUIRE_ENGINES=1 when tests/node/node_modules exists but lacks the CLI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from compiler.project import build_project
from targets import prisma as prisma_target
from tests.conftest import ROOT
from tests.engines.conftest import PgServer

NODE_MODULES = ROOT / "tests" / "node" / "node_modules"
PRISMA_CLI = NODE_MODULES / "prisma" / "build" / "index.js"
VALINE = ROOT / "examples" / "valine"

SAVED_SEARCHES = """\
spec: 1
id: saved-searches
title: Saved searches
priority: low
motivation: Users keep the searches they run often.
depends_on: [theme-preference]
tables:
  saved_searches:
    timestamps: true
    columns:
      id: {type: id}
      user_id: {type: ref, to: users, on_delete: cascade, nullable: false}
      profile_id: {type: ref, to: profiles, on_delete: set null}
      shared_by_id: {type: ref, to: users, on_delete: set null}
      search_text: {type: string, max: 200, nullable: false}
      position: {type: int, min: 0, max: 99, nullable: false, default: 0}
    indexes:
      - [user_id, search_text]
      - {columns: [user_id, position], unique: true}
  profiles:
    add:
      headline_text: {type: string, max: 120}
"""


def _prisma_expected() -> bool:
    if os.environ.get("CI", "").lower() == "true":
        return True
    return os.environ.get("SPECC_REQUIRE_ENGINES") == "1" and NODE_MODULES.is_dir()


@pytest.fixture(scope="module")
def prisma_cli() -> Path:
    problem = None
    if shutil.which("node") is None:
        problem = "node is not installed"
    elif not PRISMA_CLI.is_file():
        problem = "the Prisma 6.19 CLI is not installed: run npm ci --prefix tests/node"
    if problem:
        if _prisma_expected():
            pytest.fail(f"{problem} (expected here: CI=true, or SPECC_REQUIRE_ENGINES=1 with tests/node/node_modules)", pytrace=False)
        pytest.skip(problem)
    return PRISMA_CLI


def _client_engine(schema: str) -> str:
    return re.sub(r"(generator\s+\w+\s*\{\n)", r'\1  engineType = "client"\n', schema, count=1)


def prisma_ddl(cli: Path, pg: PgServer, schema: str, work: Path) -> str:
    """Prisma 6.19's own DDL for `schema`, from an empty database."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    (work / "schema.prisma").write_text(_client_engine(schema), "utf-8")
    (work / "prisma.config.ts").write_text(
        "import { defineConfig } from 'prisma/config'\n"
        "import { PrismaPg } from '@prisma/adapter-pg'\n"
        "export default defineConfig({\n"
        "  engine: 'js',\n"
        "  experimental: { adapter: true },\n"
        "  schema: 'schema.prisma',\n"
        f"  adapter: async () => new PrismaPg({{ host: {pg.host!r}, port: {pg.port}, user: {pg.user!r}, database: 'postgres', idleTimeoutMillis: 50 }}),\n"
        "})\n",
        "utf-8",
    )
    env = {**os.environ, "DATABASE_URL": f"postgresql://{pg.user}@localhost:{pg.port}/postgres", "PRISMA_HIDE_UPDATE_MESSAGE": "1", "CHECKPOINT_DISABLE": "1"}
    done = subprocess.run(
        ["node", str(cli), "migrate", "diff", "--from-empty", "--to-schema-datamodel", "schema.prisma", "--script"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"prisma migrate diff failed:\n{done.stderr}\n{done.stdout}"
    assert "CREATE TABLE" in done.stdout, done.stdout
    return done.stdout


def _as_prisma(pg: PgServer, db: str, sql: str) -> None:
    # No parameters: psycopg sends the text as one simple query, as Prisma Migrate does.
    with pg.connect(db, autocommit=True) as conn:
        conn.execute(sql.encode())


def _without_checks(catalog: dict[str, Any]) -> dict[str, Any]:
    return {**catalog, "constraints": [row for row in catalog["constraints"] if row[2] != "c"]}


def _project(tmp: Path, extra: bool) -> Path:
    shutil.copytree(VALINE, tmp, ignore=shutil.ignore_patterns("snapshots", ".specc"))
    if extra:
        (tmp / "specs" / "saved-searches.yaml").write_text(SAVED_SEARCHES, "utf-8")
    return tmp


@pytest.mark.parametrize("extra", [False, True], ids=["example", "example+new-table"])
def test_specc_migration_matches_prisma(extra: bool, prisma_cli: Path, pg_server: PgServer, tmp_path: Path) -> None:
    project = build_project(_project(tmp_path / "project", extra) / "specs")
    conv = project.conventions
    assert conv.profile == "prisma-postgres"
    # The example's three seed tasks; only two have a migration (the stats read existing tables).
    assert [s.id for s in project.specs][:3] == ["dashboard-stats-endpoints", "theme-preference", "profile-links-titles"]
    files: dict[PurePosixPath, str] = {}
    for spec in project.specs:
        files.update(prisma_target.emit_spec(project, spec))
    last = project.specs[-1]
    schema_after = files[PurePosixPath(last.id) / conv.prisma_schema]
    folders = sorted({p.parent for p in files if p.name == "migration.sql"}, key=lambda p: p.name)
    assert folders, "the specs have migrations"
    base_ddl = prisma_ddl(prisma_cli, pg_server, conv.prisma_schema_text, tmp_path / "prisma-base")
    after_ddl = prisma_ddl(prisma_cli, pg_server, schema_after, tmp_path / "prisma-after")
    a, b, base = pg_server.create_database(), pg_server.create_database(), pg_server.create_database()
    try:
        _as_prisma(pg_server, base, base_ddl)
        _as_prisma(pg_server, a, base_ddl)
        for folder in folders:
            _as_prisma(pg_server, a, files[folder / "migration.sql"])
        _as_prisma(pg_server, b, after_ddl)
        got, want = pg_server.catalog(a), pg_server.catalog(b)
        assert got != pg_server.catalog(base), "the migration changed nothing"
        g, w = _without_checks(got), _without_checks(want)
        for part in ("columns", "constraints", "indexes", "enums"):
            gs, ws = set(map(repr, g[part])), set(map(repr, w[part]))
            only_specc, only_prisma = sorted(gs - ws), sorted(ws - gs)
            assert not only_specc and not only_prisma, f"{part}: only after specc's migration {only_specc}; only in Prisma's {only_prisma}"
        assert g == w  # the same rows in the same order, too
        # The CHECKs are specc's only additions to Prisma's schema, all validated.
        extra_rows = sorted(set(got["constraints"]) - set(want["constraints"]))
        assert extra_rows and all(row[2] == "c" and row[4] for row in extra_rows), extra_rows
        for folder in reversed(folders):
            _as_prisma(pg_server, a, files[folder / "rollback.sql"])
        assert pg_server.catalog(a) == pg_server.catalog(base)
        # Applied again after the rollback, the migrations give the same catalog.
        for folder in folders:
            _as_prisma(pg_server, a, files[folder / "migration.sql"])
        assert pg_server.catalog(a) == got
    finally:
        for db in (a, b, base):
            pg_server.drop_database(db)
