"""The Prisma target: what a spec changes in a Prisma repository.

Only under a profile with a Prisma schema (`prisma-postgres`, see
`compiler.config`); otherwise it writes nothing.  For every spec it writes,
under `<spec-id>/` and at the repository paths the configuration names:

- `prisma/schema.prisma`: the base `schema.prisma` with the changes of this
  spec and of every spec before it (new fields with `@map` where the column
  name differs, relations with both sides, `@@index`/`@@unique`, new models
  `@@map`ped to their tables);
- for a spec with a migration, `prisma/migrations/<stamp>_<spec_id>/migration.sql`
  and `rollback.sql` beside it: specc's PostgreSQL migration in Prisma's
  layout (`compiler.base.prisma_layout.folders_for`: each CONCURRENTLY
  statement in a folder of its own, `<stamp>_<spec_id>_<n>`).

The stamp is deterministic, never the wall clock: the newest stamp of the
base migrations folder (read with the configuration) plus N seconds, N the
spec's position among the project's specs that have a migration (1 for the
first).  It sorts
after every base migration and keeps its order among the specs.

Everything is rendered from the IR, whose names and types the profile
already fixed in lowering: this module maps them to Prisma's types and
attributes, and never reads the spec's text.  CHECK constraints have no
Prisma spelling; they are listed as `///` comments on their field.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath

from compiler.build.header import DASH
from compiler.checkers import sqlglot
from compiler.diagnostics import Diagnostic, SpecError
from compiler.ir import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    Column,
    AlterColumn,
    CreateIndex,
    CreateTable,
    ForeignKeyConstraint,
    Index,
    Project,
    Span,
    Spec,
    Table,
)
from compiler.target import MIGRATION, Checker, FileKind, Target
from targets.sql.self_check import SQLGLOT_DIALECT

_FIRST = datetime(2000, 1, 1)
_STAMP = "%Y%m%d%H%M%S"

_SCALARS = {
    "text": "String",
    "string": "String",
    "url": "String",
    "enum": "String",
    "uuid": "String",
    "int": "BigInt",  # specc's int is BIGINT on PostgreSQL
    "bigint": "BigInt",
    "id": "BigInt",
    "bool": "Boolean",
    "timestamp": "DateTime",
    "date": "DateTime",
    "json": "Json",
    "float": "Float",
}
_ACTIONS = {"cascade": "Cascade", "restrict": "Restrict", "set null": "SetNull", "no action": "NoAction"}

UNSUPPORTED = "E283"


def stamp(project: Project, spec: Spec) -> str:
    """The folder prefix of `spec`'s migration (see the module docstring)."""
    base = project.conventions.migration_stamp
    start = datetime.strptime(str(base), _STAMP) if base else _FIRST
    # Only specs with a migration write a folder, so only they take a second:
    # adding a read-only spec (say, a stats endpoint) moves no other spec's folder.
    migrating = [s.id for s in project.specs if s.has_migration or s.id == spec.id]
    position = migrating.index(spec.id) + 1
    return (start + timedelta(seconds=position)).strftime(_STAMP)


# --- schema.prisma, as lines ---------------------------------------------------


_BLOCK = re.compile(r"^(model|enum|view|type)\s+(\w+)\s*\{")
_FIELD = re.compile(r"^\s+(\w+)\s+(\w+)(\[\])?(\?)?(.*)$")
_MAP = re.compile(r'@@?map\(\s*(?:name:\s*)?"([^"]+)"')


@dataclass
class _Model:
    name: str
    start: int  # the `model X {` line
    end: int  # the `}` line


class _PrismaFile:
    """Just enough of a schema.prisma to add to it: its blocks, each model's
    table, and each field's column.  Prisma's own parser checks the result
    (tests/engines/test_prisma_drift.py)."""

    def __init__(self, text: str) -> None:
        self.lines = text.rstrip("\n").split("\n") if text.strip() else []

    def models(self) -> list[_Model]:
        out: list[_Model] = []
        i = 0
        while i < len(self.lines):
            m = _BLOCK.match(self.lines[i])
            if m:
                j = i + 1
                while j < len(self.lines) and self.lines[j].strip() != "}":
                    j += 1
                if m.group(1) == "model":
                    out.append(_Model(m.group(2), i, j))
                i = j
            i += 1
        return out

    def body(self, model: _Model) -> list[str]:
        return self.lines[model.start + 1 : model.end]

    def table_of(self, model: _Model) -> str:
        for line in self.body(model):
            if line.strip().startswith("@@map"):
                m = _MAP.search(line)
                if m:
                    return m.group(1)
        return model.name

    def model(self, table: str) -> _Model | None:
        for model in self.models():
            if self.table_of(model) == table:
                return model
        return None

    def model_names(self) -> set[str]:
        names = set()
        for line in self.lines:
            m = _BLOCK.match(line)
            if m:
                names.add(m.group(2))
        return names

    def fields(self, model: _Model) -> dict[str, str]:
        """field name -> its column name."""
        out = {}
        for line in self.body(model):
            m = _FIELD.match(line)
            if m and not line.strip().startswith(("//", "@@")):
                col = _MAP.search(m.group(5))
                out[m.group(1)] = col.group(1) if col and "@map" in m.group(5) else m.group(1)
        return out

    def field_for_column(self, model: _Model, column: str) -> str | None:
        for name, col in self.fields(model).items():
            if col == column:
                return name
        return None

    def add_fields(self, model: _Model, new: list[str]) -> None:
        """Insert field lines after the model's last field (before its `@@` attributes)."""
        at = model.start + 1
        for i in range(model.start + 1, model.end):
            stripped = self.lines[i].strip()
            if stripped and not stripped.startswith("@@"):
                at = i + 1
        self.lines[at:at] = new

    def add_attributes(self, model: _Model, new: list[str]) -> None:
        at = model.end
        if not any(line.strip().startswith("@@") for line in self.body(model)):
            new = [""] + new
        self.lines[at:at] = new

    def append(self, block: list[str]) -> None:
        self.lines += [""] + block

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _pascal(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in _camel(name).split("_") if p) if "_" in name else name[:1].upper() + name[1:]


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 1:
        return word[:-1]
    return word


def _field_name(column: str) -> str:
    return column if "_" not in column else _camel(column)


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _field_line(col: Column, table: Table | None, checks: list[str]) -> list[str]:
    """One scalar field (with its doc comments) for column `col`."""
    name = _field_name(col.name)
    if col.enum is not None and col.enum.native:
        prisma_type = col.enum.name
    else:
        prisma_type = _SCALARS[col.kind]
    attrs: list[str] = []
    if col.primary_key:
        attrs.append("@id")
        if col.kind == "id":
            attrs.append("@default(autoincrement())")
        elif col.kind == "text":
            attrs.append("@default(uuid())")
    if col.default == "now" and col.kind == "timestamp":
        attrs.append("@default(now())")
    elif col.default is not None and not isinstance(col.default, tuple):
        attrs.append(f"@default({_literal(col.default)})")
    if table is not None and table.timestamps and col.kind == "timestamp" and col.name in ("updatedAt", "updated_at"):
        attrs.append("@updatedAt")
    if name != col.name:
        attrs.append(f'@map("{col.name}")')
    if col.kind == "uuid":
        attrs.append("@db.Uuid")
    elif col.kind == "date":
        attrs.append("@db.Date")
    elif col.kind == "timestamp" and col.timezone:
        attrs.append(f"@db.Timestamptz({6 if col.precision is None else col.precision})")
    elif col.kind == "timestamp" and col.precision not in (None, 3):
        attrs.append(f"@db.Timestamp({col.precision})")
    elif col.kind == "string" and col.max_length is not None and not any("length" in c for c in checks):
        attrs.append(f"@db.VarChar({col.max_length})")
    optional = "?" if col.nullable and not col.primary_key else ""
    lines = [f"  /// {line}" for line in col.description.splitlines() if line.strip()]
    lines += [f"  /// CHECK {c} (in specc's migration; Prisma cannot express it)" for c in checks]
    lines.append(f"  {name} {prisma_type}{optional}" + (" " + " ".join(attrs) if attrs else ""))
    return lines


def _index_line(index: Index, fields: dict[str, str]) -> str:
    cols = ", ".join(fields.get(c, _field_name(c)) for c in index.columns)
    default = "_".join((index.table, *index.columns, "key" if index.unique else "idx"))
    mapped = "" if index.name == default else f', map: "{index.name}"'
    return f"  @@{'unique' if index.unique else 'index'}([{cols}]{mapped})"


class _Renderer:
    def __init__(self, spec: Spec, text: str) -> None:
        self.spec = spec
        self.file = _PrismaFile(text)
        self.model_of_table: dict[str, str] = {}

    def _error(self, what: str, span: Span | None = None) -> SpecError:
        where = span if span is not None and span.line else self.spec.span
        return SpecError([Diagnostic(where, UNSUPPORTED, f"the prisma target cannot render {what} yet", hint="see docs/prisma.md for what it renders")])

    def _model(self, table: str) -> _Model:
        model = self.file.model(table)
        if model is None:
            raise self._error(f"a change to table {table!r}, which has no model in the base schema.prisma")
        return model

    def _relation(self, fk: ForeignKeyConstraint, nullable: bool, own_fields: dict[str, str], named: bool) -> tuple[str, str, str]:
        """The relation field on the referencing side (its line, its name) and
        the referenced model."""
        target = self._model(fk.fk.table)
        target_field = self.file.field_for_column(target, fk.fk.column)
        if target_field is None:
            raise self._error(f"a reference to {fk.fk.table}.{fk.fk.column}, a column the base schema.prisma has no field for")
        scalar = own_fields.get(fk.column, _field_name(fk.column))
        rel = scalar[:-2] if scalar.endswith("Id") and len(scalar) > 2 else scalar + "Ref"
        while rel in own_fields or rel in own_fields.values():
            rel += "Ref"
        relation_name = f'"{fk.name}", ' if named else ""
        opts = f"{relation_name}fields: [{scalar}], references: [{target_field}], onDelete: {_ACTIONS[fk.fk.on_delete]}, onUpdate: {_ACTIONS[fk.fk.on_update]}"
        return f"  {rel} {target.name}{'?' if nullable else ''} @relation({opts})", rel, target.name

    def _back_relation(self, target_model: str, source_model: str, source_table: str, rel: str, relation: str | None) -> None:
        """The list field on the referenced model (Prisma requires both sides)."""
        model = next(m for m in self.file.models() if m.name == target_model)
        existing = set(self.file.fields(model))
        name = _camel(source_table) + (rel[:1].upper() + rel[1:] if relation else "")
        while name in existing:
            name += source_model
        attr = f' @relation("{relation}")' if relation else ""
        self.file.add_fields(model, [f"  {name} {source_model}[]{attr}"])

    def _relates(self, model: _Model, target: str) -> bool:
        """Whether `model` already has a relation field to model `target`."""
        for line in self.file.body(model):
            m = _FIELD.match(line)
            if m and m.group(2) == target and "@relation" in m.group(5):
                return True
        return False

    def add_column(self, op: AddColumn, checks: list[str], fk: ForeignKeyConstraint | None) -> None:
        model = self._model(op.table)
        fields = self.file.fields(model)
        lines = _field_line(op.column, None, checks)
        back = None
        if fk is not None:
            target = self._model(fk.fk.table)
            if target.name == model.name or self._relates(model, target.name):
                raise self._error(f"a second relation between models {model.name} and {target.name} (both sides would need relation names)", op.column.span)
            line, rel, target_name = self._relation(fk, op.column.nullable, {**fields, op.column.name: _field_name(op.column.name)}, False)
            lines.append(line)
            back = (target_name, model.name, op.table, rel, None)
        self.file.add_fields(model, lines)
        if back is not None:
            self._back_relation(*back)

    def alter_checks(self, op: AlterColumn) -> None:
        """An alter that only changes a column's CHECKs (a text column declared
        a url, an enum, a bounded string): the field stays as it is, and its
        `/// CHECK` comments follow the constraints.  Anything else changes
        what Prisma sees and is not rendered yet."""
        before, after = op.before, op.after
        same = (
            _SCALARS.get(before.kind) == _SCALARS.get(after.kind)
            and before.nullable == after.nullable
            and before.default == after.default
            and (before.enum is not None and before.enum.native) == (after.enum is not None and after.enum.native)
            and not (after.kind == "string" and after.max_length is not None and not any("length" in c.name for c in op.checks_after))
        )
        model = self._model(op.table)
        field = self.file.field_for_column(model, after.name)
        if not same or field is None:
            raise self._error("an AlterColumn operation that changes more than its CHECKs", op.span)
        at = next(i for i in range(model.start + 1, model.end) if (m := _FIELD.match(self.file.lines[i])) and m.group(1) == field and not self.file.lines[i].strip().startswith("//"))
        gone = {c.name for c in op.checks_before} - {c.name for c in op.checks_after}
        start = at
        while start > model.start + 1 and self.file.lines[start - 1].strip().startswith("/// CHECK "):
            start -= 1
        kept = [line for line in self.file.lines[start:at] if line.strip().split(" ")[2] not in gone]
        known = {line.strip().split(" ")[2] for line in kept}
        kept += [f"  /// CHECK {c.name} (in specc's migration; Prisma cannot express it)" for c in op.checks_after if c.name not in known]
        self.file.lines[start:at] = kept

    def add_index(self, index: Index) -> None:
        model = self._model(index.table)
        self.file.add_attributes(model, [_index_line(index, {c: f for f, c in self.file.fields(model).items()})])

    def create_table(self, table: Table) -> None:
        names = self.file.model_names()
        model_name = _pascal(_singular(table.name))
        if model_name in names:
            model_name = _pascal(table.name)
        if model_name in names:
            raise self._error(f"table {table.name!r}: its model name {model_name!r} is taken")
        checks = {c.name: [k.name for k in table.checks if k.column == c.name] for c in table.columns}
        lines = [f"model {model_name} {{"]
        for col in table.columns:
            lines += _field_line(col, table, checks[col.name])
        by_target: dict[str, int] = {}
        for fk in table.foreign_keys:
            by_target[fk.fk.table] = by_target.get(fk.fk.table, 0) + 1
        own = {c.name: _field_name(c.name) for c in table.columns}
        backs = []
        for fk in table.foreign_keys:
            if fk.fk.table == table.name:
                raise self._error(f"table {table.name!r}: a reference to itself")
            fk_col = table.column(fk.column)
            named = by_target[fk.fk.table] > 1
            line, rel, target = self._relation(fk, bool(fk_col and fk_col.nullable), own, named)
            lines.append(line)
            backs.append((target, model_name, table.name, rel, fk.name if named else None))
        attrs = [_index_line(ix, own) for ix in table.indexes]
        if attrs:
            lines.append("")
            lines += attrs
        lines.append(f'  @@map("{table.name}")')
        lines.append("}")
        self.file.append(lines)
        for back in backs:
            self._back_relation(*back)

    def apply(self) -> None:
        ops = self.spec.operations
        checks: dict[tuple[str, str], list[str]] = {}
        fks: dict[tuple[str, str], ForeignKeyConstraint] = {}
        for op in ops:
            if isinstance(op, AddCheck):
                checks.setdefault((op.check.table, op.check.column), []).append(op.check.name)
            elif isinstance(op, AddForeignKey):
                fks[(op.constraint.table, op.constraint.column)] = op.constraint
        for op in ops:
            if isinstance(op, AddColumn):
                key = (op.table, op.column.name)
                self.add_column(op, checks.get(key, []), fks.get(key))
            elif isinstance(op, CreateTable):
                self.create_table(op.table)
            elif isinstance(op, CreateIndex) and not op.new_table:
                self.add_index(op.index)
            elif isinstance(op, AlterColumn):
                self.alter_checks(op)
            elif isinstance(op, (AddCheck, AddForeignKey, CreateIndex)):
                continue  # rendered with their column or table
            else:
                raise self._error(f"a {type(op).__name__} operation", getattr(op, "span", None))


def schema_after(project: Project, spec: Spec) -> str:
    """The base schema.prisma with the changes of every spec up to `spec`."""
    text = project.conventions.prisma_schema_text
    for s in project.specs:
        renderer = _Renderer(s, text)
        renderer.apply()
        text = renderer.file.text()
        if s.id == spec.id:
            break
    return text


def emit_spec(project: Project, spec: Spec) -> dict[PurePosixPath, str]:
    conv = project.conventions
    if not conv.prisma_schema:
        return {}
    from compiler.base.prisma_layout import folders_for
    from targets import sql

    root = PurePosixPath(spec.id)
    out = {root / conv.prisma_schema: schema_after(project, spec)}
    if spec.has_migration:
        files = sql.emit_spec(project, spec)
        up = files[root / "migrations" / "postgres" / "up.sql"]
        down = files[root / "migrations" / "postgres" / "down.sql"]
        prefix = stamp(project, spec)
        for folder in folders_for(spec.id, up, down):
            where = root / conv.prisma_migrations / f"{prefix}_{folder.name}"
            out[where / "migration.sql"] = folder.migration
            out[where / "rollback.sql"] = folder.rollback
    return out


def spec_key(project: Project, spec: Spec) -> str:
    """What `emit_spec` reads besides `spec`: the conventions (the base
    schema.prisma among them), the spec's position and every spec before it.
    Without a Prisma schema the target writes nothing, and its key is
    constant: otherwise an edit of one spec would re-render every later one."""
    if not project.conventions.prisma_schema:
        return "off"
    h = hashlib.sha256(repr(project.conventions).encode())
    for s in project.specs:
        h.update(f"{s.id}\0{s.source_sha256}\0".encode())
        if s.id == spec.id:
            break
    from targets import sql

    return h.hexdigest() + sql.emit_spec_key(project, spec)


_PRISMA_CHECK = Checker(
    "prisma",
    reason="Prisma's own parser needs node and @prisma/prisma-schema-wasm; tests/engines/test_prisma_drift.py validates the file and applies it with prisma migrate diff",
)

def _rollback_problem(path: PurePosixPath, text: str) -> str | None:
    """A rollback.sql is PostgreSQL like migration.sql, except that the folder
    of the guard that drops a leftover INVALID index has nothing to undo and
    says so in a comment (Prisma's `db execute` accepts such a file)."""
    body = [line for line in text.splitlines() if line.strip() and not line.strip().startswith("--")]
    if not body and "-- nothing to undo" in text:
        return None
    from compiler.checkers import sql_problem

    return sql_problem(text, "postgres", SQLGLOT_DIALECT["postgres"])


TARGET = Target(
    "prisma",
    kinds=(
        # `<spec-id>/<folder>/<name>.prisma`: the configuration requires a folder.
        # No generated-file header: the file replaces the repository's own
        # schema.prisma, which people keep editing by hand.
        FileKind(".prisma", None, MIGRATION, _PRISMA_CHECK, where="*/*/*.prisma"),
        FileKind("migration.sql", DASH, MIGRATION, sqlglot("postgres", SQLGLOT_DIALECT["postgres"]), where="*/migrations/*/migration.sql"),
        FileKind("rollback.sql", DASH, MIGRATION, Checker("sqlglot", _rollback_problem), where="*/migrations/*/rollback.sql"),
    ),
    emit_spec=emit_spec,
    spec_key=spec_key,
)
