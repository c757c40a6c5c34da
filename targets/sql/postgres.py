"""PostgreSQL migrations, in phases that keep locks short.

up.sql runs in up to four phases, so that `psql -f up.sql` does what a
careful person would type:
  1. session settings: lock_timeout, statement_timeout;
  2. one transaction with every catalog-only change (ADD COLUMN, ADD
     CONSTRAINT ... NOT VALID, CREATE TABLE, indexes on the new tables);
  3. a second transaction that VALIDATEs the new constraints (it scans the
     table under SHARE UPDATE EXCLUSIVE, which does not block reads or writes;
     squawk's constraint-missing-not-valid wants it out of the first one);
  4. CREATE INDEX CONCURRENTLY for indexes on existing tables, outside any
     transaction (PostgreSQL refuses CONCURRENTLY inside one).
down.sql undoes it in reverse: concurrent index drops first, then one
transaction that drops constraints, tables and columns.  The locks named in
each step were checked against pg_locks on PostgreSQL 15.
"""

from __future__ import annotations

from sqlglot import exp

from compiler.ir import AddCheck, AddColumn, AddForeignKey, AlterColumn, CreateIndex, CreateTable, DropColumn, DropTable, RenameColumn, Spec
from targets.sql import ddl
from targets.sql import postgres_alter as alter
from targets.sql.self_check import ValidateConstraint
from targets.sql.script import Phase, Script, Step, column_what, destroys, destroys_line, has_length_check, ignore

_FINISH = "SET NOT NULL on the columns whose CHECK (col IS NOT NULL) is now validated (no scan), then drop those CHECKs, in a third transaction"

LOCK_TIMEOUT = "5s"
STATEMENT_TIMEOUT = "30s"


def postgres_scripts(spec: Spec) -> tuple[Script, Script]:
    ops = spec.operations
    tx: list[Step] = []
    validate: list[Step] = []
    concurrent: list[Step] = []
    down_tx: list[Step] = []
    down_concurrent: list[Step] = []
    # Only approved changes (compiler.lower.alter) fill these; the down lists
    # are collected in reverse and flipped at the end, like down_tx.
    finish: list[Step] = []
    down_validate: list[Step] = []
    down_finish: list[Step] = []
    down_rebuild: list[Step] = []
    for op in ops:
        if isinstance(op, (DropColumn, DropTable, RenameColumn, AlterColumn)):
            if isinstance(op, AlterColumn):
                up_steps, down_steps = alter.alter_column(op, spec.id), alter.alter_column(op.inverse(), spec.id, rollback=True)
            elif isinstance(op, DropColumn):
                up_steps, down_steps = alter.drop_column(op, spec.id)
            elif isinstance(op, DropTable):
                up_steps, down_steps = alter.drop_table(op, spec.id)
            else:
                up_steps, down_steps = alter.rename_column(op, spec.id)
            tx += up_steps.tx
            validate += up_steps.validate
            finish += up_steps.finish
            concurrent += up_steps.concurrent
            down_tx += reversed(down_steps.tx)
            down_validate += reversed(down_steps.validate)
            down_finish += reversed(down_steps.finish)
            down_rebuild += reversed(down_steps.concurrent)
        elif isinstance(op, AddColumn):
            checks = tuple(o.check for o in ops if isinstance(o, AddCheck) and o.check.table == op.table)
            tx.append(
                Step(
                    ddl.alter(op.table, [ddl.column_def(op.column, "postgres", checked=has_length_check(op.column, checks))]),
                    column_what(op),
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
                    ignore("ban-drop-column", spec.id, f"drops {op.table}.{op.column.name}"),
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
                    ignore("ban-drop-table", spec.id, f"drops {t.name}"),
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
        "lift statement_timeout: the steps below take only SHARE UPDATE EXCLUSIVE (reads and writes continue), so they may scan for as long as the table needs; lock_timeout still applies",
        (Step(ddl.set_setting("statement_timeout", 0), "statement_timeout = 0 (no limit) for the scans below", "none", "none"),),
    )
    up_phases = [settings, Phase("catalog-only changes, all or nothing", tuple(tx), transaction=True)]
    if validate or concurrent:
        up_phases.append(relax)
    up_phases.append(Phase("validate the new constraints against existing rows, in a second transaction", tuple(validate), transaction=True))
    up_phases.append(Phase(_FINISH, tuple(finish), transaction=True))
    up_phases.append(Phase("indexes on existing tables: CONCURRENTLY, outside any transaction", tuple(concurrent)))
    header = (f"specc migration {spec.id}: up, postgres",) + _psql_hint(bool(concurrent))
    up = Script("postgres", "up", header, tuple(up_phases))
    destroyed = destroys(ops)
    down_phases = [settings]
    if down_concurrent:
        down_phases.append(Phase("indexes on existing tables: CONCURRENTLY, outside any transaction", tuple(reversed(down_concurrent))))
    down_phases.append(Phase("undo the catalog changes in reverse order, all or nothing", tuple(reversed(down_tx)), transaction=True))
    if down_validate or down_rebuild:
        down_phases.append(relax)
    down_phases.append(Phase("validate the restored constraints against existing rows, in a second transaction", tuple(reversed(down_validate)), transaction=True))
    down_phases.append(Phase(_FINISH, tuple(reversed(down_finish)), transaction=True))
    down_phases.append(Phase("restore indexes on existing tables: CONCURRENTLY, outside any transaction", tuple(reversed(down_rebuild))))
    down_header = (destroys_line(destroyed), f"specc migration {spec.id}: down, postgres") + _psql_hint(bool(down_concurrent or down_rebuild))
    down = Script("postgres", "down", down_header, tuple(down_phases))
    return up, down


def _psql_hint(concurrent: bool) -> tuple[str, ...]:
    hint: tuple[str, ...] = ("run with: psql -v ON_ERROR_STOP=1 -f FILE",)
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
        ignore("ban-drop-constraint", spec_id, f"drops {name}"),
    )
