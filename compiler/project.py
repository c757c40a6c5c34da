"""The whole project: load every spec, validate, order by depends_on, lower.

Each spec is lowered against the schema as it stands after the base schema
and every spec before it in dependency order, so its migration is computed
against what will really exist when it runs.
"""

from __future__ import annotations

from compiler import pypackage
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from collections.abc import Callable

from compiler.diagnostics import Diagnostic, SpecError
from compiler.ir import DEFAULT_CONVENTIONS, Conventions, ColumnField, DropColumn, DropTable, EnumDef, ListField, Project, RenameColumn, Schema, Spec
from compiler.frontend.document import Document
from compiler.frontend.loader import load_file
from compiler.lower import lower_spec, naming
from compiler.frontend.validate import validate_structure

if TYPE_CHECKING:
    from compiler.build.incremental import CompileCache

BASE_SCHEMA = Path("base") / "schema.sql"


def load_base_schema(path: Path, display: str) -> Schema:
    """`compiler.base.schema.load_base_schema`, imported on first use: it needs
    sqlglot, which a compile whose base schema is cached never imports."""
    from compiler.base.schema import load_base_schema as load

    return load(path, display)


@dataclass(frozen=True)
class Workspace:
    """Where a project lives: the specs folder and how paths are displayed."""

    specs_dir: Path
    root: Path

    def display(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def spec_files(specs_dir: Path) -> list[Path]:
    """Every spec file, sorted by name."""
    return sorted(p for p in specs_dir.glob("*.yaml") if p.is_file()) + sorted(
        p for p in specs_dir.glob("*.yml") if p.is_file()
    )


# Changes a loaded document's data before validation (the agent's context:
# narrowed endpoints, chosen enum values, caps).  Returns diagnostics for
# overrides that do not apply.
Overlay = Callable[[Document], list[Diagnostic]]


def load_documents(ws: Workspace, overlay: Overlay | None = None, cache: CompileCache | None = None) -> list[Document]:
    """Load and structurally validate every spec; report all files' errors at once.

    With a `cache`, an unchanged file that was valid before is not parsed: a
    stub carries its id and depends_on (see `compiler.build.incremental`).  An
    `overlay` changes documents in ways the cache keys do not cover, so the
    two are never used together.
    """
    if overlay is not None:
        cache = None
    docs: list[Document] = []
    diags: list[Diagnostic] = []
    for path in spec_files(ws.specs_dir):
        raw = None
        if cache is not None:
            stub, raw = cache.document(path, ws.display(path))
            if stub is not None:
                docs.append(stub)
                continue
        try:
            doc = load_file(path, ws.display(path)) if raw is None or cache is None else cache.parse(raw, ws.display(path))
        except SpecError as err:
            diags.extend(err.diagnostics)
            continue
        if overlay is not None:
            # Overridden values are validated below exactly like spec text.
            found = overlay(doc)
            if found:
                diags.extend(found)
                continue
        found = validate_structure(doc)
        if found:
            diags.extend(found)
            continue
        stem = path.stem
        if doc.data["id"] != stem:
            diags.append(
                Diagnostic(doc.span(("id",)), "E207", f"spec id {doc.data['id']!r} does not match its file name {path.name!r}", hint=f"rename the file to {doc.data['id']}.yaml or set id: {stem}")
            )
            continue
        if cache is not None:
            cache.remember_document(doc)
        docs.append(doc)
    if diags:
        raise SpecError(diags)
    return docs


def dependency_order(docs: list[Document]) -> list[Document]:
    """Topological order by depends_on, ties broken by id; reports cycles,
    unknown ids and duplicate ids with their locations."""
    by_id: dict[str, Document] = {}
    diags: list[Diagnostic] = []
    for doc in docs:
        sid = doc.data["id"]
        if sid in by_id:
            diags.append(Diagnostic(doc.span(("id",)), "E206", f"spec id {sid!r} is also used by {by_id[sid].path}"))
            continue
        by_id[sid] = doc
    # Each spec's generated Python is the subpackage specc_app.<spec_name>.
    by_package: dict[str, Document] = {}
    for sid, doc in by_id.items():
        problem = pypackage.name_problem(sid)
        name = pypackage.module_name(sid)
        if problem is not None:
            diags.append(Diagnostic(doc.span(("id",)), "E270", problem, hint="rename the spec (its file and its id)"))
        elif name in by_package:
            other = by_package[name]
            diags.append(Diagnostic(doc.span(("id",)), "E270", f"spec id {sid!r} becomes the Python package name {name!r}, as spec {other.data['id']!r} ({other.path}) does", hint="rename one of the specs"))
        else:
            by_package[name] = doc
    for doc in by_id.values():
        for i, dep in enumerate(doc.data.get("depends_on") or []):
            if dep not in by_id:
                diags.append(Diagnostic(doc.span(("depends_on", i)), "E204", f"depends_on: unknown spec {dep!r}"))
            elif dep == doc.data["id"]:
                diags.append(Diagnostic(doc.span(("depends_on", i)), "E205", "a spec cannot depend on itself"))
    if diags:
        raise SpecError(diags)
    order: list[Document] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(sid: str, chain: tuple[str, ...]) -> None:
        if state.get(sid) == 2:
            return
        if state.get(sid) == 1:
            cycle = chain[chain.index(sid):] + (sid,)
            doc = by_id[chain[-1]]
            idx = (doc.data.get("depends_on") or []).index(sid)
            raise SpecError([Diagnostic(doc.span(("depends_on", idx)), "E205", f"depends_on forms a cycle: {' -> '.join(cycle)}")])
        state[sid] = 1
        for dep in sorted(by_id[sid].data.get("depends_on") or []):
            visit(dep, chain + (sid,))
        state[sid] = 2
        order.append(by_id[sid])

    for sid in sorted(by_id):
        visit(sid, ())
    return order


def build_project(
    specs_dir: Path, root: Path | None = None, overlay: Overlay | None = None, cache: CompileCache | None = None
) -> Project:
    """Load, validate and lower every spec under `specs_dir` into a Project.

    `overlay`, when given, may change each document's data after loading and
    before validation (see `Overlay`).  `cache` (optional, ignored with an
    overlay) reuses earlier results for unchanged inputs; the Project is the
    same with or without it.
    """
    if overlay is not None:
        cache = None
    ws = Workspace(specs_dir, root or specs_dir.parent)
    from compiler.config import load_config

    conventions = load_config(specs_dir, ws.display)
    if conventions != DEFAULT_CONVENTIONS:
        # The caches key lowering by the spec and schema text only; a profile
        # changes what lowering makes of the same text.
        cache = None
    with naming.using(conventions):
        return _build(specs_dir, ws, overlay, cache, conventions)


def _build(specs_dir: Path, ws: Workspace, overlay: Overlay | None, cache: CompileCache | None, conventions: Conventions) -> Project:
    base_path = specs_dir / BASE_SCHEMA
    if cache is not None:
        base = cache.base_schema(base_path, ws.display(base_path), load_base_schema)
    else:
        base = load_base_schema(base_path, ws.display(base_path))
    docs = dependency_order(load_documents(ws, overlay, cache))
    specs: list[Spec] = []
    diags: list[Diagnostic] = []
    schema = base
    enums_after: dict[str, dict[str, EnumDef]] = {}
    for doc in docs:
        inherited: dict[str, EnumDef] = {}
        for dep in doc.data.get("depends_on") or []:
            inherited.update(enums_after.get(dep, {}))
        try:
            spec = cache.lower(doc, schema, inherited, lower_spec) if cache is not None else lower_spec(doc, schema, inherited)
        except SpecError as err:
            diags.extend(err.diagnostics)
            continue
        specs.append(spec)
        schema = spec.schema_after
        enums_after[spec.id] = {**inherited, **{e.name: e for e in spec.enums}}
    diags.extend(_cross_spec_endpoint_conflicts(specs))
    diags.extend(_removed_columns_still_in_use(specs))
    if diags:
        raise SpecError(diags)
    return Project(base=base, specs=tuple(specs), base_source=ws.display(base_path), conventions=conventions)


def _cross_spec_endpoint_conflicts(specs: list[Spec]) -> list[Diagnostic]:
    """Endpoints share one API: no two specs may claim the same route or operationId."""
    out: list[Diagnostic] = []
    routes: dict[tuple[str, str], Spec] = {}
    operations: dict[str, Spec] = {}
    for spec in specs:
        for ep in spec.endpoints:
            first = routes.setdefault((ep.method, ep.path), spec)
            if first is not spec:
                out.append(Diagnostic(ep.span, "E216", f"endpoint {ep.method} {ep.path} is already defined by spec {first.id!r}"))
            first = operations.setdefault(ep.operation_id, spec)
            if first is not spec:
                out.append(Diagnostic(ep.span, "E216", f"operationId {ep.operation_id!r} is already used by spec {first.id!r}"))
    return out



def _columns_used(spec: Spec) -> dict[tuple[str, str], str]:
    """(table, column) -> what of `spec` reads or writes it (endpoints and metrics)."""
    used: dict[tuple[str, str], str] = {}
    for ep in spec.endpoints:
        for field in ep.request + ep.response:
            if isinstance(field, ColumnField):
                used.setdefault((field.table, field.column.name), f"endpoint {ep.operation_id}")
            elif isinstance(field, ListField):
                for item in field.fields:
                    used.setdefault((field.table, item.name), f"endpoint {ep.operation_id}")
                used.setdefault((field.table, field.owner_column), f"endpoint {ep.operation_id}")
    for metric in spec.metrics:
        for source in metric.sources:
            used.setdefault((source.table, source.time_column), f"metric {metric.name}")
            owner_table = source.via_table or source.table
            used.setdefault((owner_table, source.owner_column), f"metric {metric.name}")
            if source.via_column:
                used.setdefault((source.table, source.via_column), f"metric {metric.name}")
    return used


def _removed_columns_still_in_use(specs: list[Spec]) -> list[Diagnostic]:
    """A later spec may not drop or rename a column that an earlier spec's
    generated routes or metric queries still use: they would break at run time."""
    out: list[Diagnostic] = []
    used_by: dict[int, dict[tuple[str, str], str]] = {}  # computed only when a spec removes a column
    for i, spec in enumerate(specs):
        if not any(isinstance(op, (DropColumn, RenameColumn, DropTable)) for op in spec.operations):
            continue
        for j in range(i):
            if j not in used_by:
                used_by[j] = _columns_used(specs[j])
        earlier = [(specs[j], used_by[j]) for j in range(i)]
        for op in spec.operations:
            if isinstance(op, DropColumn):
                gone = [((op.table, op.column.name), op.span, "dropped")]
            elif isinstance(op, RenameColumn):
                gone = [((op.table, op.old), op.span, "renamed")]
            elif isinstance(op, DropTable):
                gone = [((op.table.name, c.name), op.span, "dropped") for c in op.table.columns]
            else:
                continue
            for key, span, verb in gone:
                for other, used in earlier:
                    if key in used:
                        out.append(
                            Diagnostic(
                                span,
                                "E244",
                                f"{key[0]}.{key[1]} is {verb} here but {used[key]} of spec {other.id!r} still uses it",
                                hint="change that endpoint or metric in a new spec first, or keep the column",
                            )
                        )
    return out
