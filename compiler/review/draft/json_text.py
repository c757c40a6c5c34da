"""`json.dumps(value, indent=2, sort_keys=True)`, faster for PR payloads.

The standard encoder is pure Python when it indents; the payloads of the
cross-spec PRs list every generated file, so at a thousand specs encoding
them took most of a second.  This encoder handles exactly the JSON types the
payloads hold (str, bool, int, None, list, dict with str keys) with the C
string escaper, and produces the same text (tested against `json.dumps`).
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii as _string  # type: ignore[attr-defined]
from typing import Any


def dumps(value: Any, indent: str = "") -> str:
    """`json.dumps(value, indent=2, sort_keys=True)` (ASCII output)."""
    if isinstance(value, str):
        return str(_string(value))
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        for key in value:
            if not isinstance(key, str):
                return json.dumps(value, indent=2, sort_keys=True).replace("\n", "\n" + indent)
        items = [f"{inner}{_string(k)}: {dumps(value[k], inner)}" for k in sorted(value)]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + dumps(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value)
