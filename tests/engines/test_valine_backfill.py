"""The Valine example's backfill, run for real on PostgreSQL against Valine's schema:
legacy links in profiles."socialLinks" become profile_links rows with the profile's
userId copied, a uuid text id and "updatedAt" set (Prisma fills neither in the database);
junk is skipped, a rerun changes nothing and the rollback removes exactly what moved."""

from __future__ import annotations

import json
import shutil
from pathlib import Path, PurePosixPath

from compiler import pypackage
from compiler.emit import render_tree
from compiler.project import build_project
from targets import prisma as prisma_target
from tests.conftest import ROOT
from tests.engines.test_backfills import _load

VALINE = ROOT / "examples" / "valine"

LEGACY = {
    "p1": [
        {"url": "https://example.com/me", "label": "Site", "type": "website"},
        {"url": "javascript:alert(1)", "label": "bad"},  # refused scheme: skipped
        {"url": "https://www.imdb.com/name/nm1", "label": "IMDb", "type": "imdb"},
        {"url": "https://reel.example/x", "label": "Reel"},  # no type: the default, other
    ],
    "p2": {"website": "https://not-a-list.example"},  # Valine's older object shape: nothing to move
    "p3": None,
}


def test_social_links_move_into_valines_profile_links(pg_server, pg_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(VALINE, tmp_path / "p", ignore=shutil.ignore_patterns("snapshots", ".specc"))
    project = build_project(tmp_path / "p" / "specs")
    done = pg_server.run_sql(pg_db, (VALINE / "specs" / "base" / "schema.sql").read_text("utf-8"))
    assert done.returncode == 0, done.stderr
    files: dict[PurePosixPath, str] = {}
    for spec in project.specs:
        files.update(prisma_target.emit_spec(project, spec))
    with pg_server.connect(pg_db, autocommit=True) as conn:
        for folder in sorted({p.parent for p in files if p.name == "migration.sql"}, key=lambda p: p.name):
            conn.execute(files[folder / "migration.sql"].encode())
        for n, profile in enumerate(LEGACY, 1):
            conn.execute(
                'INSERT INTO users (id, username, email, "normalizedEmail", "passwordHash", "updatedAt") VALUES (%s, %s, %s, %s, %s, now())',
                (f"u{n}", f"user{n}", f"u{n}@example.com", f"u{n}@example.com", "x"),
            )
            links = LEGACY[profile]
            conn.execute(
                'INSERT INTO profiles (id, "userId", "vanityUrl", "socialLinks", "updatedAt") VALUES (%s, %s, %s, %s, now())',
                (profile, f"u{n}", f"vanity{n}", None if links is None else json.dumps(links)),
            )
    tree = render_tree(project)
    module = _load(tree, pypackage.backfill_module("profile-links-titles", "social_links_to_profile_links"), tmp_path)
    with pg_server.connect(pg_db, autocommit=False) as conn:
        status = module.Backfill(conn, "postgres", 2, report=lambda _: None).run()
        again = module.Backfill(conn, "postgres", 2, report=lambda _: None).run()
    assert status["rows_changed"] == 3 and status["items_skipped"] == 1, status
    assert again == status, "a finished backfill changes nothing"
    with pg_server.connect(pg_db) as conn:
        rows = conn.execute('SELECT id, "userId", "profileId", label, url, type, position, "updatedAt" IS NOT NULL FROM profile_links ORDER BY position').fetchall()
    assert [(r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows] == [
        ("u1", "p1", "Site", "https://example.com/me", "website", 0, True),
        ("u1", "p1", "IMDb", "https://www.imdb.com/name/nm1", "imdb", 1, True),
        ("u1", "p1", "Reel", "https://reel.example/x", "other", 2, True),
    ]
    assert all(len(r[0]) == 36 for r in rows), "ids are uuids made by the runner"
    with pg_server.connect(pg_db) as conn:
        assert conn.execute("SELECT count(*) FROM profile_links").fetchone()[0] == 3, "the rerun inserted nothing"
    with pg_server.connect(pg_db, autocommit=False) as conn:
        assert module.Backfill(conn, "postgres", 2, report=lambda _: None).rollback() == 3
    with pg_server.connect(pg_db) as conn:
        assert conn.execute("SELECT count(*) FROM profile_links").fetchone()[0] == 0


def test_the_plans_checks_before_deploying_find_what_the_change_would_refuse(pg_server, pg_db) -> None:  # type: ignore[no-untyped-def]
    """The migration plan's read-only queries, run on Valine's schema before the
    migration: the user whose links break the new unique ("userId", position)
    and the new cap of 20 is found, and the user within both is not."""
    plan = (VALINE / "snapshots" / "profile-links-titles" / "migration-plan.md").read_text("utf-8")
    section = plan.split("## Before deploying", 1)[1].split("\n## ", 1)[0]
    queries = [block.split("```", 1)[0].strip() for block in section.split("```sql\n")[1:]]
    assert len(queries) == 2, section
    done = pg_server.run_sql(pg_db, (VALINE / "specs" / "base" / "schema.sql").read_text("utf-8"))
    assert done.returncode == 0, done.stderr
    with pg_server.connect(pg_db, autocommit=True) as conn:
        for n in (1, 2):
            conn.execute(
                'INSERT INTO users (id, username, email, "normalizedEmail", "passwordHash", "updatedAt") VALUES (%s, %s, %s, %s, %s, now())',
                (f"u{n}", f"user{n}", f"u{n}@example.com", f"u{n}@example.com", "x"),
            )
            conn.execute('INSERT INTO profiles (id, "userId", "vanityUrl", "updatedAt") VALUES (%s, %s, %s, now())', (f"p{n}", f"u{n}", f"vanity{n}"))
        # u1: 21 links, two of them at position 0; u2: one link.
        for i, (user, position) in enumerate([("u1", p) for p in range(20)] + [("u1", 0), ("u2", 0)]):
            conn.execute(
                'INSERT INTO profile_links (id, "userId", "profileId", label, url, type, position, "updatedAt") VALUES (%s, %s, %s, %s, %s, %s, %s, now())',
                (f"l{i}", user, "p" + user[1:], "Site", "https://example.com/", "website", position),
            )
        duplicates, over_cap = (conn.execute(q.encode()).fetchall() for q in queries)
    assert duplicates == [("u1", 0, 2)]
    assert over_cap == [("u1", 21)]
