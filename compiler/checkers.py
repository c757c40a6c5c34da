"""The checkers targets declare for their file kinds (`compiler.target.Checker`).

`specc check` runs whatever checker a file's kind names; the generic ones
live here so that targets share them.  Python files get black and compile
(`PYTHON`; `compiler.check.run` runs both), SQL parses with sqlglot in the
dialect the target declares, YAML and JSON must parse.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

from compiler.target import Checker

# black-formatted and compiles: `compiler.check.run.lint` runs the two checks itself.
PYTHON = Checker("python")
MARKDOWN = Checker("markdown", reason="Markdown is prose for reviewers; nothing parses it")


def sql_problem(text: str, dialect: str, read: Any = None) -> str | None:
    """Why `text` fails the sqlglot self-check in `dialect` (parsed with
    `read`, default the dialect's name), or None."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ErrorLevel, ParseError

    try:
        statements = [s for s in sqlglot.parse(text, read=read or dialect, error_level=ErrorLevel.RAISE) if s is not None]
    except (ParseError, ValueError) as err:
        return f"does not parse as {dialect}: {str(err).splitlines()[0]}"
    if not statements:
        return "holds no statement"
    for statement in statements:
        for node in statement.walk():
            if isinstance(node, exp.Command):
                return f"sqlglot parses a statement only as an opaque command: {node.sql()[:80]}"
    return None


def sqlglot(dialect: str, read: Any = None) -> Checker:
    """SQL of `dialect`, parsed with sqlglot (`read`: a dialect class to use instead of the name)."""
    return Checker("sqlglot", lambda path, text: sql_problem(text, dialect, read))


def _yaml_problem(path: PurePosixPath, text: str) -> str | None:
    import yaml

    try:
        yaml.safe_load(text)
    except yaml.YAMLError as err:
        return f"does not parse as YAML: {str(err).splitlines()[0]}"
    return None


def _json_problem(path: PurePosixPath, text: str) -> str | None:
    try:
        json.loads(text)
    except ValueError as err:
        return f"does not parse as JSON: {err}"
    return None


YAML = Checker("yaml", _yaml_problem)
JSON = Checker("json", _json_problem)
