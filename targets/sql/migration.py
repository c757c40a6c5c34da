"""A spec's schema operations -> migration scripts for every dialect.

`targets.sql.postgres` and `targets.sql.sqlite_mysql` decide which
statements run, in which order and in which transaction; `targets.sql.ddl`
builds each statement and `targets.sql.self_check` self-checks it.
"""

from __future__ import annotations

from compiler.ir import Spec
from targets.sql.postgres import postgres_scripts
from targets.sql.script import Migration, destroys
from targets.sql.sqlite_mysql import sqlite_or_mysql_scripts


def build(spec: Spec, mysql_inline: frozenset[tuple[str, str]] = frozenset()) -> Migration:
    """The migration of one spec for every dialect (call only when it has
    operations).  `mysql_inline`: see `sql_sqlite_mysql_alter.mysql_inline_checks`."""
    pg_up, pg_down = postgres_scripts(spec)
    sl_up, sl_down = sqlite_or_mysql_scripts(spec, "sqlite")
    my_up, my_down = sqlite_or_mysql_scripts(spec, "mysql", mysql_inline)
    return Migration(spec.id, (pg_up, sl_up, my_up), (pg_down, sl_down, my_down), destroys(spec.operations))
