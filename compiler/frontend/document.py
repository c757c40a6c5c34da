"""A loaded spec document and the limits both YAML loaders enforce.

Shared by the careful loader (`compiler.frontend.loader`) and the fast one
(`compiler.frontend.yaml_fast`) so that neither imports the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from compiler.ir import Span

MAX_BYTES = 1024 * 1024  # a spec is a few KiB; 1 MiB is generous
MAX_DEPTH = 32

PathKey = tuple[str | int, ...]

# Characters no spec text needs, which YAML escapes ("\0", "\x1b") would let
# through into generated code, SQL and Markdown: C0/C1 control characters
# other than tab and newline, and the bidirectional overrides that make a
# reviewer see text in a different order than it runs ("Trojan Source").
FORBIDDEN_CHAR = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

PLAIN_TAGS = {
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


# YAML 1.1 reads these plain words as booleans (`nullable: yes` is true,
# `values: [on, off]` is [True, False]); specs accept exactly `true`/`false`.
BOOL_WORDS = frozenset(("true", "false"))
