"""Which table and column names each SQL dialect needs quoted.

The word lists are the engines' own keyword tables, committed beside this
file (`postgres.json`, `mysql.json`, `sqlite.json`) and regenerated from the
engines by `python -m compiler.sql_keywords.regenerate`, which records the
engine version it read.  A name is quoted in a dialect's SQL when that
engine refuses it unquoted in the statements specc writes (PostgreSQL:
every reserved word, R and T in `pg_get_keywords()`; MariaDB and SQLite:
the keywords the server refused in the script's probe).  Every other name
stays unquoted, so ordinary names read as they always did.

Beyond the engines, sqlglot (which renders the SQL and parses it back for
the self-check) must read the name back as the same identifier; the names it
would read as something else (`current_schema` as the function
CURRENT_SCHEMA, `glob` as an operator) are quoted too.  For the engines'
keywords that list is committed as `sqlglot.json` (it depends only on the
pinned sqlglot, and probing every keyword costs seconds); any other name
sqlglot's tokenizer does not read as a plain name is probed when first used
(`sqlglot_misreads`).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TypedDict

HERE = Path(__file__).parent
DIALECTS = ("postgres", "sqlite", "mysql")


class KeywordTable(TypedDict):
    """One engine's `<dialect>.json`, as the regenerate script writes it."""

    engine: str  # e.g. "SQLite 3.40.1"
    generated_by: str
    source: str  # where the words came from, and how `quote` was decided
    rule: str
    keywords: dict[str, str]  # word -> the engine's category for it
    quote: list[str]  # the words the engine refuses unquoted


@cache
def table(dialect: str) -> KeywordTable:
    """The committed keyword table of `dialect` (engine, source, words)."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}")
    loaded: KeywordTable = json.loads((HERE / f"{dialect}.json").read_text("utf-8"))
    return loaded


@cache
def keywords(dialect: str) -> frozenset[str]:
    """Every keyword of `dialect`'s engine, lower case."""
    return frozenset(table(dialect)["keywords"])


@cache
def engine_quoted(dialect: str) -> frozenset[str]:
    """The keywords `dialect`'s engine refuses as unquoted names."""
    return frozenset(table(dialect)["quote"])


def _probe_statements(name: str) -> list[object]:
    """The statement shapes of a migration with `name` as every table,
    column, constraint and index name (built as expressions)."""
    from sqlglot import exp

    def ident() -> exp.Identifier:
        return exp.to_identifier(name)

    def table() -> exp.Table:
        return exp.Table(this=ident())

    def col() -> exp.Column:
        return exp.column(ident())

    text = exp.DataType.build("TEXT")
    check = exp.Constraint(
        this=ident(),
        expressions=[exp.CheckColumnConstraint(this=exp.Between(this=exp.Length(this=col()), low=exp.Literal.number(1), high=exp.Literal.number(2)))],
    )
    fk = exp.Constraint(
        this=ident(),
        expressions=[exp.ForeignKey(expressions=[ident()], reference=exp.Reference(this=exp.Schema(this=table(), expressions=[ident()])))],
    )
    coldef = exp.ColumnDef(this=ident(), kind=text, constraints=[exp.ColumnConstraint(kind=exp.NotNullColumnConstraint())])
    where = exp.and_(
        col().eq(exp.Literal.number(1)),
        exp.In(this=col(), expressions=[exp.Literal.string("a")]),
        exp.Like(this=col(), expression=exp.Literal.string("a%")),
        exp.Not(this=exp.Is(this=col(), expression=exp.Null())),
    )
    return [
        exp.select(col()).from_(table()).where(where).order_by(col()),
        exp.Create(this=exp.Schema(this=table(), expressions=[coldef, check, fk]), kind="TABLE"),
        exp.Create(this=exp.Index(this=ident(), table=table(), params=exp.IndexParameters(columns=[exp.Ordered(this=col(), nulls_first=False)])), kind="INDEX"),
        exp.Alter(this=table(), kind="TABLE", actions=[exp.ColumnDef(this=ident(), kind=text.copy())]),
        exp.Alter(this=table(), kind="TABLE", actions=[exp.Drop(kind="COLUMN", tables=[col()])]),
        exp.Alter(this=table(), kind="TABLE", actions=[exp.RenameColumn(this=col(), to=col())]),
        exp.Alter(this=table(), kind="TABLE", actions=[exp.Drop(kind="CONSTRAINT", tables=[table()])]),
        exp.Insert(this=exp.Schema(this=table(), expressions=[ident()]), expression=exp.select(col()).from_(table())),
        exp.Update(this=table(), expressions=[exp.EQ(this=col(), expression=exp.Literal.number(1))]),
        exp.Drop(kind="TABLE", tables=[table()]),
    ]


@cache
def sqlglot_misreads(name: str, dialect: str) -> bool:
    """Whether sqlglot, given `name` unquoted in the statements specc writes,
    reads it back as something else (a function, a literal, a keyword) or
    not at all.  Such a name fails the self-check of the generated SQL."""
    import logging

    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ErrorLevel

    log = logging.getLogger("sqlglot")
    level = log.level
    log.setLevel(logging.ERROR)  # a Command fallback is the answer, not news
    try:
        for statement in _probe_statements(name):
            try:
                text = statement.sql(dialect=dialect, unsupported_level=ErrorLevel.RAISE)  # type: ignore[attr-defined]
                tree = sqlglot.parse_one(text, read=dialect, error_level=ErrorLevel.RAISE)
            except Exception:  # noqa: BLE001 - any failure to read it back is a misreading
                return True
            if any(isinstance(n, exp.Command) for n in tree.walk()) or tree.sql(dialect=dialect) != text:
                return True
        return False
    finally:
        log.setLevel(level)


@cache
def committed_misreads(dialect: str) -> frozenset[str]:
    """The engines' keywords that sqlglot misreads unquoted in `dialect`
    (`sqlglot.json`, written by the regenerate script)."""
    # Where sqlglot defines its version (the package re-exports it untyped).
    from sqlglot._version import __version__ as sqlglot_version

    data = json.loads((HERE / "sqlglot.json").read_text("utf-8"))
    if data["sqlglot"] != sqlglot_version:
        raise RuntimeError(f"compiler/sql_keywords/sqlglot.json is for sqlglot {data['sqlglot']}, not {sqlglot_version}; regenerate it")
    return frozenset(data["misreads"][dialect])


@cache
def _any_keyword() -> frozenset[str]:
    return frozenset().union(*(keywords(d) for d in DIALECTS))


@cache
def _candidate(name: str) -> bool:
    """Whether sqlglot might misread `name`, a word no engine lists as a
    keyword: one sqlglot's tokenizer reads as anything but a plain name.
    Other names are not probed (probing costs milliseconds a name)."""
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.tokenizer_core import TokenType

    for dialect in DIALECTS:
        tokens = Dialect.get_or_raise(dialect).tokenize(name)
        if len(tokens) != 1 or tokens[0].token_type != TokenType.VAR:
            return True
    return False


@cache
def sqlglot_reserved(dialect: str) -> frozenset[str]:
    """The words sqlglot's own generator for `dialect` always quotes (its
    MySQL generator has MySQL 8's reserved words; the others none)."""
    from sqlglot.dialects.dialect import Dialect

    return frozenset(Dialect.get_or_raise(dialect).generator_class.RESERVED_KEYWORDS)


@cache
def needs_quotes(name: str, dialect: str) -> bool:
    """Whether `name` (a validated lower_snake_case identifier) is quoted in
    `dialect`'s SQL: its engine refuses it unquoted, sqlglot would misread
    it, or sqlglot quotes it anyway."""
    if name in engine_quoted(dialect) or name in sqlglot_reserved(dialect):
        return True
    if name in _any_keyword():
        return name in committed_misreads(dialect)
    return _candidate(name) and sqlglot_misreads(name, dialect)
