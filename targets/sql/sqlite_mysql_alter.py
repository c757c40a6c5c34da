"""SQLite and MySQL/MariaDB steps for approved changes: drop and rename
columns, drop tables, alter columns.

SQLite cannot change a column in place (no ALTER COLUMN, and DROP COLUMN
refuses indexed, FK and CHECKed columns), so every table a spec alters or
drops a column of is rebuilt once, by SQLite's documented procedure: with
foreign keys off (outside the transaction, where the pragma works), create
the new table under a temporary name, copy the rows, drop the old table,
rename the new one, recreate its indexes.  Down rebuilds it back.

MySQL restates the column with MODIFY COLUMN.  Its CHECKs live in one of two
places: inside the column (added with ADD COLUMN; MariaDB names them after
the column and MODIFY replaces them) or as named table constraints (from
CREATE TABLE); `inline` says which, so down.sql restores them where they were.
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from compiler.ir import AddCheck, AddColumn, AddForeignKey, AlterColumn, Check, CreateIndex, DropColumn, DropTable, Operation, RenameColumn, Table
from compiler.names import constraint_name
from targets.sql import ddl
from targets.sql.script import Step

_SQLITE_LOCK = "write lock on the database file until COMMIT"


def table_of(op: Operation) -> str | None:
    """The existing table an operation changes (None for CREATE/DROP TABLE)."""
    if isinstance(op, (AddColumn, DropColumn, RenameColumn, AlterColumn)):
        return op.table
    if isinstance(op, AddCheck):
        return op.check.table
    if isinstance(op, AddForeignKey):
        return op.constraint.table
    if isinstance(op, CreateIndex) and not op.new_table:
        return op.index.table
    return None


def sqlite_rebuilt(ops: tuple[Operation, ...]) -> set[str]:
    """Tables SQLite must rebuild: those a column of is altered or dropped."""
    return {op.table for op in ops if isinstance(op, (AlterColumn, DropColumn))}


def _conjunction(checks: tuple[Check, ...]) -> exp.Expr:
    cond = ddl.check_condition(checks[0])
    for check in checks[1:]:
        cond = exp.And(this=cond, expression=ddl.check_condition(check))
    return cond


# --- SQLite ----------------------------------------------------------------------------


def rebuild(source: Table, target: Table, renames: dict[str, str]) -> list[Step]:
    """Steps that turn table `source` into `target` (same name) by rebuilding
    it; `renames` maps target column names to source names."""
    temp = constraint_name("specc_new", target.name)
    pairs = []
    for col in target.columns:
        old = renames.get(col.name, col.name)
        if source.column(old) is not None:
            pairs.append((col.name, old))
    steps = [
        Step(ddl.create_table(replace(target, name=temp), "sqlite"), f"create {temp} with the new definition of {target.name}", _SQLITE_LOCK, "none: the table is new and empty"),
        Step(ddl.copy_rows(temp, pairs, source.name), f"copy every row of {source.name} into {temp}", _SQLITE_LOCK, f"reads and writes all of {source.name}: a full rewrite"),
        Step(ddl.drop_table(source.name), f"drop the old {source.name} (foreign keys are off, so no cascade runs)", _SQLITE_LOCK, "none"),
        Step(ddl.alter(temp, [ddl.rename_table(target.name)]), f"rename {temp} to {target.name}", _SQLITE_LOCK, "none"),
    ]
    for ix in target.indexes:
        steps.append(Step(ddl.create_index(ix, "sqlite"), f"create {'unique ' if ix.unique else ''}index {ix.name} on {ix.table} ({', '.join(ix.columns)})", _SQLITE_LOCK, f"reads all of {ix.table}"))
    return steps


def sqlite_steps(op: DropTable | RenameColumn) -> tuple[list[Step], list[Step]]:
    """(up, down) of the approved changes SQLite makes in place."""
    if isinstance(op, RenameColumn):
        return (
            [Step(ddl.alter(op.table, [ddl.rename_column(op.old, op.new)]), f"rename column {op.table}.{op.old} to {op.new}", _SQLITE_LOCK, "none: SQLite rewrites the schema text, not the rows")],
            [Step(ddl.alter(op.table, [ddl.rename_column(op.new, op.old)]), f"rename column {op.table}.{op.new} back to {op.old}", _SQLITE_LOCK, "none")],
        )
    return _drop_table(op, "sqlite")


def _drop_table(op: DropTable, dialect: str) -> tuple[list[Step], list[Step]]:
    t = op.table
    lock = _SQLITE_LOCK if dialect == "sqlite" else "exclusive metadata lock on the table"
    up = [Step(ddl.drop_table(t.name), f"drop table {t.name} and every row in it", lock, "none: the table and all its rows are removed")]
    down = [Step(ddl.create_table(t, dialect), f"create table {t.name} again, empty (its rows are not restored)", lock, "none: the table is new and empty")]
    down += [Step(ddl.create_index(ix, dialect), f"create index {ix.name} on {ix.table}", lock, "none: the table is empty") for ix in t.indexes]
    return up, down


# --- MySQL -------------------------------------------------------------------------------


_MY_LOCK = "metadata lock on {table}; writes wait while the table is copied"


def mysql_steps(op: DropColumn | DropTable | RenameColumn | AlterColumn, inline: frozenset[tuple[str, str]]) -> tuple[list[Step], list[Step]]:
    """(up, down) on MySQL/MariaDB; `inline` holds the (table, column) pairs
    whose CHECKs sit inside the column definition."""
    if isinstance(op, DropTable):
        return _drop_table(op, "mysql")
    if isinstance(op, RenameColumn):
        lock = f"metadata lock on {op.table} (brief)"
        return (
            [Step(ddl.alter(op.table, [ddl.rename_column(op.old, op.new)]), f"rename column {op.table}.{op.old} to {op.new}", lock, "none: INSTANT on MySQL 8.0.28+ and MariaDB 10.5+")],
            [Step(ddl.alter(op.table, [ddl.rename_column(op.new, op.old)]), f"rename column {op.table}.{op.new} back to {op.old}", lock, "none: INSTANT")],
        )
    if isinstance(op, AlterColumn):
        was_inline = (op.table, op.before.name) in inline
        now_inline = True if op.changes_checks else was_inline
        return [_modify(op, was_inline, now_inline)], [_modify(op.inverse(), now_inline, was_inline)]
    return _drop_column(op, (op.table, op.column.name) in inline)


def _modify(op: AlterColumn, was_inline: bool, now_inline: bool) -> Step:
    actions: list[exp.Expr] = []
    if not was_inline and op.changes_checks:
        actions += [ddl.drop_constraint(c.name) for c in op.checks_before]
    coldef = ddl.column_def(op.after, "mysql", checked=True)
    if now_inline and op.checks_after:
        coldef.append("constraints", exp.ColumnConstraint(kind=exp.CheckColumnConstraint(this=_conjunction(op.checks_after))))
    actions.append(ddl.modify_column(coldef))
    if not now_inline and op.changes_checks:
        actions += [ddl.add_constraint(ddl.check_constraint(c)) for c in op.checks_after]
    target = f"{op.table}.{op.after.name}"
    return Step(ddl.alter(op.table, actions), f"modify column {target}: restate its type, nullability, default and CHECKs", _MY_LOCK.format(table=op.table), f"copies {op.table} (ALGORITHM=COPY) unless only the default changes; existing rows are checked")


def _drop_column(op: DropColumn, inline: bool) -> tuple[list[Step], list[Step]]:
    t, col = op.table, op.column
    actions: list[exp.Expr] = []
    if op.foreign_key is not None:
        actions.append(ddl.drop_constraint(op.foreign_key.name, foreign_key_on_mysql=True))
    # MySQL would keep a multi-column index without the column; drop it whole.
    actions += [exp.Drop(kind="INDEX", tables=[ddl.table_ref(ix.name)]) for ix in op.indexes]
    if not inline:
        actions += [ddl.drop_constraint(c.name) for c in op.checks]
    actions.append(ddl.drop_column(col.name))
    up = [Step(ddl.alter(t, actions), f"drop column {t}.{col.name} (with its CHECKs, foreign key and indexes)", f"metadata lock on {t} (brief)", "INSTANT on MySQL 8.0.29+ and MariaDB 10.4+ when no index or constraint goes with it; otherwise rebuilds the table")]
    coldef = ddl.column_def(col, "mysql", checked=True)
    if inline and op.checks:
        coldef.append("constraints", exp.ColumnConstraint(kind=exp.CheckColumnConstraint(this=_conjunction(op.checks))))
    add: list[exp.Expr] = [coldef]
    if not inline:
        add += [ddl.add_constraint(ddl.check_constraint(c)) for c in op.checks]
    if op.foreign_key is not None:
        add.append(ddl.add_constraint(ddl.fk_constraint(op.foreign_key)))
    down = [Step(ddl.alter(t, add), f"add column {t}.{col.name} back, empty (its data is not restored)", f"metadata lock on {t}", "copies the table when a CHECK or FOREIGN KEY comes with it")]
    down += [Step(ddl.create_index(ix, "mysql"), f"create index {ix.name} on {t} again", "metadata lock (brief at start and end)", f"reads all of {t}") for ix in op.indexes]
    return up, down


def mysql_inline_checks(history: tuple[Operation, ...], start: frozenset[tuple[str, str]] = frozenset()) -> frozenset[tuple[str, str]]:
    """(table, column) pairs whose MySQL CHECKs sit inside the column, after
    `history` (every operation of the earlier specs, in order), starting from
    the pairs `start` (the result for the operations before `history`)."""
    out: set[tuple[str, str]] = set(start)
    for op in history:
        if isinstance(op, AddColumn):
            out.add((op.table, op.column.name))
        elif isinstance(op, AlterColumn) and op.changes_checks:
            out.add((op.table, op.after.name))
        elif isinstance(op, DropColumn):
            out.discard((op.table, op.column.name))
        elif isinstance(op, RenameColumn) and (op.table, op.old) in out:
            out.discard((op.table, op.old))
            out.add((op.table, op.new))
        elif isinstance(op, DropTable):
            out = {pair for pair in out if pair[0] != op.table.name}
    return frozenset(out)


__all__ = ["mysql_inline_checks", "mysql_steps", "rebuild", "sqlite_rebuilt", "sqlite_steps", "table_of"]
