"""SC103 narrow-type: a column's type or maximum length gets smaller."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlglot import exp

from compiler.safety.lint import types
from compiler.safety.lint.context import MigrationContext, constraint_kinds
from compiler.safety.lint.finding import Finding, Rule

_LENGTH_FUNCS = ("length", "char_length", "character_length")


def _length_bounds(check: exp.Expression) -> dict[str, int]:
    """column -> the largest length a CHECK allows, for `length(col) <= N`,
    `< N`, `BETWEEN a AND N` shapes."""
    out: dict[str, int] = {}
    for node in check.walk():
        func = None
        if isinstance(node, (exp.LTE, exp.LT)):
            func, bound = node.this, node.expression
            adjust = -1 if isinstance(node, exp.LT) else 0
        elif isinstance(node, exp.Between):
            func, bound, adjust = node.this, node.args.get("high"), 0
        else:
            continue
        name = func.sql("postgres").split("(")[0].lower() if func is not None else ""
        if isinstance(func, exp.Length) or name in _LENGTH_FUNCS:
            cols = list(func.find_all(exp.Column))
            if len(cols) == 1 and isinstance(bound, exp.Literal) and re.fullmatch(r"\d+", bound.name):
                out[cols[0].name] = int(bound.name) + adjust
    return out


class NarrowType(Rule[MigrationContext]):
    id = "SC103"
    name = "narrow-type"
    reason = "Narrowing a type or length fails on (or truncates) existing values and rejects writes old code still sends."
    fix = "Add a new, narrower column, backfill it with validated values, switch readers, then retire the old one."
    scope = "migration"

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        for stmt, table, action in ctx.alter_actions():
            if isinstance(action, exp.AlterColumn) and isinstance(action.args.get("dtype"), exp.DataType):
                before = ctx.column_before(table, action.name)
                if before is None:
                    continue
                new = types.of_datatype(action.args["dtype"])
                if types.narrows(types.of_column(before), new):
                    target = f"{table}.{action.name}"
                    yield ctx.finding(self.id, target, f"narrows {target} to {action.args['dtype'].sql('postgres')}", stmt, table, action.name)
            for _name, kind in constraint_kinds(action):
                if not isinstance(kind, exp.CheckColumnConstraint):
                    continue
                for column, bound in _length_bounds(kind.this).items():
                    before = ctx.column_before(table, column)
                    if before is None:
                        continue
                    old = types.of_column(before)
                    if old[0] == "string" and bound < old[1]:
                        target = f"{table}.{column}"
                        yield ctx.finding(self.id, target, f"limits {target} to {bound} characters, below what it holds today", stmt, table, column)
