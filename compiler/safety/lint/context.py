"""What the migration rules look at: one spec's generated postgres up
migration, statement by statement, and the schema it runs against."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterator

from sqlglot import exp

from compiler.base.schema import parse_base_schema
from compiler.ir import NO_SPAN, AddColumn, AlterColumn, Column, CreateIndex, DropColumn, DropTable, Operation, RenameColumn, Schema, Span, Spec, Table
from compiler.safety.lint.finding import Finding
from compiler.safety.lint.statements import Statement, parse_statements


@dataclass(frozen=True)
class MigrationContext:
    """A migration under review.

    `before` is the schema the migration runs against (so a rule can tell an
    existing table, whose rows and traffic a lock or rewrite hurts, from one
    this migration creates); `after` is the spec's resulting schema when the
    migration came from a spec, used only to point at spec lines."""

    spec_id: str
    file: str
    statements: tuple[Statement, ...]
    before: Schema
    after: Schema | None = None
    spec_span: Span = NO_SPAN
    operations: tuple[Operation, ...] = ()

    @classmethod
    def for_spec(cls, spec: Spec, file: str, sql: str) -> MigrationContext:
        return cls(spec.id, file, parse_statements(sql), spec.schema_before, spec.schema_after, spec.span, spec.operations)

    @classmethod
    def from_sql(cls, before_ddl: str, sql: str, file: str = "up.sql") -> MigrationContext:
        """A context from plain SQL: the schema before (postgres DDL) and the migration."""
        return cls("", file, parse_statements(sql), parse_base_schema(before_ddl, "before.sql"))

    # -- schema lookups ---------------------------------------------------------

    def existing(self, table: str) -> Table | None:
        """The table as it was before the migration, or None if it is new."""
        return self.before.table(table)

    def column_before(self, table: str, column: str) -> Column | None:
        t = self.before.table(table)
        return t.column(column) if t else None

    def locate(self, table: str, column: str | None = None) -> Span:
        """The spec line that asked for a change to `table`/`column`, as close as
        the IR knows it: the column, then the table, then the spec."""
        for schema in (self.after, self.before):
            t = schema.table(table) if schema else None
            if t is None:
                continue
            col = t.column(column) if column else None
            if col is not None and col.span.line and not col.span.file.endswith(".sql"):
                return col.span
            if t.span.line and not t.span.file.endswith(".sql"):
                return t.span
        return self.spec_span if self.spec_span != NO_SPAN else Span(self.file)

    def asked_by(self, rule: str, target: str, table: str, column: str | None) -> Span | None:
        """The span of the spec request (IR operation) that made the flagged
        change, e.g. the `drop:` item for SC101 or the enum for SC104."""
        for op in self.operations:
            span = getattr(op, "span", NO_SPAN)
            if isinstance(op, CreateIndex):
                hit = op.index.name == target and rule in ("SC108", "SC111")
                span = op.index.span
            elif isinstance(op, DropTable):
                hit = rule == "SC102" and op.table.name == table
            elif isinstance(op, DropColumn):
                hit = rule == "SC101" and (op.table, op.column.name) == (table, column)
            elif isinstance(op, RenameColumn):
                hit = rule == "SC105" and (op.table, op.old) == (table, column)
            elif isinstance(op, AlterColumn):
                before, after = op.before, op.after
                hit = (op.table, before.name) == (table, column) and (
                    (rule == "SC104" and before.enum is not None and after.enum is not None and before.enum.values != after.enum.values)
                    or (rule == "SC106" and op.sets_not_null)
                    or (rule in ("SC103", "SC107") and (before.kind != after.kind or op.changes_checks or before.max_length != after.max_length))
                )
            elif isinstance(op, AddColumn):
                hit = rule == "SC106" and (op.table, op.column.name) == (table, column)
                span = op.column.span
            else:
                hit = False
            if hit and span.line:
                return span
        return None

    def finding(self, rule: str, target: str, message: str, stmt: Statement, table: str, column: str | None = None) -> Finding:
        span = self.asked_by(rule, target, table, column) or self.locate(table, column)
        return Finding(span, rule, target, message, self.spec_id, f"{self.file}:{stmt.line}")

    # -- statement helpers --------------------------------------------------------

    def alter_actions(self) -> Iterator[tuple[Statement, str, exp.Expression]]:
        """(statement, table, action) for every action of every ALTER TABLE."""
        for stmt in self.statements:
            expr = stmt.expr
            if isinstance(expr, exp.Alter) and (expr.args.get("kind") or "TABLE").upper() == "TABLE":
                table = expr.this.name
                for action in expr.args.get("actions") or []:
                    yield stmt, table, action

    def create_indexes(self) -> Iterator[tuple[Statement, exp.Create]]:
        for stmt in self.statements:
            if isinstance(stmt.expr, exp.Create) and (stmt.expr.args.get("kind") or "").upper() == "INDEX":
                yield stmt, stmt.expr


def index_table(create: exp.Create) -> str:
    table = create.this.args.get("table")
    return table.name if table is not None else ""


def constraint_kinds(action: exp.Expression) -> list[tuple[str, exp.Expression]]:
    """(constraint name, kind expression) for an ADD CONSTRAINT action."""
    out = []
    if isinstance(action, exp.AddConstraint):
        for constraint in action.expressions:
            name = constraint.name if isinstance(constraint, exp.Constraint) else ""
            kinds = constraint.expressions if isinstance(constraint, exp.Constraint) else [constraint]
            for kind in kinds:
                out.append((name, kind))
    return out
