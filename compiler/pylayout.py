"""Lay out one generated Python statement the way black leaves it, without black.

black costs about half a second of CPU per spec on the generated modules, most
of a cold compile.  This module renders a top-level statement from its `ast`
so that black would not change it (`black.format_str(out) == out`), using only
two layouts that black is known to keep:

- a logical line that fits in 88 columns and has no trailing comma inside a
  bracket stays on one line, with black's spacing and quotes;
- a line that does not fit is split at its *trailing* bracket pair (a call's
  arguments, a literal's items, a def's parameters), one item per line with a
  trailing comma: black keeps a bracket with such a "magic trailing comma"
  exploded, one item per line, and lays out each item by the same two rules.

So the output can differ from what black would make of the unformatted source
(black would sometimes keep a call's arguments together on one indented line),
but black leaves it as it is, which is what "black-formatted" means for a
reader and for `black --check`.

It is deliberately narrow.  Anything it is not sure about (trailing comments,
comments next to nested defs, strings with backslashes and quotes, slices of
expressions, lambdas, classes, a long line with no trailing bracket to split,
non-ASCII text near the line length, ...) raises `Unsupported`, and
`compiler.pyformat` runs black on that statement instead.  Tests run black over
every module it helps produce (seed, synthetic and hostile specs) and check the
result is the same program.  Expressions are in `compiler.pylayout_expr`.
"""

from __future__ import annotations

import ast

from compiler.pylayout_expr import BINOPS, INDENT, LINE_LENGTH, Expr, Unsupported, fits, render, string

__all__ = ["LINE_LENGTH", "Statements", "Unsupported", "statement", "string"]


# -- statements ------------------------------------------------------------------


class Statements:
    """Lays out statements (and the bodies of compound ones) of one chunk."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines()
        self.expr = Expr(self.lines)
        self.comment_lines = 0

    def stmt(self, node: ast.stmt, indent: str) -> list[str]:  # noqa: C901 - one case per node type
        e = self.expr
        if isinstance(node, ast.Expr):
            if isinstance(node.value, ast.Yield):
                if node.value.value is None:
                    return [indent + "yield"]
                if isinstance(node.value.value, ast.Tuple):
                    raise Unsupported("yield of a tuple")
                return render(e.doc(node.value.value), indent, "yield ")
            return render(e.doc(node.value), indent)
        if isinstance(node, ast.Assign):
            if len(node.targets) != 1:
                raise Unsupported("chained assignment")
            target = node.targets[0]
            return render(e.doc(node.value), indent, self.target(target) + " = ", long_ok=isinstance(target, ast.Name))
        if isinstance(node, ast.AnnAssign):
            if not node.simple or node.value is None:
                raise Unsupported("annotation")
            head = f"{self.target(node.target)}: {e.flat(node.annotation)} = "
            return render(e.doc(node.value), indent, head)
        if isinstance(node, ast.AugAssign):
            if type(node.op) not in BINOPS:
                raise Unsupported("operator")
            return render(e.doc(node.value), indent, f"{self.target(node.target)} {BINOPS[type(node.op)][0]}= ")
        if isinstance(node, ast.Return):
            if node.value is None:
                return [indent + "return"]
            if isinstance(node.value, ast.Tuple):
                raise Unsupported("return of a tuple")
            return render(e.doc(node.value), indent, "return ")
        if isinstance(node, (ast.Pass, ast.Break, ast.Continue)):
            return [indent + type(node).__name__.lower()]
        if isinstance(node, ast.Raise):
            if node.exc is None or node.cause is not None:
                raise Unsupported("raise")
            return render(e.doc(node.exc), indent, "raise ")
        if isinstance(node, ast.Assert):
            text = "assert " + e.flat(node.test)
            if node.msg is not None:
                text += ", " + e.flat(node.msg)
            return self.one(indent + text)
        if isinstance(node, ast.Import):
            return self.one(indent + "import " + ", ".join(self.alias(a) for a in node.names))
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            return self.one(indent + f"from {module} import " + ", ".join(self.alias(a) for a in node.names))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self.function(node, indent)
        if isinstance(node, ast.If):
            return self.if_(node, indent, "if")
        if isinstance(node, ast.For):
            if node.orelse or isinstance(node, ast.AsyncFor):
                raise Unsupported("for-else")
            target = ", ".join(e.flat(t) for t in node.target.elts) if isinstance(node.target, ast.Tuple) else e.flat(node.target)
            return self.one(indent + f"for {target} in {e.flat(node.iter)}:") + self.body(node.body, indent + INDENT)
        if isinstance(node, ast.With):
            items = ", ".join(e.flat(i.context_expr) + (f" as {e.flat(i.optional_vars)}" if i.optional_vars else "") for i in node.items)
            return self.one(indent + f"with {items}:") + self.body(node.body, indent + INDENT)
        if isinstance(node, ast.Try):
            return self.try_(node, indent)
        raise Unsupported(type(node).__name__)

    def try_(self, node: ast.Try, indent: str) -> list[str]:
        out = [indent + "try:"] + self.body(node.body, indent + INDENT)
        for handler in node.handlers:
            head = "except"
            if handler.type is not None:
                head += " " + self.expr.flat(handler.type)
                if handler.name:
                    head += " as " + handler.name
            out += self.one(indent + head + ":") + self.body(handler.body, indent + INDENT)
        if node.orelse:
            out += [indent + "else:"] + self.body(node.orelse, indent + INDENT)
        if node.finalbody:
            out += [indent + "finally:"] + self.body(node.finalbody, indent + INDENT)
        return out

    @staticmethod
    def one(line: str) -> list[str]:
        if not fits(line):
            raise Unsupported("a long line black would wrap in parentheses")
        return [line]

    def target(self, node: ast.expr) -> str:
        if isinstance(node, ast.Tuple):
            raise Unsupported("tuple target")
        return self.expr.flat(node)

    @staticmethod
    def alias(a: ast.alias) -> str:
        return a.name + (f" as {a.asname}" if a.asname else "")

    def if_(self, node: ast.If, indent: str, word: str) -> list[str]:
        out = self.one(indent + f"{word} {self.expr.flat(node.test)}:") + self.body(node.body, indent + INDENT)
        if not node.orelse:
            return out
        first = node.orelse[0]
        if len(node.orelse) == 1 and isinstance(first, ast.If) and self.lines[first.lineno - 1].lstrip().startswith("elif "):
            return out + self.if_(first, indent, "elif")
        return out + [indent + "else:"] + self.body(node.orelse, indent + INDENT)

    def body(self, body: list[ast.stmt], indent: str) -> list[str]:
        """A block: its statements, with the blank lines and comments between
        them that black keeps (at most one blank line; one around nested defs)."""
        out: list[str] = []
        previous: ast.stmt | None = None
        for node in body:
            is_def = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            if isinstance(node, ast.ClassDef):
                raise Unsupported("nested class")
            gap = self.gap(previous, node)
            if is_def or isinstance(previous, (ast.FunctionDef, ast.AsyncFunctionDef)):
                # black puts exactly one blank line around a nested def.
                if previous is None or any(line.strip() for line in gap):
                    raise Unsupported("nested def first in block or after a comment")
                out.append("")
            else:
                out.extend(self.comments(gap, indent, first=previous is None))
            out.extend(self.stmt(node, indent))
            previous = node
        return out

    @staticmethod
    def start(node: ast.stmt) -> int:
        """The first line of `node` (1-based), decorators included."""
        decorators = getattr(node, "decorator_list", None)
        return decorators[0].lineno if decorators else node.lineno

    def gap(self, previous: ast.stmt | None, node: ast.stmt) -> list[str]:
        """The source lines (blank or comments) between `previous` and `node`;
        for the first statement of a block, those after the block's header."""
        end = self.start(node) - 1
        if previous is not None:
            begin = previous.end_lineno or previous.lineno
        else:
            begin = end
            while begin > 0 and (not self.lines[begin - 1].strip() or self.lines[begin - 1].lstrip().startswith("#")):
                begin -= 1
        return [line for line in self.lines[begin:end]] if begin < end else []

    def comments(self, gap: list[str], indent: str, first: bool) -> list[str]:
        """The comment lines of a gap, with one blank line where it had blank
        lines (none at the start of a block)."""
        out: list[str] = []
        blank = False
        for line in gap:
            if not line.strip():
                blank = True
                continue
            text = line[len(indent) :]
            if not line.startswith(indent + "#") or (text != "#" and not text.startswith("# ")) or line != line.rstrip():
                raise Unsupported("a comment black would re-indent or reformat")
            if blank and (out or not first):
                out.append("")
            blank = False
            self.comment_lines += 1
            out.append(line)
        if blank and (out or not first):
            if first:
                raise Unsupported("a blank line after a comment at the start of a block")
            out.append("")
        return out

    def blank_between(self, previous: ast.stmt, node: ast.stmt) -> bool:
        gap = self.lines[previous.end_lineno : node.lineno - 1]  # type: ignore[misc]
        if any(line.strip() for line in gap):
            raise Unsupported("comment")
        return bool(gap)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, indent: str) -> list[str]:
        e = self.expr
        out: list[str] = []
        for deco in node.decorator_list:
            out.extend(render(e.doc(deco), indent, "@"))
        a = node.args
        if a.posonlyargs:
            raise Unsupported("positional-only parameters")
        params = [self.param(arg, default) for arg, default in zip(a.args, [None] * (len(a.args) - len(a.defaults)) + list(a.defaults))]
        if a.vararg is not None:
            params.append("*" + self.param(a.vararg, None))
        elif a.kwonlyargs:
            params.append("*")
        params.extend(self.param(arg, default) for arg, default in zip(a.kwonlyargs, a.kw_defaults))
        if a.kwarg is not None:
            params.append("**" + self.param(a.kwarg, None))
        keyword = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
        returns = f" -> {e.flat(node.returns)}" if node.returns is not None else ""
        one = f"{indent}{keyword} {node.name}({', '.join(params)}){returns}:"
        if fits(one):
            out.append(one)
        elif params:
            out.append(f"{indent}{keyword} {node.name}(")
            out.extend(self.one(indent + INDENT + p + ",")[0] for p in params)
            out.extend(self.one(f"{indent}){returns}:"))
        else:
            raise Unsupported("a long def line")
        body = node.body
        first = body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            out.extend(self.docstring(first, indent + INDENT))
            if len(body) > 1 and self.blank_between(first, body[1]):
                out.append("")
            body = body[1:]
            if not body:
                return out
            if isinstance(body[0], (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                raise Unsupported("nested definition")
        elif self.lines[first.lineno - 2 : first.lineno - 1] and not self.lines[first.lineno - 2].strip():
            raise Unsupported("blank first line")  # black's rules for it vary
        return out + self.body(body, indent + INDENT)

    def param(self, arg: ast.arg, default: ast.expr | None) -> str:
        text = arg.arg
        if arg.annotation is not None:
            text += ": " + self.expr.flat(arg.annotation)
            return text + (" = " + self.expr.flat(default) if default is not None else "")
        return text + ("=" + self.expr.flat(default) if default is not None else "")

    def docstring(self, node: ast.Expr, indent: str) -> list[str]:
        """A docstring as written, when it is written the way black writes it."""
        lines = self.lines[node.lineno - 1 : node.end_lineno]
        text = "\n".join(lines)
        if not text.isascii() or "\\" in text or node.col_offset != len(indent):
            raise Unsupported("docstring")
        first = lines[0][len(indent) :]
        if not first.startswith('"""') or first.startswith('""""'):
            raise Unsupported("docstring quotes")
        if len(lines) == 1:
            content = first[3:-3]
            if (
                not first.endswith('"""')
                or len(first) < 6
                or content != content.strip()
                or not content
                or content.endswith('"')
            ):
                raise Unsupported("docstring")
            return lines
        # Multi-line: first line text, then lines at `indent` (or empty), then
        # the closing quotes alone on the last line or after its text.
        if first[3:] != first[3:].strip() or not first[3:]:
            raise Unsupported("docstring")
        last = lines[-1]
        if last != indent + '"""':
            text = last[: -len('"""')]
            if not last.endswith('"""') or text != text.rstrip() or text.endswith(('"', "\\")) or len(last) > LINE_LENGTH:
                raise Unsupported("docstring end")
        elif lines[-2] == "":
            raise Unsupported("docstring ends with a blank line")
        body_lines = [line for line in lines[1:] if line and line != indent + '"""']
        for line in lines[1:]:
            if line and (not line.startswith(indent) or line != line.rstrip()):
                raise Unsupported("docstring indentation")
        if body_lines and min(len(line) - len(line.lstrip(" ")) for line in body_lines) != len(indent):
            raise Unsupported("docstring indentation")
        return lines


def _hashes_in_strings(tree: ast.AST) -> int:
    return sum(n.value.count("#") for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str))


def statement(chunk: str, node: ast.stmt | None = None, module: str = "") -> str | None:
    """One top-level statement laid out black-stably, or None if unsure.

    `node`, when given, is the statement already parsed from `module` (the
    whole source, whose line numbers it carries), which saves parsing again."""
    if "\\\n" in chunk or "\t" in chunk or "\r" in chunk:
        return None
    if node is None:
        try:
            tree = ast.parse(chunk)
        except SyntaxError:
            return None
        if len(tree.body) != 1:
            return None
        node, module = tree.body[0], chunk
    lines = chunk.splitlines()
    comment_lines = sum(1 for line in lines if line.lstrip().startswith("#"))
    if comment_lines and any(line.startswith("#") for line in lines):
        return None  # a comment at column 0 inside a statement: black re-indents it
    # Every other "#" must be inside a string: no trailing comments.
    hashes = sum(line.count("#") for line in lines if not line.lstrip().startswith("#"))
    if hashes and hashes != _hashes_in_strings(node):
        return None
    layout = Statements(module)
    try:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            out = layout.docstring(node, "")
        else:
            out = layout.stmt(node, "")
    except (Unsupported, KeyError):
        return None
    if layout.comment_lines != comment_lines:
        return None  # a comment somewhere this layout does not keep
    return "\n".join(out) + "\n"
