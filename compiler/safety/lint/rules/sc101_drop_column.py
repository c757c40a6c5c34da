"""SC101 drop-column: a column is dropped."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from compiler.safety.lint.context import MigrationContext
from compiler.safety.lint.finding import Finding, Rule


class DropColumn(Rule[MigrationContext]):
    id = "SC101"
    name = "drop-column"
    reason = "Dropping a column destroys its data, and application code still reading it breaks."
    fix = "Stop reading and writing the column in a release first; drop it in a later spec that approves SC101."
    scope = "migration"

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        for stmt, table, action in ctx.alter_actions():
            if isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() == "COLUMN":
                for col in action.args.get("tables") or [action.this]:
                    target = f"{table}.{col.name}"
                    yield ctx.finding(self.id, target, f"drops column {target} and its data", stmt, table, col.name)
