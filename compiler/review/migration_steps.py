"""A spec's migration as reviewable steps: what each operation does, whether
it is safe to run on a live database, and how to roll it back.

Derived from the IR operations only, so the PR body and the agent's preview
describe the same plan the SQL target renders.  "Safe" here means additive,
non-blocking and reversible: no table rewrite, no long lock on a busy table,
no NOT NULL column without a default on existing rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.ir import AddCheck, AddColumn, AddForeignKey, AlterColumn, CreateIndex, CreateTable, DropColumn, DropTable, Operation, RenameColumn, Spec


@dataclass(frozen=True)
class Step:
    """One migration step in plain words (no Markdown; callers escape)."""

    action: str
    target: str
    safe: bool
    why: str
    rollback: str
    notes: tuple[str, ...] = ()
    approved: bool = False


@dataclass(frozen=True)
class Plan:
    """A spec's migration: its steps in order and the overall verdict."""

    spec_id: str
    steps: tuple[Step, ...]

    @property
    def safe(self) -> bool:
        return all(step.safe for step in self.steps)

    @property
    def approved(self) -> bool:
        """Whether every unsafe step carries an explicit approval in the spec."""
        return all(step.safe or step.approved for step in self.steps)

    @property
    def rollback(self) -> tuple[str, ...]:
        """Rollback actions, in the reverse order of the steps."""
        return tuple(step.rollback for step in reversed(self.steps))

    def as_dict(self) -> dict[str, object]:
        return {
            "approved": self.approved,
            "rollback": list(self.rollback),
            "safe": self.safe,
            "spec": self.spec_id,
            "steps": [
                {"action": s.action, "approved": s.approved, "notes": list(s.notes), "rollback": s.rollback, "safe": s.safe, "target": s.target, "why": s.why}
                for s in self.steps
            ],
        }


def _step(op: Operation, spec: Spec) -> Step:
    approved = tuple(f"approved {a.rule} for {a.target}: {a.reason}" for a in spec.approvals)
    if isinstance(op, CreateTable):
        t = op.table
        refs = sorted({fk.fk.table for fk in t.foreign_keys if fk.fk.table != t.name})
        notes: tuple[str, ...] = (f"the foreign key briefly locks {', '.join(refs)} against concurrent schema changes (not against reads or writes)",) if refs else ()
        return Step(
            "create table",
            t.name,
            True,
            "a new, empty table: nothing existing is rewritten or blocked",
            f"drop table {t.name} (its rows are lost; export them first if the feature was live)",
            notes,
        )
    if isinstance(op, AddColumn):
        col = op.column
        target = f"{op.table}.{col.name}"
        if col.nullable:
            return Step("add column", target, True, "nullable, no default: a metadata-only change, no table rewrite", f"drop column {target} (values written since the deploy are lost)")
        if col.default is not None:
            return Step(
                "add column",
                target,
                True,
                "NOT NULL with a constant default: metadata-only on PostgreSQL 11+ and MySQL 8.0.12+ (instant)",
                f"drop column {target} (values written since the deploy are lost)",
            )
        ok = any(a.target == target for a in spec.approvals)
        return Step(
            "add column",
            target,
            False,
            "NOT NULL without a default fails on a table that has rows",
            f"drop column {target}",
            tuple(n for n in approved if target in n) or ("needs a backfill plan and an explicit approval",),
            approved=ok,
        )
    if isinstance(op, AddCheck):
        c = op.check
        return Step(
            "add check",
            f"{c.table}.{c.column} ({c.name})",
            True,
            "added NOT VALID then validated: validation scans rows without blocking reads or writes",
            f"drop constraint {c.name} on {c.table}",
            ("rows that already violate it make VALIDATE fail; the migration then stops before any data changes",),
        )
    if isinstance(op, AddForeignKey):
        fk = op.constraint
        return Step(
            "add foreign key",
            f"{fk.table}.{fk.column} -> {fk.fk.table}.{fk.fk.column} ({fk.name})",
            True,
            "added NOT VALID then validated, so existing rows are checked without a long lock",
            f"drop constraint {fk.name} on {fk.table}",
            (f"on delete {fk.fk.on_delete}",),
        )
    if isinstance(op, (DropColumn, DropTable, RenameColumn, AlterColumn)):
        return _breaking(op, spec)
    assert isinstance(op, CreateIndex)
    ix = op.index
    kind = "unique index" if ix.unique else "index"
    if op.new_table:
        return Step(f"create {kind}", f"{ix.name} on {ix.table}({', '.join(ix.columns)})", True, "on a new, empty table", f"drop index {ix.name}")
    notes = ("a failed CONCURRENTLY build leaves an INVALID index: drop it and run the step again",)
    if ix.unique:
        notes += ("duplicate existing values make the build fail",)
    return Step(
        f"create {kind}",
        f"{ix.name} on {ix.table}({', '.join(ix.columns)})",
        True,
        "built CONCURRENTLY on PostgreSQL (outside a transaction), so writes continue",
        f"drop index {ix.name} (CONCURRENTLY on PostgreSQL)",
        notes,
    )


def _breaking(op: DropColumn | DropTable | RenameColumn | AlterColumn, spec: Spec) -> Step:
    """Non-additive steps: never "safe"; the lint gate only lets them through
    with an approval, which the step then carries."""
    if isinstance(op, DropColumn):
        target = f"{op.table}.{op.column.name}"
        step = Step("drop column", target, False, "destroys the column's data; code that still reads it breaks", f"re-add column {target} (its structure only: the data is not restored)")
    elif isinstance(op, DropTable):
        target = op.table.name
        step = Step("drop table", target, False, "destroys every row of the table", f"recreate table {target}, empty (the rows are not restored)")
    elif isinstance(op, RenameColumn):
        target = f"{op.table}.{op.old}"
        step = Step("rename column", f"{target} -> {op.new}", False, "code deployed before this migration still uses the old name", f"rename {op.table}.{op.new} back to {op.old}")
    else:
        target = f"{op.table}.{op.before.name}"
        only_relaxes = not op.sets_not_null and not op.changes_checks and op.before.kind == op.after.kind and op.before.max_length == op.after.max_length
        why = "relaxes the column (drops NOT NULL or changes the default): existing rows stay valid" if only_relaxes else "changes type, length, nullability or allowed values: existing rows or running code may not fit"
        step = Step("alter column", target, only_relaxes, why, f"restore the previous definition of {target}")
    approvals = [a for a in spec.approvals if a.target in (target, step.target)]
    if approvals:
        notes = tuple(f"approved {a.rule}: {a.reason}" for a in approvals)
        return Step(step.action, step.target, step.safe, step.why, step.rollback, notes, approved=True)
    return step


def plan_for(spec: Spec) -> Plan:
    """The migration plan of `spec` (no steps when it changes no schema)."""
    return Plan(spec.id, tuple(_step(op, spec) for op in spec.operations))
