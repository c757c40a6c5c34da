"""SC109 constraint-not-valid: an FK or CHECK added to an existing table without NOT VALID."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from compiler.safety.lint.context import MigrationContext, constraint_kinds
from compiler.safety.lint.finding import Finding, Rule


class ConstraintNotValid(Rule[MigrationContext]):
    id = "SC109"
    name = "constraint-not-valid"
    reason = "Adding a CHECK or FOREIGN KEY validates every row while holding a lock that blocks writes."
    fix = "Add it NOT VALID (instant), then VALIDATE CONSTRAINT in a separate statement, which only takes a SHARE UPDATE EXCLUSIVE lock."
    scope = "migration"

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        for stmt, table, action in ctx.alter_actions():
            if ctx.existing(table) is None or stmt.expr.args.get("not_valid"):
                continue
            for name, kind in constraint_kinds(action):
                if isinstance(kind, (exp.CheckColumnConstraint, exp.ForeignKey, exp.Reference)):
                    what = "CHECK" if isinstance(kind, exp.CheckColumnConstraint) else "FOREIGN KEY"
                    yield ctx.finding(self.id, name or table, f"adds {what} {name} to existing table {table} without NOT VALID", stmt, table)
