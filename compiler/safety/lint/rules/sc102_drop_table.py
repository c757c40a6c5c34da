"""SC102 drop-table: a table is dropped."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from compiler.safety.lint.context import MigrationContext
from compiler.safety.lint.finding import Finding, Rule


class DropTable(Rule[MigrationContext]):
    id = "SC102"
    name = "drop-table"
    reason = "Dropping a table destroys every row in it, and code still using it breaks."
    fix = "Remove every use of the table in a release first, keep a backup, then drop it in a spec that approves SC102."
    scope = "migration"

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        for stmt in ctx.statements:
            expr = stmt.expr
            if isinstance(expr, exp.Drop) and (expr.args.get("kind") or "").upper() == "TABLE":
                for table in expr.args.get("tables") or [expr.this]:
                    yield ctx.finding(self.id, table.name, f"drops table {table.name} and every row in it", stmt, table.name)
