"""The lint gate, spec by spec, so a compile after a small change re-checks
only what changed.

- Migration rules read one spec's postgres up migration and its IR (the
  schema it runs on, its operations and approvals), so their findings are
  cached per spec under the spec's render key, which covers all of that, and
  the output folder's display name, which every finding's `where` names.
- API rules compare the committed `_project/openapi.yaml` with the new one.
  A document's surface is cached under the hash of its text, and the new
  document's surface is the union of the specs' own documents
  (`<spec-id>/openapi.yaml` holds exactly the spec's operations and the
  schemas they refer to, and operation keys are unique across specs), each
  cached under the spec's render key.  So after one spec changed, one small
  document is parsed instead of two big ones.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from collections.abc import Callable, Mapping

import yaml

from compiler.build.cache import key_of
from compiler.ir import Project, Spec
from compiler.safety.lint.api_surface import OperationSurface, PlainSurface, from_plain, surface, to_plain
from compiler.safety.lint.context import MigrationContext
from compiler.safety.lint.finding import Finding
from compiler.safety.lint.rules import RULES

if TYPE_CHECKING:
    from compiler.build.incremental import CompileCache

OPENAPI = PurePosixPath("_project/openapi.yaml")
UP_SQL = PurePosixPath("migrations/postgres/up.sql")

# Text whose YAML libyaml and PyYAML read alike: no control characters, line
# separators, byte order marks or astral-plane characters (see targets.openapi).
_PLAIN_YAML = re.compile("[\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*\\Z")

Surfaces = dict[str, OperationSurface]


def load_yaml(text: str) -> Any:
    """`yaml.safe_load`, with libyaml's parser (6x faster) when the text is
    plain: a 1,000-spec OpenAPI document takes 40 s in pure Python."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None and _PLAIN_YAML.match(text):
        return yaml.load(text, Loader=loader)
    return yaml.safe_load(text)


# -- migration rules -------------------------------------------------------------


def check_migration(spec: Spec, file: str, sql: str) -> list[Finding]:
    """Every migration rule's findings on one spec's up migration."""
    ctx = MigrationContext.for_spec(spec, file, sql)
    return [f for rule in RULES if rule.scope == "migration" for f in rule.check(ctx)]


def migration_findings(project: Project, tree: Mapping[PurePosixPath, str], out_display: str, cache: CompileCache | None = None) -> list[Finding]:
    """The migration rules' findings over every spec, in project order."""
    findings: list[Finding] = []
    for spec in project.specs:
        path = PurePosixPath(spec.id) / UP_SQL
        if path not in tree:
            continue
        render_key = cache.render_keys.get(spec.id) if cache is not None else None
        key = key_of("lint-sql", render_key, out_display) if render_key else None
        cached = cache.get("lint", key) if cache is not None else None
        if isinstance(cached, tuple):
            findings.extend(Finding(*f) for f in cached)
            continue
        found = check_migration(spec, f"{out_display}/{path}", tree[path])
        if cache is not None:
            cache.put("lint", key, tuple((f.span, f.rule, f.target, f.message, f.spec_id, f.where) for f in found))
        findings.extend(found)
    return findings


# -- API rules ------------------------------------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _union_of_specs(project: Project, tree: Mapping[PurePosixPath, str], cache: CompileCache) -> PlainSurface | None:
    """The project document's surface from the specs' own documents, or None
    when the tree is not laid out that way (a target missing or replaced)."""
    out: PlainSurface = {}
    for spec in project.specs:
        path = PurePosixPath(spec.id, "openapi.yaml")
        if (path in tree) != bool(spec.endpoints or spec.resources):
            return None
        if path not in tree:
            continue
        render_key = cache.render_keys.get(spec.id)
        key = key_of("lint-api", render_key) if render_key else None
        plain = cache.get("lint", key)
        if not isinstance(plain, dict):
            plain = to_plain(surface(load_yaml(tree[path])))
            cache.put("lint", key, plain)
        if any(k in out for k in plain):
            return None
        out.update(plain)
    return out


def _plain_of(text: str, cache: CompileCache, compute: Callable[[], PlainSurface]) -> PlainSurface:
    """The surface of the document `text`, from the cache or `compute()`."""
    key = key_of("api-surface", cache.fp, _digest(text))
    plain = cache.get("api", key)
    if isinstance(plain, dict):
        return plain
    found = compute()
    cache.put("api", key, found)
    return found


def _changed(old: PlainSurface, new: PlainSurface) -> tuple[Surfaces, Surfaces]:
    """The operations whose surface differs (or that are gone), before and
    after: the only ones an API rule can flag, and the only ones converted."""
    keys = [k for k, op in old.items() if new.get(k) != op]
    try:
        return from_plain({k: old[k] for k in keys}), from_plain({k: new[k] for k in keys if k in new})
    except (TypeError, ValueError) as err:  # a cache entry of another shape: a compiler bug
        raise AssertionError(f"lint: unreadable cached API surface: {err}") from err


def api_surfaces(
    project: Project, tree: Mapping[PurePosixPath, str], previous: str | None, cache: CompileCache | None = None
) -> tuple[Surfaces, Surfaces] | None:
    """(committed, new) surfaces for the API rules, or None when there is
    nothing to compare.

    With a cache, only operations whose surface changed are compared (equal
    documents not at all): every API rule flags only a difference between
    an operation's two surfaces, or its absence.  The new document's
    surface is cached even when nothing is compared (and on a first compile,
    with nothing committed), so that the next compile finds the committed
    one cached.
    """
    if OPENAPI not in tree:
        return None
    text = tree[OPENAPI]
    if cache is None:
        if previous is None:
            return None
        new = surface(load_yaml(text))
        return (new if previous == text else surface(load_yaml(previous))), new

    def compute_new() -> PlainSurface:
        union = _union_of_specs(project, tree, cache)
        return union if union is not None else to_plain(surface(load_yaml(text)))

    if previous == text:
        if not cache.has("api", key_of("api-surface", cache.fp, _digest(text))):
            _plain_of(text, cache, compute_new)
        return None
    new_plain = _plain_of(text, cache, compute_new)
    if previous is None:
        return None
    return _changed(_plain_of(previous, cache, lambda: to_plain(surface(load_yaml(previous)))), new_plain)
