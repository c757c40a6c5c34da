"""Every generated migration, applied to real PostgreSQL and MariaDB.

For each spec, in project order: build the base schema (rendered for the
engine by the SQL target) with a few seeded rows, apply the earlier specs'
up migrations, then
  1. up;
  2. down, after which the catalog is identical to before up;
  3. up again, after which the catalog is identical to after the first up.
Postgres files run through `psql -v ON_ERROR_STOP=1 -f`, exactly as the
header of each file tells a user to, so CREATE INDEX CONCURRENTLY runs
outside a transaction and NOT VALID + VALIDATE pairs run as written.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from compiler.emit import render_tree
from compiler.ir import Project
from compiler.project import build_project
from targets.sql import render_schema
from tests.conftest import ROOT, SPECS

# The seed specs never add a column to a table that has rows with a foreign
# key, so this extra spec exercises the postgres steps that must run outside a
# transaction (CREATE INDEX CONCURRENTLY) next to NOT VALID + VALIDATE pairs.
EXTRA_SPEC = """\
spec: 1
id: post-editors
title: Posts remember who last edited them
depends_on: [profile-links-titles]
tables:
  posts:
    add:
      edited_by: {type: ref, to: users, on_delete: set null}
      edit_count: {type: int, min: 0, max: 100000, nullable: false, default: 0}
"""


def _projects() -> dict[str, Project]:
    import shutil
    import tempfile

    import atexit

    extra = Path(tempfile.mkdtemp(prefix="specc-extra-"))
    atexit.register(shutil.rmtree, extra, True)
    shutil.copytree(SPECS, extra / "specs")
    (extra / "specs" / "post-editors.yaml").write_text(EXTRA_SPEC)
    return {"seeds": build_project(SPECS, ROOT), "extra": build_project(extra / "specs", extra)}


PROJECTS = _projects()
PROJECT = PROJECTS["seeds"]
TREES = {name: render_tree(p) for name, p in PROJECTS.items()}
CASES = [(name, s.id) for name, p in PROJECTS.items() for s in p.specs if s.has_migration and (name == "seeds" or s.id == "post-editors")]
MIGRATING = [s.id for s in PROJECT.specs if s.has_migration]

# Rows in the base tables, so constraints are validated against real data.
SEED = {
    "postgres": """
        INSERT INTO users (id, email, username, social_links) VALUES
          ('00000000-0000-0000-0000-000000000001', 'a@example.com', 'a', '[{"url": "https://a.example"}]'),
          ('00000000-0000-0000-0000-000000000002', 'b@example.com', 'b', NULL);
        INSERT INTO posts (id, author_id, content) VALUES
          ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', 'hello');
    """,
    "mysql": """
        INSERT INTO users (id, email, username, social_links) VALUES
          ('00000000-0000-0000-0000-000000000001', 'a@example.com', 'a', '[{"url": "https://a.example"}]'),
          ('00000000-0000-0000-0000-000000000002', 'b@example.com', 'b', NULL);
        INSERT INTO posts (id, author_id, content) VALUES
          ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', 'hello');
    """,
}


def _file(tmp: Path, tree: dict[PurePosixPath, str], spec_id: str, dialect: str, direction: str) -> Path:
    path = PurePosixPath(spec_id) / "migrations" / dialect / f"{direction}.sql"
    out = tmp / spec_id / dialect / f"{direction}.sql"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(tree[path], "utf-8")
    return out


def _round_trip(server, db: str, project: Project, tree, tmp: Path, dialect: str, spec_id: str) -> None:  # type: ignore[no-untyped-def]
    server.run_sql(db, render_schema(project.base, dialect))
    server.run_sql(db, SEED[dialect])
    for spec in project.specs:
        if spec.id == spec_id:
            break
        if spec.has_migration:
            server.run_file(db, _file(tmp, tree, spec.id, dialect, "up"))
    before = server.catalog(db)
    server.run_file(db, _file(tmp, tree, spec_id, dialect, "up"))
    after_up = server.catalog(db)
    assert after_up != before, f"{spec_id}: up changed nothing"
    server.run_file(db, _file(tmp, tree, spec_id, dialect, "down"))
    assert server.catalog(db) == before, f"{spec_id}: down did not restore the schema"
    server.run_file(db, _file(tmp, tree, spec_id, dialect, "up"))
    assert server.catalog(db) == after_up, f"{spec_id}: up after down differs"


@pytest.mark.parametrize("project_name, spec_id", CASES)
def test_postgres_up_down_up(pg_server, pg_db, tmp_path: Path, project_name: str, spec_id: str) -> None:  # type: ignore[no-untyped-def]
    _round_trip(pg_server, pg_db, PROJECTS[project_name], TREES[project_name], tmp_path, "postgres", spec_id)


@pytest.mark.parametrize("project_name, spec_id", CASES)
def test_mariadb_up_down_up(mysql_server, mysql_db, tmp_path: Path, project_name: str, spec_id: str) -> None:  # type: ignore[no-untyped-def]
    _round_trip(mysql_server, mysql_db, PROJECTS[project_name], TREES[project_name], tmp_path, "mysql", spec_id)


def test_the_extra_spec_runs_concurrently_and_validates() -> None:
    up = TREES["extra"][PurePosixPath("post-editors/migrations/postgres/up.sql")]
    assert "CREATE INDEX CONCURRENTLY" in up and "NOT VALID" in up and "VALIDATE CONSTRAINT" in up


def test_every_spec_migrates_on_postgres_in_order(pg_server, pg_db, tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The whole chain, as a fresh deployment would run it."""
    pg_server.run_sql(pg_db, render_schema(PROJECT.base, "postgres"))
    for spec_id in MIGRATING:
        pg_server.run_file(pg_db, _file(tmp_path, tree, spec_id, "postgres", "up"))
    for spec_id in reversed(MIGRATING):
        pg_server.run_file(pg_db, _file(tmp_path, tree, spec_id, "postgres", "down"))
