"""The approved, non-additive changes (tests/fixtures/evolve) on real
PostgreSQL and MariaDB, over seeded rows: every migration up, down (catalog
equal to before), up again (catalog equal to after the first up)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from targets.sql import render_schema
from tests.engines.test_migrations import SEED, _file
from tests.evolve_project import EVOLVE_IDS, evolve_project, evolve_tree

PROJECT = evolve_project()
TREE = evolve_tree(PROJECT)
# What the spec's approval says happened first: a backfill gave every user a theme.
BACKFILL = "UPDATE users SET theme = 'light' WHERE theme IS NULL"


def _catalog(server, db: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The catalog without column positions: a dropped column comes back at
    the end of its table (neither engine can put it back in the middle
    without rebuilding the table; MySQL's ADD COLUMN ... AFTER is not used)."""
    out = dict(server.catalog(db))
    out["columns"] = sorted(tuple(row[:-1]) for row in out["columns"])
    return out


def _round_trip(server, db: str, tmp: Path, dialect: str, spec_id: str) -> None:  # type: ignore[no-untyped-def]
    server.run_sql(db, render_schema(PROJECT.base, dialect))
    server.run_sql(db, SEED[dialect])
    for spec in PROJECT.specs:
        if spec.id == spec_id:
            break
        if spec.has_migration:
            server.run_file(db, _file(tmp, TREE, spec.id, dialect, "up"))
    if spec_id == "evolve-users":
        server.run_sql(db, BACKFILL)
    before = _catalog(server, db)
    server.run_file(db, _file(tmp, TREE, spec_id, dialect, "up"))
    after_up = _catalog(server, db)
    assert after_up != before, f"{spec_id}: up changed nothing"
    server.run_file(db, _file(tmp, TREE, spec_id, dialect, "down"))
    assert _catalog(server, db) == before, f"{spec_id}: down did not restore the schema"
    server.run_file(db, _file(tmp, TREE, spec_id, dialect, "up"))
    assert _catalog(server, db) == after_up, f"{spec_id}: up after down differs"


@pytest.mark.parametrize("spec_id", EVOLVE_IDS)
def test_postgres_evolve_up_down_up(pg_server, pg_db, tmp_path: Path, spec_id: str) -> None:  # type: ignore[no-untyped-def]
    _round_trip(pg_server, pg_db, tmp_path, "postgres", spec_id)


@pytest.mark.parametrize("spec_id", EVOLVE_IDS)
def test_mariadb_evolve_up_down_up(mysql_server, mysql_db, tmp_path: Path, spec_id: str) -> None:  # type: ignore[no-untyped-def]
    _round_trip(mysql_server, mysql_db, tmp_path, "mysql", spec_id)


def test_set_not_null_skips_its_scan_thanks_to_the_validated_check(pg_server, pg_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL says (at DEBUG1) when an existing CHECK proves SET NOT NULL."""
    up = TREE[PurePosixPath("evolve-users/migrations/postgres/up.sql")]
    assert "CHECK (NOT theme IS NULL) NOT VALID" in up and "VALIDATE CONSTRAINT ck_users_theme_not_null" in up
    server, db = pg_server, pg_db
    server.run_sql(db, render_schema(PROJECT.base, "postgres"))
    server.run_sql(db, "ALTER TABLE users ADD COLUMN theme TEXT")
    server.run_sql(db, "ALTER TABLE users ADD CONSTRAINT ck CHECK (NOT theme IS NULL) NOT VALID")
    server.run_sql(db, "ALTER TABLE users VALIDATE CONSTRAINT ck")
    with server.connect(db) as conn:
        notices: list[str] = []
        conn.add_notice_handler(lambda d: notices.append(d.message_primary))
        conn.execute("SET client_min_messages = debug1")
        conn.execute("ALTER TABLE users ALTER COLUMN theme SET NOT NULL")
    assert any("sufficient to prove" in n for n in notices), notices


def test_squawk_finds_nothing_in_the_evolution_migrations(tmp_path: Path) -> None:
    """Every risky statement carries a squawk-ignore comment with its reason
    (the spec's approval, or the rollback it belongs to)."""
    import subprocess

    from tests.engines.test_squawk import _squawk

    paths = []
    for spec_id in EVOLVE_IDS:
        for direction in ("up", "down"):
            paths.append(str(_file(tmp_path, TREE, spec_id, "postgres", direction)))
    proc = subprocess.run([_squawk(), *paths], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
