"""The base schema from an existing repository's migrations.

`specc import-base DIR` replays a migrations folder, oldest first, through
sqlglot (never a database) and writes the resulting schema as
`specs/base/schema.sql`.  Two layouts are understood:

- plain SQL files, applied in natural name order (`1_init.sql` before
  `10_more.sql`); down/rollback files (`*.down.sql`, `*_down.sql`,
  `rollback.sql`, `down.sql`) are skipped;
- Prisma's `prisma/migrations/<timestamp>_<name>/migration.sql`, applied in
  folder order (point at `prisma/migrations`, or at the folder above it).

Replayed: CREATE TABLE (column and table constraints), CREATE TYPE ... AS
ENUM and ALTER TYPE ... ADD VALUE, ALTER TABLE ADD/DROP/RENAME COLUMN, ALTER
COLUMN TYPE / SET|DROP NOT NULL / SET|DROP DEFAULT, ADD/DROP CONSTRAINT
(primary key, foreign key, unique), RENAME TO, CREATE [UNIQUE] INDEX, DROP
INDEX / TABLE / TYPE.  Statements that do not change the table structure
(data, extensions, grants, functions, other CHECKs) are listed as skipped, so
nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from compiler.base.schema import _column, column_comment, enum_checks, enum_type, referential_actions
from compiler.diagnostics import Collector, Diagnostic, SpecError
from compiler.ir import Column, EnumDef, ForeignKey, ForeignKeyConstraint, Index, Schema, Span, Table
from compiler.safety.lint.statements import split_sql

_DOWN = re.compile(r"(^|[._-])(down|rollback|revert)\.sql$", re.IGNORECASE)
_DO = re.compile(r"(?is)^\s*DO\s+(\$[A-Za-z_]*\$)(.*)\1\s*(?:LANGUAGE\s+plpgsql\s*)?$")


class _Unknown(Exception):
    """A DO-block condition this replay cannot evaluate."""


def _strip_comments(text: str) -> str:
    """`text` without `--` comments (quotes respected)."""
    out, i, quote = [], 0, ""
    while i < len(text):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        out.append(ch)
        i += 1
    return "".join(out).strip()


def _natural(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def discover(folder: Path) -> list[Path]:
    """The migration files under `folder`, in the order they were applied."""
    if (folder / "prisma" / "migrations").is_dir():
        folder = folder / "prisma" / "migrations"
    elif (folder / "migrations").is_dir() and not any(folder.glob("*.sql")):
        folder = folder / "migrations"
    prisma = sorted((d for d in folder.iterdir() if (d / "migration.sql").is_file()), key=lambda d: _natural(d.name))
    if prisma:
        return [d / "migration.sql" for d in prisma]
    return sorted((f for f in folder.glob("*.sql") if not _DOWN.search(f.name)), key=lambda f: _natural(f.name))


@dataclass
class _Table:
    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    fks: dict[str, ForeignKeyConstraint] = field(default_factory=dict)
    span: Span = field(default_factory=lambda: Span(""))
    serials: set[str] = field(default_factory=set)  # serial columns: an `id` once they are the primary key


@dataclass
class Replay:
    """The schema as the replayed statements leave it."""

    tables: dict[str, _Table] = field(default_factory=dict)
    enums: dict[str, EnumDef] = field(default_factory=dict)
    skipped: list[tuple[Span, str]] = field(default_factory=list)
    diags: Collector = field(default_factory=Collector)

    # -- helpers --------------------------------------------------------------

    def _table(self, name: str, span: Span) -> _Table | None:
        table = self.tables.get(name)
        if table is None:
            self.diags.error(span, "E217", f"replay: table {name!r} does not exist at this point")
        return table

    def _fk(self, table: str, name: str, columns: list[str], ref: exp.Reference, span: Span) -> ForeignKeyConstraint | None:
        target = ref.find(exp.Schema) or ref.this
        ref_table = target.this.name if isinstance(target, exp.Schema) else target.name
        ref_cols = [i.name for i in target.expressions] if isinstance(target, exp.Schema) else []
        if len(columns) != 1:
            self.skipped.append((span, f"multi-column foreign key {name} (not modelled)"))
            return None
        on_delete, on_update = referential_actions(" ".join(str(o) for o in (ref.args.get("options") or [])) + " " + ref.sql("postgres"))
        return ForeignKeyConstraint(name, table, columns[0], ForeignKey(ref_table, (ref_cols or ["id"])[0], on_delete, on_update))  # type: ignore[arg-type]

    def _add_fk(self, t: _Table, fk: ForeignKeyConstraint, span: Span) -> None:
        col = t.columns.get(fk.column)
        if col is None:
            # PostgreSQL would refuse it; a repository whose database got the column by hand still has it.
            self.skipped.append((span, f"foreign key {fk.name} on {t.name}.{fk.column}, a column no earlier migration creates"))
            return
        t.fks[fk.name] = fk
        t.columns[fk.column] = replace(col, references=fk.fk)

    def _table_constraint(self, t: _Table, node: exp.Expression, span: Span) -> None:
        name = node.name if isinstance(node, exp.Constraint) else ""
        kinds = node.expressions if isinstance(node, exp.Constraint) else [node]
        for kind in kinds:
            if isinstance(kind, (exp.PrimaryKey,)):
                cols = [c.name for c in kind.expressions]
                for c in cols:
                    if c in t.columns:
                        kind = "id" if c in t.serials and len(cols) == 1 else t.columns[c].kind
                        t.columns[c] = replace(t.columns[c], primary_key=True, nullable=False, kind=kind)
            elif isinstance(kind, exp.ForeignKey) and isinstance(ref := kind.args.get("reference"), exp.Reference):
                fk = self._fk(t.name, name or f"{t.name}_{kind.expressions[0].name}_fkey", [c.name for c in kind.expressions], ref, span)
                if fk:
                    self._add_fk(t, fk, span)
            elif isinstance(kind, (exp.UniqueColumnConstraint,)):
                schema = kind.this
                cols = [c.name for c in schema.expressions] if isinstance(schema, exp.Schema) else []
                iname = name or f"{t.name}_{'_'.join(cols)}_key"
                t.indexes[iname] = Index(iname, t.name, tuple(cols), True, span)
            elif isinstance(kind, exp.CheckColumnConstraint):
                self.skipped.append((span, f"CHECK constraint {name} on {t.name} (only `col IN (...)` on a column is modelled)"))
            else:
                self.skipped.append((span, f"constraint {name or kind.sql('postgres')[:40]} on {t.name}"))

    # -- statements -------------------------------------------------------------

    def apply(self, stmt: exp.Expr, text: str, span: Span) -> None:
        if isinstance(stmt, exp.Create):
            kind = (stmt.args.get("kind") or "").upper()
            if kind == "TABLE":
                return self._create_table(stmt, span)
            if kind == "INDEX":
                return self._create_index(stmt, span)
            if (enum := enum_type(stmt)) is not None:
                self.enums[enum.name] = enum
                return None
        elif (comment := column_comment(stmt)) is not None:
            table_name, column_name, text_ = comment
            t = self._table(table_name, span)
            if t is not None:
                if column_name not in t.columns:
                    self.diags.error(span, "E217", f"replay: COMMENT ON unknown column {table_name}.{column_name}")
                else:
                    t.columns[column_name] = replace(t.columns[column_name], description=text_)
            return None
        elif isinstance(stmt, exp.Command) and (m := _DO.match(text)):
            return self._do_block(m.group(2), span.line + text[: m.start(2)].count("\n"), span)
        elif isinstance(stmt, exp.Alter) and (stmt.args.get("kind") or "TABLE").upper() == "TABLE":
            return self._alter(stmt, span)
        elif isinstance(stmt, exp.Drop):
            return self._drop(stmt, span)
        elif isinstance(stmt, exp.Command) and (m := re.match(r'(?is)ALTER\s+TYPE\s+"?([^"\s]+)"?\s+ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?\'((?:[^\']|\'\')*)\'', text)):
            enum = self.enums.get(m.group(1))
            if enum is not None:
                value = m.group(2).replace("''", "'")
                self._set_enum(replace(enum, values=enum.values + (value,)))
                return None
        self.skipped.append((span, " ".join(text.split())[:80]))
        return None

    # -- DO $$ ... $$ blocks ---------------------------------------------------------
    #
    # Migrations written to be idempotent wrap DDL in anonymous PL/pgSQL
    # blocks: `BEGIN CREATE TYPE ...; EXCEPTION WHEN duplicate_object THEN
    # null; END` and `IF [NOT] EXISTS (SELECT 1 FROM information_schema.columns
    # | pg_constraint | pg_type WHERE ...) THEN ...; [ELSIF ...] END IF`.  The
    # SQL statements inside are parsed with sqlglot and replayed; IF
    # conditions of those shapes are evaluated against the replayed schema.
    # Anything else in a block (RAISE, SELECT INTO, loops, other conditions)
    # is listed as skipped with its location, never guessed.

    def _do_block(self, body: str, first_line: int, span: Span) -> None:
        # frames: [running, a branch was taken]; the bottom frame is the block itself
        frames: list[list[bool]] = []
        in_declare = False
        handler = False
        for line, piece, _comments in split_sql(body):
            rest = _strip_comments(piece)
            at = first_line + line - 1
            seen = rest
            while rest:
                at += seen[: len(seen) - len(rest)].count("\n")  # keywords consumed before `rest`
                seen = rest
                where = Span(span.file, at, 1)
                word = rest.split(None, 1)[0].upper()
                m = None
                if word == "DECLARE":
                    in_declare, rest = True, ""
                elif word == "BEGIN":
                    in_declare = False
                    frames.append([not frames or all(f[0] for f in frames), True])
                    rest = rest[5:].strip()
                elif in_declare:
                    rest = ""
                elif word == "EXCEPTION":
                    handler, rest = True, ""  # the handler runs only on an error, which replay does not have
                elif handler and word != "END":
                    rest = ""
                elif re.match(r"(?is)^END\s+IF$", rest):
                    if len(frames) > 1:
                        frames.pop()
                    rest = ""
                elif word == "END":
                    handler = False
                    if frames:
                        frames.pop()
                    rest = rest[3:].strip()
                elif m := re.match(r"(?is)^(IF|ELSIF|ELSEIF)\s+(.*?)\s+THEN\b(.*)$", rest):
                    outer = all(f[0] for f in frames)
                    if m.group(1).upper() == "IF":
                        frames.append([False, False])
                        outer = all(f[0] for f in frames[:-1])
                    elif len(frames) > 1:
                        outer = all(f[0] for f in frames[:-1])
                    frame = frames[-1]
                    if frame[1] or not outer:
                        frame[0] = False
                    else:
                        try:
                            frame[0] = self._condition(m.group(2))
                        except _Unknown:
                            self.skipped.append((where, f"DO block: IF {' '.join(m.group(2).split())[:60]} (condition not evaluated; its branch is skipped)"))
                            frame[0] = False
                            frame[1] = True  # later branches are as unknown as this one
                        frame[1] = frame[1] or frame[0]
                    rest = m.group(3).strip()
                elif word == "ELSE":
                    frame = frames[-1]
                    frame[0] = not frame[1] and all(f[0] for f in frames[:-1])
                    frame[1] = True
                    rest = rest[4:].strip()
                else:
                    if all(f[0] for f in frames):
                        self._do_statement(rest, where)
                    rest = ""

    def _do_statement(self, text: str, span: Span) -> None:
        if re.match(r"(?is)^RAISE\s+(NOTICE|INFO|LOG|DEBUG|WARNING)\b", text) or text.upper() in ("NULL", "RETURN"):
            return
        if re.match(r"(?is)^(RAISE|PERFORM|EXECUTE|FOR|LOOP|WHILE|RETURN)\b", text) or re.match(r"(?is)^SELECT\b.*\bINTO\b", text):
            self.skipped.append((span, "DO block: " + " ".join(text.split())[:70]))
            return
        try:
            stmt = sqlglot.parse_one(text, read="postgres")
        except ParseError as exc:
            self.diags.error(span, "E217", f"replay: statement in DO block does not parse: {str(exc).splitlines()[0][:120]}")
            return
        _fold_identifiers(stmt)
        self.apply(stmt, text, span)

    def _condition(self, text: str) -> bool:
        try:
            node = sqlglot.parse_one(f"SELECT {text}", read="postgres")
        except ParseError:
            raise _Unknown from None
        _fold_identifiers(node)
        if not isinstance(node, exp.Select) or len(node.expressions) != 1:
            raise _Unknown
        return self._truth(node.expressions[0])

    def _truth(self, node: exp.Expression) -> bool:
        if isinstance(node, exp.Paren):
            return self._truth(node.this)
        if isinstance(node, exp.Not):
            return not self._truth(node.this)
        if isinstance(node, exp.And):
            return self._truth(node.this) and self._truth(node.expression)
        if isinstance(node, exp.Or):
            return self._truth(node.this) or self._truth(node.expression)
        if isinstance(node, exp.Exists) and isinstance(node.this, exp.Select):
            return self._exists(node.this)
        raise _Unknown

    def _exists(self, select: exp.Select) -> bool:
        source = select.args.get("from_") or select.args.get("from")
        table = source.this if source is not None else None
        if not isinstance(table, exp.Table) or select.args.get("joins"):
            raise _Unknown
        where: dict[str, str] = {}
        cond = select.args.get("where")
        terms = list(cond.this.flatten()) if cond is not None and isinstance(cond.this, exp.And) else ([cond.this] if cond is not None else [])
        for term in terms:
            if not (isinstance(term, exp.EQ) and isinstance(term.this, exp.Column) and isinstance(term.expression, exp.Literal) and term.expression.is_string):
                raise _Unknown
            where[term.this.name.lower()] = term.expression.this
        qualified = f"{table.db}.{table.name}".lower() if table.db else table.name.lower()
        if qualified in ("information_schema.columns",) and set(where) <= {"table_name", "column_name", "data_type", "table_schema"} and "table_name" in where:
            t = self.tables.get(where["table_name"])
            if t is None:
                return False
            cols = [c for n, c in t.columns.items() if "column_name" not in where or n == where["column_name"]]
            if "data_type" in where:
                cols = [c for c in cols if _information_schema_type(c) == where["data_type"].lower()]
            return bool(cols)
        if qualified in ("pg_constraint", "pg_catalog.pg_constraint") and set(where) == {"conname"}:
            name = where["conname"]
            return any(name in t.fks or name in t.indexes or (name == f"{t.name}_pkey" and any(c.primary_key for c in t.columns.values())) for t in self.tables.values())
        if qualified in ("pg_type", "pg_catalog.pg_type") and set(where) == {"typname"}:
            return where["typname"] in self.enums
        raise _Unknown

    def _set_enum(self, enum: EnumDef) -> None:
        self.enums[enum.name] = enum
        for t in self.tables.values():
            for name, col in t.columns.items():
                if col.enum is not None and col.enum.name == enum.name:
                    t.columns[name] = replace(col, enum=enum)

    def _create_table(self, stmt: exp.Create, span: Span) -> None:
        schema = stmt.this
        name = schema.this.name
        if name in self.tables:
            if stmt.args.get("exists"):
                return
            self.diags.error(span, "E217", f"replay: table {name!r} is created twice")
        t = _Table(name, span=span)
        self.tables[name] = t
        for node in schema.expressions:
            if isinstance(node, exp.ColumnDef):
                t.columns[node.name] = _column(node, name, span, self.diags, self.enums)
                dtype = node.args.get("kind")
                if isinstance(dtype, exp.DataType) and dtype.this in (exp.DataType.Type.SERIAL, exp.DataType.Type.BIGSERIAL, exp.DataType.Type.SMALLSERIAL):
                    t.serials.add(node.name)
                col = t.columns[node.name]
                if col.references is not None:
                    t.fks[f"{name}_{col.name}_fkey"] = ForeignKeyConstraint(f"{name}_{col.name}_fkey", name, col.name, col.references)
                for c in node.constraints:
                    if isinstance(c.kind, exp.UniqueColumnConstraint):
                        iname = f"{name}_{col.name}_key"
                        t.indexes[iname] = Index(iname, name, (col.name,), True, span)
            else:
                self._table_constraint(t, node, span)

    def _create_index(self, stmt: exp.Create, span: Span) -> None:
        index = stmt.this
        table = self._table(index.args["table"].name, span)
        if table is None:
            return
        params = index.args.get("params")
        columns = tuple(o.this.name if isinstance(o, exp.Ordered) else o.name for o in (params.args.get("columns") if params else []) or [])
        if not columns:
            self.skipped.append((span, f"index {index.name} on expressions (not modelled)"))
            return
        missing = [c for c in columns if c not in table.columns]
        if missing:
            self.skipped.append((span, f"index {index.name} on {table.name}.{', '.join(missing)}, a column no earlier migration creates"))
            return
        table.indexes[index.name] = Index(index.name, table.name, columns, bool(stmt.args.get("unique")), span)

    def _drop(self, stmt: exp.Drop, span: Span) -> None:
        kind = (stmt.args.get("kind") or "").upper()
        for target in stmt.args.get("tables") or []:
            name = target.name
            if kind == "TABLE":
                if self.tables.pop(name, None) is None and not stmt.args.get("exists"):
                    self.diags.error(span, "E217", f"replay: DROP TABLE of unknown table {name!r}")
            elif kind == "INDEX":
                found = [t for t in self.tables.values() if name in t.indexes]
                for t in found:
                    del t.indexes[name]
                if not found and not stmt.args.get("exists"):
                    self.skipped.append((span, f"DROP INDEX {name} (unknown index)"))
            elif kind == "TYPE":
                self.enums.pop(name, None)
            else:
                self.skipped.append((span, f"DROP {kind} {name}"))

    def _alter(self, stmt: exp.Alter, span: Span) -> None:
        t = self._table(stmt.this.name, span)
        if t is None:
            return
        for action in stmt.args.get("actions") or []:
            if isinstance(action, exp.ColumnDef):
                if action.name in t.columns:
                    if action.args.get("exists"):
                        continue
                    self.diags.error(span, "E217", f"replay: column {t.name}.{action.name} already exists")
                col = _column(action, t.name, span, self.diags, self.enums)
                t.columns[action.name] = col
                if col.references is not None:
                    t.fks[f"{t.name}_{col.name}_fkey"] = ForeignKeyConstraint(f"{t.name}_{col.name}_fkey", t.name, col.name, col.references)
            elif isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() == "COLUMN":
                for c in action.args.get("tables") or [action.this]:
                    self._drop_column(t, c.name, bool(action.args.get("exists")), span)
            elif isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() == "CONSTRAINT":
                for c in action.args.get("tables") or [action.this]:
                    self._drop_constraint(t, c.name, span)
            elif isinstance(action, exp.RenameColumn):
                self._rename_column(t, action.this.name, action.args["to"].name, span)
            elif isinstance(action, exp.AlterRename):
                new = action.this.name
                self.tables[new] = self.tables.pop(t.name)
                self._rename_table(t, new)
            elif isinstance(action, exp.AlterColumn):
                self._alter_column(t, action, span)
            elif isinstance(action, exp.AddConstraint):
                for node in action.expressions:
                    self._table_constraint(t, node, span)
            else:
                self.skipped.append((span, f"ALTER TABLE {t.name}: {action.sql('postgres')[:60]}"))

    def _drop_column(self, t: _Table, name: str, if_exists: bool, span: Span) -> None:
        if t.columns.pop(name, None) is None:
            if not if_exists:
                self.diags.error(span, "E217", f"replay: DROP COLUMN of unknown column {t.name}.{name}")
            return
        # Postgres drops indexes and constraints that involve the column.
        t.indexes = {k: v for k, v in t.indexes.items() if name not in v.columns}
        t.fks = {k: v for k, v in t.fks.items() if v.column != name}

    def _drop_constraint(self, t: _Table, name: str, span: Span) -> None:
        if name in t.fks:
            fk = t.fks.pop(name)
            col = t.columns.get(fk.column)
            if col is not None:
                t.columns[fk.column] = replace(col, references=None)
        elif name in t.indexes:
            del t.indexes[name]
        elif name.endswith("_pkey"):
            for cname, col in t.columns.items():
                if col.primary_key:
                    t.columns[cname] = replace(col, primary_key=False, kind="bigint" if col.kind == "id" else col.kind)
        else:
            self.skipped.append((span, f"DROP CONSTRAINT {name} on {t.name} (not modelled)"))

    def _rename_column(self, t: _Table, old: str, new: str, span: Span) -> None:
        if old not in t.columns:
            self.diags.error(span, "E217", f"replay: RENAME of unknown column {t.name}.{old}")
            return
        t.columns = {(new if k == old else k): (replace(v, name=new) if k == old else v) for k, v in t.columns.items()}
        t.indexes = {k: replace(v, columns=tuple(new if c == old else c for c in v.columns)) for k, v in t.indexes.items()}
        t.fks = {k: (replace(v, column=new) if v.column == old else v) for k, v in t.fks.items()}
        for other in self.tables.values():
            for k, fk in other.fks.items():
                if fk.fk.table == t.name and fk.fk.column == old:
                    other.fks[k] = replace(fk, fk=replace(fk.fk, column=new))
                    col = other.columns.get(fk.column)
                    if col is not None:
                        other.columns[fk.column] = replace(col, references=other.fks[k].fk)

    def _rename_table(self, t: _Table, new: str) -> None:
        old = t.name
        t.name = new
        t.indexes = {k: replace(v, table=new) for k, v in t.indexes.items()}
        t.fks = {k: replace(v, table=new) for k, v in t.fks.items()}
        for other in self.tables.values():
            for k, fk in other.fks.items():
                if fk.fk.table == old:
                    other.fks[k] = replace(fk, fk=replace(fk.fk, table=new))
                    col = other.columns.get(fk.column)
                    if col is not None:
                        other.columns[fk.column] = replace(col, references=other.fks[k].fk)

    def _alter_column(self, t: _Table, action: exp.AlterColumn, span: Span) -> None:
        name = action.name
        col = t.columns.get(name)
        if col is None:
            self.diags.error(span, "E217", f"replay: ALTER of unknown column {t.name}.{name}")
            return
        if isinstance(action.args.get("dtype"), exp.DataType):
            probe = exp.ColumnDef(this=exp.to_identifier(name), kind=action.args["dtype"])
            typed = _column(probe, t.name, span, self.diags, self.enums)
            col = replace(col, kind=typed.kind if not (col.kind == "id" and typed.kind in ("int", "bigint")) else "id", max_length=typed.max_length, enum=typed.enum)
        if action.args.get("allow_null") is not None:
            col = replace(col, nullable=bool(action.args["allow_null"]))
        if action.args.get("drop"):
            col = replace(col, default=None)
        default = action.args.get("default")
        if default is not None:
            probe = exp.ColumnDef(
                this=exp.to_identifier(name),
                kind=exp.DataType.build("text"),
                constraints=[exp.ColumnConstraint(kind=exp.DefaultColumnConstraint(this=default))],
            )
            col = replace(col, default=_column(probe, t.name, span, self.diags).default)
        t.columns[name] = col

    # -- result -------------------------------------------------------------------

    def schema(self) -> Schema:
        tables = []
        for t in sorted(self.tables.values(), key=lambda t: t.name):
            cols = tuple(t.columns.values())
            checks = enum_checks(t.name, cols)
            tables.append(Table(t.name, cols, tuple(t.indexes.values()), checks, tuple(t.fks.values()), span=t.span))
        return Schema(tuple(tables))


def replay_files(files: list[tuple[str, str]]) -> Replay:
    """Replay (display name, SQL text) pairs in order."""
    import logging

    log = logging.getLogger("sqlglot")
    level = log.level
    log.setLevel(logging.ERROR)  # Command fallbacks are handled here, not news
    try:
        return _replay(files)
    finally:
        log.setLevel(level)


def _replay(files: list[tuple[str, str]]) -> Replay:
    state = Replay()
    for display, text in files:
        for line, stmt_text, _comments in split_sql(text):
            span = Span(display, line, 1)
            try:
                stmt = sqlglot.parse_one(stmt_text, read="postgres")
            except ParseError as exc:
                state.diags.error(span, "E217", f"replay: statement does not parse: {str(exc).splitlines()[0][:120]}")
                continue
            _fold_identifiers(stmt)
            state.apply(stmt, stmt_text, span)
    return state


def _fold_identifiers(stmt: exp.Expr) -> None:
    """PostgreSQL folds unquoted names to lower case: `CREATE INDEX users_onboardingComplete_idx`
    creates `users_onboardingcomplete_idx`."""
    for node in stmt.find_all(exp.Identifier):
        if not node.quoted and isinstance(node.this, str):
            node.set("this", node.this.lower())


def _information_schema_type(col: Column) -> str:
    """information_schema.columns.data_type of a replayed column."""
    if col.array:
        return "array"
    if col.enum is not None and col.enum.native:
        return "user-defined"
    if col.kind == "timestamp":
        return "timestamp with time zone" if col.timezone else "timestamp without time zone"
    return {
        "string": "character varying" if col.max_length else "text",
        "text": "text",
        "enum": "text",
        "url": "text",
        "uuid": "uuid",
        "int": "integer",
        "bigint": "bigint",
        "id": "bigint",
        "bool": "boolean",
        "date": "date",
        "json": "jsonb",
        "float": "double precision",
    }[col.kind]


def replay_folder(folder: Path, display_root: Path | None = None) -> Replay:
    """Replay every migration under `folder`; SpecError if one cannot be applied."""
    files = discover(folder)
    if not files:
        raise SpecError([Diagnostic(Span(folder.as_posix()), "E001", "no migrations found (plain *.sql files, or prisma/migrations/<name>/migration.sql)")])
    root = display_root or Path.cwd()

    def show(p: Path) -> str:
        try:
            return p.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return p.as_posix()

    state = replay_files([(show(f), f.read_text("utf-8")) for f in files])
    state.diags.raise_if_any()
    return state


# --- writing the base schema ------------------------------------------------------


def _ident(name: str) -> str:
    from compiler.sql_keywords import needs_quotes

    plain = re.fullmatch(r"[a-z_][a-z0-9_]*", name) is not None and not needs_quotes(name, "postgres")
    return exp.to_identifier(name, quoted=not plain).sql("postgres")


def _type(col: Column) -> str:
    return _scalar_type(col) + ("[]" if col.array else "")


def _scalar_type(col: Column) -> str:
    if col.kind == "string":
        return f"varchar({col.max_length})" if col.max_length else "text"
    if col.enum is not None and col.enum.native:
        return _ident(col.enum.name)
    if col.kind == "timestamp" and (col.precision is not None or not col.timezone):
        return ("timestamptz" if col.timezone else "timestamp") + (f"({col.precision})" if col.precision is not None else "")
    return {
        "uuid": "uuid",
        "text": "text",
        "enum": "text",
        "url": "text",
        "int": "integer",
        "bigint": "bigint",
        "id": "bigint",
        "bool": "boolean",
        "timestamp": "timestamptz",
        "date": "date",
        "json": "jsonb",
        "float": "double precision",
    }[col.kind]


def _default(col: Column) -> str:
    value = col.default
    if isinstance(value, tuple):
        items = ", ".join(str(v).lower() if isinstance(v, bool) else str(v) if isinstance(v, int) else exp.Literal.string(v).sql("postgres") for v in value)
        return f"ARRAY[{items}]::{_type(col)}"
    if value == "now" and col.kind in ("timestamp", "date"):
        return "now()"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return exp.Literal.string(str(value)).sql("postgres")


REPLAYED = ("replayed with", "`specc import-base` from (in order):")
READ_PRISMA = ("read with", "`specc import-base --prisma-schema` from:")


def render_base(schema: Schema, sources: list[str], how: tuple[str, str] = REPLAYED) -> str:
    """`schema` as the PostgreSQL DDL `compiler.base.schema` reads back; `how` says how it was made."""
    out = [
        f"-- The tables that already exist, as specc's starting point: {how[0]}",
        f"-- {how[1]}",
        *[f"--   {' '.join(s.split())}" for s in sources],
        "-- Regenerate it rather than editing it by hand.",
        "",
    ]
    enums = {c.enum.name: c.enum for t in schema.tables for c in t.columns if c.enum is not None and c.enum.native}
    for name in sorted(enums):
        values = ", ".join(exp.Literal.string(v).sql("postgres") for v in enums[name].values)
        out.append(f"CREATE TYPE {_ident(name)} AS ENUM ({values});\n")
    for table in schema.creation_order():
        lines = []
        for col in table.columns:
            parts = [_ident(col.name), _type(col)]
            if col.kind == "id":
                parts.append("GENERATED BY DEFAULT AS IDENTITY")
            if col.primary_key:
                parts.append("PRIMARY KEY")
            elif not col.nullable:
                parts.append("NOT NULL")
            if col.default is not None:
                parts.append(f"DEFAULT {_default(col)}")
            if col.enum is not None and not col.enum.native:
                values = ", ".join(exp.Literal.string(v).sql("postgres") for v in col.enum.values)
                parts.append(f"CHECK ({_ident(col.name)} IN ({values}))")
            if col.references is not None:
                ref = col.references
                parts.append(f"REFERENCES {_ident(ref.table)} ({_ident(ref.column)})")
                if ref.on_delete != "no action":
                    parts.append(f"ON DELETE {ref.on_delete.upper()}")
                if ref.on_update != "no action":
                    parts.append(f"ON UPDATE {ref.on_update.upper()}")
            lines.append("  " + " ".join(parts))
        out.append(f"CREATE TABLE {_ident(table.name)} (\n" + ",\n".join(lines) + "\n);\n")
        for col in table.columns:
            if col.description:
                text = exp.Literal.string(col.description).sql("postgres")
                out.append(f"COMMENT ON COLUMN {_ident(table.name)}.{_ident(col.name)} IS {text};\n")
        for ix in table.indexes:
            unique = "UNIQUE " if ix.unique else ""
            cols = ", ".join(_ident(c) for c in ix.columns)
            out.append(f"CREATE {unique}INDEX {_ident(ix.name)} ON {_ident(table.name)} ({cols});\n")
    return "\n".join(out)
