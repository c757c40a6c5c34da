"""SC107 rewriting-type-change: a type change that rewrites the whole table."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from compiler.safety.lint import types
from compiler.safety.lint.context import MigrationContext
from compiler.safety.lint.finding import Finding, Rule


class RewritingTypeChange(Rule[MigrationContext]):
    id = "SC107"
    name = "rewriting-type-change"
    reason = "Most type changes rewrite the table and its indexes under an ACCESS EXCLUSIVE lock, blocking reads and writes."
    fix = "Add a column of the new type, backfill it in batches, switch readers and writers, then drop the old column."
    scope = "migration"

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        for stmt, table, action in ctx.alter_actions():
            if not (isinstance(action, exp.AlterColumn) and isinstance(action.args.get("dtype"), exp.DataType)):
                continue
            before = ctx.column_before(table, action.name)
            if before is None:
                continue
            if types.rewrites(types.of_column(before), types.of_datatype(action.args["dtype"])):
                target = f"{table}.{action.name}"
                yield ctx.finding(self.id, target, f"changes {target} to {action.args['dtype'].sql('postgres')}, which rewrites {table}", stmt, table, action.name)
