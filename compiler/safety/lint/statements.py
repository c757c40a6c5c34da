"""Split a generated SQL file into statements, each with its line and its
sqlglot parse, so lint rules and the migration plan inspect exactly what a
user would run."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp


@dataclass(frozen=True)
class Statement:
    """One SQL statement of a migration file.

    `line` is the 1-based line where the statement starts; `comments` are the
    `--` comment lines directly above it (squawk-ignore directives live there);
    `expr` is the postgres parse (an `exp.Command` for syntax sqlglot does not
    model, such as VALIDATE CONSTRAINT)."""

    index: int
    line: int
    text: str
    expr: exp.Expr = field(compare=False)
    comments: tuple[str, ...] = ()


def split_sql(text: str) -> list[tuple[int, str, tuple[str, ...]]]:
    """(line, statement text without `;`, preceding comment lines) for each
    statement; quotes, quoted identifiers, dollar quotes and comments are
    respected when looking for `;`."""
    out: list[tuple[int, str, tuple[str, ...]]] = []
    buf: list[str] = []
    comments: list[str] = []
    start_line = 0
    line = 1
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if not buf and ch in " \t\r\n":
            line += ch == "\n"
            i += 1
            continue
        if ch == "-" and text.startswith("--", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            if not buf:
                comments.append(text[i:end])
            else:
                buf.append(text[i:end])
            i = end
            continue
        if not buf:
            start_line = line
        if ch in ("'", '"'):
            end = i + 1
            while end < n:
                if text[end] == ch:
                    if end + 1 < n and text[end + 1] == ch:
                        end += 2
                        continue
                    break
                end += 1
            chunk = text[i : end + 1]
            buf.append(chunk)
            line += chunk.count("\n")
            i = end + 1
            continue
        if ch == "$":
            close = text.find("$", i + 1)
            tag = text[i : close + 1] if close > 0 else ""
            if tag and all(c.isalnum() or c == "_" for c in tag[1:-1]):
                end = text.find(tag, close + 1)
                end = n if end < 0 else end + len(tag)
                chunk = text[i:end]
                buf.append(chunk)
                line += chunk.count("\n")
                i = end
                continue
        if ch == ";":
            stmt = "".join(buf).strip()
            if stmt:
                out.append((start_line, stmt, tuple(comments)))
            buf, comments = [], []
            i += 1
            continue
        buf.append(ch)
        line += ch == "\n"
        i += 1
    stmt = "".join(buf).strip()
    if stmt:
        out.append((start_line, stmt, tuple(comments)))
    return out


def parse_statements(text: str, dialect: str = "postgres") -> tuple[Statement, ...]:
    """Every statement of `text`, parsed.  Generated SQL that sqlglot cannot
    parse at all is a compiler bug, so the ParseError propagates."""
    log = logging.getLogger("sqlglot")
    level = log.level
    log.setLevel(logging.ERROR)  # Command fallbacks are expected, not news
    try:
        out = []
        for idx, (line, stmt, comments) in enumerate(split_sql(text)):
            expr = sqlglot.parse_one(stmt, read=dialect)
            out.append(Statement(idx, line, stmt, expr, comments))
        return tuple(out)
    finally:
        log.setLevel(level)
