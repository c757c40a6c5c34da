"""PostgreSQL steps for the changes a spec makes only with an approval:
dropping and renaming columns, dropping tables, altering columns.

Each function returns `PgSteps`: the statements for each phase of up.sql,
and those of down.sql in execution order (the caller reverses the order of
whole operations).  The safe patterns stay: a NOT NULL goes through a CHECK
(col IS NOT NULL) added NOT VALID and validated (SHARE UPDATE EXCLUSIVE), so
the final SET NOT NULL skips its scan; new CHECKs are NOT VALID, then
validated; indexes on existing tables are built CONCURRENTLY.  Every DROP
and every statement squawk would flag carries a squawk-ignore comment with
the reason: the spec approved it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from compiler.ir import AlterColumn, Check, Column, DropColumn, DropTable, Index, RenameColumn
from targets.sql import ddl
from targets.sql.self_check import ValidateConstraint
from targets.sql.script import Step, has_length_check


@dataclass
class PgSteps:
    """Statements by phase: `tx` (catalog changes), `validate` (second
    transaction), `finish` (third transaction: SET NOT NULL on validated
    CHECKs, then drop those CHECKs), `concurrent` (outside transactions)."""

    tx: list[Step] = field(default_factory=list)
    validate: list[Step] = field(default_factory=list)
    finish: list[Step] = field(default_factory=list)
    concurrent: list[Step] = field(default_factory=list)


def _approved(rule: str, squawk: str, spec_id: str, what: str) -> tuple[str, ...]:
    return (f"squawk-ignore {squawk} -- {spec_id}: {what}, approved in the spec ({rule})",)


def _restored(squawk: str, spec_id: str, what: str) -> tuple[str, ...]:
    return (f"squawk-ignore {squawk} -- rollback of {spec_id}: {what}",)


def _add_check(check: Check, steps: PgSteps) -> None:
    steps.tx.append(
        Step(
            ddl.alter(check.table, [ddl.add_constraint(ddl.check_constraint(check))], not_valid=True),
            f"add CHECK {check.name} on {check.table}.{check.column}, NOT VALID",
            f"ACCESS EXCLUSIVE on {check.table}, held until COMMIT (brief)",
            "none: existing rows are not checked yet (NOT VALID); new and updated rows are",
        )
    )
    steps.validate.append(_validate(check.table, check.name))


def _validate(table: str, name: str) -> Step:
    return Step(
        ddl.alter(table, [ValidateConstraint(this=ddl.ident(name))]),
        f"validate CHECK {name}",
        f"SHARE UPDATE EXCLUSIVE on {table}: reads and writes continue",
        f"scans {table} once to check the existing rows",
    )


def _drop_check(table: str, name: str, comments: tuple[str, ...]) -> Step:
    return Step(ddl.alter(table, [ddl.drop_constraint(name)]), f"drop CHECK {name} on {table}", f"ACCESS EXCLUSIVE on {table} (brief)", "none", comments)


def _create_index(ix: Index, steps: PgSteps) -> None:
    steps.concurrent.append(
        Step(
            ddl.drop_index(ix, "postgres", concurrently=True, if_exists=True),
            f"drop a leftover INVALID index {ix.name} from an interrupted earlier run (no-op otherwise)",
            f"SHARE UPDATE EXCLUSIVE on {ix.table}: reads and writes continue",
            "none",
            ("an interrupted CONCURRENTLY build leaves an INVALID index that IF NOT EXISTS would keep",),
        )
    )
    steps.concurrent.append(
        Step(
            ddl.create_index(ix, "postgres", concurrently=True, if_not_exists=True),
            f"create {'unique ' if ix.unique else ''}index {ix.name} on {ix.table} ({', '.join(ix.columns)}) CONCURRENTLY",
            f"SHARE UPDATE EXCLUSIVE on {ix.table}: reads and writes continue",
            f"scans {ix.table} twice and waits for transactions older than the build; cannot run inside a transaction",
        )
    )


# --- drop column ------------------------------------------------------------------


def drop_column(op: DropColumn, spec_id: str) -> tuple[PgSteps, PgSteps]:
    """Up drops the column (its CHECKs, FK and indexes go with it); down adds
    it back empty, with its constraints validated and its indexes rebuilt."""
    up, down = PgSteps(), PgSteps()
    target = f"{op.table}.{op.column.name}"
    up.tx.append(
        Step(
            ddl.alter(op.table, [ddl.drop_column(op.column.name)]),
            f"drop column {target} (with its CHECKs, foreign key and indexes)",
            f"ACCESS EXCLUSIVE on {op.table} (brief)",
            "none: the column is marked dropped; its values are gone",
            _approved("SC101", "ban-drop-column", spec_id, f"drops {target}"),
        )
    )
    col = op.column
    down.tx.append(
        Step(
            ddl.alter(op.table, [ddl.column_def(col, "postgres", checked=has_length_check(col, op.checks))]),
            f"add column {target} back, empty (its data is not restored)",
            f"ACCESS EXCLUSIVE on {op.table}, held until COMMIT (brief: catalog only)",
            "none: a catalog change; a NOT NULL column without a default fails if the table has rows",
        )
    )
    for check in op.checks:
        _add_check(check, down)
    if op.foreign_key is not None:
        fk = op.foreign_key
        down.tx.append(
            Step(
                ddl.alter(op.table, [ddl.add_constraint(ddl.fk_constraint(fk))], not_valid=True),
                f"add FOREIGN KEY {fk.name} on {target} -> {fk.fk.table}.{fk.fk.column}, NOT VALID",
                f"SHARE ROW EXCLUSIVE on {op.table} and {fk.fk.table}, held until COMMIT (brief)",
                "none: existing rows are not checked yet (NOT VALID)",
            )
        )
        down.validate.append(replace_what(_validate(op.table, fk.name), f"validate FOREIGN KEY {fk.name}"))
    for ix in op.indexes:
        _create_index(ix, down)
    return up, down


def replace_what(step: Step, what: str) -> Step:
    return Step(step.expr, what, step.lock, step.work, step.comments)


# --- drop table ---------------------------------------------------------------------


def drop_table(op: DropTable, spec_id: str) -> tuple[PgSteps, PgSteps]:
    """Up drops the table and every row; down recreates it empty."""
    t = op.table
    up, down = PgSteps(), PgSteps()
    refs = sorted({fk.fk.table for fk in t.foreign_keys if fk.fk.table != t.name})
    up.tx.append(
        Step(
            ddl.drop_table(t.name),
            f"drop table {t.name} (and its indexes)",
            f"ACCESS EXCLUSIVE on {t.name}" + (f" and on {', '.join(refs)} (brief, to drop the FK triggers)" if refs else ""),
            "none: the table and all its rows are removed",
            _approved("SC102", "ban-drop-table", spec_id, f"drops {t.name}"),
        )
    )
    lock = f"SHARE ROW EXCLUSIVE on {', '.join(refs)} for the foreign keys (brief)" if refs else "none on existing tables"
    down.tx.append(Step(ddl.create_table(t, "postgres"), f"create table {t.name} again, empty (its rows are not restored)", lock, "none: the table is new and empty"))
    for ix in t.indexes:
        down.tx.append(
            Step(
                ddl.create_index(ix, "postgres"),
                f"create {'unique ' if ix.unique else ''}index {ix.name} on {ix.table} ({', '.join(ix.columns)})",
                f"SHARE on {ix.table} (created in this transaction; no other session can see it yet)",
                "none: the table is empty",
            )
        )
    return up, down


# --- rename column -------------------------------------------------------------------


def rename_column(op: RenameColumn, spec_id: str) -> tuple[PgSteps, PgSteps]:
    up, down = PgSteps(), PgSteps()
    up.tx.append(
        Step(
            ddl.alter(op.table, [ddl.rename_column(op.old, op.new)]),
            f"rename column {op.table}.{op.old} to {op.new}",
            f"ACCESS EXCLUSIVE on {op.table} (brief)",
            "none: a catalog change; every reader and writer of the old name breaks at once",
            _approved("SC105", "renaming-column", spec_id, f"renames {op.table}.{op.old}"),
        )
    )
    down.tx.append(
        Step(
            ddl.alter(op.table, [ddl.rename_column(op.new, op.old)]),
            f"rename column {op.table}.{op.new} back to {op.old}",
            f"ACCESS EXCLUSIVE on {op.table} (brief)",
            "none: a catalog change",
            _restored("renaming-column", spec_id, f"restores the name {op.table}.{op.old}"),
        )
    )
    return up, down


# --- alter column --------------------------------------------------------------------


def _stored_type(col: Column, checks: tuple[Check, ...]) -> str:
    return ddl.column_type(col, "postgres", has_length_check(col, checks)).sql("postgres")


_TEXTUAL = ("VARCHAR", "TEXT")


def alter_column(op: AlterColumn, spec_id: str, *, rollback: bool = False) -> PgSteps:
    """The steps of one AlterColumn (down.sql renders `op.inverse()` with
    `rollback=True`): old CHECKs dropped, type and default changed, new CHECKs
    added NOT VALID (validated in the second transaction), and NOT NULL set
    in a third transaction once a CHECK (col IS NOT NULL) is validated."""
    steps = PgSteps()
    t, name = op.table, op.after.name
    target = f"{t}.{name}"
    note = _restored if rollback else None

    def comments(rule: str, squawk: str, what: str) -> tuple[str, ...]:
        return note(squawk, spec_id, what) if note else _approved(rule, squawk, spec_id, what)

    gone = [c for c in op.checks_before if c not in op.checks_after]
    new = [c for c in op.checks_after if c not in op.checks_before]
    for check in gone:
        steps.tx.append(_drop_check(t, check.name, (f"squawk-ignore ban-drop-constraint -- {spec_id}: replaced by the column's new CHECK",)))
    old_type, new_type = _stored_type(op.before, op.checks_before), _stored_type(op.after, op.checks_after)
    if old_type != new_type:
        textual = old_type.startswith(_TEXTUAL) and new_type.startswith(_TEXTUAL)
        widening = textual and (new_type == "TEXT" or (old_type != "TEXT" and _length(new_type) >= _length(old_type)))
        steps.tx.append(
            Step(
                ddl.alter(t, [ddl.set_type(op.after, "postgres", checked=has_length_check(op.after, op.checks_after), using=not textual)]),
                f"change the type of {target} from {old_type} to {new_type}",
                f"ACCESS EXCLUSIVE on {t}, held until COMMIT",
                "none: a longer text type is a catalog change" if widening else f"rewrites {t} and its indexes (or scans it, for a shorter length) while holding the lock",
                _type_comments(spec_id, target, old_type, new_type, widening, comments),
            )
        )
    if op.changes_default:
        what = "drop the default of" if op.after.default is None else "set a new default on"
        why = (f"squawk-ignore ban-drop-default -- {spec_id}: {target} had no default before",) if rollback else (f"squawk-ignore ban-drop-default -- {spec_id}: the spec declares {target} without a default",)
        steps.tx.append(Step(ddl.alter(t, [ddl.set_default(op.after, "postgres")]), f"{what} {target} (existing rows keep their values)", f"ACCESS EXCLUSIVE on {t} (brief)", "none: a catalog change", why if op.after.default is None else ()))
    if op.drops_not_null:
        reason = f"{target} was nullable before" if rollback else f"the spec makes {target} nullable"
        steps.tx.append(Step(ddl.alter(t, [ddl.set_not_null(name, False)]), f"drop NOT NULL from {target}", f"ACCESS EXCLUSIVE on {t} (brief)", "none: a catalog change", (f"squawk-ignore ban-drop-not-null -- {spec_id}: {reason}",)))
    for check in new:
        _add_check(check, steps)
    if op.sets_not_null:
        ck = ddl.not_null_check_name(t, name)
        steps.tx.append(
            Step(
                ddl.alter(t, [ddl.add_constraint(ddl.not_null_check(t, name))], not_valid=True),
                f"add CHECK {ck} ({name} IS NOT NULL), NOT VALID",
                f"ACCESS EXCLUSIVE on {t}, held until COMMIT (brief)",
                "none: existing rows are not checked yet (NOT VALID)",
            )
        )
        steps.validate.append(_validate(t, ck))
        steps.finish.append(
            Step(
                ddl.alter(t, [ddl.set_not_null(name, True)]),
                f"set {target} NOT NULL",
                f"ACCESS EXCLUSIVE on {t} (brief)",
                f"none: the validated {ck} proves there are no NULLs, so PostgreSQL 12+ skips the scan",
                comments("SC106", "adding-not-nullable-field", f"sets {target} NOT NULL after validating {ck}"),
            )
        )
        steps.finish.append(_drop_check(t, ck, (f"squawk-ignore ban-drop-constraint -- {spec_id}: {ck} is redundant once the column is NOT NULL",)))
    return steps


def _type_comments(spec_id: str, target: str, old: str, new: str, widening: bool, comments: Callable[[str, str, str], tuple[str, ...]]) -> tuple[str, ...]:
    rules = "changing-column-type, prefer-text-field" if new.startswith("VARCHAR") else "changing-column-type"
    if widening:
        return (f"squawk-ignore {rules} -- {spec_id}: {old} to {new} only widens {target}, a catalog-only change",)
    if "," in rules:
        return (f"squawk-ignore {rules} -- {spec_id}: restores {target} as {new}",)
    return comments("SC107", rules, f"changes the type of {target}")


def _length(sql_type: str) -> int:
    digits = "".join(ch for ch in sql_type if ch.isdigit())
    return int(digits) if digits else 1 << 62
