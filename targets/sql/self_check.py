"""Self-check of generated SQL: every statement must parse back as a real AST.

Each emitted statement is parsed with sqlglot in its own dialect at
`ErrorLevel.RAISE`; an opaque `exp.Command` anywhere in the tree (sqlglot's
"I did not understand this, here is the raw text" node) fails the check, and
so does a statement that does not regenerate to exactly the text we emitted
(sqlglot's `validate_identity` idea).  A failure is a compiler bug, so it
raises `SqlSelfCheckError` (a plain exception, never a user diagnostic).

The one documented exception to "stock sqlglot dialect": PostgreSQL's
`ALTER TABLE t VALIDATE CONSTRAINT c`.  sqlglot 30.30.0 has no grammar for
it and falls back to `exp.Command`, yet it is the statement every postgres
migration linter asks for after `ADD CONSTRAINT ... NOT VALID`, and there is
no other statement that validates a constraint.  Rather than let a Command
through, `SpeccPostgres` adds exactly that one ALTER TABLE action to sqlglot's
postgres grammar, as a typed node (`ValidateConstraint`) whose only argument
is an identifier.  Its generator also writes `ALTER COLUMN c SET NOT NULL`,
which stock sqlglot parses (into a typed node) but refuses to generate.
The extension only adds the `VALIDATE` key to
`ALTER_PARSERS`, which stock sqlglot does not have (it turns such statements
into a Command), so every other statement parses exactly as with stock
`postgres`; `test_sql_target.py` checks both facts.
"""

from __future__ import annotations

from functools import cache
from typing import ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.dialects.mysql import MySQL
from sqlglot.dialects.postgres import Postgres
from sqlglot.dialects.sqlite import SQLite
from sqlglot.errors import ErrorLevel, ParseError
from sqlglot.generator import Generator
from sqlglot.generators.mysql import MySQLGenerator
from sqlglot.generators.postgres import PostgresGenerator
from sqlglot.generators.sqlite import SQLiteGenerator
from sqlglot.parsers.postgres import PostgresParser
from sqlglot.tokenizer_core import TokenType

from compiler.sql_keywords import needs_quotes


class SqlSelfCheckError(Exception):
    """Generated SQL failed its own self-check: a compiler bug."""


class ValidateConstraint(exp.Expression):
    """The PostgreSQL ALTER TABLE action `VALIDATE CONSTRAINT name`."""

    arg_types = {"this": True}


class _SpeccPostgresParser(PostgresParser):
    ALTER_PARSERS = {
        **PostgresParser.ALTER_PARSERS,
        "VALIDATE": lambda self: self._parse_validate_constraint(),
    }

    def _parse_validate_constraint(self) -> ValidateConstraint:
        if not self._match(TokenType.CONSTRAINT):
            self.raise_error("Expected CONSTRAINT after VALIDATE")
        name = self._parse_id_var(any_token=False)
        if name is None:
            self.raise_error("Expected a constraint name after VALIDATE CONSTRAINT")
        return self.expression(ValidateConstraint(this=name))


class _Quoting(Generator):
    """A generator mixin that quotes every identifier `QUOTE_FOR` needs
    quoted (see `compiler.sql_keywords`): a keyword its engine refuses as a
    bare name, or one sqlglot would read back as something else.  Other
    identifiers are written as before, unquoted.  Listed before the dialect's
    own generator, so `super()` is that generator."""

    QUOTE_FOR: ClassVar[str]

    def identifier_sql(self, expression: exp.Identifier) -> str:
        if not expression.quoted and needs_quotes(expression.name, self.QUOTE_FOR):
            expression = exp.Identifier(this=expression.name, quoted=True)
        return super().identifier_sql(expression)


class _SpeccPostgresGenerator(_Quoting, PostgresGenerator):
    QUOTE_FOR = "postgres"
    TRANSFORMS = {
        **PostgresGenerator.TRANSFORMS,
        ValidateConstraint: lambda self, e: f"VALIDATE CONSTRAINT {self.sql(e, 'this')}",
    }

    def altercolumn_sql(self, expression: exp.AlterColumn) -> str:
        # sqlglot 30.30.0 parses `ALTER COLUMN c SET NOT NULL` into
        # AlterColumn(allow_null=False) but its generator reports that very
        # node as unsupported (it tests `not allow_null` for "absent").
        if expression.args.get("allow_null") is False and not expression.args.get("drop") and not expression.args.get("dtype"):
            return f"ALTER COLUMN {self.sql(expression, 'this')} SET NOT NULL"
        return super().altercolumn_sql(expression)


class _SpeccMySQLGenerator(_Quoting, MySQLGenerator):
    QUOTE_FOR = "mysql"


class _SpeccSQLiteGenerator(_Quoting, SQLiteGenerator):
    QUOTE_FOR = "sqlite"


class SpeccPostgres(Postgres):
    """sqlglot's postgres dialect plus `ALTER TABLE ... VALIDATE CONSTRAINT`,
    and a generator that can write the `SET NOT NULL` it parses."""

    Parser = _SpeccPostgresParser
    Generator = _SpeccPostgresGenerator


class SpeccMySQL(MySQL):
    """sqlglot's mysql dialect, quoting the names MariaDB reserves."""

    Generator = _SpeccMySQLGenerator


class SpeccSQLite(SQLite):
    """sqlglot's sqlite dialect, quoting the names SQLite reserves."""

    Generator = _SpeccSQLiteGenerator


# specc dialect name -> the sqlglot dialect that renders and re-parses it.
SQLGLOT_DIALECT: dict[str, type[Dialect]] = {
    "postgres": SpeccPostgres,
    "sqlite": SpeccSQLite,
    "mysql": SpeccMySQL,
}


_PLACEHOLDER = "specc_column_list"


@cache
def _dialect(name: str) -> Dialect:
    """One sqlglot dialect instance per dialect (sqlglot builds a new one for
    every call given a name)."""
    return Dialect.get_or_raise(SQLGLOT_DIALECT[name])


def render(expression: exp.Expr, dialect: str, copy: bool = True) -> str:
    """`expression` as `dialect` SQL text, without the trailing semicolon.

    CREATE TABLE lists one column or constraint per line, for review (sqlglot's
    own pretty mode also breaks `REFERENCES t (c)` over three lines); every
    other statement stays on one line, which is how people write them.
    """
    target = _dialect(dialect)
    if isinstance(expression, exp.Create) and expression.kind == "TABLE" and isinstance(expression.this, exp.Schema):
        schema = expression.this
        elements = [e.sql(dialect=target, copy=copy, unsupported_level=ErrorLevel.RAISE) for e in schema.expressions]
        # Render the head with a placeholder for the elements.  The elements
        # are swapped out and back rather than deep-copying the statement,
        # which cost more than rendering it.
        saved = list(schema.expressions)
        schema.set("expressions", [exp.to_identifier(_PLACEHOLDER)])
        try:
            flat = expression.sql(dialect=target, copy=copy, unsupported_level=ErrorLevel.RAISE)
        finally:
            schema.set("expressions", saved)
        marker = f"({_PLACEHOLDER})"
        if flat.count(marker) != 1:
            raise SqlSelfCheckError(f"{dialect}: cannot lay out CREATE TABLE: {flat}")
        return flat.replace(marker, "(\n" + ",\n".join(f"  {e}" for e in elements) + "\n)")
    return expression.sql(dialect=target, copy=copy, unsupported_level=ErrorLevel.RAISE)


def check_statement(sql: str, dialect: str) -> exp.Expr:
    """Parse one emitted statement back; raise `SqlSelfCheckError` unless it is
    exactly one statement, contains no `exp.Command`, and regenerates to `sql`."""
    try:
        parsed = sqlglot.parse(sql, read=_dialect(dialect), error_level=ErrorLevel.RAISE)
    except ParseError as err:
        raise SqlSelfCheckError(f"{dialect}: generated SQL does not parse: {err}\n{sql}") from err
    statements = [s for s in parsed if s is not None]
    if len(statements) != 1:
        raise SqlSelfCheckError(f"{dialect}: expected one statement, parsed {len(statements)}:\n{sql}")
    tree = statements[0]
    for node in tree.walk():
        if isinstance(node, exp.Command):
            raise SqlSelfCheckError(f"{dialect}: generated SQL parses only as an opaque Command:\n{sql}")
    again = render(tree, dialect)
    if again != sql:
        raise SqlSelfCheckError(f"{dialect}: generated SQL does not round-trip:\n{sql}\n-- re-rendered as --\n{again}")
    return tree


# Scripts that passed `check_script` in this process.  The check is a pure
# function of its arguments, and a process often renders the same script
# again (the agent's preview and check, the compile cache's misses, tests);
# a failure is never remembered, so it is raised every time.
_PASSED: set[tuple[str, str, tuple[str, ...]]] = set()
_PASSED_MAX = 4096


def check_script(script: str, statements: list[str], dialect: str) -> None:
    """The whole file must parse into exactly `statements`, in order (so no
    comment line swallowed a statement, and no statement leaked out of one),
    with no opaque `exp.Command`.  Parsing the script and re-rendering every
    statement to its emitted text is the round trip `check_statement` makes,
    for all statements at once."""
    key = (dialect, script, tuple(statements))
    if key in _PASSED:
        return
    _check_script(script, statements, dialect)
    if len(_PASSED) >= _PASSED_MAX:
        _PASSED.clear()
    _PASSED.add(key)


def _check_script(script: str, statements: list[str], dialect: str) -> None:
    try:
        parsed = [s for s in sqlglot.parse(script, read=_dialect(dialect), error_level=ErrorLevel.RAISE) if s is not None]
    except ParseError as err:
        raise SqlSelfCheckError(f"{dialect}: generated script does not parse: {err}") from err
    for tree in parsed:
        # Comment lines (headers, squawk-ignore markers) attach to the next
        # statement's tree; they are not part of the statement.
        for node in tree.walk():
            node.comments = None
    # The parsed trees are thrown away: render them without sqlglot's
    # defensive deep copy.
    rendered = [render(s, dialect, copy=False) for s in parsed]
    if rendered != statements or any(isinstance(n, exp.Command) for tree in parsed for n in tree.walk()):
        # Find the statement at fault for a precise message; checking each one
        # on its own is the slow path, taken only when something is wrong.
        for sql in statements:
            check_statement(sql, dialect)
        extra = next((f"{a!r} != {b!r}" for a, b in zip(rendered, statements, strict=False) if a != b), "")
        raise SqlSelfCheckError(f"{dialect}: script parses into {len(rendered)} statements, not the {len(statements)} emitted {extra}")
