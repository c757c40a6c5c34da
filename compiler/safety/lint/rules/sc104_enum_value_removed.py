"""SC104 enum-value-removed: a value leaves a column's set of allowed values."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from compiler.safety.lint.context import MigrationContext, constraint_kinds
from compiler.safety.lint.finding import Finding, Rule


def _in_lists(check: exp.Expression) -> dict[str, set[str]]:
    """column -> allowed values, for `col IN ('a', 'b')` inside a CHECK."""
    out: dict[str, set[str]] = {}
    for node in check.find_all(exp.In):
        if isinstance(node.this, exp.Column) and all(isinstance(v, exp.Literal) for v in node.expressions):
            out[node.this.name] = {v.name for v in node.expressions}
    return out


class EnumValueRemoved(Rule[MigrationContext]):
    id = "SC104"
    name = "enum-value-removed"
    reason = "Removing an allowed value fails on rows that hold it and breaks clients that still send it."
    fix = "Migrate rows off the value with a backfill and stop clients sending it, then remove it in a spec that approves SC104."
    scope = "migration"

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        for stmt, table, action in ctx.alter_actions():
            for _name, kind in constraint_kinds(action):
                if not isinstance(kind, exp.CheckColumnConstraint):
                    continue
                for column, values in _in_lists(kind.this).items():
                    before = ctx.column_before(table, column)
                    if before is None or before.enum is None:
                        continue
                    removed = [v for v in before.enum.values if v not in values]
                    if removed:
                        target = f"{table}.{column}"
                        yield ctx.finding(self.id, target, f"removes {', '.join(map(repr, removed))} from the allowed values of {target}", stmt, table, column)
        for stmt in ctx.statements:
            # Native enum types cannot lose a value in place; a recreated type
            # shows up as ALTER TYPE ... RENAME + CREATE TYPE, which sqlglot keeps as a command.
            if isinstance(stmt.expr, exp.Command) and stmt.text.upper().startswith("DROP TYPE"):
                yield ctx.finding(self.id, stmt.text.split()[-1], "drops an enum type", stmt, "")
