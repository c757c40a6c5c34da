"""SC106 not-null-without-default: NOT NULL without a default on an existing table."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from compiler.safety.lint.context import MigrationContext
from compiler.safety.lint.finding import Finding, Rule


def _constraint(coldef: exp.ColumnDef, kind: type) -> bool:
    return any(isinstance(c.kind, kind) for c in coldef.constraints)


class NotNullWithoutDefault(Rule[MigrationContext]):
    id = "SC106"
    name = "not-null-without-default"
    reason = "NOT NULL without a default fails on a table that has rows, and SET NOT NULL scans it under an exclusive lock."
    fix = "Add the column nullable (or with a default), backfill it, add CHECK (col IS NOT NULL) NOT VALID, VALIDATE, then SET NOT NULL."
    scope = "migration"

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        for stmt, table, action in ctx.alter_actions():
            if ctx.existing(table) is None:
                continue
            target = f"{table}.{action.name}"
            if isinstance(action, exp.ColumnDef):
                if _constraint(action, exp.NotNullColumnConstraint) and not _constraint(action, exp.DefaultColumnConstraint):
                    yield ctx.finding(self.id, target, f"adds {target} NOT NULL without a default to a table that has rows", stmt, table, action.name)
            elif isinstance(action, exp.AlterColumn) and action.args.get("allow_null") is False:
                yield ctx.finding(self.id, target, f"sets {target} NOT NULL, scanning the table under an ACCESS EXCLUSIVE lock", stmt, table, action.name)
