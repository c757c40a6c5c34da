"""black's layout for generated modules, with black run only where needed.

Generated modules are mostly fixed code from a template plus a few statements
of per-spec data.  Running black over a whole 800-line module for every spec
costs about half a second each; this formats the module one top-level
statement at a time instead, and skips statements that

- appear verbatim in `clean` (the template's own text, which is kept
  black-formatted; a test checks that), or
- `compiler.pylayout` can lay out itself so that black leaves them as they
  are (most per-spec statements: data, calls, small functions), or
- were already formatted earlier in this process (a memo by text).

black formats a top-level statement the same way wherever it stands.  What
depends on context is the blank lines between statements: black's rules for
them at module level are few (`_before`, `_layout`); when unusual
statements stand between them, black lays out a "skeleton" of the module in
which every statement is replaced by a one-line stand-in of the same kind.

So a module is black-formatted without importing black when every per-spec
statement is one `pylayout` handles.  Tests check that black leaves every
generated module of the seed, synthetic and hostile specs unchanged.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache

from compiler import once, pylayout

_STUB = re.compile(r"^(?:@_specc_deco_\d+\n)*(?:class|def|async def|if|import) _specc_(\d+)\b.*$|^_specc_(\d+) = 0$|^\"\"\"_specc_(\d+)\"\"\"$", re.M)


@lru_cache(maxsize=4096)
def _black(chunk: str) -> str:
    black = once.load("black")  # thread-safe first import (the agent renders in threads)
    return black.format_str(chunk, mode=black.Mode())


_LAID_OUT: dict[str, str | None] = {}


def _statement(chunk: str, node: ast.stmt, module: str) -> str | None:
    """`pylayout.statement`, memoized by text (specs share many statements).
    Safe when two threads compile at once (the agent serves several users):
    the result is returned from a local, never re-read from the memo."""
    try:
        return _LAID_OUT[chunk]
    except KeyError:
        pass
    laid_out = pylayout.statement(chunk, None if isinstance(node, ast.Pass) else node, module)
    if len(_LAID_OUT) > 8192:
        _LAID_OUT.clear()
    _LAID_OUT[chunk] = laid_out
    return laid_out


def _is_dummy(node: ast.stmt) -> bool:
    """A body of just `...`: a "dummy implementation", which black lays out
    with rules of its own."""
    body = getattr(node, "body", None)
    return (
        isinstance(body, list)
        and len(body) == 1
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and body[0].value.value is Ellipsis
    )


def _stub(node: ast.stmt, i: int, first: bool) -> str:
    """A stand-in for `node` that black treats alike for blank lines."""
    decorators = "".join(f"@_specc_deco_{j}\n" for j in range(len(getattr(node, "decorator_list", ()))))
    body = getattr(node, "body", None)
    dummy = _is_dummy(node)
    stub_body = "..." if dummy else "pass"
    if isinstance(node, ast.AsyncFunctionDef):
        return f"{decorators}async def _specc_{i}():\n    {stub_body}\n"
    if isinstance(node, ast.FunctionDef):
        return f"{decorators}def _specc_{i}():\n    {stub_body}\n"
    if isinstance(node, ast.ClassDef):
        return f"{decorators}class _specc_{i}:\n    {stub_body}\n"
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return f"import _specc_{i}\n"
    if first and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
        return f'"""_specc_{i}"""\n'  # the module docstring
    if isinstance(body, list):
        return f"if _specc_{i}:\n    pass\n"  # a compound statement: for, while, with, try, if
    return f"_specc_{i} = 0\n"


def _kind(node: ast.stmt, first: bool) -> str:
    """What black's blank-line rules at module level see in `node`."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return "?" if _is_dummy(node) else "def"
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return "import"
    if first and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
        return "docstring"
    if isinstance(getattr(node, "body", None), list):
        # A compound statement ending in a def would get black's def rules.
        if any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in ast.walk(node)):
            return "?"
    return "other"


def _layout(lines: list[str], ranges: list[list[int]], nodes: list[ast.stmt], chunks: list[str]) -> str | None:
    """The module from formatted `chunks`, with the blank lines black puts
    between top-level statements and the comment lines between them; None when
    something unusual stands there (black lays out a skeleton then).

    black's rules at module level (its `EmptyLineTracker`), for a line (a
    statement or a comment) after `written` blank lines: at most two; two
    after a def or class and before one, except that a def directly under a
    comment stays attached to it and the comment paragraph gets the two lines;
    at least one after imports; exactly one after the module docstring."""
    if any(line.strip() for line in lines[: ranges[0][0]] + lines[ranges[-1][1] :]):
        return None
    kinds = [_kind(node, i == 0) for i, node in enumerate(nodes)]
    if "?" in kinds or (kinds[0] == "docstring" and not chunks[0].startswith('"""')):
        return None
    out: list[str] = [chunks[0]]
    previous = kinds[0]
    leading: int | None = None  # index in `out` of the blank lines of the comment paragraph
    for i in range(1, len(chunks)):
        written = 0
        for line in lines[ranges[i - 1][1] : ranges[i][0]]:
            text = line.rstrip("\n")
            if not text.strip():
                written += 1
                continue
            if not (text == "#" or text.startswith("# ")) or text != text.rstrip():
                return None  # black would re-indent or respace it
            before = _before(previous, "comment", written)
            if previous != "comment" or written:
                leading = len(out)
            out.append("\n" * before)
            out.append(text + "\n")
            previous, written = "comment", 0
        current = kinds[i]
        if current == "def" and previous == "comment" and written == 0:
            # The def stays under its comment; the paragraph gets the lines.
            assert leading is not None
            if len(out[leading]) <= 1 and leading > 1:
                out[leading] = "\n\n"
            before = 0
        else:
            before = _before(previous, current, written)
        out.append("\n" * before)
        out.append(chunks[i])
        previous = current
    return "".join(out)


def _before(previous: str, current: str, written: int) -> int:
    """Blank lines black puts before a top-level line of kind `current`."""
    if previous == "docstring":
        return 2 if current == "def" else 1
    if previous == "def" or current == "def":
        return 2
    if previous == "import" and current != "import":
        return max(1, min(written, 2))
    return min(written, 2)


def format_module(source: str, clean: str = "") -> str:
    """A black-formatted `source` (black leaves it unchanged), statement by statement."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    # Group top-level statements into line ranges; statements sharing a line
    # (`a = 1; b = 2`) form one range.
    ranges: list[list[int]] = []
    nodes: list[ast.stmt] = []
    for node in tree.body:
        decorators = getattr(node, "decorator_list", None)
        start = (decorators[0].lineno if decorators else node.lineno) - 1
        end = node.end_lineno or node.lineno
        if ranges and start < ranges[-1][1]:
            ranges[-1][1] = max(ranges[-1][1], end)
            nodes[-1] = ast.Pass()  # several statements on a line: a plain statement
        else:
            ranges.append([start, end])
            nodes.append(node)
    skeleton: list[str] = []
    chunks: list[str] = []
    pos = 0
    for i, ((start, end), node) in enumerate(zip(ranges, nodes)):
        skeleton.extend(lines[pos:start])
        skeleton.append(_stub(node, i, first=i == 0 and not "".join(lines[:start]).strip()))
        chunk = "".join(lines[start:end])
        if not chunk.endswith("\n"):
            chunk += "\n"
        if not (clean and chunk in clean):
            chunk = _statement(chunk, node, source) or _black(chunk)
        chunks.append(chunk)
        pos = end
    if not ranges:
        return _black(source)
    laid_out = _layout(lines, ranges, nodes, chunks)
    if laid_out is not None:
        return laid_out
    skeleton.extend(lines[pos:])
    laid_out = _black("".join(skeleton))
    out: list[str] = []
    pos = 0
    seen = 0
    for m in _STUB.finditer(laid_out):
        index = int(next(g for g in m.groups() if g is not None))
        if index != seen:
            raise AssertionError("pyformat: black reordered the skeleton")  # cannot happen
        out.append(laid_out[pos : m.start()])
        stub_end = laid_out.index("\n", m.end()) + 1 if laid_out[m.end() : m.end() + 1] == "\n" else m.end()
        # A def/class stub spans its body line too.
        if laid_out.startswith(("    pass\n", "    ...\n"), stub_end):
            stub_end += len("    pass\n")
        out.append(chunks[index])
        pos = stub_end
        seen += 1
    if seen != len(chunks):
        raise AssertionError("pyformat: black dropped part of the skeleton")
    out.append(laid_out[pos:])
    return "".join(out)
