"""The catalog comparison the migration tests rely on must see every kind of
difference; otherwise "identical after down" would prove nothing."""

from __future__ import annotations

import pytest

PG_CHANGES = [
    "ALTER TABLE t ADD COLUMN extra int",
    "ALTER TABLE t ALTER COLUMN name TYPE varchar(20)",
    "ALTER TABLE t ALTER COLUMN name SET NOT NULL",
    "ALTER TABLE t ALTER COLUMN name SET DEFAULT 'x'",
    "ALTER TABLE t ADD CONSTRAINT ck CHECK (id > 0) NOT VALID",
    "CREATE INDEX ix ON t (name)",
]


@pytest.mark.parametrize("change", PG_CHANGES)
def test_pg_catalog_sees_change(pg_server, pg_db, change: str) -> None:  # type: ignore[no-untyped-def]
    pg_server.run_sql(pg_db, "CREATE TABLE t (id bigint PRIMARY KEY, name varchar(10));")
    before = pg_server.catalog(pg_db)
    pg_server.run_sql(pg_db, change + ";")
    assert pg_server.catalog(pg_db) != before


MYSQL_CHANGES = [
    "ALTER TABLE t ADD COLUMN extra int",
    "ALTER TABLE t MODIFY name varchar(20)",
    "ALTER TABLE t MODIFY name varchar(10) NOT NULL",
    "ALTER TABLE t ALTER COLUMN name SET DEFAULT 'x'",
    "ALTER TABLE t ADD CONSTRAINT ck CHECK (id > 0)",
    "CREATE INDEX ix ON t (name)",
]


@pytest.mark.parametrize("change", MYSQL_CHANGES)
def test_mysql_catalog_sees_change(mysql_server, mysql_db, change: str) -> None:  # type: ignore[no-untyped-def]
    mysql_server.run_sql(mysql_db, "CREATE TABLE t (id bigint PRIMARY KEY, name varchar(10));")
    before = mysql_server.catalog(mysql_db)
    mysql_server.run_sql(mysql_db, change + ";")
    assert mysql_server.catalog(mysql_db) != before
