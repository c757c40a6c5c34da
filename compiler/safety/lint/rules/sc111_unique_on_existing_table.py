"""SC111 unique-on-existing-table: a unique index or constraint added to a table with rows."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from compiler.safety.lint.context import MigrationContext, constraint_kinds, index_table
from compiler.safety.lint.finding import Finding, Rule


class UniqueOnExistingTable(Rule[MigrationContext]):
    id = "SC111"
    name = "unique-on-existing-table"
    reason = "A unique constraint on a table with rows fails on existing duplicates and rejects writes old code still makes."
    fix = "Find and resolve duplicates first (a backfill), build the index CONCURRENTLY, then attach it with ADD CONSTRAINT ... USING INDEX."
    scope = "migration"

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        for stmt, create in ctx.create_indexes():
            table = index_table(create)
            if create.args.get("unique") and ctx.existing(table) is not None:
                name = create.this.name
                yield ctx.finding(self.id, name, f"adds unique index {name} to existing table {table}", stmt, table)
        for stmt, table, action in ctx.alter_actions():
            if ctx.existing(table) is None:
                continue
            for name, kind in constraint_kinds(action):
                if isinstance(kind, (exp.UniqueColumnConstraint, exp.PrimaryKey, exp.PrimaryKeyColumnConstraint)):
                    yield ctx.finding(self.id, name or table, f"adds unique constraint {name} to existing table {table}", stmt, table)
