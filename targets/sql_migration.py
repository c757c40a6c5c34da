"""A spec's schema operations -> ordered, annotated migration scripts.

This module decides *which* statements run, in which order and in which
transaction, for each dialect; `targets.sql_ddl` builds each statement and
`targets.sql_check` renders and self-checks it.  Every `Step` carries what
the migration plan says about it (lock, table work), so the plan can never
describe a different script from the one emitted.

PostgreSQL up.sql runs in up to four phases, so that `psql -f up.sql` does
what a careful person would type:
  1. session settings: lock_timeout, statement_timeout;
  2. one transaction with every catalog-only change (ADD COLUMN, ADD
     CONSTRAINT ... NOT VALID, CREATE TABLE, indexes on the new tables);
  3. a second transaction that VALIDATEs the new constraints (it scans the
     table under SHARE UPDATE EXCLUSIVE, which does not block reads or writes;
     squawk's constraint-missing-not-valid wants it out of the first one);
  4. CREATE INDEX CONCURRENTLY for indexes on existing tables, outside any
     transaction (PostgreSQL refuses CONCURRENTLY inside one).
down.sql undoes it in reverse: concurrent index drops first, then one
transaction that drops constraints, tables and columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from compiler.ir import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    Check,
    Column,
    CreateIndex,
    CreateTable,
    ForeignKeyConstraint,
    Operation,
    Spec,
)
from targets import sql_ddl as ddl
from targets.sql_check import ValidateConstraint, check_script, check_statement, render

LOCK_TIMEOUT = "5s"
STATEMENT_TIMEOUT = "30s"


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
        """The script text; every statement is self-checked on the way."""
        lines = [f"-- {line}" if line else "--" for line in self.header]
        statements: list[str] = []

        def emit(step_comments: tuple[str, ...], expression: exp.Expr) -> None:
            sql = render(expression, self.dialect)
            check_statement(sql, self.dialect)
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


# --- shared helpers -----------------------------------------------------------


def _destroys(ops: tuple[Operation, ...]) -> tuple[str, ...]:
    out = []
    for op in reversed(ops):
        if isinstance(op, CreateTable):
            out.append(f"table {op.table.name} (all rows)")
        elif isinstance(op, AddColumn):
            out.append(f"column {op.table}.{op.column.name} (all values)")
    return tuple(out)


def _destroys_line(destroys: tuple[str, ...]) -> str:
    if not destroys:
        return "destroys: no data (drops only constraints and indexes)"
    return "destroys: " + "; ".join(destroys)


def _ignore(rule: str, spec_id: str, what: str) -> tuple[str, ...]:
    # squawk reads `-- squawk-ignore RULE -- reason` on the line before a statement.
    return (f"squawk-ignore {rule} -- rollback of {spec_id}: {what}",)


def _attached(ops: tuple[Operation, ...], index: int) -> tuple[tuple[Check, ...], ForeignKeyConstraint | None, set[int]]:
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


def _has_length_check(col: Column, checks: tuple[Check, ...]) -> bool:
    return any(c.kind == "length" and c.column == col.name for c in checks)


def _column_what(op: AddColumn) -> str:
    null = "nullable" if op.column.nullable else "NOT NULL"
    default = ", with a constant default" if op.column.default is not None else ", no default"
    return f"add column {op.table}.{op.column.name} ({null}{default})"


# --- postgres ----------------------------------------------------------------


def _postgres(spec: Spec) -> tuple[Script, Script]:
    ops = spec.operations
    tx: list[Step] = []
    validate: list[Step] = []
    concurrent: list[Step] = []
    down_tx: list[Step] = []
    down_concurrent: list[Step] = []
    for op in ops:
        if isinstance(op, AddColumn):
            checks = tuple(o.check for o in ops if isinstance(o, AddCheck) and o.check.table == op.table)
            tx.append(
                Step(
                    ddl.alter(op.table, [ddl.column_def(op.column, "postgres", checked=_has_length_check(op.column, checks))]),
                    _column_what(op),
                    f"ACCESS EXCLUSIVE on {op.table}, held until COMMIT (brief: catalog only)",
                    "none: a new column without a volatile default is a catalog change; no rewrite, no scan",
                )
            )
            down_tx.append(
                Step(
                    ddl.alter(op.table, [ddl.drop_column(op.column.name)]),
                    f"drop column {op.table}.{op.column.name}",
                    f"ACCESS EXCLUSIVE on {op.table} (brief)",
                    "none: the column is marked dropped; its values are gone",
                    _ignore("ban-drop-column", spec.id, f"drops {op.table}.{op.column.name}"),
                )
            )
        elif isinstance(op, AddCheck):
            c = op.check
            tx.append(
                Step(
                    ddl.alter(c.table, [ddl.add_constraint(ddl.check_constraint(c))], not_valid=True),
                    f"add CHECK {c.name} on {c.table}.{c.column}, NOT VALID",
                    f"ACCESS EXCLUSIVE on {c.table}, held until COMMIT (brief)",
                    "none: existing rows are not checked yet (NOT VALID); new and updated rows are",
                )
            )
            validate.append(
                Step(
                    ddl.alter(c.table, [_validate(c.name)]),
                    f"validate CHECK {c.name}",
                    f"SHARE UPDATE EXCLUSIVE on {c.table}: reads and writes continue",
                    f"scans {c.table} once to check the existing rows",
                )
            )
            down_tx.append(_drop_constraint_pg(spec.id, c.table, c.name, "CHECK", f"ACCESS EXCLUSIVE on {c.table} (brief)"))
        elif isinstance(op, AddForeignKey):
            fk = op.constraint
            tx.append(
                Step(
                    ddl.alter(fk.table, [ddl.add_constraint(ddl.fk_constraint(fk))], not_valid=True),
                    f"add FOREIGN KEY {fk.name} on {fk.table}.{fk.column} -> {fk.fk.table}.{fk.fk.column}, NOT VALID",
                    f"SHARE ROW EXCLUSIVE on {fk.table} and {fk.fk.table}, held until COMMIT (brief)",
                    "none: existing rows are not checked yet (NOT VALID); new and updated rows are",
                )
            )
            validate.append(
                Step(
                    ddl.alter(fk.table, [_validate(fk.name)]),
                    f"validate FOREIGN KEY {fk.name}",
                    f"SHARE UPDATE EXCLUSIVE on {fk.table}: reads and writes continue",
                    f"scans {fk.table} and looks up each value in {fk.fk.table}",
                )
            )
            down_tx.append(
                _drop_constraint_pg(spec.id, fk.table, fk.name, "FOREIGN KEY", f"ACCESS EXCLUSIVE on {fk.table} and {fk.fk.table} (brief)")
            )
        elif isinstance(op, CreateTable):
            t = op.table
            refs = sorted({fk.fk.table for fk in t.foreign_keys if fk.fk.table != t.name})
            lock = f"SHARE ROW EXCLUSIVE on {', '.join(refs)} for the foreign keys (brief)" if refs else "none on existing tables"
            tx.append(Step(ddl.create_table(t, "postgres"), f"create table {t.name}", lock, "none: the table is new and empty"))
            down_tx.append(
                Step(
                    ddl.drop_table(t.name),
                    f"drop table {t.name} (and its indexes)",
                    f"ACCESS EXCLUSIVE on {t.name}" + (f" and on {', '.join(refs)} (brief, to drop the FK triggers)" if refs else ""),
                    "none: the table and all its rows are removed",
                    _ignore("ban-drop-table", spec.id, f"drops {t.name}"),
                )
            )
        elif isinstance(op, CreateIndex) and op.new_table:
            # The table was created in this transaction and is empty: a plain
            # CREATE INDEX is instant, and squawk's require-concurrent-index-creation
            # accepts it for a table created in the same transaction.
            ix = op.index
            tx.append(
                Step(
                    ddl.create_index(ix, "postgres"),
                    f"create {'unique ' if ix.unique else ''}index {ix.name} on {ix.table} ({', '.join(ix.columns)})",
                    f"SHARE on {ix.table} (created in this transaction; no other session can see it yet)",
                    "none: the table is empty",
                )
            )
            # DROP TABLE in down.sql removes it together with its table.
        elif isinstance(op, CreateIndex):
            ix = op.index
            concurrent.append(
                Step(
                    ddl.drop_index(ix, "postgres", concurrently=True, if_exists=True),
                    f"drop a leftover INVALID index {ix.name} from an interrupted earlier run (no-op otherwise)",
                    f"SHARE UPDATE EXCLUSIVE on {ix.table}: reads and writes continue",
                    "none",
                    ("an interrupted CONCURRENTLY build leaves an INVALID index that IF NOT EXISTS would keep",),
                )
            )
            concurrent.append(
                Step(
                    ddl.create_index(ix, "postgres", concurrently=True, if_not_exists=True),
                    f"create {'unique ' if ix.unique else ''}index {ix.name} on {ix.table} ({', '.join(ix.columns)}) CONCURRENTLY",
                    f"SHARE UPDATE EXCLUSIVE on {ix.table}: reads and writes continue",
                    f"scans {ix.table} twice and waits for transactions older than the build; cannot run inside a transaction",
                )
            )
            down_concurrent.append(
                Step(
                    ddl.drop_index(ix, "postgres", concurrently=True, if_exists=True),
                    f"drop index {ix.name} CONCURRENTLY",
                    f"SHARE UPDATE EXCLUSIVE on {ix.table}: reads and writes continue",
                    "none; cannot run inside a transaction",
                )
            )
    settings = Phase(
        "session settings: fail fast instead of queueing behind long transactions",
        (
            Step(ddl.set_setting("lock_timeout", LOCK_TIMEOUT), f"lock_timeout = {LOCK_TIMEOUT}", "none", "none"),
            Step(ddl.set_setting("statement_timeout", STATEMENT_TIMEOUT), f"statement_timeout = {STATEMENT_TIMEOUT}", "none", "none"),
        ),
    )
    relax = Phase(
        "the steps below take only SHARE UPDATE EXCLUSIVE (reads and writes continue), so they may take as long as the table needs; lock_timeout still applies",
        (Step(ddl.set_setting("statement_timeout", 0), "statement_timeout = 0 (no limit) for the scans below", "none", "none"),),
    )
    up_phases = [settings, Phase("catalog-only changes, all or nothing", tuple(tx), transaction=True)]
    if validate or concurrent:
        up_phases.append(relax)
    up_phases.append(Phase("validate the new constraints against existing rows, in a second transaction", tuple(validate), transaction=True))
    up_phases.append(Phase("indexes on existing tables: CONCURRENTLY, outside any transaction", tuple(concurrent)))
    header = (f"specc migration {spec.id}: up, postgres",) + _psql_hint(bool(concurrent))
    up = Script("postgres", "up", header, tuple(up_phases))
    destroys = _destroys(ops)
    down_phases = [settings]
    if down_concurrent:
        down_phases.append(Phase("indexes on existing tables: CONCURRENTLY, outside any transaction", tuple(reversed(down_concurrent))))
    down_phases.append(Phase("undo the catalog changes in reverse order, all or nothing", tuple(reversed(down_tx)), transaction=True))
    down_header = (_destroys_line(destroys), f"specc migration {spec.id}: down, postgres") + _psql_hint(bool(down_concurrent))
    down = Script("postgres", "down", down_header, tuple(down_phases))
    return up, down


def _psql_hint(concurrent: bool) -> tuple[str, ...]:
    hint = ("run with: psql -v ON_ERROR_STOP=1 -f FILE",)
    if concurrent:
        hint += ("do not add --single-transaction: CONCURRENTLY cannot run inside a transaction block",)
    return hint


def _validate(name: str) -> exp.Expr:
    return ValidateConstraint(this=ddl.ident(name))


def _drop_constraint_pg(spec_id: str, table: str, name: str, kind: str, lock: str) -> Step:
    return Step(
        ddl.alter(table, [ddl.drop_constraint(name)]),
        f"drop {kind} {name} on {table}",
        lock,
        "none",
        _ignore("ban-drop-constraint", spec_id, f"drops {name}"),
    )


# --- sqlite and mysql ---------------------------------------------------------


def _sqlite_or_mysql(spec: Spec, dialect: str) -> tuple[Script, Script]:
    """SQLite cannot ADD CONSTRAINT to an existing table, so CHECKs and FKs of
    an added column go inline into its ADD COLUMN (allowed: a REFERENCES
    column added this way has a NULL default).  MySQL gets the same shape,
    for a different reason: a CHECK inside ADD COLUMN is INSTANT on MariaDB
    while ADD CONSTRAINT ... CHECK always copies the table (MariaDB does not
    accept a name on a column CHECK, so the server names it and it is dropped
    with its column)."""
    ops = spec.operations
    up: list[Step] = []
    down: list[Step] = []
    consumed: set[int] = set()
    for i, op in enumerate(ops):
        if i in consumed:
            continue
        if isinstance(op, AddColumn):
            checks, fk, used = _attached(ops, i)
            consumed |= used
            up.append(_add_column_step(op, checks, fk, dialect))
            actions: list[exp.Expr] = []
            if fk is not None and dialect == "mysql":
                actions.append(ddl.drop_constraint(fk.name, foreign_key_on_mysql=True))
            actions.append(ddl.drop_column(op.column.name))
            down.append(Step(ddl.alter(op.table, actions), f"drop column {op.table}.{op.column.name} (and its constraints)", *_drop_column_notes(dialect, op.table)))
        elif isinstance(op, (AddCheck, AddForeignKey)):
            if dialect == "sqlite":
                name = op.check.name if isinstance(op, AddCheck) else op.constraint.name
                raise ddl.SqlTargetError(f"sqlite cannot add constraint {name} to an existing column (no ALTER TABLE ADD CONSTRAINT)")
            up.append(_mysql_add_constraint(op))
            if isinstance(op, AddCheck):
                down.append(Step(ddl.alter(op.check.table, [ddl.drop_constraint(op.check.name)]), f"drop CHECK {op.check.name}", "metadata lock (brief)", "none"))
            else:
                c = op.constraint
                down.append(Step(ddl.alter(c.table, [ddl.drop_constraint(c.name, foreign_key_on_mysql=True)]), f"drop FOREIGN KEY {c.name}", "metadata lock (brief)", "none"))
        elif isinstance(op, CreateTable):
            t = op.table
            up.append(Step(ddl.create_table(t, dialect), f"create table {t.name}", _lock(dialect, "new table"), "none: the table is new and empty"))
            down.append(Step(ddl.drop_table(t.name), f"drop table {t.name} (and its indexes)", _lock(dialect, "drop"), "none: the table and all its rows are removed"))
        elif isinstance(op, CreateIndex):
            ix = op.index
            work = "none: the table is empty" if op.new_table else (
                f"reads all of {ix.table}; InnoDB builds it online (INPLACE, LOCK=NONE)" if dialect == "mysql" else f"reads all of {ix.table}"
            )
            up.append(Step(ddl.create_index(ix, dialect), f"create {'unique ' if ix.unique else ''}index {ix.name} on {ix.table} ({', '.join(ix.columns)})", _lock(dialect, "index"), work))
            if not op.new_table:
                down.append(Step(ddl.drop_index(ix, dialect), f"drop index {ix.name}", _lock(dialect, "index"), "none"))
    destroys = _destroys(ops)
    transactional = dialect == "sqlite"
    note = (
        "one transaction: SQLite DDL is transactional",
        "MySQL commits each DDL statement implicitly; each statement is atomic on its own",
    )[0 if transactional else 1]
    up_script = Script(dialect, "up", (f"specc migration {spec.id}: up, {dialect}",), (Phase(note, tuple(up), transaction=transactional),))
    down_script = Script(
        dialect,
        "down",
        (_destroys_line(destroys), f"specc migration {spec.id}: down, {dialect}"),
        (Phase(note, tuple(reversed(down)), transaction=transactional),),
    )
    return up_script, down_script


def _add_column_step(op: AddColumn, checks: tuple[Check, ...], fk: ForeignKeyConstraint | None, dialect: str) -> Step:
    col = op.column
    if dialect == "sqlite":
        coldef = ddl.column_def(col, dialect, checked=True, inline_checks=checks, inline_fk=fk)
        return Step(ddl.alter(op.table, [coldef]), _column_what(op) + _with(checks, fk), "write lock on the database file until COMMIT", "none: SQLite appends the column to the table definition; the CHECKs are tested against existing rows, which hold NULL")
    coldef = ddl.column_def(col, dialect, checked=True)
    if checks:
        coldef.append("constraints", exp.ColumnConstraint(kind=exp.CheckColumnConstraint(this=_conjunction(checks))))
    actions: list[exp.Expr] = [coldef]
    if fk is not None:
        actions.append(ddl.add_constraint(ddl.fk_constraint(fk)))
    if checks or fk:
        work = (
            "MariaDB 10.4+: INSTANT when there is no FOREIGN KEY (a column CHECK does not copy the table). "
            "MySQL 8.0/8.4: a CHECK or FOREIGN KEY in ADD COLUMN makes it ALGORITHM=COPY, a table rebuild that blocks writes; "
            f"on a large {op.table} use an online schema-change tool"
        )
    else:
        work = "none: INSTANT on MySQL 8.0.29+ and MariaDB 10.4+"
    return Step(ddl.alter(op.table, actions), _column_what(op) + _with(checks, fk), f"metadata lock on {op.table} (brief)", work)


def _mysql_add_constraint(op: AddCheck | AddForeignKey) -> Step:
    if isinstance(op, AddCheck):
        c = op.check
        return Step(ddl.alter(c.table, [ddl.add_constraint(ddl.check_constraint(c))]), f"add CHECK {c.name}", f"metadata lock on {c.table}", f"copies {c.table} (ALGORITHM=COPY) and checks every row")
    fk = op.constraint
    return Step(ddl.alter(fk.table, [ddl.add_constraint(ddl.fk_constraint(fk))]), f"add FOREIGN KEY {fk.name}", f"metadata lock on {fk.table}", f"copies {fk.table} (ALGORITHM=COPY while foreign_key_checks=1)")


def _conjunction(checks: tuple[Check, ...]) -> exp.Expr:
    cond = ddl.check_condition(checks[0])
    for check in checks[1:]:
        cond = exp.And(this=cond, expression=ddl.check_condition(check))
    return cond


def _with(checks: tuple[Check, ...], fk: ForeignKeyConstraint | None) -> str:
    names = [c.name for c in checks] + ([fk.name] if fk else [])
    return f" with {', '.join(names)}" if names else ""


def _lock(dialect: str, what: str) -> str:
    if dialect == "sqlite":
        return "write lock on the database file until COMMIT"
    return {"new table": "metadata lock on the new table; FKs take a shared metadata lock on the referenced tables", "drop": "exclusive metadata lock on the table", "index": "metadata lock (brief at start and end)"}[what]


def _drop_column_notes(dialect: str, table: str) -> tuple[str, str]:
    if dialect == "sqlite":
        return "write lock on the database file until COMMIT", f"rewrites {table} to remove the column"
    return f"metadata lock on {table} (brief)", "INSTANT on MySQL 8.0.29+ and MariaDB 10.4+; otherwise rebuilds the table"


def build(spec: Spec) -> Migration:
    """The migration of one spec for every dialect (call only when it has operations)."""
    pg_up, pg_down = _postgres(spec)
    sl_up, sl_down = _sqlite_or_mysql(spec, "sqlite")
    my_up, my_down = _sqlite_or_mysql(spec, "mysql")
    return Migration(spec.id, (pg_up, sl_up, my_up), (pg_down, sl_down, my_down), _destroys(spec.operations))
