"""`<spec-id>/migration-plan.md`: what the migration does, in order, and how to undo it.

For PostgreSQL every statement gets the lock it takes (checked against
`pg_locks` on PostgreSQL 15), whether it rewrites or scans the table, and
whether it can run inside a transaction; then the rollback steps and the data
the rollback destroys.  SQLite and MySQL get the same list, shorter.  The
rows come from the very `Step`s that were rendered into the .sql files.

Everything from a spec (the title, enum values) is Markdown-escaped;
identifiers are validated lower_snake_case before they go into code spans.
"""

from __future__ import annotations

import re

from sqlglot import exp

from compiler.ir import AddCheck, AddColumn, AddForeignKey, AlterColumn, Check, Column, CreateIndex, CreateTable, DropColumn, DropTable, RenameColumn, Spec
from compiler.names import PHYSICAL_IDENTIFIER
from targets.sql.postgres import LOCK_TIMEOUT, STATEMENT_TIMEOUT
from targets.sql.script import Migration, Phase, Script

_PUNCT = set("\\`*[]<>|#~!&{}")


def md_text(text: str) -> str:
    """`text` as inert Markdown inline text: no emphasis, links, HTML, code,
    table cells or headings can start inside it.  Intraword underscores (as
    in snake_case names) are left alone: they cannot open emphasis."""
    text = " ".join(text.split())
    out = []
    for i, ch in enumerate(text):
        if ch in _PUNCT:
            out.append("\\" + ch)
        elif ch == "_":
            before = text[i - 1] if i else " "
            after = text[i + 1] if i + 1 < len(text) else " "
            out.append("_" if before.isalnum() and after.isalnum() else "\\_")
        else:
            out.append(ch)
    return "".join(out)


def code(name: str) -> str:
    """A validated identifier (or dotted pair of them) as an inline code span."""
    if not all(PHYSICAL_IDENTIFIER.match(part) for part in name.split(".")):
        raise ValueError(f"not an identifier: {name!r}")
    return f"`{name}`"


def _check_words(check: Check) -> str:
    if check.kind == "enum":
        return "must be one of " + ", ".join(f"“{md_text(v)}”" for v in check.values)
    if check.kind == "url":
        return "must start with " + " or ".join(md_text(f"{s}://") for s in check.values)
    unit = " characters" if check.kind == "length" else ""
    if check.minimum is not None and check.maximum is not None:
        return f"must be between {check.minimum} and {check.maximum}{unit}"
    if check.minimum is not None:
        return f"must be at least {check.minimum}{unit}"
    return f"must be at most {check.maximum}{unit}"


def _column_words(col: Column) -> str:
    return f"{code(col.name)} ({_column_traits(col)})"


def _column_traits(col: Column) -> str:
    null = "nullable" if col.nullable else "NOT NULL"
    extra = ", primary key" if col.primary_key else ""
    if col.default == "now":
        extra += ", defaults to the current time"
    elif col.default is not None:
        extra += f", default {md_text(repr(col.default))}"
    return f"{col.kind}, {null}{extra}"


def _changes(spec: Spec) -> list[str]:
    lines = []
    for op in spec.operations:
        if isinstance(op, AddColumn):
            lines.append(f"- Add column {code(op.table + '.' + op.column.name)} ({_column_traits(op.column)})")
        elif isinstance(op, AddCheck):
            c = op.check
            lines.append(f"- CHECK {code(c.name)}: {code(c.table + '.' + c.column)} {_check_words(c)} (NULL passes)")
        elif isinstance(op, AddForeignKey):
            fk = op.constraint
            lines.append(f"- FOREIGN KEY {code(fk.name)}: {code(fk.table + '.' + fk.column)} references {code(fk.fk.table + '.' + fk.fk.column)}, on delete {fk.fk.on_delete}")
        elif isinstance(op, CreateTable):
            t = op.table
            lines.append(f"- Create table {code(t.name)} with columns " + ", ".join(_column_words(c) for c in t.columns))
            for c in t.checks:
                lines.append(f"  - CHECK {code(c.name)}: {code(c.column)} {_check_words(c)}")
            for fk in t.foreign_keys:
                lines.append(f"  - FOREIGN KEY {code(fk.name)}: {code(fk.column)} references {code(fk.fk.table + '.' + fk.fk.column)}, on delete {fk.fk.on_delete}")
            if t.cap is not None:
                lines.append(f"  - at most {t.cap.max} rows per {code(t.cap.per)}: enforced by the application, inside the write transaction")
        elif isinstance(op, CreateIndex):
            ix = op.index
            kind = "unique index" if ix.unique else "index"
            lines.append(f"- Create {kind} {code(ix.name)} on {code(ix.table)} (" + ", ".join(code(c) for c in ix.columns) + ")")
        elif isinstance(op, DropColumn):
            lines.append(f"- **Drop column** {code(op.table + '.' + op.column.name)} and its data (rollback recreates it empty)")
        elif isinstance(op, DropTable):
            lines.append(f"- **Drop table** {code(op.table.name)} and every row (rollback recreates it empty)")
        elif isinstance(op, RenameColumn):
            lines.append(f"- **Rename column** {code(op.table + '.' + op.old)} to {code(op.new)}")
        elif isinstance(op, AlterColumn):
            lines.append(f"- **Alter column** {code(op.table + '.' + op.after.name)}: {_column_traits(op.before)} → {_column_traits(op.after)}")
            for c in op.checks_before:
                if c not in op.checks_after:
                    lines.append(f"  - drop CHECK {code(c.name)}: {code(c.column)} {_check_words(c)}")
            for c in op.checks_after:
                if c not in op.checks_before:
                    lines.append(f"  - CHECK {code(c.name)}: {code(c.column)} {_check_words(c)} (NULL passes)")
    return lines


def _preflight(spec: Spec) -> list[str]:
    """Read-only PostgreSQL queries to run before deploying, for what the
    stored rows may already break: duplicates under a unique index made on an
    existing table (its CREATE fails on them), and owners over a cap given
    to an existing table (the application refuses their writes until they
    are under it).  Empty when the spec does neither."""
    before = {t.name for t in spec.schema_before.tables}
    queries: list[tuple[str, str]] = []
    for op in spec.operations:
        if isinstance(op, CreateIndex) and op.index.unique and op.index.table in before:
            ix = op.index
            query = _grouped(ix.table, ix.columns, 1)
            queries.append((f"Rows that the unique index {code(ix.name)} would refuse (its CREATE fails while any exist):", query))
    for table in spec.schema_after.tables:
        old = spec.schema_before.table(table.name)
        if old is not None and table.cap is not None and table.cap != old.cap:
            query = _grouped(table.name, (table.cap.per,), table.cap.max)
            what = f"Owners with more {code(table.name)} rows than the new cap of {table.cap.max} (rows stored before stay; the application refuses a write that leaves an owner over it):"
            queries.append((what, query))
    if not queries:
        return []
    lines = ["## Before deploying", "", "Read-only checks of the stored rows (PostgreSQL); each should return no rows.", ""]
    for what, query in queries:
        lines += [what, "", "```sql", query, "```", ""]
    return lines


def _grouped(table: str, columns: tuple[str, ...], over: int) -> str:
    """SELECT columns, COUNT(*) ... GROUP BY columns HAVING COUNT(*) > over, from validated names."""
    cols = [exp.column(exp.to_identifier(c, quoted=True)) for c in columns]
    count = exp.Count(this=exp.Star())
    query = exp.select(*cols, count).from_(exp.Table(this=exp.to_identifier(table, quoted=True))).group_by(*cols).having(count.copy() > exp.Literal.number(over))
    return query.sql(dialect="postgres") + ";"


def _safety(spec: Spec) -> list[str]:
    """Says whether the migration is safe by default; empty for purely
    additive migrations without approvals (the seed specs' plans)."""
    approved = [a for a in spec.approvals if a.rule.startswith("SC")]
    risky = any(isinstance(op, (DropColumn, DropTable, RenameColumn, AlterColumn)) for op in spec.operations)
    if not approved and not risky:
        return []
    lines = [
        "## Safety",
        "",
        "**Not safe by default: needs approval.** This migration makes changes the safety lint flags",
        "(docs/lint-rules.md); it compiles only because the spec approves each of them:",
        "",
    ]
    lines += [f"- {md_text(a.rule)} on {md_text(a.target)}: {md_text(a.reason)}" for a in approved] or ["- (none)"]
    return lines + [""]


def _transaction_words(script: Script, phase: Phase, number: int) -> str:
    if phase.transaction:
        return f"yes: transaction {number}"
    if "CONCURRENTLY" in phase.title:
        return "no: must run outside a transaction"
    if script.dialect == "mysql":
        return "no: MySQL commits each DDL statement"
    return "either (session setting)"


def _steps_table(script: Script, *, postgres: bool) -> list[str]:
    lock = "Lock on PostgreSQL" if postgres else "Lock"
    lines = [f"| # | Step | {lock} | Rewrites or scans the table | In a transaction |", "|---|---|---|---|---|"]
    number, tx = 0, 0
    for phase in script.phases:
        if not phase.steps:
            continue
        if phase.transaction:
            tx += 1
        where = _transaction_words(script, phase, tx)
        for step in phase.steps:
            number += 1
            lines.append(f"| {number} | {md_text(step.what)} | {md_text(step.lock)} | {md_text(step.work)} | {md_text(where)} |")
    return lines


def _phases(script: Script) -> list[str]:
    lines = []
    for i, phase in enumerate(p for p in script.phases if p.steps):
        wrapped = " (BEGIN … COMMIT)" if phase.transaction else ""
        lines.append(f"{i + 1}. {md_text(phase.title)}{wrapped}")
    return lines


def _failure_notes(script: Script) -> list[str]:
    has = {kind: any(kind in (s.what or "") for p in script.phases for s in p.steps) for kind in ("validate", "CONCURRENTLY")}
    notes = ["- in the first transaction: PostgreSQL rolls all of it back and nothing has changed; fix the cause and re-run up.sql."]
    if has["validate"]:
        notes += [
            "- in the validation transaction: existing rows break a constraint. The constraint stays NOT VALID",
            "  (still enforced for new and updated rows). Fix those rows and re-run the VALIDATE statements, or roll back.",
        ]
    if has["CONCURRENTLY"]:
        notes.append("- in a CONCURRENTLY step: re-run the CONCURRENTLY statements; a leftover INVALID index is dropped first.")
    return notes


def _script(migration: Migration, direction: str, dialect: str) -> Script:
    scripts = migration.up if direction == "up" else migration.down
    return next(s for s in scripts if s.dialect == dialect)


def render_plan(spec: Spec, migration: Migration) -> str:
    """The migration plan of `spec` as Markdown."""
    pg_up, pg_down = _script(migration, "up", "postgres"), _script(migration, "down", "postgres")
    destroys = "; ".join(migration.destroys) or "no data (only constraints and indexes are dropped)"
    out = [
        f"# Migration plan: {md_text(spec.title)}",
        "",
        f"Spec {md_text(spec.id)}. specc writes these scripts and never runs them: a person applies",
        "`migrations/<dialect>/up.sql` and, to roll back, runs `migrations/<dialect>/down.sql`.",
        "",
        *_safety(spec),
        "## What changes",
        "",
        *_changes(spec),
        "",
        *_preflight(spec),
        "## PostgreSQL: up.sql",
        "",
        "Run it with `psql -v ON_ERROR_STOP=1 -f up.sql` (never with `--single-transaction`:",
        "CREATE INDEX CONCURRENTLY refuses to run inside a transaction block).",
        f"`lock_timeout = {LOCK_TIMEOUT}` makes a statement give up instead of queueing every other query",
        f"behind it while it waits for a lock; `statement_timeout = {STATEMENT_TIMEOUT}` bounds the catalog changes.",
        "",
        "Phases:",
        "",
        *_phases(pg_up),
        "",
        *_steps_table(pg_up, postgres=True),
        "",
        "If a step fails:",
        "",
        *_failure_notes(pg_up),
        "",
        "## Rollback: down.sql",
        "",
        f"**Destroys:** {md_text(destroys)}. Back the data up first if it may be needed again.",
        "",
        "PostgreSQL phases:",
        "",
        *_phases(pg_down),
        "",
        *_steps_table(pg_down, postgres=True),
        "",
        "Each DROP carries a `-- squawk-ignore` comment naming the rule it knowingly breaks and why.",
        "",
        "## SQLite",
        "",
        "SQLite cannot add a constraint to an existing table, so the CHECKs and foreign key of an added",
        "column are declared inside its ADD COLUMN. The whole script is one transaction.",
        "",
        "up.sql:",
        "",
        *_steps_table(_script(migration, "up", "sqlite"), postgres=False),
        "",
        "down.sql:",
        "",
        *_steps_table(_script(migration, "down", "sqlite"), postgres=False),
        "",
        "## MySQL / MariaDB",
        "",
        "Needs MySQL 8.0.16+ or MariaDB 10.2+, which enforce CHECK constraints. DDL commits implicitly,",
        "so each statement is atomic on its own and a failed script stops part-way; down.sql undoes the",
        "statements that ran. A CHECK on an added column is declared inside ADD COLUMN without a name",
        "(MariaDB rejects named column CHECKs); the server names it and it is dropped with its column.",
        "Text columns are `CHARACTER SET utf8mb4 COLLATE utf8mb4_bin` whatever the database's default",
        "(MariaDB's is latin1), and each script starts with `SET NAMES utf8mb4`, so non-Latin text",
        "in defaults and rows is stored intact. MariaDB stores a CHECK in its table's default",
        "character set, though: on a latin1 table a CHECK with values that are not Latin-1 fails",
        "with ERROR 1918, so give such a table a utf8mb4 default first",
        "(`ALTER TABLE t DEFAULT CHARACTER SET utf8mb4`, which converts no existing column).",
        "",
        "up.sql:",
        "",
        *_steps_table(_script(migration, "up", "mysql"), postgres=False),
        "",
        "down.sql:",
        "",
        *_steps_table(_script(migration, "down", "mysql"), postgres=False),
    ]
    text = "\n".join(out) + "\n"
    if re.search(r"^#{1,6} ", text.split("\n", 1)[1], flags=re.M) is None:  # pragma: no cover - sanity
        raise AssertionError("plan lost its headings")
    return text


def render_no_change_plan(spec: Spec) -> str:
    """The plan of a spec that changes no schema: there is nothing to run."""
    return "\n".join(
        [
            f"# Migration plan: {md_text(spec.title)}",
            "",
            f"Spec {md_text(spec.id)} changes no schema: it adds no table, column, constraint or index,",
            "so there is no migration to run and nothing to roll back.",
        ]
    ) + "\n"
