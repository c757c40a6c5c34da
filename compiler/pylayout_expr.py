"""Expressions for `compiler.pylayout`: black's spacing, quotes and the two layouts.

A tiny document model (`Group` for a bracketed list, `Cat` for text before a
document) and `render`, which keeps a document on one line when it fits in
black's 88 columns and otherwise splits its trailing bracket one item per line
with a magic trailing comma, the layout black keeps as it is.  `Expr` turns an
`ast` expression into such a document with minimal parentheses; `string`
writes a str literal the way black normalises it.  Anything it is not sure of
raises `Unsupported`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

LINE_LENGTH = 88
INDENT = "    "


class Unsupported(Exception):
    """The statement uses something this layout does not handle."""


# -- a tiny document model -------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """A bracketed, comma-separated list: `head(item, item)`."""

    head: str  # flat text before the opening bracket ("" for a literal)
    open: str
    items: tuple[Doc, ...]
    close: str


@dataclass(frozen=True)
class Cat:
    """Flat text followed by a document, e.g. `"key": ` + a dict."""

    text: str
    doc: Doc


Doc = str | Group | Cat


def flat(doc: Doc) -> str:
    if isinstance(doc, str):
        return doc
    if isinstance(doc, Cat):
        return doc.text + flat(doc.doc)
    return doc.head + doc.open + ", ".join(flat(i) for i in doc.items) + doc.close


def render(doc: Doc, indent: str, prefix: str = "", suffix: str = "", long_ok: bool = False) -> list[str]:
    """`doc` as lines at `indent`, after `prefix` and before `suffix`."""
    one = indent + prefix + flat(doc) + suffix
    if fits(one):
        return [one]
    while isinstance(doc, Cat):
        prefix += doc.text
        doc = doc.doc
    if isinstance(doc, str) and _is_string(doc) and (long_ok or (suffix == "," and _is_label(prefix))):
        # One string literal as an item (maybe after `key: ` or `name=`) or
        # assigned to a name: black finds no bracket to split at, leaves it long.
        return [one]
    if not isinstance(doc, Group) or not doc.items:
        raise Unsupported("a long line without a trailing bracket to split")
    opening = indent + prefix + doc.head + doc.open
    if not fits(opening):
        raise Unsupported("a long line before its trailing bracket")
    lines = [opening]
    for item in doc.items:
        lines.extend(render(item, indent + INDENT, suffix=","))
    lines.append(indent + doc.close + suffix)
    return lines


def fits(line: str) -> bool:
    """`line` fits in black's line length.

    black counts a wide character as two columns and a combining one as
    none; rather than copy its table, a line with non-ASCII text is judged
    only when both extremes agree."""
    if line.isascii():
        return len(line) <= LINE_LENGTH
    other = sum(1 for ch in line if not ch.isascii())
    ascii_width = len(line) - other
    if ascii_width + 2 * other <= LINE_LENGTH:
        return True
    if ascii_width > LINE_LENGTH:
        return False
    raise Unsupported("non-ASCII text near the line length")


def _is_string(text: str) -> bool:
    """`text` is exactly one plain (non-f) string literal as `string` writes it."""
    if len(text) < 2 or text[0] not in "'\"" or text[-1] != text[0]:
        return False
    body = text[1:-1].replace("\\\\", "")
    return text[0] not in body.replace("\\" + text[0], "")


def _is_label(prefix: str) -> bool:
    """`prefix` is nothing, `name=` or `"key": ` (a string or a name key)."""
    if not prefix:
        return True
    if prefix.endswith("=") and prefix[:-1].isidentifier():
        return True
    return prefix.endswith(": ") and (prefix[:-2].isidentifier() or _is_string(prefix[:-2]))


# -- expressions -----------------------------------------------------------------

# Precedence, as in Python's grammar (higher binds tighter).
_OR, _AND, _NOT, _CMP, _BOR, _BXOR, _BAND, _SHIFT, _ARITH, _TERM, _FACTOR, _ATOM = range(1, 13)

BINOPS: dict[type, tuple[str, int]] = {
    ast.Add: ("+", _ARITH),
    ast.Sub: ("-", _ARITH),
    ast.Mult: ("*", _TERM),
    ast.Div: ("/", _TERM),
    ast.FloorDiv: ("//", _TERM),
    ast.Mod: ("%", _TERM),
    ast.BitOr: ("|", _BOR),
    ast.BitAnd: ("&", _BAND),
    ast.BitXor: ("^", _BXOR),
}
_CMPOPS: dict[type, str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}


def string(value: str) -> str:
    """A str literal as black writes it: double quotes unless that adds escapes."""
    text = repr(value)
    if "\\" in text.replace("\\'", "").replace('\\"', "") and ("'" in value or '"' in value):
        raise Unsupported("backslashes next to quotes")
    if text[0] == '"':
        return text
    # repr chose single quotes; black turns them into double quotes unless
    # that would need more escapes than the single quotes do.
    if value.count('"') > value.count("'"):
        return text
    body = text[1:-1].replace("\\'", "'").replace('"', '\\"')
    return '"' + body + '"'


def _prec(node: ast.expr) -> int:
    if isinstance(node, ast.IfExp):
        return _OR - 1
    if isinstance(node, ast.BoolOp):
        return _OR if isinstance(node.op, ast.Or) else _AND
    if isinstance(node, ast.UnaryOp):
        return _NOT if isinstance(node.op, ast.Not) else _FACTOR
    if isinstance(node, ast.Compare):
        return _CMP
    if isinstance(node, ast.BinOp):
        return BINOPS[type(node.op)][1] if type(node.op) in BINOPS else 0
    return _ATOM


class Expr:
    """Renders expressions of one statement; the source `lines` serve f-strings."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def flat(self, node: ast.expr, need: int = 0) -> str:
        """`node` on one line, parenthesised if it binds looser than `need`."""
        text = flat(self.doc(node))
        return f"({text})" if _prec(node) < need else text

    def doc(self, node: ast.expr) -> Doc:  # noqa: C901 - one case per node type
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, str):
                if node.end_lineno != node.lineno:
                    raise Unsupported("implicit concatenation over lines")  # keep the author's wrapping
                return string(value)
            if value is None or value is True or value is False or value is Ellipsis:
                return "..." if value is Ellipsis else repr(value)
            if type(value) is int:
                return repr(value)
            if type(value) is float and value == value and abs(value) != float("inf"):
                return repr(value)
            if type(value) is bytes:
                text = value.decode("latin-1")
                if not text.isprintable() or not text.isascii() or "\\" in text or "'" in text or '"' in text:
                    raise Unsupported("bytes")
                return 'b"' + text + '"'
            raise Unsupported(f"constant {type(value).__name__}")
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, int):
                raise Unsupported("attribute of a number")
            return self.flat(node.value, _ATOM) + "." + node.attr
        if isinstance(node, ast.Subscript):
            index = node.slice
            if isinstance(index, ast.Slice):
                return self.flat(node.value, _ATOM) + "[" + self.slice(index) + "]"
            if isinstance(index, ast.Tuple) and index.elts:
                inner = ", ".join(self.flat(e) for e in index.elts)
            else:
                inner = self.flat(index)
            return self.flat(node.value, _ATOM) + "[" + inner + "]"
        if isinstance(node, ast.Call):
            if len(node.args) == 1 and not node.keywords and isinstance(node.args[0], ast.GeneratorExp):
                gen = node.args[0]
                return self.flat(node.func, _ATOM) + "(" + self.comprehension(gen.elt, gen.generators) + ")"
            items: list[Doc] = [self.doc(a) if not isinstance(a, ast.Starred) else "*" + self.flat(a.value, _ATOM) for a in node.args]
            for kw in node.keywords:
                items.append(Cat(f"{kw.arg}=", self.doc(kw.value)) if kw.arg else "**" + self.flat(kw.value, _ATOM))
            if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
                # A trailing comma after *args/**kwargs depends on black's
                # guess of the target Python version: such calls stay flat.
                return self.flat(node.func, _ATOM) + "(" + ", ".join(flat(i) for i in items) + ")"
            return Group(self.flat(node.func, _ATOM), "(", tuple(items), ")")
        if isinstance(node, ast.Dict):
            entries: list[Doc] = []
            for key, value in zip(node.keys, node.values):
                if key is None:
                    entries.append("**" + self.flat(value, _BOR + 1))
                else:
                    entries.append(Cat(self.flat(key) + ": ", self.doc(value)))
            return Group("", "{", tuple(entries), "}")
        if isinstance(node, ast.List):
            return Group("", "[", tuple(self.doc(e) for e in node.elts), "]")
        if isinstance(node, ast.Set):
            return Group("", "{", tuple(self.doc(e) for e in node.elts), "}")
        if isinstance(node, ast.Tuple):
            if len(node.elts) == 1:
                return "(" + self.flat(node.elts[0]) + ",)"
            return Group("", "(", tuple(self.doc(e) for e in node.elts), ")")
        if isinstance(node, ast.Starred):
            raise Unsupported("starred expression outside a call")
        if isinstance(node, ast.BinOp):
            if type(node.op) not in BINOPS:
                raise Unsupported("operator")
            op, prec = BINOPS[type(node.op)]
            return f"{self.flat(node.left, prec)} {op} {self.flat(node.right, prec + 1)}"
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return "not " + self.flat(node.operand, _NOT)
            if isinstance(node.op, ast.USub):
                return "-" + self.flat(node.operand, _FACTOR)
            raise Unsupported("unary operator")
        if isinstance(node, ast.BoolOp):
            prec = _prec(node)
            word = " or " if isinstance(node.op, ast.Or) else " and "
            return word.join(self.flat(v, prec + 1) for v in node.values)
        if isinstance(node, ast.Compare):
            parts = [self.flat(node.left, _CMP + 1)]
            for op, right in zip(node.ops, node.comparators):
                parts.append(f"{_CMPOPS[type(op)]} {self.flat(right, _CMP + 1)}")
            return " ".join(parts)
        if isinstance(node, ast.JoinedStr):
            return self.fstring(node)
        if isinstance(node, ast.IfExp):
            body, test, orelse = self.flat(node.body, _OR), self.flat(node.test, _OR), self.flat(node.orelse, _OR - 1)
            return f"{body} if {test} else {orelse}"
        if isinstance(node, ast.GeneratorExp):
            return "(" + self.comprehension(node.elt, node.generators) + ")"
        if isinstance(node, ast.ListComp):
            return "[" + self.comprehension(node.elt, node.generators) + "]"
        if isinstance(node, ast.SetComp):
            return "{" + self.comprehension(node.elt, node.generators) + "}"
        if isinstance(node, ast.DictComp):
            key = self.flat(node.key, _BOR + 1) + ": " + self.flat(node.value, _BOR + 1)
            return "{" + self.comprehension(None, node.generators, key) + "}"
        raise Unsupported(type(node).__name__)

    def comprehension(self, elt: ast.expr | None, generators: list[ast.comprehension], head: str = "") -> str:
        """`elt for x in y if z` (flat: black splits long ones its own way)."""
        parts = [head or self.flat(elt, _OR)]  # type: ignore[arg-type]
        for gen in generators:
            if gen.is_async:
                raise Unsupported("async comprehension")
            target = gen.target
            names = ", ".join(self.flat(t) for t in target.elts) if isinstance(target, ast.Tuple) else self.flat(target)
            parts.append(f"for {names} in {self.flat(gen.iter, _OR)}")
            parts.extend(f"if {self.flat(cond, _OR)}" for cond in gen.ifs)
        return " ".join(parts)

    def slice(self, node: ast.Slice) -> str:
        """A slice of simple bounds, which black writes without spaces."""
        if node.step is not None:
            raise Unsupported("slice step")
        bounds = []
        for bound in (node.lower, node.upper):
            if bound is None:
                bounds.append("")
            elif isinstance(bound, ast.Name) or (isinstance(bound, ast.Constant) and type(bound.value) is int):
                bounds.append(self.flat(bound))
            else:
                raise Unsupported("complex slice")
        return ":".join(bounds)

    def fstring(self, node: ast.JoinedStr) -> str:
        """An f-string as written, when black would keep it as written."""
        if node.end_lineno != node.lineno or node.end_col_offset is None:
            raise Unsupported("f-string over lines")
        # Offsets are in UTF-8 bytes (ast.get_source_segment would split the
        # whole module into lines on every call).
        line = self.lines[node.lineno - 1].encode()
        segment = line[node.col_offset : node.end_col_offset].decode()
        if "\\" in segment or segment.startswith(("f'\'\'", 'f"""')):
            raise Unsupported("f-string")
        if segment.startswith("f'") and segment.endswith("'") and '"' not in segment:
            segment = 'f"' + segment[2:-1] + '"'  # black prefers double quotes
        if not (segment.startswith('f"') and segment.endswith('"')) or '"' in segment[2:-1]:
            raise Unsupported("f-string")
        return segment
