"""The backfill target: one standalone, reviewable script per backfill.

For every backfill a spec declares it emits the module
`specc_app/<spec_name>/backfills/<name>.py` (run / status / rollback, standard
library plus the engine's DB-API driver; it checks legacy values with the
validators' own rules from `specc_app/runtime/validation.py`) and
`<spec-id>/backfills/<name>/README.md`.
specc never runs them.  Every SQL statement is built from the IR with sqlglot
(identifiers quoted, values always bound as parameters, never spliced), once
per dialect, and embedded as a Python literal.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

import jinja2
from sqlglot import exp

from compiler import pypackage
from compiler.checkers import MARKDOWN, PYTHON
from compiler.build.header import HASH, HTML
from compiler.ir import Backfill, Column, JsonRowsBackfill, Project, SetBackfill, Spec
from compiler.target import MIGRATION, FileKind, Target
from targets.jsonschema_bodies import DEFAULT_SCHEMES

DIALECTS = ("postgres", "sqlite", "mysql")
_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("targets.fastapi", "templates"),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,
)
_ENV.filters["py"] = repr


def _id(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _col(name: str) -> exp.Column:
    return exp.column(_id(name))


def _table(name: str) -> exp.Table:
    return exp.Table(this=_id(name))


def _render(expr: exp.Expression, dialect: str) -> str:
    sql = expr.sql(dialect)
    # Values are always parameters: the statement holds only quoted,
    # validated identifiers and placeholders, so `?` and `%` mean nothing else.
    assert "'" not in sql and "%" not in sql.replace("%s", ""), sql
    return sql.replace("?", "%s") if dialect == "mysql" else sql


def _batches(table: str, key: str, extra: list[str], dialect: str) -> dict[str, str]:
    cols = [_col(key)] + [_col(c) for c in extra]
    order = exp.Ordered(this=_col(key), desc=False, nulls_first=dialect != "postgres")
    first = exp.select(*cols).from_(_table(table)).order_by(order).limit(exp.Placeholder())
    nxt = exp.select(*cols).from_(_table(table)).where(exp.GT(this=_col(key), expression=exp.Placeholder())).order_by(order).limit(exp.Placeholder())
    count = exp.select(exp.Count(this=exp.Star())).from_(_table(table))
    return {"first_batch": _render(first, dialect), "next_batch": _render(nxt, dialect), "count": _render(count, dialect)}


def _set_sql(b: SetBackfill, dialect: str) -> dict[str, Any]:
    out: dict[str, Any] = _batches(b.table, b.key, [], dialect)
    out["set"] = {}
    out["unset"] = {}
    for v in b.values:
        where = exp.and_(exp.EQ(this=_col(b.key), expression=exp.Placeholder()), exp.Is(this=_col(v.column), expression=exp.Null()))
        # Identifier keys (sqlglot's stubs say str) keep the column quoted: a
        # str key would be re-parsed as SQL text.
        out["set"][v.column] = _render(exp.update(_table(b.table), {_id(v.column): exp.Placeholder()}, where=where), dialect)  # type: ignore[dict-item]
        undo_where = exp.and_(exp.EQ(this=_col(b.key), expression=exp.Placeholder()), exp.EQ(this=_col(v.column), expression=exp.Placeholder()))
        out["unset"][v.column] = _render(exp.update(_table(b.table), {_id(v.column): exp.Null()}, where=undo_where), dialect)  # type: ignore[dict-item]
    return out


def key_generated(b: JsonRowsBackfill) -> bool:
    """Whether the runner makes the child's key: a uuid, or a text key with no
    database default (Prisma's `@default(uuid())` is filled by the client)."""
    return b.into_key.kind == "uuid" or (b.into_key.kind in ("text", "string") and b.into_key.default is None)


def _json_sql(b: JsonRowsBackfill, dialect: str) -> dict[str, Any]:
    out: dict[str, Any] = _batches(b.table, b.key, [b.json_column] + [source for _, source in b.copy], dialect)
    owner = exp.select(exp.Literal.number(1)).from_(_table(b.into)).where(exp.EQ(this=_col(b.owner), expression=exp.Placeholder())).limit(1)
    out["owner_has_rows"] = _render(owner, dialect)
    generated = key_generated(b)
    # Parameters, in the order the runner passes them; then the stamped columns, set by the database clock.
    columns = ([b.into_key.name] if generated else []) + [b.owner] + ([b.position] if b.position else []) + [c for c, _ in b.copy] + [f.column.name for f in b.fields]
    values: list[exp.Expression] = [exp.Placeholder() for _ in columns] + [exp.CurrentTimestamp() for _ in b.stamped]
    insert = exp.insert(
        exp.values([exp.Tuple(expressions=values)]),
        exp.Schema(this=_table(b.into), expressions=[_id(c) for c in columns + list(b.stamped)]),  # type: ignore[arg-type]  # a Schema is what carries the column list
    )
    if dialect == "postgres" and not generated:
        insert.set("returning", exp.Returning(expressions=[_col(b.into_key.name)]))
    out["insert"] = _render(insert, dialect)
    out["has_position"] = b.position is not None
    out["delete"] = _render(exp.delete(_table(b.into), where=exp.EQ(this=_col(b.into_key.name), expression=exp.Placeholder())), dialect)
    return out


def _rule(col: Column, key: str | None, default: object) -> dict[str, Any]:
    return {
        "column": col.name,
        "key": key,
        "default": default,
        "kind": col.kind,
        "nullable": col.nullable,
        "enum": list(col.enum.values) if col.enum else None,
        "min_length": col.min_length,
        "max_length": col.max_length,
        "minimum": col.minimum,
        "maximum": col.maximum,
        "schemes": list(col.schemes or DEFAULT_SCHEMES),
        "hosts": [[r.when_column, r.when_value, list(r.hosts)] for r in col.host_rules],
    }


def _key_is_int(spec: Spec, b: Backfill) -> bool:
    table = spec.schema_after.table(b.table)
    pk = table.primary_key if table else None
    return pk is not None and pk.kind in ("id", "int", "bigint")


def module_path(spec: Spec, b: Backfill) -> PurePosixPath:
    """`specc_app/<spec_name>/backfills/<name>.py`."""
    return pypackage.backfill_module(spec.id, b.name)


def run_command(spec: Spec, b: Backfill, action: str) -> str:
    """How to run `action` of the backfill (see `pypackage.backfill_command`)."""
    return pypackage.backfill_command(spec.id, b.name, action)


def render_script(spec: Spec, b: Backfill) -> str:
    """The runner script of backfill `b` (ruff formats it in `compiler.emit`)."""
    is_json = isinstance(b, JsonRowsBackfill)
    context = {
        "name": b.name,
        "spec_id": spec.id,
        "run_module": run_command(spec, b, "").removesuffix(" ").removeprefix("python -m "),
        "backfill_id": f"{spec.id}/{b.name}",
        "description": b.description,
        "table": b.table,
        "key": b.key,
        "kind": "json_rows" if is_json else "set",
        "batch_size": b.batch_size,
        "key_is_int": _key_is_int(spec, b),
        "target_key_is_uuid": is_json and key_generated(b),  # type: ignore[arg-type]
        "cap": b.cap if is_json else None,  # type: ignore[union-attr]
        "set_values": [] if is_json else [(v.column, v.value) for v in b.values],  # type: ignore[union-attr]
        "fields": [_rule(f.column, f.key, f.default) for f in b.fields] if is_json else [],  # type: ignore[union-attr]
        "sql": {d: (_json_sql(b, d) if is_json else _set_sql(b, d)) for d in DIALECTS},  # type: ignore[arg-type]
    }
    template = _ENV.get_template("backfill.py.j2")
    return template.render(**context)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~])")


def md(text: str) -> str:
    """Escape text for Markdown (inline, one line)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def code(text: str) -> str:
    """`text` as an inline code span that its own backticks cannot close."""
    text = " ".join(str(text).split())
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or runs else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_readme(spec: Spec, b: Backfill) -> str:
    lines = [f"# Backfill `{b.name}` of `{spec.id}`", ""]
    if b.description:
        lines += [md(b.description), ""]
    if isinstance(b, SetBackfill):
        what = [f"- sets `{b.table}.{v.column}` to {code(repr(v.value))} where it is NULL" for v in b.values]
        undo = "resets exactly the rows it changed (recorded in the ledger) back to NULL, where they still hold the backfilled value"
    else:
        what = [
            f"- reads the JSON array in `{b.table}.{b.json_column}` and inserts one `{b.into}` row per valid item, "
            f"with `{b.owner}` pointing at the source row" + (f" and `{b.position}` numbering the moved items from 0" if b.position else ""),
            "- maps " + ", ".join(f"`{f.column.name}` from " + (f"key {code(f.key)}" if f.key else "nothing") + (f" (default {code(repr(f.default))})" if f.default is not None else "") for f in b.fields),
            *([("- copies " + ", ".join(f"`{b.table}.{source}` into `{child}`" for child, source in b.copy))] if b.copy else []),
            *([("- sets " + ", ".join(f"`{c}`" for c in b.stamped) + " to the current time (no database default)")] if b.stamped else []),
            *(["- gives each row a new uuid as its key"] if key_generated(b) and b.into_key.kind != "uuid" else []),
            "- skips (and counts) items that are not objects or break a column rule (enum, length, URL scheme and host, range)"
            + (f", and items beyond the cap of {b.cap} per owner" if b.cap else ""),
            f"- leaves alone any `{b.table}` row whose owner already has `{b.into}` rows (written through the API)",
        ]
        undo = f"deletes exactly the `{b.into}` rows it inserted (recorded in the ledger)"
    lines += [
        "## What it does",
        "",
        *what,
        "",
        "## Run it (specc never does)",
        "",
        "After the spec's up migration has been applied:",
        "",
        "```sh",
        f'{run_command(spec, b, "run")} --dialect postgres --dsn "host=db.internal dbname=app"',
        f'{run_command(spec, b, "status")} --dialect postgres --dsn "host=db.internal dbname=app"',
        "```",
        "",
        f"- **Batched by key range:** walks `{b.table}` in `{b.key}` order, {b.batch_size} rows per transaction (`--batch-size N`).",
        "- **Resumable:** each batch commits with its progress row in `specc_backfill_progress`; after an interruption, `run` continues after the last committed batch. `--max-batches N` stops early on purpose.",
        "- **Idempotent:** a finished backfill does nothing; every change is recorded in `specc_backfill_ledger`, and a recorded row is never handled twice.",
        "- **Progress:** one line per batch on stderr: rows seen of the total, changes, skipped items, last key.",
        "",
        "## Roll it back",
        "",
        "```sh",
        f'{run_command(spec, b, "rollback")} --dialect postgres --dsn "host=db.internal dbname=app"',
        "```",
        "",
        f"The rollback {undo}, in batches, then forgets the progress row. Roll back the backfill before the spec's down migration.",
        "",
    ]
    return "\n".join(lines)



def emit_spec(project: Project, spec: Spec) -> dict[PurePosixPath, str]:
    """One spec's backfills (it reads only `spec`)."""
    out: dict[PurePosixPath, str] = {}
    for b in spec.backfills:
        out[module_path(spec, b)] = render_script(spec, b)
        out[PurePosixPath(spec.id) / "backfills" / b.name / "README.md"] = render_readme(spec, b)
    return out


TARGET = Target(
    "backfill",
    kinds=(
        FileKind(".py", HASH, MIGRATION, PYTHON, where=f"{pypackage.PACKAGE}/*/backfills/*.py"),
        FileKind(".md", HTML, MIGRATION, MARKDOWN, where="*/backfills/*/README.md"),
    ),
    emit_spec=emit_spec,
)
