"""Incremental compilation: reuse what an earlier compile computed for the same inputs.

Three kinds of results are cached (in `compiler.build.cache.Store`), each under a
key that hashes everything it depends on plus `compiler.build.fingerprint`:

- `base`: the parsed base schema, keyed by its bytes (so a warm compile does
  not even import sqlglot).
- `doc`: a spec file's id and depends_on, keyed by its bytes, so the project
  can be ordered without parsing unchanged files.
- `lower`: a lowered `Spec`, keyed by its bytes, its display path, a digest
  of the schema it is lowered on (`schema_before`) and of the enums it
  inherits.  The entry stores the tables the spec changed, not whole
  schemas, and the digest of its `schema_after`, which the next spec's key
  uses.  That digest chains "schema before" with the changed tables, so an
  edit that leaves a spec's schema alone (a summary, an endpoint) does not
  invalidate the specs after it.
- `out`: every per-spec output of the targets (`compiler.emit`) for one spec,
  keyed by that spec's lowering key (the resulting "render key" is kept in
  `render_keys`); and `proj`: project-wide outputs keyed by every spec's key.
- Results computed from one spec's rendered files, keyed by its render key,
  so that one changed spec recomputes only its own: `draft`, the pieces of
  PR bodies (`compiler.review.draft.pieces`, `targets/pr.py`), and `lint`, the
  migration rules' findings and the spec's API surface
  (`compiler.safety.lint.per_spec`); `api` holds the API surface of a whole
  OpenAPI document by the hash of its text (the committed one, next compile).

Because a lowering key covers every input of lowering, two specs with the
same key lower to equal IR and render identical files; tests compare cached
and uncached output byte for byte.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import replace
from operator import attrgetter
from pathlib import Path
from typing import Any
from collections.abc import Callable

from compiler.build.cache import Store, key_of
from compiler.build.fingerprint import fingerprint
from compiler.ir import EnumDef, Schema, Spec, Table
from compiler.frontend.document import MAX_BYTES, Document
from compiler.frontend.loader import parse_text

_EMPTY = Schema(())
_NAME = attrgetter("name")


class CachedDocument(Document):
    """A spec file not parsed yet: its id and depends_on come from the cache.

    `raw` holds the bytes that were hashed, so a later parse (when the
    lowering is not cached) reads exactly what the key describes.
    """

    raw: bytes = b""
    digest: str = ""


class CompileCache:
    """The cache for one compile of one workspace."""

    def __init__(self, root: Path, buffered: bool = True) -> None:
        # Buffered: entries reach the disk only through `flush`, which the
        # compile command calls once the output is written.
        self.store = Store(root, buffered=buffered)
        self.fp = fingerprint()
        # id(schema) -> (schema, digest); the schema is kept so its id stays unique.
        self._schema_digest: dict[int, tuple[Schema, str]] = {}
        # spec id -> lowering key: what the outputs of that spec are keyed by.
        self.spec_keys: dict[str, str] = {}
        # spec id -> the key of its rendered files (set by `compiler.emit`):
        # what results computed from those files (PR pieces, lint) are keyed by.
        self.render_keys: dict[str, str] = {}
        self.base_key = ""

    def flush(self) -> None:
        """Write this compile's new entries to the cache."""
        self.store.flush()

    # -- base schema -------------------------------------------------------

    def base_schema(self, path: Path, display: str, load: Callable[[Path, str], Schema]) -> Schema:
        """The base schema at `path`, parsed by `load` unless cached."""
        try:
            raw = path.read_bytes()
        except OSError:
            raw = None
        if raw is None:
            schema = load(path, display)  # missing file: empty base, or load's own error
            self.base_key = key_of("base", self.fp, display, "missing")
            self._remember_schema(schema, self.base_key)
            return schema
        self.base_key = key_of("base", self.fp, display, raw)
        cached = self.store.get("base", self.base_key)
        if isinstance(cached, Schema):
            schema = cached
        else:
            schema = load(path, display)
            self.store.put("base", self.base_key, schema)
        self._remember_schema(schema, self.base_key)
        return schema

    # -- documents ---------------------------------------------------------

    def document(self, path: Path, display: str) -> tuple[Document | None, bytes | None]:
        """A stub for an unchanged, previously valid spec file, else (None, raw bytes)."""
        try:
            if path.stat().st_size > MAX_BYTES:
                return None, None
            raw = path.read_bytes()
        except OSError:
            return None, None
        digest = hashlib.sha256(raw).hexdigest()
        header = self.store.get("doc", key_of("doc", self.fp, display, digest))
        if not (isinstance(header, tuple) and len(header) == 2):
            return None, raw
        spec_id, depends_on = header
        stub = CachedDocument(display, "", {"id": spec_id, "depends_on": list(depends_on)})
        stub.raw = raw
        stub.digest = digest
        return stub, raw

    def parse(self, raw: bytes, display: str) -> Document:
        """Parse `raw` (the bytes `document` read) and remember its digest."""
        doc = parse_text(raw, display)
        # An attribute of the cache's own, not a Document field: the loader knows no cache.
        doc.raw_digest = hashlib.sha256(raw).hexdigest()  # type: ignore[attr-defined]
        return doc

    def remember_document(self, doc: Document) -> None:
        """Record a valid document's id and depends_on for the next compile."""
        digest = getattr(doc, "raw_digest", "")
        if digest:
            header = (doc.data["id"], tuple(doc.data.get("depends_on") or ()))
            self.store.put("doc", key_of("doc", self.fp, doc.path, digest), header)

    # -- lowering ----------------------------------------------------------

    def lower(
        self,
        doc: Document,
        before: Schema,
        inherited: dict[str, EnumDef],
        lower_spec: Callable[[Document, Schema, dict[str, EnumDef]], Spec],
    ) -> Spec:
        """`lower_spec(doc, before, inherited)`, from the cache when possible."""
        digest = doc.digest if isinstance(doc, CachedDocument) else getattr(doc, "raw_digest", "")
        if not digest:
            return lower_spec(doc, before, inherited)  # not read through the cache
        enums = repr(sorted(inherited.items()))
        key = key_of("lower", self.fp, doc.path, digest, self.schema_digest(before), enums)
        entry = self.store.get("lower", key)
        if isinstance(entry, tuple) and len(entry) == 4 and isinstance(entry[0], Spec):
            stub, changed, removed, after_digest = entry
            after = _apply(before, changed, removed)
            spec: Spec = replace(stub, schema_before=before, schema_after=after)
        else:
            if isinstance(doc, CachedDocument):
                doc = parse_text(doc.raw, doc.path)
            spec = lower_spec(doc, before, inherited)
            changed, removed = _delta(before, spec.schema_after)
            after_digest = key_of("schema", self.schema_digest(before), repr(changed), repr(removed))
            stub = replace(spec, schema_before=_EMPTY, schema_after=_EMPTY)
            self.store.put("lower", key, (stub, changed, removed, after_digest))
        self._remember_schema(spec.schema_after, after_digest)
        self.spec_keys[spec.id] = key
        return spec

    # -- schema digests ------------------------------------------------------

    def _remember_schema(self, schema: Schema, digest: str) -> None:
        self._schema_digest[id(schema)] = (schema, digest)

    def schema_digest(self, schema: Schema) -> str:
        """The digest this compile gave `schema` (a full hash if it has none)."""
        known = self._schema_digest.get(id(schema))
        if known is not None and known[0] is schema:
            return known[1]
        digest = key_of("schema-full", repr(schema))
        self._remember_schema(schema, digest)
        return digest

    # -- outputs -------------------------------------------------------------

    def spec_output_key(self, spec_id: str, targets: tuple[str, ...]) -> str | None:
        key = self.spec_keys.get(spec_id)
        if key is None:
            return None
        return key_of("out", self.fp, key, ",".join(targets))

    def project_output_key(self, target: str, spec_ids: tuple[str, ...]) -> str | None:
        keys = [self.spec_keys.get(s) for s in spec_ids]
        if any(k is None for k in keys) or not self.base_key:
            return None
        return key_of("proj", self.fp, target, self.base_key, *(f"{s}={k}" for s, k in zip(spec_ids, keys, strict=True)))

    def spec_key(self, kind: str, spec_id: str, *parts: str) -> str | None:
        """The key of a `kind` entry derived from `spec_id`'s rendered files
        and `parts`; None when those files have no key this compile."""
        render_key = self.render_keys.get(spec_id)
        return None if render_key is None else key_of(kind, render_key, *parts)

    def get(self, kind: str, key: str | None) -> Any | None:
        return None if key is None else self.store.get(kind, key)

    def has(self, kind: str, key: str | None) -> bool:
        return key is not None and self.store.has(kind, key)

    def put(self, kind: str, key: str | None, value: Any) -> None:
        if key is not None:
            self.store.put(kind, key, value)


def _delta(before: Schema, after: Schema) -> tuple[tuple[Table, ...], tuple[str, ...]]:
    """Tables of `after` that are not (the same object) in `before`, and names it dropped."""
    before_ids = set(map(id, before.tables))
    changed = tuple(t for t in after.tables if id(t) not in before_ids)
    removed = tuple(sorted(set(map(_NAME, before.tables)) - set(map(_NAME, after.tables))))
    return changed, removed


def _apply(before: Schema, changed: tuple[Table, ...], removed: tuple[str, ...]) -> Schema:
    """`before` with `changed` tables put in place (by name) and `removed` dropped."""
    tables = list(before.tables)
    for table in changed:
        i = bisect.bisect_left(tables, table.name, key=_NAME)
        if i < len(tables) and tables[i].name == table.name:
            tables[i] = table
        else:
            tables.insert(i, table)
    if removed:
        gone = set(removed)
        tables = [t for t in tables if t.name not in gone]
    return Schema(tuple(tables))
