"""Checks that generated artifacts still parse and mean the same, whatever text a spec holds.

The hostile-text property tests compile one spec twice in spirit: once with
benign *markers* (the baseline, compiled once) and once with hostile text in
the same places.  Every artifact must then

- parse in its own language (Python: `compile()`, and `ruff format --check`
  passes, as for every generated module; SQL: sqlglot in
  its dialect, and sqlite really runs it; JSON/YAML: their parsers; Markdown:
  a CommonMark parser);
- have the same *shape* as the baseline once string values are blanked out, so
  no text became code, SQL, a key, a new Markdown block, a link or HTML;
- carry each accepted value exactly where the baseline carried its marker
  (as a Python string constant, an SQL literal, a JSON/YAML string, or in the
  text a Markdown reader sees).
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import json
import re
from collections import Counter
from functools import lru_cache
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath
from collections.abc import Iterable, Mapping
from typing import Any

import sqlglot

from compiler import pypackage
import yaml
from markdown_it import MarkdownIt
from sqlglot import exp

from compiler.ir import Project, Schema

Tree = dict[PurePosixPath, str]

_MD = MarkdownIt("commonmark").enable("table")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DIALECT_OF = {"postgres": "postgres", "sqlite": "sqlite", "mysql": "mysql"}


# --- ruff format --check, memoized ---------------------------------------------------------


class FormatMemo:
    """`ruff format --check` over the Python modules of a tree, one ruff
    process per tree, remembering texts already found formatted (ruff is
    deterministic, so only speed changes)."""

    def __init__(self) -> None:
        self.formatted: set[str] = set()

    def check_tree(self, tree: Tree) -> None:
        from compiler.ruff_format import check_python

        todo = sorted({t for p, t in tree.items() if p.suffix == ".py" and t not in self.formatted})
        if len(self.formatted) > 4000:
            self.formatted.clear()
        problems = check_python(todo)
        bad = {text: problem for text, problem in zip(todo, problems, strict=True) if problem}
        for path, text in tree.items():
            assert text not in bad, f"{path}: {bad.get(text)}"
        self.formatted.update(todo)


# --- identifiers the IR allows in SQL ---------------------------------------------------------


# Identifiers the SQL target writes itself, never from a spec: postgres
# session settings of the migration preamble.
# Names specc itself writes: postgres session settings, and the collation of
# MySQL text columns (sqlglot parses `COLLATE utf8mb4_bin` as a column name).
COMPILER_IDENTIFIERS = frozenset({"lock_timeout", "statement_timeout", "utf8mb4_bin"})


def ir_identifiers(project: Project) -> set[str]:
    """Every table, column, index and constraint name of every schema of the project."""
    schemas: list[Schema] = [project.base]
    for spec in project.specs:
        schemas += [spec.schema_before, spec.schema_after]
    names: set[str] = set()
    for schema in schemas:
        for table in schema.tables:
            names.add(table.name)
            names.update(c.name for c in table.columns)
            names.update(i.name for i in table.indexes)
            names.update(c.name for c in table.checks)
            names.update(f.name for f in table.foreign_keys)
    return names


# --- per-format parsing into (shape, strings) ---------------------------------------------------


@dataclass
class Parsed:
    """An artifact reduced to its shape (values blanked) and the strings it carries."""

    shape: Any
    strings: list[str] = field(default_factory=list)  # exact string values (constants, literals, JSON/YAML strings and keys)
    text: str = ""  # what a reader sees (Markdown), whitespace-normalized
    identifiers: set[str] = field(default_factory=set)  # SQL only
    html: list[str] = field(default_factory=list)  # Markdown only: raw HTML
    links: list[str] = field(default_factory=list)  # Markdown only: link and image targets


_ASCII_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _py_shape(node: Any, strings: list[str], path: str) -> Any:
    """A module's shape as nested tuples, string constants blanked (and
    collected into `strings`).  One pass over the tree that yields a hashable
    value, where `ast.NodeTransformer` plus `ast.dump` took two (and a dump per
    literal element): the hostile-text properties build thousands of these."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            strings.append(node.value)
            return ("Constant", "")
        return ("Constant", repr(node.value))
    if isinstance(node, list):
        return tuple(_py_shape(n, strings, path) for n in node)
    if not isinstance(node, ast.AST):
        return node  # identifiers, operators' absent fields, ints of ImportFrom.level
    kind = type(node).__name__
    fields: list[Any] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if name == "name" and isinstance(node, ast.FunctionDef):
            # Generated test names may be derived from values (sanitized); they
            # must stay plain ASCII identifiers (no NFKC look-alike collisions).
            assert _ASCII_NAME.match(node.name), f"{path}: function name {node.name!r} is not a plain ASCII identifier"
            fields.append("_")
        elif name == "elts" and isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            # Literal collections (test-case tables, value tuples) may grow or
            # shrink with the values; what they may not do is hold a new kind
            # of element.  Keep one element of each shape, in a stable order.
            distinct = {repr(shape): shape for shape in (_py_shape(e, strings, path) for e in value)}
            fields.append(tuple(distinct[k] for k in sorted(distinct)))
        else:
            fields.append(_py_shape(value, strings, path))
    return (kind, tuple(fields))


@lru_cache(maxsize=2048)
def code_of(text: str, path: str) -> types.CodeType:
    """The module's code object, compiled once per text: the syntax check and
    the import of the same generated module (`TreeFinder`) share it, and most
    generated modules come out identical from one hypothesis example to the
    next."""
    return compile(text, path, "exec")


def compiles(text: str, path: str) -> None:
    """`compile()` raises on a syntax error."""
    code_of(text, path)


def parse_python(path: str, text: str, memo: FormatMemo) -> Parsed:
    compiles(text, path)
    memo.check_tree({PurePosixPath(path): text})  # already checked with its tree: a set look-up
    strings: list[str] = []
    return Parsed(_py_shape(ast.parse(text), strings, path), strings)


def _sqlglot_dialect(name: str) -> Any:
    """The dialect the SQL target itself re-parses with (its postgres knows
    `VALIDATE CONSTRAINT`); stock sqlglot before that target exists."""
    try:
        from targets.sql.self_check import SQLGLOT_DIALECT
    except ImportError:
        return name
    return SQLGLOT_DIALECT.get(name, name)


def parse_sql(path: str, text: str, allowed_identifiers: set[str]) -> Parsed:
    parts = PurePosixPath(path).parts
    dialect = _sqlglot_dialect(next((_DIALECT_OF[p] for p in parts if p in _DIALECT_OF), "postgres"))
    statements = [s for s in sqlglot.parse(text, read=dialect, error_level=sqlglot.ErrorLevel.RAISE) if s is not None]
    strings: list[str] = []
    shapes: list[str] = []
    identifiers: set[str] = set()
    for statement in statements:
        assert not isinstance(statement, exp.Command), f"{path}: opaque statement {statement.sql(dialect)[:80]!r}"
        for node in statement.walk():
            assert not isinstance(node, exp.Command), f"{path}: opaque command inside {statement.sql(dialect)[:80]!r}"
            if isinstance(node, exp.Identifier):
                identifiers.add(node.name)
            if isinstance(node, exp.Literal) and node.is_string:
                strings.append(node.this)

        def blank(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Literal) and node.is_string:
                return exp.Literal.string("")
            if isinstance(node, exp.DataTypeParam):
                # VARCHAR(n) of an enum column is sized to its longest value.
                return exp.DataTypeParam(this=exp.Literal.number(0))
            return node

        shape = statement.transform(blank)
        for node in shape.walk():
            node.comments = None
        shapes.append(shape.sql(dialect))
    stray = identifiers - allowed_identifiers
    assert not stray, f"{path}: identifiers that are not from the IR: {sorted(stray)}"
    return Parsed(shapes, strings, identifiers=identifiers)


def _blank_data(value: Any, strings: list[str], keys: set[str]) -> Any:
    """JSON/YAML data with strings blanked; keys that are spec values become `<key>`."""
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            if isinstance(k, str):
                strings.append(k)
            key = "<key>" if k in keys else k
            items.append((str(key), _blank_data(v, strings, keys)))
        return ("map", sorted(items, key=repr))
    if isinstance(value, list):
        # Lists may change length with the values (e.g. examples); not shape.
        shapes: dict[str, Any] = {}
        for v in value:
            shape = _blank_data(v, strings, keys)
            shapes.setdefault(repr(shape), shape)
        return ("list", [shapes[k] for k in sorted(shapes)])
    if isinstance(value, str):
        strings.append(value)
        return ""
    return value


def parse_json(path: str, text: str, keys: set[str]) -> Parsed:
    strings: list[str] = []
    return Parsed(_blank_data(json.loads(text), strings, keys), strings)


def parse_yaml(path: str, text: str, keys: set[str]) -> Parsed:
    strings: list[str] = []
    # libyaml's parser (PyYAML's C loader): the same YAML 1.1 safe schema as
    # `yaml.safe_load`, and about ten times faster on the OpenAPI documents.
    return Parsed(_blank_data(yaml.load(text, Loader=_YAML_LOADER), strings, keys), strings)


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _md_shape(tokens: Iterable[Any], out: list[tuple[Any, ...]], raw_html: list[str], links: list[str]) -> None:
    for t in tokens:
        if t.type in ("html_block", "html_inline"):
            raw_html.append(t.content)
        if t.type == "link_open":
            links.append(str(t.attrGet("href")))
        if t.type == "image":
            links.append(str(t.attrGet("src")))
        # Text and code content are the values; everything else is structure.
        info = t.info if t.type == "fence" else ""
        # A fence may grow longer than any backtick run in its content; that
        # is correct escaping, so only its kind (` or ~) is structure.
        out.append((t.type, t.tag, t.nesting, t.markup[:1] if t.type == "fence" else "", info))
        if t.children:
            _md_shape(t.children, out, raw_html, links)


def normalize_ws(text: str) -> str:
    return " ".join(text.split())


def parse_markdown(path: str, text: str) -> Parsed:
    tokens = _MD.parse(text)
    shape: list[tuple[Any, ...]] = []
    raw_html: list[str] = []
    links: list[str] = []
    _md_shape(tokens, shape, raw_html, links)
    return Parsed(shape, text=_reader_text(_MD.renderer.render(tokens, _MD.options, {})), html=raw_html, links=links)


def parse_artifact(path: PurePosixPath, text: str, *, memo: FormatMemo, identifiers: set[str], keys: set[str]) -> Parsed | None:
    """Parse one artifact by its extension (None for formats we do not know)."""
    name = path.as_posix()
    if path.suffix == ".py":
        return parse_python(name, text, memo)
    if path.suffix == ".sql":
        return parse_sql(name, text, identifiers)
    if path.suffix == ".json":
        return parse_json(name, text, keys)
    if path.suffix in (".yaml", ".yml"):
        return parse_yaml(name, text, keys)
    if path.suffix == ".md":
        return parse_markdown(name, text)
    return None


class TreeFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the generated package from an in-memory tree (path -> text),
    as `specc compile` would write it: `specc_app.x.y` is `specc_app/x/y.py`
    or the package `specc_app/x/y/` (with or without `__init__.py`)."""

    def __init__(self, tree: Mapping[PurePosixPath, str]) -> None:
        self.tree = tree
        self.folders = {parent for path in tree for parent in path.parents}

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        parts = fullname.split(".")
        if parts[0] != pypackage.PACKAGE:
            return None
        folder = PurePosixPath(*parts)
        if folder in self.folders:
            spec = importlib.machinery.ModuleSpec(fullname, self, is_package=True)
            spec.submodule_search_locations = []
            return spec
        if folder.with_suffix(".py") in self.tree:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        folder = PurePosixPath(*module.__name__.split("."))
        path = folder / "__init__.py" if module.__spec__ and module.__spec__.submodule_search_locations is not None else folder.with_suffix(".py")
        source = self.tree.get(path, "")
        exec(code_of(source, path.as_posix()), module.__dict__)


def load_module(tree: Mapping[PurePosixPath, str], path: PurePosixPath) -> Any:
    """Import the generated module at `path` of an in-memory tree by its
    dotted name, with normal imports among the tree's modules."""
    finder = TreeFinder(tree)
    with pypackage.isolated():
        sys.meta_path.insert(0, finder)
        try:
            return importlib.import_module(".".join(path.with_suffix("").parts))
        finally:
            sys.meta_path.remove(finder)


def parse_tree(tree: Tree, project: Project, memo: FormatMemo, keys: set[str], extra_identifiers: set[str] = frozenset()) -> dict[PurePosixPath, Parsed]:  # type: ignore[assignment]
    allowed = frozenset(ir_identifiers(project) | COMPILER_IDENTIFIERS | set(extra_identifiers))
    for path, text in tree.items():
        if path.suffix == ".py":
            compiles(text, path.as_posix())  # a syntax error reads better than ruff's report
    memo.check_tree(tree)  # every module of the tree in one ruff process
    out: dict[PurePosixPath, Parsed] = {}
    for path, text in tree.items():
        parsed = _parse_memoized(path, text, memo=memo, identifiers=allowed, keys=keys)
        if parsed is not None:
            out[path] = parsed
    return out


# Parses of texts already seen, for the formats whose parse depends only on the
# text (and, for SQL, its dialect folder and the allowed identifiers).  Most
# examples of a property change only some artifacts; the others come out
# byte-identical to an earlier example's and need no second parse.  The
# comparison with the baseline still runs on every artifact.
_PARSED: dict[tuple[Any, ...], Parsed | None] = {}


def _parse_memoized(path: PurePosixPath, text: str, *, memo: FormatMemo, identifiers: frozenset[str], keys: set[str]) -> Parsed | None:
    if path.suffix not in (".py", ".md", ".sql"):
        return parse_artifact(path, text, memo=memo, identifiers=set(identifiers), keys=keys)
    key = (path.parent.as_posix(), path.suffix, text, identifiers if path.suffix == ".sql" else None)
    if key not in _PARSED:
        if len(_PARSED) > 2000:
            _PARSED.clear()
        _PARSED[key] = parse_artifact(path, text, memo=memo, identifiers=set(identifiers), keys=keys)
    return _PARSED[key]


# --- comparing with the baseline ---------------------------------------------------------------


def quoted_forms(value: str) -> set[str]:
    """How a value legitimately looks inside code that a document quotes:
    itself, an SQL string body ('' doubled; MySQL also doubles backslashes),
    a Python repr, a JSON string body (ASCII-escaped or not), and any of
    those inside a single-quoted shell argument (a curl example)."""
    sql = value.replace("'", "''")
    forms = {value, sql, sql.replace("\\", "\\\\"), repr(value)}
    forms |= {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    forms |= {f.replace("'", "'\"'\"'") for f in forms}
    return forms


def reader_sees(text: str, value: str) -> bool:
    """A Markdown reader sees `value` in `text` (the rendered, whitespace-normalized text)."""
    return any(normalize_ws(form) in text for form in quoted_forms(value) if normalize_ws(form))


def _carries(parsed: Parsed, path: PurePosixPath, value: str, *, exact: bool) -> bool:
    if path.suffix == ".md":
        return reader_sees(parsed.text, value)
    if exact:
        return value in parsed.strings
    return any(value in s for s in parsed.strings)


def _as_text(marker: str, text: str) -> bool:
    """`marker` occurs in `text` as text of its own, not as part of a longer
    name such as a generated test function (`test_x_defaults_to_<marker>`),
    where a target legitimately carries a sanitized form instead."""
    return _standalone(marker).search(text) is not None


@lru_cache(maxsize=4096)
def _standalone(marker: str) -> re.Pattern[str]:
    # Compiled once per marker: re's own cache (512 patterns) thrashes at the
    # hundreds of thousands of calls a hostile-text run makes.
    return re.compile(rf"(?<![A-Za-z0-9_]){re.escape(marker)}(?![A-Za-z0-9_])")


def structural_keys(baseline: dict[PurePosixPath, Parsed], markers: Iterable[str]) -> set[str]:
    """Every JSON/YAML key of the baseline that is not a marker."""
    out: set[str] = set()

    def walk(shape: Any) -> None:
        if isinstance(shape, tuple) and shape and shape[0] == "map":
            for key, sub in shape[1]:
                out.add(key)
                walk(sub)
        elif isinstance(shape, tuple) and shape and shape[0] == "list":
            for sub in shape[1]:
                walk(sub)

    for path, parsed in baseline.items():
        if path.suffix in (".json", ".yaml", ".yml"):
            walk(parsed.shape)
    return out - set(markers) - {"<key>"}


def compare_with_baseline(
    hostile: dict[PurePosixPath, Parsed],
    baseline: dict[PurePosixPath, Parsed],
    values: dict[str, str],
) -> None:
    """`values` maps each baseline marker to the (IR) value that replaced it."""
    assert set(hostile) == set(baseline), f"different files: {sorted(set(hostile) ^ set(baseline))}"
    # A value that happens to equal a structural key (`errors`, `type`) makes
    # a value-keyed mapping indistinguishable from structure: skip only that
    # comparison for JSON/YAML (parsing and round trips are still checked).
    ambiguous = bool(set(values.values()) & structural_keys(baseline, values))
    for path in sorted(baseline):
        want, got = baseline[path], hostile[path]
        if not (ambiguous and path.suffix in (".json", ".yaml", ".yml")):
            assert got.shape == want.shape, f"{path}: the structure changed with the text (injection or broken escaping)"
        if path.suffix == ".md":
            assert Counter(got.html) == Counter(want.html), f"{path}: raw HTML appeared: {sorted(set(got.html) - set(want.html))}"
            assert set(got.links) <= set(want.links), f"{path}: new link targets: {sorted(set(got.links) - set(want.links))}"
        for marker, value in values.items():
            if path.suffix == ".md":
                if _as_text(marker, want.text):
                    assert reader_sees(got.text, value), f"{path}: a reader no longer sees {value!r}"
                continue
            if path.suffix == ".sql":
                # SQL carries spec text only in literals (comments are free text, checked for shape only).
                pass
            if marker in want.strings:
                assert value in got.strings, f"{path}: {value!r} is not carried exactly (the baseline had {marker!r} as a whole value)"
            elif any(_as_text(marker, s) for s in want.strings) and value:
                assert _carries(got, path, value, exact=False) or _carries_escaped(
                    got, value
                ), f"{path}: {value!r} is lost (the baseline had {marker!r} inside a value)"


@lru_cache(maxsize=8192)
def markdown_text(text: str) -> str:
    """What a reader sees when `text` is rendered as Markdown, whitespace-normalized.
    Memoized (a pure function of `text`): each example re-renders mostly the
    same PR bodies and plans, and rendering to HTML was a third of its checks."""
    return _reader_text(_MD.render(text))


def _reader_text(html: str) -> str:
    """The text of rendered HTML, whitespace-normalized.  (`parse_markdown`
    renders the tokens it already has: parsing twice was half the cost.)"""
    reader = _TextOnly()  # converts character references once, as a browser does
    reader.feed(html)
    reader.close()
    return normalize_ws("".join(reader.parts))


def _carries_escaped(parsed: Parsed, value: str) -> bool:
    """A value embedded in a larger string may be quoted there (repr/JSON),
    whitespace-normalized, or escaped as Markdown (a PR body inside JSON)."""
    candidates = quoted_forms(value) | {normalize_ws(value)}
    if any(c in s for s in parsed.strings for c in candidates if c):
        return True
    return any(reader_sees(markdown_text(s), value) for s in parsed.strings if "\n" in s or len(s) > 80)


def strip_header_comment(text: str) -> str:
    return re.sub(r"^(#|--) Code generated by specc\. DO NOT EDIT\.\n", "", text)
