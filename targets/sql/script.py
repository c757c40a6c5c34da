"""The script model shared by every dialect: steps, phases, scripts.

A `Step` is one statement plus what the migration plan says about it; a
`Script` renders its steps into up.sql/down.sql, self-checking every
statement on the way, so the plan and the file can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from compiler.ir import AddCheck, AddColumn, AddForeignKey, Check, Column, CreateTable, DropColumn, DropTable, ForeignKeyConstraint, Operation
from targets.sql import ddl
from targets.sql.self_check import check_script, render


@dataclass(frozen=True)
class Step:
    """One statement of a script and what the migration plan says about it.

    `what`, `lock` and `work` hold fixed wording plus validated identifiers;
    the plan still escapes them.  `comments` are `--` lines put above the
    statement (squawk-ignore markers and the reason for them).
    """

    expr: exp.Expr
    what: str
    lock: str = ""
    work: str = ""
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Phase:
    """Consecutive steps; `transaction` wraps them in BEGIN ... COMMIT."""

    title: str
    steps: tuple[Step, ...]
    transaction: bool = False


@dataclass(frozen=True)
class Script:
    """One up.sql or down.sql for one dialect."""

    dialect: str
    direction: str
    header: tuple[str, ...]
    phases: tuple[Phase, ...]

    def render(self) -> str:
        """The script text, self-checked: it must parse back into exactly the
        emitted statements (`check_script`; per statement when that fails)."""
        lines = [f"-- {line}" if line else "--" for line in self.header]
        statements: list[str] = []

        def emit(step_comments: tuple[str, ...], expression: exp.Expr) -> None:
            sql = render(expression, self.dialect)
            statements.append(sql)
            lines.extend(f"-- {c}" for c in step_comments)
            lines.append(f"{sql};")

        for phase in self.phases:
            if not phase.steps:
                continue
            lines.append("")
            lines.append(f"-- {phase.title}")
            if phase.transaction:
                emit((), ddl.begin())
            for step in phase.steps:
                emit(step.comments, step.expr)
            if phase.transaction:
                emit((), ddl.commit())
        text = "\n".join(lines) + "\n"
        check_script(text, statements, self.dialect)
        return text


@dataclass(frozen=True)
class Migration:
    """Up and down scripts of one spec for every dialect, plus what down destroys."""

    spec_id: str
    up: tuple[Script, ...]
    down: tuple[Script, ...]
    destroys: tuple[str, ...]


def destroys(ops: tuple[Operation, ...]) -> tuple[str, ...]:
    """The data the rollback of `ops` destroys, in rollback order."""
    out = []
    for op in reversed(ops):
        if isinstance(op, CreateTable):
            out.append(f"table {op.table.name} (all rows)")
        elif isinstance(op, AddColumn):
            out.append(f"column {op.table}.{op.column.name} (all values)")
        elif isinstance(op, DropColumn):
            out.append(f"no data of column {op.table}.{op.column.name}, which comes back empty: up.sql destroyed its data and down.sql does not restore it")
        elif isinstance(op, DropTable):
            out.append(f"no rows of table {op.table.name}, which comes back empty: up.sql destroyed its rows and down.sql does not restore them")
    return tuple(out)


def destroys_line(destroys: tuple[str, ...]) -> str:
    """The first comment line of every down.sql."""
    if not destroys:
        return "destroys: no data (drops only constraints and indexes)"
    return "destroys: " + "; ".join(destroys)


def ignore(rule: str, spec_id: str, what: str) -> tuple[str, ...]:
    """A squawk-ignore comment for `rule`, with the reason."""
    # squawk reads `-- squawk-ignore RULE -- reason` on the line before a statement.
    return (f"squawk-ignore {rule} -- rollback of {spec_id}: {what}",)


def attached(ops: tuple[Operation, ...], index: int) -> tuple[tuple[Check, ...], ForeignKeyConstraint | None, set[int]]:
    """The CHECKs and FK that belong to the column added by `ops[index]` and
    directly follow it (the lowering emits them in that order)."""
    op = ops[index]
    assert isinstance(op, AddColumn)
    checks: list[Check] = []
    fk: ForeignKeyConstraint | None = None
    used: set[int] = set()
    for j in range(index + 1, len(ops)):
        nxt = ops[j]
        if isinstance(nxt, AddCheck) and nxt.check.table == op.table and nxt.check.column == op.column.name:
            checks.append(nxt.check)
        elif isinstance(nxt, AddForeignKey) and nxt.constraint.table == op.table and nxt.constraint.column == op.column.name:
            fk = nxt.constraint
        else:
            break
        used.add(j)
    return tuple(checks), fk, used


def has_length_check(col: Column, checks: tuple[Check, ...]) -> bool:
    """Whether a CHECK bounds the length of `col` (postgres then uses text)."""
    return any(c.kind == "length" and c.column == col.name for c in checks)


def column_what(op: AddColumn) -> str:
    """How the plan names an ADD COLUMN step."""
    null = "nullable" if op.column.nullable else "NOT NULL"
    default = ", with a constant default" if op.column.default is not None else ", no default"
    return f"add column {op.table}.{op.column.name} ({null}{default})"
