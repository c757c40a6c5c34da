"""The SQL target: migrations for postgres, sqlite and mysql, and their plan.

For every spec with schema operations it emits
`<spec-id>/migrations/{postgres,sqlite,mysql}/{up,down}.sql` and
`<spec-id>/migration-plan.md`.  A spec without operations gets no migration
files (an empty up.sql would still need running and reviewing), only a
migration-plan.md that says it changes no schema, so every spec's PR has a
plan to link to.

Statements are built as sqlglot expressions from the IR (`sql_ddl`),
arranged per dialect (`sql_migration`), self-checked by parsing them back
(`sql_check`) and described in the plan (`sql_plan`).  `render_schema`
renders a whole `Schema` (e.g. `Project.base`) as DDL, for the test suites
and `specc check`, which build databases from it.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import dataclasses
import re

from compiler.checkers import MARKDOWN, sqlglot
from compiler.diagnostics import Diagnostic, SpecError
from compiler.build.header import DASH, HTML
from compiler.ir import Column, Project, Schema, Span, Spec
from compiler.target import MIGRATION, FileKind, Target
from targets.sql import ddl
from targets.sql.self_check import SQLGLOT_DIALECT, SqlSelfCheckError, check_script, check_statement, render
from targets.sql.migration import build
from targets.sql.plan import render_no_change_plan, render_plan
from targets.sql.sqlite_mysql_alter import mysql_inline_checks

DIALECTS = ddl.DIALECTS



# id(project) -> (project, spec id -> MySQL inline CHECKs before that spec).
_INLINE: dict[int, tuple[Project, dict[str, frozenset[tuple[str, str]]]]] = {}


def _inline_before(project: Project, spec: Spec) -> frozenset[tuple[str, str]]:
    """`mysql_inline_checks` of every operation of the specs before `spec`,
    computed once per project as a running fold (not once per spec: that
    would be quadratic in the number of specs)."""
    known = _INLINE.get(id(project))
    if known is None or known[0] is not project:
        states: dict[str, frozenset[tuple[str, str]]] = {}
        state: frozenset[tuple[str, str]] = frozenset()
        for s in project.specs:
            states[s.id] = state
            state = mysql_inline_checks(s.operations, start=state)
        _INLINE.clear()
        _INLINE[id(project)] = known = (project, states)
    return known[1][spec.id]


def emit_spec(project: Project, spec: Spec) -> dict[PurePosixPath, str]:
    """One spec's migration scripts and plan.  Besides `spec` it reads the
    MySQL inline CHECKs the earlier specs left (see `emit_spec_key`)."""
    out: dict[PurePosixPath, str] = {}
    root = PurePosixPath(spec.id)
    if not spec.has_migration:
        out[root / "migration-plan.md"] = render_no_change_plan(spec)
        return out
    try:
        migration = build(spec, _inline_before(project, spec))
        for script in migration.up + migration.down:
            out[root / "migrations" / script.dialect / f"{script.direction}.sql"] = script.render()
    except (SqlSelfCheckError, ddl.SqlTargetError) as err:
        raise SpecError([self_check_diagnostic(spec, err)]) from None
    out[root / "migration-plan.md"] = render_plan(spec, migration)
    return out


SELF_CHECK_CODE = "E901"


def self_check_diagnostic(spec: Spec, err: Exception) -> Diagnostic:
    """A located diagnostic for SQL that failed its own self-check (or that
    the SQL target refused to build): a bug in specc, not in the spec, but
    reported like any diagnostic, at the column or table of the spec whose
    name the failing SQL mentions (else at the spec), so that nothing is
    written and no traceback is shown."""
    text = str(err)
    first, _, rest = text.partition("\n")
    return Diagnostic(
        _offending_span(spec, text),
        SELF_CHECK_CODE,
        f"internal error: the SQL specc generated for this spec failed its self-check ({first})",
        hint="this is a bug in specc, not in the spec; please report it with the spec" + (f"; the SQL: {' '.join(rest.split())}" if rest.strip() else ""),
    )


def _offending_span(spec: Spec, text: str) -> Span:
    words = set(re.findall(r"[a-z_][a-z0-9_]*", text.lower()))
    for op in spec.operations:
        for value in (getattr(op, f.name) for f in dataclasses.fields(op)):
            columns = [value] if isinstance(value, Column) else list(getattr(value, "columns", ()) or ())
            for col in columns:
                if isinstance(col, Column) and col.name in words and col.span.line:
                    return col.span
    return spec.span


def emit_spec_key(project: Project, spec: Spec) -> str:
    """What `emit_spec` reads beyond `spec`, for the cache key."""
    return repr(sorted(_inline_before(project, spec)))


def schema_statements(schema: Schema, dialect: str) -> list[str]:
    """Every statement that creates `schema` from nothing on `dialect`, in
    dependency order: tables (FK targets first), then their indexes.

    A foreign key whose target table comes later (a cycle) is added with
    ALTER TABLE after all tables exist; SQLite, which cannot add constraints
    later but does not check FK targets at CREATE time, keeps it inline.
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")
    order = schema.creation_order()
    position = {t.name: i for i, t in enumerate(order)}
    statements = []
    if dialect == "postgres":
        statements += ddl.create_enum_types(schema)
    later = []
    for i, table in enumerate(order):
        deferred = tuple(
            fk.name
            for fk in table.foreign_keys
            if dialect != "sqlite" and position.get(fk.fk.table, -1) > i
        )
        statements.append(ddl.create_table(table, dialect, deferred_fks=deferred))
        later += [
            ddl.alter(table.name, [ddl.add_constraint(ddl.fk_constraint(fk))])
            for fk in table.foreign_keys
            if fk.name in deferred
        ]
    statements += later
    for table in order:
        statements += [ddl.create_index(ix, dialect) for ix in table.indexes]
    rendered = [render(s, dialect) for s in statements]
    for sql in rendered:
        check_statement(sql, dialect)
    return rendered


def render_schema(schema: Schema, dialect: str) -> str:
    """`schema` as one DDL script for `dialect` (statements end with `;`)."""
    statements = schema_statements(schema, dialect)
    text = "".join(f"{sql};\n\n" for sql in statements).rstrip("\n") + "\n"
    check_script(text, statements, dialect)
    return text


TARGET = Target(
    "sql",
    kinds=(
        *(FileKind(".sql", DASH, MIGRATION, sqlglot(d, SQLGLOT_DIALECT[d]), where=f"*/migrations/{d}/*") for d in DIALECTS),
        FileKind(".md", HTML, MIGRATION, MARKDOWN, where="*/migration-plan.md"),
    ),
    emit_spec=emit_spec,
    spec_key=emit_spec_key,
    provides={"schema_ddl": render_schema},
)
