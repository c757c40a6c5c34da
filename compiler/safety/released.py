"""Released migrations are immutable, like Atlas's `atlas.sum`.

A spec's migration is *released* once it has run on a shared database
(staging or production).  `specc release SPEC_ID` records it in
`released.sum`, next to the snapshots folder, and every later compile checks
that the spec still plans exactly that migration.  Editing a released spec in
a way that changes its migration fails the compile at the spec lines that
changed, telling the author to write a new spec (`specc new --evolve`).
Changes that leave the migration alone (title, motivation, descriptions,
endpoints) are allowed.

The file records, per released spec:
- `plan`: a hash of the planned operations and backfills, from the IR with
  spans and descriptions left out: what the migration does;
- `sql`: a hash of the generated migration files (comments dropped): what a
  user runs;
- one `part` hash per migration-relevant spec entry (each enum, each table
  column or table option, each backfill, depends_on), so a changed plan can be
  traced back to the entries, and lines, that changed.  The old spec text is
  not stored, so the error names the entries whose content differs, located
  in the current file (or the spec itself for an entry that was removed).
A `sum` line hashes all the others, so hand edits are detected.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from collections.abc import Mapping

from compiler.diagnostics import Diagnostic, SpecError
from compiler.ir import Project, Span, Spec
from compiler.frontend.document import Document
from compiler.frontend.loader import load_file

SUM_NAME = "released.sum"
_HEADER = (
    "# specc released migrations: a released spec's migration never changes.\n"
    "# Written by `specc release SPEC_ID`; checked by every `specc compile`. Do not edit.\n"
)
_SKIP_FIELDS = {"span", "description", "source", "source_sha256"}


def sum_path(out: Path) -> Path:
    """`released.sum` lives next to the snapshots folder."""
    return out.parent / SUM_NAME


def _h(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return "h1:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical(obj: Any) -> Any:
    """IR nodes as plain data, without spans and descriptions (which do not
    change what a migration does)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {"_": type(obj).__name__}
        for f in dataclasses.fields(obj):
            if f.name not in _SKIP_FIELDS:
                out[f.name] = canonical(getattr(obj, f.name))
        return out
    if isinstance(obj, (tuple, list)):
        return [canonical(x) for x in obj]
    return obj


def plan_hash(spec: Spec) -> str:
    return _h([canonical(spec.operations), canonical(getattr(spec, "backfills", ()))])


def sql_hash(spec_id: str, tree: Mapping[PurePosixPath, str]) -> str:
    prefix = PurePosixPath(spec_id) / "migrations"
    files = {}
    for path, text in sorted(tree.items()):
        if prefix in path.parents or (PurePosixPath(spec_id) / "backfills") in path.parents:
            lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith(("--", "#"))]
            files[str(path)] = "\n".join(lines)
    return _h(files)


def _strip(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _strip(v) for k, v in data.items() if k != "description"}
    if isinstance(data, list):
        return [_strip(v) for v in data]
    return data


def parts(doc_data: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
    """Hash of each migration-relevant entry of a spec, keyed by its YAML path."""
    out: dict[tuple[str, ...], str] = {}
    for name, values in (doc_data.get("enums") or {}).items():
        out[("enums", name)] = _h(values)
    for table, raw in (doc_data.get("tables") or {}).items():
        for key, value in (raw or {}).items():
            if isinstance(value, dict):
                for sub, item in value.items():
                    out[("tables", table, key, str(sub))] = _h(_strip(item))
            else:
                out[("tables", table, key)] = _h(_strip(value))
    for name, raw in (doc_data.get("backfills") or {}).items():
        out[("backfills", name)] = _h(_strip(raw))
    if doc_data.get("depends_on"):
        out[("depends_on",)] = _h(sorted(doc_data["depends_on"]))
    return out


@dataclass(frozen=True)
class Entry:
    """One released spec in the sum file."""

    spec_id: str
    plan: str
    sql: str
    source: str
    parts: dict[tuple[str, ...], str]
    line: int = 0


def entry_for(spec: Spec, tree: Mapping[PurePosixPath, str], doc: Document) -> Entry:
    return Entry(spec.id, plan_hash(spec), sql_hash(spec.id, tree), spec.source, parts(doc.data))


def render(entries: list[Entry]) -> str:
    body = []
    for e in sorted(entries, key=lambda e: e.spec_id):
        body.append(f"spec {e.spec_id} plan {e.plan} sql {e.sql} source {e.source}")
        for path, h in sorted(e.parts.items()):
            body.append(f"part {e.spec_id} {'.'.join(path)} {h}")
    text = "\n".join(body) + ("\n" if body else "")
    return _HEADER + f"sum {_h(text)}\n" + text


def read(path: Path, display: str) -> list[Entry]:
    """Parse the sum file; a malformed or hand-edited file is a user error."""
    if not path.is_file():
        return []
    lines = path.read_text("utf-8").splitlines()
    entries: dict[str, Entry] = {}
    declared, body, sum_line = "", [], 1
    for no, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        words = line.split()
        if words[0] == "sum" and len(words) == 2:
            declared, sum_line = words[1], no
        elif words[0] == "spec" and len(words) == 8:
            entries[words[1]] = Entry(words[1], words[3], words[5], words[7], {}, no)
            body.append(line)
        elif words[0] == "part" and len(words) == 4 and words[1] in entries:
            entries[words[1]].parts[tuple(words[2].split("."))] = words[3]
            body.append(line)
        else:
            raise SpecError([Diagnostic(Span(display, no, 1), "E404", f"{SUM_NAME}: malformed line", hint="restore it from version control")])
    text = "\n".join(body) + ("\n" if body else "")
    if declared != _h(text):
        raise SpecError([Diagnostic(Span(display, sum_line, 1), "E404", f"{SUM_NAME} was edited by hand (its sum does not match)", hint="restore it from version control; only `specc release` writes it")])
    return list(entries.values())


def _load_doc(spec: Spec) -> Document | None:
    try:
        return load_file(Path(spec.source), spec.source)
    except (OSError, SpecError):
        return None


def released_diagnostics(project: Project, tree: Mapping[PurePosixPath, str], out: Path) -> list[Diagnostic]:
    """Errors for every released spec whose migration changed (or that is gone)."""
    path = sum_path(out)
    display = path.as_posix()
    try:
        entries = read(path, display)
    except SpecError as err:
        return list(err.diagnostics)
    diags: list[Diagnostic] = []
    evolve = "write a new spec for the change instead: `specc new --evolve {id}` scaffolds one that depends on it"
    for e in entries:
        spec = project.spec(e.spec_id)
        if spec is None:
            diags.append(Diagnostic(Span(display, e.line, 1), "E403", f"released spec {e.spec_id!r} no longer exists; its migration has run and cannot be taken back by deleting the spec", hint="restore the spec file; to undo its change, write a new spec"))
            continue
        if plan_hash(spec) == e.plan:
            if sql_hash(spec.id, tree) != e.sql:
                diags.append(Diagnostic(spec.span, "E402", f"the generated migration of released spec {spec.id!r} changed although the spec did not (a specc upgrade?)", hint=f"released migrations have already run; check the difference is cosmetic, then record it with `specc release {spec.id}`"))
            continue
        doc = _load_doc(spec)
        now = parts(doc.data) if doc else {}
        changed = sorted(k for k in set(now) | set(e.parts) if now.get(k) != e.parts.get(k))
        message = f"released spec {spec.id!r} was edited in a way that changes its migration, which has already run"
        if not changed or doc is None:
            diags.append(Diagnostic(spec.span, "E401", message, hint=evolve.format(id=spec.id)))
            continue
        for key in changed:
            what = "removed" if key not in now else ("added" if key not in e.parts else "changed")
            span = doc.key_span(key) if key in now else doc.key_span(key[:-1]) if len(key) > 1 else spec.span
            diags.append(Diagnostic(span, "E401", f"{message}: `{'.'.join(key)}` was {what}", hint=evolve.format(id=spec.id)))
    return diags


def release(project: Project, tree: Mapping[PurePosixPath, str], out: Path, spec_ids: list[str]) -> Path:
    """Record `spec_ids` as released (re-recording one refreshes its entry)."""
    path = sum_path(out)
    entries = {e.spec_id: e for e in read(path, path.as_posix())}
    for sid in spec_ids:
        spec = project.spec(sid)
        doc = _load_doc(spec) if spec else None
        if spec is None or doc is None:
            raise SpecError([Diagnostic(Span(sid), "E204", f"unknown spec {sid!r}")])
        entries[sid] = entry_for(spec, tree, doc)
    path.write_text(render(list(entries.values())), "utf-8")
    return path
