"""SC108 index-not-concurrent: an index on an existing table built without CONCURRENTLY."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.safety.lint.context import MigrationContext, index_table
from compiler.safety.lint.finding import Finding, Rule


class IndexNotConcurrent(Rule[MigrationContext]):
    id = "SC108"
    name = "index-not-concurrent"
    reason = "CREATE INDEX without CONCURRENTLY blocks every write to the table until the index is built."
    fix = "Use CREATE INDEX CONCURRENTLY, outside a transaction (specc does this for indexes on existing tables)."
    scope = "migration"

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        for stmt, create in ctx.create_indexes():
            table = index_table(create)
            if ctx.existing(table) is not None and not create.args.get("concurrently"):
                name = create.this.name
                yield ctx.finding(self.id, name, f"builds index {name} on existing table {table} without CONCURRENTLY", stmt, table)
