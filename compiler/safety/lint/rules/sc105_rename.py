"""SC105 rename: a table or column is renamed."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from compiler.safety.lint.context import MigrationContext
from compiler.safety.lint.finding import Finding, Rule


class Rename(Rule[MigrationContext]):
    id = "SC105"
    name = "rename"
    reason = "A rename is instant in the database but breaks every deployed reader and writer of the old name at once."
    fix = "Expand and contract: add the new column (or a view), write both, backfill, move readers, then drop the old name."
    scope = "migration"

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        for stmt, table, action in ctx.alter_actions():
            if isinstance(action, exp.RenameColumn):
                old, new = action.this.name, action.args["to"].name
                target = f"{table}.{old}"
                yield ctx.finding(self.id, target, f"renames column {target} to {new}", stmt, table, old)
            elif isinstance(action, exp.AlterRename):
                yield ctx.finding(self.id, table, f"renames table {table} to {action.this.name}", stmt, table)
