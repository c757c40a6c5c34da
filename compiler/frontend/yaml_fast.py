"""A fast path for `compiler.frontend.loader`: data and spans straight from libyaml's events.

The careful loader composes a node tree with PyYAML's pure-Python scanner,
parser and composer, then walks it; for a thousand specs that is most of a
compile.  Here libyaml (the C extension PyYAML ships) scans and parses, and one
loop turns its event stream into the same `Document` (data, value spans, key
spans) without building nodes.

The fast path only ever answers for documents the careful path accepts.  At
the first thing that would be a diagnostic there (anchor, alias, explicit tag,
duplicate key, non-scalar key, deep nesting, several documents, a character
PyYAML rejects, any libyaml error) it gives up and returns None, and the
careful path runs and reports exactly what it always reported.  A test checks
that both paths build identical documents.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import yaml
from yaml.events import (
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import Reader

from compiler.frontend.document import FORBIDDEN_CHAR as _FORBIDDEN
from compiler.frontend.document import BOOL_WORDS, MAX_DEPTH, Document, PathKey
from compiler.frontend.document import PLAIN_TAGS as _PLAIN_TAGS
from compiler.ir import Span

# Characters the careful loader refuses inside values (E011).

try:
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _LIBYAML = False
else:
    _LIBYAML = True

# Where a YAML token can start: at a line's start after indentation, after a
# value or entry indicator and a blank (`: `, `- `), or after a flow indicator
# (`,`, `[`, `{`).  A `?`
# or a block scalar header anywhere else is text (inside a scalar), which both
# parsers read alike; only these positions are left to the careful path.  They
# over-match (the same characters inside a quoted scalar), which costs only the
# fast path, never a wrong answer.
_TOKEN_START = r"(?:^[ \t]*|[:\-][ \t]+|[,\[{][ \t]*)"
_COMPLEX_KEY = re.compile(_TOKEN_START + r"\?(?:\s|$)", re.MULTILINE)
_ODD_BLOCK_HEADER = re.compile(_TOKEN_START + r"[|>][0-9+-]*[^0-9+\s-]", re.MULTILINE)
_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class _GiveUp(Exception):
    """The careful path must handle this document."""


class _Tools(yaml.SafeLoader):
    """PyYAML's own resolver and safe constructor, for exact scalar semantics."""

    def __init__(self) -> None:
        super().__init__("")

    if TYPE_CHECKING:
        # types-PyYAML leaves BaseResolver.resolve unannotated.
        def resolve(self, kind: type[Node], value: str | None, implicit: tuple[bool, bool] | bool) -> str: ...


_tools: _Tools | None = None


def _get_tools() -> _Tools:
    global _tools
    if _tools is None:
        _tools = _Tools()
    return _tools


def _scalar(event: ScalarEvent, tools: _Tools) -> Any:
    value = event.value
    tag = event.tag
    if tag is None:
        if not event.implicit[0]:
            return value  # quoted or block scalar: always a string
        if not value:
            raise _GiveUp  # an empty plain scalar: its span differs between the parsers
        if value[0] not in tools.yaml_implicit_resolvers:
            return value  # no implicit type starts with this character
    if tag is None or tag == "!":
        tag = tools.resolve(ScalarNode, event.value, event.implicit)
    if tag not in _PLAIN_TAGS:
        raise _GiveUp
    if tag == _BOOL and value not in BOOL_WORDS:
        raise _GiveUp  # `yes`, `On`, `FALSE`: the careful path reports E012
    if tag in (_STR, _TIMESTAMP):
        return event.value  # the careful path keeps dates as written, too
    # No marks: they only feed the constructor's error messages, and on an
    # error the careful path runs and reports it.
    node = ScalarNode(tag, event.value, None, None)
    value = tools.construct_object(node, deep=True)
    tools.constructed_objects.clear()
    return value


def _collection_tag(event: CollectionStartEvent, kind: type[Node], tools: _Tools) -> None:
    tag = event.tag
    if tag is None or tag == "!":
        tag = tools.resolve(kind, None, event.implicit)
    if tag not in (_MAP, _SEQ):
        raise _GiveUp


def fast_document(text: str, file: str) -> Document | None:
    """The `Document` for `text`, or None when the careful path must decide."""
    # libyaml and PyYAML disagree on what is printable, on where a byte order
    # mark inside the text sits and on tabs; leave those texts to the careful path.
    if not _LIBYAML or "\t" in text or "\ufeff" in text or Reader.NON_PRINTABLE.search(text):
        return None
    if _COMPLEX_KEY.search(text):
        return None  # `? key` indicators: the two parsers place them differently
    if _ODD_BLOCK_HEADER.search(text):
        return None  # e.g. `>#`: PyYAML refuses a block scalar header libyaml accepts
    if _FORBIDDEN.search(text) or ("\\" in text and _escapes_forbidden(text)):
        return None  # the careful path reports it (E011)
    try:
        return _build(text, file)
    except (_GiveUp, yaml.YAMLError, RecursionError, ValueError, TypeError):
        return None


def _escapes_forbidden(text: str) -> bool:
    """Whether a double-quoted escape could produce a character the careful
    loader refuses (decided by parsing: escapes are rare in specs)."""
    if '"' not in text:
        return False
    try:
        parser = CParser(text)
        try:
            while True:
                event = parser.get_event()
                if event is None or isinstance(event, StreamEndEvent):
                    return False
                if isinstance(event, ScalarEvent) and event.style == '"' and _FORBIDDEN.search(event.value):
                    return True
        finally:
            parser.dispose()
    except yaml.YAMLError:
        return True


def _build(text: str, file: str) -> Document:
    tools = _get_tools()
    doc = Document(file, text, {})
    spans = doc.spans
    key_spans = doc.key_spans
    parser = CParser(text)
    try:
        if not isinstance(parser.get_event(), StreamStartEvent):
            raise _GiveUp
        if not isinstance(parser.get_event(), DocumentStartEvent):
            raise _GiveUp  # an empty stream: E008 comes from the careful path
        # Each frame: [container, path, is_mapping, pending key or None, in flow style].
        stack: list[list[Any]] = []
        root: Any = None
        while True:
            event = parser.get_event()
            if isinstance(event, CollectionEndEvent):
                value = stack.pop()[0]
                if not stack:
                    root = value
                    break
                _attach(stack[-1], value)
                continue
            # Only scalars and collections from here: aliases and anything
            # unexpected (the end of the stream inside a document) give up.
            if not isinstance(event, (ScalarEvent, CollectionStartEvent)) or event.anchor is not None:
                raise _GiveUp
            if len(stack) + 1 > MAX_DEPTH:
                raise _GiveUp
            mark = event.start_mark
            if mark is None:
                raise _GiveUp  # libyaml marks every event; the stubs allow None
            span = Span(file, mark.line + 1, mark.column + 1)
            in_flow = bool(stack and stack[-1][4])
            if in_flow and isinstance(event, ScalarEvent) and not event.style and "?" in event.value:
                # PyYAML ends a plain scalar at `?` inside `{...}`/`[...]`, libyaml does not.
                raise _GiveUp
            if stack and stack[-1][2] and stack[-1][3] is None:
                # A mapping key: only plain scalars, never twice.
                if not isinstance(event, ScalarEvent):
                    raise _GiveUp
                key = _scalar(event, tools)
                if not isinstance(key, str):
                    key = str(key) if key is not None else "null"
                frame = stack[-1]
                if key in frame[0]:
                    raise _GiveUp
                key_spans[frame[1] + (key,)] = span
                frame[3] = key
                continue
            path = _child_path(stack)
            spans[path] = span
            if isinstance(event, ScalarEvent):
                value = _scalar(event, tools)
                if not stack:
                    root = value
                    break
                _attach(stack[-1], value)
            elif isinstance(event, MappingStartEvent):
                _collection_tag(event, MappingNode, tools)
                stack.append([{}, path, True, None, in_flow or bool(event.flow_style)])
            elif isinstance(event, SequenceStartEvent):
                _collection_tag(event, SequenceNode, tools)
                stack.append([[], path, False, None, in_flow or bool(event.flow_style)])
            else:
                raise _GiveUp
        if not isinstance(parser.get_event(), DocumentEndEvent):
            raise _GiveUp
        if not isinstance(parser.get_event(), StreamEndEvent):
            raise _GiveUp  # a second document
    finally:
        parser.dispose()
    if not isinstance(root, dict):
        raise _GiveUp
    doc.data = root
    return doc


def _child_path(stack: list[list[Any]]) -> PathKey:
    if not stack:
        return ()
    frame = stack[-1]
    path: PathKey = frame[1]
    if frame[2]:
        return path + (frame[3],)
    return path + (len(frame[0]),)


def _attach(frame: list[Any], value: Any) -> None:
    if frame[2]:
        frame[0][frame[3]] = value
        frame[3] = None
    else:
        frame[0].append(value)
