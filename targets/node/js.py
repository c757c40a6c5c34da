"""JavaScript literals and identifiers for the node targets.

Spec text reaches generated JavaScript only through `lit` (JSON, ASCII
only, so it is a valid JS expression with no line terminator, backtick or
`${` that could end a string early) and `ident` (re-checked identifiers).
"""

from __future__ import annotations

import json
import re
from typing import Any

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Words that may not name a JS binding (module code is strict mode).
_RESERVED = frozenset(
    ["await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "implements", "import", "in", "instanceof", "interface", "let", "new", "null", "package", "private", "protected", "public", "return", "static", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield"]
)


def lit(value: Any) -> str:
    """`value` (JSON data) as a JavaScript expression."""
    return json.dumps(value, ensure_ascii=True, sort_keys=False)


def ident(name: str) -> str:
    """`name` as a JS identifier; raises if it is not a safe one."""
    if not _IDENT.match(name) or name in _RESERVED:
        raise AssertionError(f"{name!r} is not a safe JavaScript identifier")
    return name


def camel(kebab: str) -> str:
    """`theme-preference` -> `themePreference`."""
    head, *rest = kebab.split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
