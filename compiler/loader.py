"""Stage 1: read a spec file into plain data plus the source span of every node.

YAML is composed with PyYAML's safe composer so every node keeps its line and
column.  We then build plain Python values ourselves, refusing what a spec
never needs and an attacker loves: anchors and aliases (billion laughs),
explicit tags (`!!python/object`), duplicate keys, huge files and deep nesting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from compiler.diagnostics import Diagnostic, SpecError
from compiler.ir import Span

MAX_BYTES = 1024 * 1024  # a spec is a few KiB; 1 MiB is generous
MAX_DEPTH = 32

PathKey = tuple[str | int, ...]

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}


@dataclass
class Document:
    """A loaded spec: its data, and where each value and key came from."""

    path: str
    text: str
    data: dict[str, Any]
    spans: dict[PathKey, Span] = field(default_factory=dict)
    key_spans: dict[PathKey, Span] = field(default_factory=dict)

    def span(self, path: PathKey) -> Span:
        """The span of the value at `path`, or of its nearest located ancestor."""
        path = tuple(path)
        while path:
            if path in self.spans:
                return self.spans[path]
            path = path[:-1]
        return self.spans.get((), Span(self.path, 1, 1))

    def key_span(self, path: PathKey) -> Span:
        """The span of the mapping key that names `path` (falls back to the value)."""
        return self.key_spans.get(tuple(path)) or self.span(path)


class _Stop(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


class _SpecComposer(yaml.SafeLoader):
    """SafeLoader that refuses aliases, anchors and deep nesting while composing."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self._file = file
        self._depth = 0

    def _span(self, mark: Any) -> Span:
        return Span(self._file, mark.line + 1, mark.column + 1)

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            raise _Stop(
                Diagnostic(
                    self._span(event.start_mark),
                    "E005",
                    "aliases (*name) are not allowed in specs",
                    hint="write the value out in full",
                )
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Stop(
                Diagnostic(
                    self._span(event.start_mark),
                    "E005",
                    f"anchors (&{anchor}) are not allowed in specs",
                    hint="write the value out in full",
                )
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Stop(
                Diagnostic(
                    self._span(event.start_mark),
                    "E007",
                    f"nesting is deeper than {MAX_DEPTH} levels",
                )
            )
        try:
            return Composer.compose_node(self, parent, index)
        finally:
            self._depth -= 1


def _scalar(node: ScalarNode, loader: yaml.SafeLoader) -> Any:
    if node.tag == "tag:yaml.org,2002:timestamp":
        return node.value  # keep dates as the text the user wrote
    return loader.construct_object(node, deep=True)


def _build(
    node: Node, path: PathKey, doc: Document, loader: yaml.SafeLoader
) -> Any:
    span = Span(doc.path, node.start_mark.line + 1, node.start_mark.column + 1)
    doc.spans[path] = span
    if node.tag not in _PLAIN_TAGS:
        raise _Stop(
            Diagnostic(
                span,
                "E006",
                f"YAML tag {node.tag!r} is not allowed in specs",
                hint="remove the tag; specs hold plain strings, numbers, lists and mappings",
            )
        )
    if isinstance(node, ScalarNode):
        return _scalar(node, loader)
    if isinstance(node, SequenceNode):
        return [_build(item, path + (i,), doc, loader) for i, item in enumerate(node.value)]
    assert isinstance(node, MappingNode)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key_span = Span(doc.path, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        if not isinstance(key_node, ScalarNode) or key_node.tag not in _PLAIN_TAGS:
            raise _Stop(Diagnostic(key_span, "E006", "mapping keys must be plain scalars"))
        key = _scalar(key_node, loader)
        if not isinstance(key, str):
            key = str(key) if key is not None else "null"
        if key in result:
            first = doc.key_spans[path + (key,)]
            raise _Stop(
                Diagnostic(
                    key_span,
                    "E004",
                    f"duplicate key {key!r} (first defined at line {first.line})",
                )
            )
        doc.key_spans[path + (key,)] = key_span
        result[key] = _build(value_node, path + (key,), doc, loader)
    return result


def _decode(raw: bytes, file: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 byte-order mark is accepted and ignored
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise _Stop(
            Diagnostic(
                Span(file, line, col),
                "E001",
                f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                hint="save the spec as UTF-8",
            )
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise _Stop(Diagnostic(Span(file, line, 1), "E001", "file contains a NUL character"))
    return text


def parse_text(raw: bytes, file: str) -> Document:
    """Parse spec bytes; raise SpecError with a located diagnostic on failure."""
    try:
        if len(raw) > MAX_BYTES:
            raise _Stop(
                Diagnostic(
                    Span(file, 1, 1),
                    "E002",
                    f"file is {len(raw)} bytes; specs are limited to {MAX_BYTES} bytes",
                )
            )
        text = _decode(raw, file)
        from compiler.yaml_fast import fast_document

        fast = fast_document(text, file)
        if fast is not None:
            return fast
        doc = Document(file, text, {})
        loader = _SpecComposer(text, file)
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            span = Span(file, mark.line + 1, mark.column + 1) if mark else Span(file, 1, 1)
            problem = exc.problem or "invalid YAML"
            if "'\\t'" in problem:
                raise _Stop(
                    Diagnostic(span, "E010", "tab character used for indentation", hint="indent with spaces")
                ) from None
            raise _Stop(Diagnostic(span, "E003", f"invalid YAML: {problem}")) from None
        except yaml.YAMLError as exc:
            raise _Stop(Diagnostic(Span(file, 1, 1), "E003", f"invalid YAML: {exc}")) from None
        finally:
            loader.dispose()
        if node is None:
            raise _Stop(Diagnostic(Span(file, 1, 1), "E008", "spec file is empty"))
        data = _build(node, (), doc, loader)
        if not isinstance(data, dict):
            kind = "a list" if isinstance(data, list) else "a scalar"
            raise _Stop(
                Diagnostic(doc.span(()), "E009", f"a spec must be a mapping at the top level, not {kind}")
            )
        doc.data = data
        return doc
    except _Stop as stop:
        raise SpecError([stop.diagnostic]) from None
    except RecursionError:
        raise SpecError(
            [Diagnostic(Span(file, 1, 1), "E007", "nesting is too deep")]
        ) from None


def load_file(path: Path, display: str | None = None) -> Document:
    """Read and parse one spec file, refusing oversized files before reading them whole."""
    file = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SpecError(
                [
                    Diagnostic(
                        Span(file, 1, 1),
                        "E002",
                        f"file is {size} bytes; specs are limited to {MAX_BYTES} bytes",
                    )
                ]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError([Diagnostic(Span(file), "E001", f"cannot read file: {exc.strerror}")]) from None
    return parse_text(raw, file)
