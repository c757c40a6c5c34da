"""The base schema from a Prisma `schema.prisma`, read by Prisma's own parser.

specc does not parse Prisma's schema language itself: `compiler/base/prisma_dmmf.js`
runs `get_dmmf` of the npm package `@prisma/prisma-schema-wasm` under `node`
and prints the DMMF (models, fields, enums, indexes as JSON).  This module
lowers that JSON into the same `Schema` the migration replay produces, using
the table, column, index and constraint names `prisma migrate` gives them on
PostgreSQL:

- a model is the table `@@map` names (else the model name), a field the
  column `@map` names; relation fields are foreign keys, named
  `<table>_<columns>_fkey` (the DMMF does not carry a relation's `map:`);
- String is text, Int integer, BigInt bigint, Boolean boolean, Float double
  precision, DateTime timestamp(3) without time zone, Json jsonb, an enum a
  native `CREATE TYPE` enum, `[]` an array (nullable: Prisma migrate never
  gives a list column NOT NULL); `@db.VarChar(n)`, `@db.Char(n)`,
  `@db.Uuid`, `@db.Text`, `@db.Timestamptz(n)`, `@db.Timestamp(n)`,
  `@db.Date`, `@db.Integer`, `@db.BigInt`, `@db.DoublePrecision`,
  `@db.JsonB`, `@db.Boolean` are honoured; Decimal, Bytes and other native
  types are a located E217;
- `@default(now())` is the `now` default, literal defaults are kept,
  `@default(uuid())`/`cuid()` and `@updatedAt` have no database default
  (Prisma's client fills them in), `Int @id @default(autoincrement())` is an
  `id` column (SERIAL);
- `@@index`/`@@unique`/`@unique` are indexes named `<table>_<columns>_idx` /
  `_key` unless `map:` names them; relations default to ON DELETE RESTRICT
  (SET NULL when optional) and ON UPDATE CASCADE, as Prisma does.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

from compiler.base.schema import enum_checks
from compiler.diagnostics import Collector, Diagnostic, SpecError
from compiler.ir import Column, ColumnDefault, ColumnKind, EnumDef, ForeignKey, ForeignKeyConstraint, Index, Schema, Span, Table

WASM_PACKAGE = "@prisma/prisma-schema-wasm"
# The build Prisma 6.19.3 ships (@prisma/engines-version): the 7.x builds refuse a datasource `url`.
WASM_VERSION = "7.1.1-3.c2990dca591cba766e3b7ef5d9e8a84796e47ab7"
_SCRIPT = Path(__file__).with_name("prisma_dmmf.js")
_INSTALL = f"npm install {WASM_PACKAGE}@{WASM_VERSION} (in the repository, or with --prefix DIR and pass --node-modules DIR/node_modules)"

_SCALARS: dict[str, ColumnKind] = {
    "String": "text",
    "Int": "int",
    "BigInt": "bigint",
    "Boolean": "bool",
    "Float": "float",
    "DateTime": "timestamp",
    "Json": "json",
}
_ACTIONS = {"Cascade": "cascade", "Restrict": "restrict", "SetNull": "set null", "NoAction": "no action"}


def run_dmmf(schema: Path, display: str, node_modules: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The DMMF datamodel of `schema`, from Prisma's parser under node."""
    where = Span(display, 1, 1)
    node = shutil.which("node")
    if node is None:
        raise SpecError([Diagnostic(where, "E217", f"reading schema.prisma needs Node.js: `node` is not on PATH (install Node 18 or later, then {_INSTALL})")])
    try:
        done = subprocess.run(
            [node, str(_SCRIPT), str(schema), *(str(p.resolve()) for p in node_modules)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpecError([Diagnostic(where, "E217", f"running Prisma's schema parser failed: {exc}")]) from None
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        raise SpecError([Diagnostic(where, "E217", f"Prisma's schema parser gave no answer (node exit {done.returncode}): {detail}")]) from None
    if answer.get("missing"):
        raise SpecError([Diagnostic(where, "E217", f"reading schema.prisma needs the npm package {WASM_PACKAGE}, which node cannot find: {_INSTALL}")])
    if not answer.get("ok"):
        raise SpecError(_prisma_errors(str(answer.get("error", "")), display))
    return dict(answer["dmmf"])


def _prisma_errors(message: str, display: str) -> list[Diagnostic]:
    """Prisma's validation message (ANSI-coloured, one `error: ... --> schema.prisma:LINE` per problem) as diagnostics."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", message)
    found = re.findall(r"error: (.*?)\n\s*-->\s*\S*?:(\d+)", plain)
    if not found:
        return [Diagnostic(Span(display, 1, 1), "E217", f"Prisma schema does not validate: {' '.join(plain.split())[:200]}")]
    return [Diagnostic(Span(display, int(line), 1), "E217", f"Prisma schema does not validate: {text.strip()}") for text, line in found]


class _Lines:
    """Where a model or field is declared, for the location of a diagnostic."""

    def __init__(self, text: str, display: str) -> None:
        self.lines = text.splitlines()
        self.display = display

    def model(self, name: str) -> int:
        pattern = re.compile(rf"^\s*(model|view)\s+{re.escape(name)}\s*\{{")
        return next((i + 1 for i, line in enumerate(self.lines) if pattern.match(line)), 1)

    def field(self, model: str, name: str) -> Span:
        start = self.model(model)
        pattern = re.compile(rf"^\s*{re.escape(name)}\s")
        for i in range(start, len(self.lines)):
            if self.lines[i].strip().startswith("}"):
                break
            if pattern.match(self.lines[i]):
                return Span(self.display, i + 1, len(self.lines[i]) - len(self.lines[i].lstrip()) + 1)
        return Span(self.display, start, 1)


def _native(kind: ColumnKind, native: list[Any] | None, span: Span, what: str, diags: Collector) -> tuple[ColumnKind, int | None, int | None, bool]:
    """(kind, max_length, precision, timezone) of a field with its `@db.*` type."""
    precision, timezone = (3, False) if kind == "timestamp" else (None, True)
    if not native:
        return kind, None, precision, timezone
    name, args = native[0], [int(a) for a in native[1] if str(a).isdigit()]
    if name in ("VarChar", "Char") and kind == "text":
        return "string", (args[0] if args else None), None, True
    if name == "Uuid" and kind == "text":
        return "uuid", None, None, True
    if name == "Text" and kind == "text":
        return "text", None, None, True
    if name in ("Timestamp", "Timestamptz") and kind == "timestamp":
        return "timestamp", None, (args[0] if args else None), name == "Timestamptz"
    if name == "Date" and kind == "timestamp":
        return "date", None, None, True
    same = {"Integer": "int", "BigInt": "bigint", "DoublePrecision": "float", "JsonB": "json", "Boolean": "bool"}
    if same.get(name) == kind:
        return kind, None, precision, timezone
    diags.error(span, "E217", f"Prisma schema: {what} has native type @db.{name}, which specc does not model")
    return kind, None, precision, timezone


def schema_from_dmmf(dmmf: dict[str, Any], text: str, display: str) -> Schema:
    """Lower a DMMF datamodel (see `run_dmmf`) into the base `Schema`."""
    diags = Collector()
    where = _Lines(text, display)
    enums: dict[str, EnumDef] = {}
    for e in dmmf.get("enums", []):
        values = tuple(v.get("dbName") or v["name"] for v in e["values"])
        enums[e["name"]] = EnumDef(e.get("dbName") or e["name"], values, native=True)
    models = {m["name"]: m for m in dmmf.get("models", [])}

    def table_of(model: dict[str, Any]) -> str:
        return str(model.get("dbName") or model["name"])

    def column_of(model: dict[str, Any], field_name: str) -> str:
        field = next(f for f in model["fields"] if f["name"] == field_name)
        return str(field.get("dbName") or field["name"])

    tables: list[Table] = []
    for model in models.values():
        table = table_of(model)
        pk_fields = set((model.get("primaryKey") or {}).get("fields") or [f["name"] for f in model["fields"] if f.get("isId")])
        columns: list[Column] = []
        for f in model["fields"]:
            if f["kind"] not in ("scalar", "enum"):
                continue
            span = where.field(model["name"], f["name"])
            what = f"field {model['name']}.{f['name']}"
            enum = enums.get(f["type"]) if f["kind"] == "enum" else None
            kind: ColumnKind | None = "enum" if enum is not None else _SCALARS.get(f["type"])
            if kind is None:
                diags.error(span, "E217", f"Prisma schema: {what} has type {f['type']}, which specc does not model")
                continue
            kind, max_length, precision, timezone = _native(kind, f.get("nativeType"), span, what, diags)
            default: ColumnDefault | None = None
            value = f.get("default")
            primary = f["name"] in pk_fields
            if isinstance(value, dict):
                if value.get("name") == "now":
                    default = "now"
                elif value.get("name") == "autoincrement" and primary and len(pk_fields) == 1:
                    kind = "id"
                elif value.get("name") not in ("uuid", "cuid", "nanoid", "ulid", "autoincrement"):
                    diags.error(span, "E217", f"Prisma schema: {what} has @default({value.get('name')}(...)), which specc does not model")
            elif isinstance(value, bool) or (isinstance(value, int) and not isinstance(value, bool)) or isinstance(value, str):
                default = value
                if enum is not None and isinstance(value, str):
                    src = next(e for e in dmmf["enums"] if e["name"] == f["type"])
                    default = next((v.get("dbName") or v["name"] for v in src["values"] if v["name"] == value), value)
            elif isinstance(value, list) and f["isList"] and all(isinstance(v, (str, int, bool)) for v in value):
                default = tuple(value)
            elif value is not None:
                diags.error(span, "E217", f"Prisma schema: {what} has default {value!r}, which specc does not model")
            columns.append(
                Column(
                    name=str(f.get("dbName") or f["name"]),
                    kind=kind,
                    # Prisma migrate creates a list column without NOT NULL (`String[]` is `TEXT[]`)
                    nullable=(not f["isRequired"] or bool(f["isList"])) and not primary,
                    max_length=max_length,
                    enum=enum,
                    default=default,
                    primary_key=primary,
                    span=span,
                    array=bool(f["isList"]),
                    precision=precision,
                    timezone=timezone,
                )
            )
        fks: list[ForeignKeyConstraint] = []
        for f in model["fields"]:
            if f["kind"] != "object" or not f.get("relationFromFields"):
                continue
            target = models[f["type"]]
            from_cols = [column_of(model, n) for n in f["relationFromFields"]]
            to_cols = [column_of(target, n) for n in f["relationToFields"]]
            if len(from_cols) != 1:
                diags.error(where.field(model["name"], f["name"]), "E217", f"Prisma schema: relation {model['name']}.{f['name']} has several columns, which specc does not model")
                continue
            optional = any(c.name == from_cols[0] and c.nullable for c in columns)
            on_delete = _ACTIONS.get(f.get("relationOnDelete") or ("SetNull" if optional else "Restrict"))
            on_update = _ACTIONS.get(f.get("relationOnUpdate") or "Cascade")
            if on_delete is None or on_update is None:
                diags.error(where.field(model["name"], f["name"]), "E217", f"Prisma schema: relation {model['name']}.{f['name']} uses SetDefault, which specc does not model")
                continue
            fk = ForeignKey(table_of(target), to_cols[0], on_delete, on_update)  # type: ignore[arg-type]
            fks.append(ForeignKeyConstraint(f"{table}_{from_cols[0]}_fkey", table, from_cols[0], fk))
        by_column = {fk.column: fk.fk for fk in fks}
        columns = [replace(c, references=by_column.get(c.name)) for c in columns]
        indexes: list[Index] = []
        for ix in dmmf.get("indexes", []):
            if ix["model"] != model["name"] or ix["type"] not in ("unique", "normal"):
                continue
            cols = tuple(column_of(model, c["name"]) for c in ix["fields"])
            unique = ix["type"] == "unique"
            name = ix.get("dbName") or f"{table}_{'_'.join(cols)}_{'key' if unique else 'idx'}"
            indexes.append(Index(name, table, cols, unique, Span(display, where.model(model["name"]), 1)))
        col_tuple = tuple(columns)
        tables.append(Table(table, col_tuple, tuple(indexes), enum_checks(table, col_tuple), tuple(fks), span=Span(display, where.model(model["name"]), 1)))
    diags.raise_if_any()
    return Schema(tuple(sorted(tables, key=lambda t: t.name)))


def load_prisma_schema(schema: Path, display: str, node_modules: tuple[Path, ...] = ()) -> Schema:
    """Read `schema` (a schema.prisma) into the base Schema; SpecError on any problem."""
    if not schema.is_file():
        raise SpecError([Diagnostic(Span(display), "E001", "no such file")])
    return schema_from_dmmf(run_dmmf(schema, display, node_modules), schema.read_text("utf-8"), display)
