"""black, applied only where it can change something.

Generated modules are mostly fixed code from a template plus a few statements
of per-spec data.  Running black over a whole 800-line module for every spec
costs about half a second each; this formats the module one top-level
statement at a time instead, and skips statements that

- appear verbatim in `clean` (the template's own text, which is kept
  black-formatted; a test checks that), or
- were already formatted earlier in this process (a memo by text).

black formats a top-level statement the same way wherever it stands; only the
blank lines between statements depend on context, and those come from the
template unchanged.  Tests compare `format_module` with `black.format_str` on
every generated module of the seed and synthetic specs.
"""

from __future__ import annotations

import ast
from functools import lru_cache


@lru_cache(maxsize=4096)
def _black(chunk: str) -> str:
    import black

    return black.format_str(chunk, mode=black.Mode())


def format_module(source: str, clean: str = "") -> str:
    """`black.format_str(source)`, computed statement by statement."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    # Group top-level statements into line ranges; statements sharing a line
    # (`a = 1; b = 2`) form one range.
    ranges: list[list[int]] = []
    for node in tree.body:
        decorators = getattr(node, "decorator_list", None)
        start = (decorators[0].lineno if decorators else node.lineno) - 1
        end = node.end_lineno or node.lineno
        if ranges and start < ranges[-1][1]:
            ranges[-1][1] = max(ranges[-1][1], end)
        else:
            ranges.append([start, end])
    out: list[str] = []
    pos = 0
    for start, end in ranges:
        out.extend(lines[pos:start])
        chunk = "".join(lines[start:end])
        if not chunk.endswith("\n"):
            chunk += "\n"
        out.append(chunk if clean and chunk in clean else _black(chunk))
        pos = end
    out.extend(lines[pos:])
    text = "".join(out)
    # black ends a file with exactly one newline and no leading blank lines.
    return text.lstrip("\n").rstrip("\n") + "\n" if text.strip() else ""
