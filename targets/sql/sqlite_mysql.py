"""SQLite and MySQL/MariaDB migrations.

SQLite cannot ADD CONSTRAINT to an existing table, so CHECKs and FKs of an
added column go inline into its ADD COLUMN (allowed: a REFERENCES column
added this way has a NULL default).  MySQL gets the same shape, for a
different reason: a CHECK inside ADD COLUMN is INSTANT on MariaDB (checked on
MariaDB 10.11) while ADD CONSTRAINT ... CHECK always copies the table.
MariaDB rejects a name on a column CHECK, so the server names it and it is
dropped with its column; all checks of the column are joined with AND,
because MariaDB takes one CHECK per column.  MySQL 8.0/8.4 copy the table
for any CHECK (MySQL bug #117450); the plan says so.
"""

from __future__ import annotations

from sqlglot import exp

from compiler.ir import AddCheck, AddColumn, AddForeignKey, AlterColumn, Check, CreateIndex, CreateTable, DropColumn, DropTable, ForeignKeyConstraint, Operation, RenameColumn, Spec
from targets.sql import ddl
from targets.sql import sqlite_mysql_alter as alter
from targets.sql.script import Phase, Script, Step, attached, column_what, destroys, destroys_line


def _added_columns(ops: tuple[Operation, ...], table: str) -> set[str]:
    """Columns of `table` that these operations add."""
    return {op.column.name for op in ops if isinstance(op, AddColumn) and op.table == table}


def sqlite_or_mysql_scripts(spec: Spec, dialect: str, mysql_inline: frozenset[tuple[str, str]] = frozenset()) -> tuple[Script, Script]:
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
    rebuilt = alter.sqlite_rebuilt(ops) if dialect == "sqlite" else set()
    for i, op in enumerate(ops):
        if i in consumed:
            continue
        changed = alter.table_of(op)
        if changed in rebuilt:
            # One rebuild per table carries every change the spec makes to it.
            rebuilt.discard(changed)
            before, after = spec.schema_before.table(changed), spec.schema_after.table(changed)
            if before is not None and after is not None:
                renames = _renames(ops, changed)
                up += alter.rebuild(before, after, renames)
                down += reversed(alter.rebuild(after, before, {old: new for new, old in renames.items()}))
            consumed |= {j for j, other in enumerate(ops) if alter.table_of(other) == changed}
            continue
        if isinstance(op, (DropColumn, DropTable, RenameColumn, AlterColumn)):
            if dialect == "sqlite":
                assert isinstance(op, (DropTable, RenameColumn)), op
                steps_up, steps_down = alter.sqlite_steps(op)
            else:
                steps_up, steps_down = alter.mysql_steps(op, mysql_inline)
            up += steps_up
            down += reversed(steps_down)
            continue
        if isinstance(op, AddColumn):
            checks, fk, used = attached(ops, i)
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
            # MySQL refuses to drop an index a foreign key needs (error 1553); an
            # index only on columns this migration adds goes away with them.
            gone_with_columns = dialect == "mysql" and set(ix.columns) <= _added_columns(ops, ix.table)
            if not op.new_table and not gone_with_columns:
                down.append(Step(ddl.drop_index(ix, dialect), f"drop index {ix.name}", _lock(dialect, "index"), "none"))
    destroyed = destroys(ops)
    transactional = dialect == "sqlite"
    note = (
        "one transaction: SQLite DDL is transactional",
        "MySQL commits each DDL statement implicitly; each statement is atomic on its own",
    )[0 if transactional else 1]
    up_phases: tuple[Phase, ...] = (Phase(note, tuple(up), transaction=transactional),)
    down_phases: tuple[Phase, ...] = (Phase(note, tuple(reversed(down)), transaction=transactional),)
    if dialect == "sqlite" and alter.sqlite_rebuilt(ops):
        # The pragma is a no-op inside a transaction, so it wraps it; with it
        # on, DROP TABLE of the old copy would run ON DELETE actions.
        off = Phase("foreign keys off for the table rebuild (only outside a transaction)", (Step(ddl.pragma_foreign_keys(False), "foreign_keys = OFF", "none", "none"),))
        on = Phase("foreign keys back on for this connection", (Step(ddl.pragma_foreign_keys(True), "foreign_keys = ON", "none", "none"),))
        up_phases, down_phases = (off, *up_phases, on), (off, *down_phases, on)
    if dialect == "mysql":
        names = Phase(
            "character set: read this file as utf8mb4 (UTF-8), whatever the client's default",
            (Step(ddl.set_names_utf8mb4(), f"character set {ddl.MYSQL_CHARSET}", "none", "none"),),
        )
        up_phases, down_phases = (names, *up_phases), (names, *down_phases)
    up_script = Script(dialect, "up", (f"specc migration {spec.id}: up, {dialect}",), up_phases)
    down_script = Script(dialect, "down", (destroys_line(destroyed), f"specc migration {spec.id}: down, {dialect}"), down_phases)
    return up_script, down_script


def _renames(ops: tuple[Operation, ...], table: str) -> dict[str, str]:
    """new column name -> its name before the spec, for `table`."""
    out: dict[str, str] = {}
    for op in ops:
        if isinstance(op, RenameColumn) and op.table == table:
            out[op.new] = out.pop(op.old, op.old)
    return out


def _add_column_step(op: AddColumn, checks: tuple[Check, ...], fk: ForeignKeyConstraint | None, dialect: str) -> Step:
    col = op.column
    if dialect == "sqlite":
        coldef = ddl.column_def(col, dialect, checked=True, inline_checks=checks, inline_fk=fk)
        return Step(ddl.alter(op.table, [coldef]), column_what(op) + _with(checks, fk, dialect), "write lock on the database file until COMMIT", "none: SQLite appends the column to the table definition; the CHECKs are tested against existing rows, which hold NULL")
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
            f"on a large {op.table} table use an online schema-change tool"
        )
    else:
        work = "none: INSTANT on MySQL 8.0.29+ and MariaDB 10.4+"
    return Step(ddl.alter(op.table, actions), column_what(op) + _with(checks, fk, dialect), f"metadata lock on {op.table} (brief)", work)


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


def _with(checks: tuple[Check, ...], fk: ForeignKeyConstraint | None, dialect: str) -> str:
    if dialect == "mysql":
        # One unnamed column CHECK (the server names it) holds every check.
        names = [f"a CHECK for {', '.join(c.name for c in checks)}"] if checks else []
    else:
        names = [c.name for c in checks]
    names += [fk.name] if fk else []
    return f" with {', '.join(names)}" if names else ""


def _lock(dialect: str, what: str) -> str:
    if dialect == "sqlite":
        return "write lock on the database file until COMMIT"
    return {"new table": "metadata lock on the new table; FKs take a shared metadata lock on the referenced tables", "drop": "exclusive metadata lock on the table", "index": "metadata lock (brief at start and end)"}[what]


def _drop_column_notes(dialect: str, table: str) -> tuple[str, str]:
    if dialect == "sqlite":
        return "write lock on the database file until COMMIT", f"rewrites {table} to remove the column"
    return f"metadata lock on {table} (brief)", "INSTANT on MySQL 8.0.29+ and MariaDB 10.4+; otherwise rebuilds the table"
