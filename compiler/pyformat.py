"""black, applied only where it can change something.

Generated modules are mostly fixed code from a template plus a few statements
of per-spec data.  Running black over a whole 800-line module for every spec
costs about half a second each; this formats the module one top-level
statement at a time instead, and skips statements that

- appear verbatim in `clean` (the template's own text, which is kept
  black-formatted; a test checks that), or
- were already formatted earlier in this process (a memo by text).

black formats a top-level statement the same way wherever it stands.  What
depends on context is the blank lines and comments between statements; those
come from black too: it formats a "skeleton" of the module in which every
statement is replaced by a one-line stand-in of the same kind (a def, a class,
an import, ...), which is tiny and, since modules of one target share their
shape, usually memoized.  Tests compare `format_module` with
`black.format_str` on every generated module of the seed and synthetic specs.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache

_STUB = re.compile(r"^(?:@_specc_deco_\d+\n)*(?:class|def|async def|if|import) _specc_(\d+)\b.*$|^_specc_(\d+) = 0$|^\"\"\"_specc_(\d+)\"\"\"$", re.M)


@lru_cache(maxsize=4096)
def _black(chunk: str) -> str:
    import black

    return black.format_str(chunk, mode=black.Mode())


def _stub(node: ast.stmt, i: int, first: bool) -> str:
    """A stand-in for `node` that black treats alike for blank lines."""
    decorators = "".join(f"@_specc_deco_{j}\n" for j in range(len(getattr(node, "decorator_list", ()))))
    body = getattr(node, "body", None)
    # A body of just `...` is a "dummy implementation", laid out differently.
    dummy = (
        isinstance(body, list)
        and len(body) == 1
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and body[0].value.value is Ellipsis
    )
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


def format_module(source: str, clean: str = "") -> str:
    """`black.format_str(source)`, computed statement by statement."""
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
        chunks.append(chunk if clean and chunk in clean else _black(chunk))
        pos = end
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
