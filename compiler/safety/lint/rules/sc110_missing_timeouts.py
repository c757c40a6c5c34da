"""SC110 missing-timeouts: DDL on an existing table without lock and statement timeouts."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from compiler.safety.lint.context import MigrationContext, index_table
from compiler.safety.lint.finding import Finding, Rule

REQUIRED = ("lock_timeout", "statement_timeout")


def _set_names(expr: exp.Expr) -> set[str]:
    names = set()
    if isinstance(expr, exp.Set):
        for item in expr.expressions:
            target = item.this.this if isinstance(item.this, exp.EQ) else item.this
            if isinstance(target, exp.Expression):
                names.add(target.name.lower())
    return names


def _touches_existing(ctx: MigrationContext, expr: exp.Expr) -> str | None:
    if isinstance(expr, exp.Alter):
        table = expr.this.name
    elif isinstance(expr, exp.Create) and (expr.args.get("kind") or "").upper() == "INDEX":
        table = index_table(expr)
    elif isinstance(expr, exp.Drop) and (expr.args.get("kind") or "").upper() == "TABLE":
        table = expr.this.name
    else:
        return None
    return table if ctx.existing(table) is not None else None


class MissingTimeouts(Rule[MigrationContext]):
    id = "SC110"
    name = "missing-timeouts"
    reason = "A DDL statement queued behind a long transaction blocks all traffic on the table; a lock_timeout bounds that."
    fix = "SET lock_timeout and statement_timeout at the top of the migration (specc's SQL target does); retry on timeout."
    scope = "migration"

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        seen: set[str] = set()
        for stmt in ctx.statements:
            seen |= _set_names(stmt.expr)
            table = _touches_existing(ctx, stmt.expr)
            if table is None:
                continue
            missing = [name for name in REQUIRED if name not in seen]
            if missing:
                yield ctx.finding(self.id, "migration", f"changes existing table {table} before setting {' and '.join(missing)}", stmt, table)
            return
