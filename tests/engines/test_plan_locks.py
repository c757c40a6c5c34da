"""The migration plan's lock column, checked against PostgreSQL itself.

Each postgres step that runs inside a transaction is executed one by one on
a real server; after each, `pg_locks` shows the relation locks this session
holds.  Every lock the plan names ("ACCESS EXCLUSIVE on users") must be held,
and the step must not have taken a stronger lock on that table than the plan
says.  Steps outside a transaction (session settings, CONCURRENTLY) release
their locks when they finish, so they are not observable this way.
"""

from __future__ import annotations

import re

import pytest

from compiler.project import build_project
from targets.sql import render_schema
from targets.sql.self_check import render
from targets.sql.migration import build
from tests.conftest import ROOT, SPECS

PROJECT = build_project(SPECS, ROOT)
MIGRATING = [s for s in PROJECT.specs if s.has_migration]

# PostgreSQL's table lock modes, weakest first.
MODES = [
    "ACCESS SHARE",
    "ROW SHARE",
    "ROW EXCLUSIVE",
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
]
_CATALOG_NAME = {m: "".join(w.capitalize() for w in m.split()) + "Lock" for m in MODES}
_CLAIM = re.compile(r"\b(" + "|".join(sorted(MODES, key=len, reverse=True)) + r") on ([a-z_][a-z0-9_]*)((?: and on [a-z_][a-z0-9_]*)*)")


def claims(text: str) -> set[tuple[str, str]]:
    """(mode, table) pairs a plan's lock cell names."""
    out = set()
    for m in _CLAIM.finditer(text):
        out.add((m.group(1), m.group(2)))
        for extra in re.findall(r"and on ([a-z_][a-z0-9_]*)", m.group(3)):
            out.add((m.group(1), extra))
    return out


def tables(conn) -> dict[int, str]:  # type: ignore[no-untyped-def]
    rows = conn.execute("SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'").fetchall()
    return {int(oid): name for oid, name in rows}


def held(conn, names: dict[int, str]) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    """Relation locks this session holds, by table name.  `names` maps OIDs
    to names as known before the step, so a table the step dropped (gone
    from pg_class in this transaction) is still recognised."""
    rows = conn.execute("SELECT relation, mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation'").fetchall()
    out: dict[str, set[str]] = {}
    for oid, mode in rows:
        if oid is not None and int(oid) in names:
            out.setdefault(names[int(oid)], set()).add(mode)
    return out


def _strength(catalog_mode: str) -> int:
    return [_CATALOG_NAME[m] for m in MODES].index(catalog_mode)


def test_claims_parse() -> None:
    assert claims("ACCESS EXCLUSIVE on profile_links and on users (brief)") == {("ACCESS EXCLUSIVE", "profile_links"), ("ACCESS EXCLUSIVE", "users")}
    assert claims("SHARE UPDATE EXCLUSIVE on users: reads and writes continue") == {("SHARE UPDATE EXCLUSIVE", "users")}


@pytest.mark.parametrize("direction", ["up", "down"])
@pytest.mark.parametrize("spec", MIGRATING, ids=[s.id for s in MIGRATING])
def test_plan_locks_match_pg_locks(pg_server, pg_db, tmp_path, spec, direction: str) -> None:  # type: ignore[no-untyped-def]
    pg_server.run_sql(pg_db, render_schema(PROJECT.base, "postgres"))
    for earlier in MIGRATING[: MIGRATING.index(spec) + (direction == "down")]:
        path = tmp_path / f"{earlier.id}.sql"
        path.write_text(next(s for s in build(earlier).up if s.dialect == "postgres").render())
        pg_server.run_file(pg_db, path)
    script = next(s for s in getattr(build(spec), direction) if s.dialect == "postgres")
    verified = 0
    with pg_server.connect(pg_db, autocommit=True) as conn:
        for phase in script.phases:
            if phase.transaction:
                conn.autocommit = False
            for step in phase.steps:
                names = tables(conn) if phase.transaction else {}
                before = held(conn, names) if phase.transaction else {}
                conn.execute(render(step.expr, "postgres"))
                if not phase.transaction:
                    continue
                after = held(conn, {**names, **tables(conn)})
                for mode, table in sorted(claims(step.lock)):
                    assert _CATALOG_NAME[mode] in after.get(table, set()), f"{step.what}: plan says {mode} on {table}, held: {after.get(table)}"
                    new = after.get(table, set()) - before.get(table, set())
                    stronger = [m for m in new if _strength(m) > MODES.index(mode)]
                    assert not stronger, f"{step.what}: took {stronger} on {table}, plan says {mode}"
                    verified += 1
            if phase.transaction:
                conn.commit()
                conn.autocommit = True
    assert verified, "no lock claim was checked"
