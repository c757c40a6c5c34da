"""Stage 1: read a spec file into plain data plus the source span of every node.

YAML is composed with PyYAML's safe composer so every node keeps its line and
column.  We then build plain Python values ourselves, refusing what a spec
never needs and an attacker loves: anchors and aliases (billion laughs),
explicit tags (`!!python/object`), duplicate keys, huge files and deep nesting.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent, Event
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from compiler.diagnostics import Diagnostic, SpecError
from compiler.frontend.document import FORBIDDEN_CHAR as _FORBIDDEN_CHAR
from compiler.frontend.document import BOOL_WORDS, MAX_BYTES, MAX_DEPTH, Document, PathKey
from compiler.frontend.document import PLAIN_TAGS as _PLAIN_TAGS
from compiler.ir import Span

_MERGE_TAG = "tag:yaml.org,2002:merge"
_YAML_PREFIX = "tag:yaml.org,2002:"


class _Stop(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


class _SpecComposer(yaml.SafeLoader):
    """SafeLoader that refuses aliases, anchors and deep nesting while composing."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self._file = file
        self._depth = 0

    if TYPE_CHECKING:
        # types-PyYAML leaves the pure-Python Parser.peek_event unannotated.  It
        # returns None only past the end of the stream, and compose_node only
        # runs with a node's event next.
        def peek_event(self) -> Event: ...

    def _span(self, mark: Any) -> Span:
        return Span(self._file, mark.line + 1, mark.column + 1)

    # `index` is an item's position in a sequence, or its key node in a mapping.
    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
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


def _position(text: str, index: int, file: str) -> Span:
    """The 1-based line and column (in characters) of `text[index]`."""
    line = text.count("\n", 0, index) + 1
    return Span(file, line, index - (text.rfind("\n", 0, index) + 1) + 1)


_BOOL_TAG = "tag:yaml.org,2002:bool"


def bool_word_problem(text: str, span: Span) -> Diagnostic:
    """E012 for a plain scalar YAML 1.1 would read as a boolean, other than
    `true`/`false`."""
    meant = "true" if text.lower() in ("yes", "on", "y", "true") else "false"
    return Diagnostic(
        span,
        "E012",
        f"'{text}' is not a boolean in specs; write {meant}",
        hint=f"use true or false (YAML 1.1 reads '{text}' as {meant}); for the text '{text}', quote it: \"{text}\"",
    )


def _scalar(node: ScalarNode, loader: yaml.SafeLoader, doc: Document) -> Any:
    if node.tag == "tag:yaml.org,2002:timestamp":
        return node.value  # keep dates as the text the user wrote
    if node.tag == _BOOL_TAG and node.style is None and node.value not in BOOL_WORDS:
        raise _Stop(bool_word_problem(node.value, _node_span(node, doc)))
    value = loader.construct_object(node, deep=True)
    if isinstance(value, str) and (bad := _FORBIDDEN_CHAR.search(value)):
        char = bad.group()
        # Point at the character itself when it is written literally, else at the scalar.
        index = doc.text.find(char, node.start_mark.index, node.end_mark.index)
        span = _position(doc.text, index, doc.path) if index >= 0 else _node_span(node, doc)
        what = "bidirectional override" if char >= "\u202a" else "control character"
        raise _Stop(
            Diagnostic(
                span,
                "E011",
                f"text contains the {what} U+{ord(char):04X}, which specs do not allow",
                hint="remove it; it would be invisible or reorder text in the generated files",
            )
        )
    return value


def _node_span(node: Node, doc: Document) -> Span:
    return Span(doc.path, node.start_mark.line + 1, node.start_mark.column + 1)


def _show_tag(tag: str) -> str:
    """A tag as the user wrote it: `!!python/object`, not `tag:yaml.org,2002:python/object`."""
    return "!!" + tag[len(_YAML_PREFIX):] if tag.startswith(_YAML_PREFIX) else tag


def _build(
    node: Node, path: PathKey, doc: Document, loader: yaml.SafeLoader
) -> Any:
    span = _node_span(node, doc)
    doc.spans[path] = span
    if node.tag not in _PLAIN_TAGS:
        raise _Stop(
            Diagnostic(
                span,
                "E006",
                f"YAML tag {_show_tag(node.tag)!r} is not allowed in specs",
                hint="remove the tag; specs hold plain strings, numbers, lists and mappings",
            )
        )
    if isinstance(node, ScalarNode):
        return _scalar(node, loader, doc)
    if isinstance(node, SequenceNode):
        return [_build(item, path + (i,), doc, loader) for i, item in enumerate(node.value)]
    assert isinstance(node, MappingNode)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key_span = _node_span(key_node, doc)
        if key_node.tag == _MERGE_TAG:
            raise _Stop(Diagnostic(key_span, "E005", "merge keys (<<) are not allowed in specs", hint="write the keys out in full"))
        if not isinstance(key_node, ScalarNode) or key_node.tag not in _PLAIN_TAGS:
            raise _Stop(Diagnostic(key_span, "E006", "mapping keys must be plain scalars"))
        key = _scalar(key_node, loader, doc)
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
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Stop(Diagnostic(Span(file, 1, 1), "E001", "file is UTF-16, not UTF-8", hint="save the spec as UTF-8"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        # Columns count characters, like every other diagnostic.
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise _Stop(
            Diagnostic(
                Span(file, line, col),
                "E001",
                f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                hint="save the spec as UTF-8",
            )
        ) from None
    if "\x00" in text:
        raise _Stop(Diagnostic(_position(text, text.index("\x00"), file), "E001", "file contains a NUL character"))
    return text


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's problem, with the context it names (e.g. where an unclosed list began)."""
    if exc.context == "expected a single document in the stream":
        return "a spec file holds exactly one YAML document, but this one has another (---)"
    problem = exc.problem or "invalid YAML"
    mark = exc.context_mark
    if exc.context and mark is not None and mark is not exc.problem_mark:
        problem += f" ({exc.context} at line {mark.line + 1}, column {mark.column + 1})"
    return problem


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
        from compiler.frontend.yaml_fast import fast_document

        fast = fast_document(text, file)
        if fast is not None:
            return fast
        doc = Document(file, text, {})
        try:
            loader = _SpecComposer(text, file)
        except yaml.reader.ReaderError as exc:
            # PyYAML refuses other control characters before parsing anything.
            raise _Stop(
                Diagnostic(
                    _position(text, exc.position, file),
                    "E001",
                    f"file contains the control character U+{exc.character:04X}, which YAML does not allow",
                )
            ) from None
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
            raise _Stop(Diagnostic(span, "E003", f"invalid YAML: {_yaml_problem(exc)}")) from None
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
        with open(path, "rb") as fh:
            # Never more than the limit, even if the file grows after stat().
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SpecError([Diagnostic(Span(file), "E001", f"cannot read file: {exc.strerror}")]) from None
    return parse_text(raw, file)
