"""A fast yes-or-don't-know check of a spec against the JSON Schema.

jsonschema walks the schema afresh for every document; for a thousand specs
that costs seconds.  Nearly every spec is valid, so `compile_schema` turns the
schema once into nested closures that answer VALID, INVALID or UNKNOWN, and
`compiler.frontend.validate` runs jsonschema only when the answer is not VALID (it
still produces every diagnostic).  The closures are exact where they answer
VALID or INVALID (an `if` needs an exact answer to pick its branch) and say
UNKNOWN wherever jsonschema's semantics are subtle (floats that may count as
integers, enum members that are not strings, unique items that are not
strings).  A schema keyword this module does not know makes the whole schema
unsupported, and then jsonschema checks every spec as before.
"""

from __future__ import annotations

import re
from typing import Any
from collections.abc import Callable

VALID, INVALID, UNKNOWN = 1, 0, -1

Check = Callable[[Any], int]

# Keywords that never affect validity.
_ANNOTATIONS = frozenset({"$id", "$schema", "$comment", "description", "title", "default", "examples", "format", "deprecated"})
_SUPPORTED = _ANNOTATIONS | frozenset(
    {
        "type",
        "properties",
        "additionalProperties",
        "required",
        "pattern",
        "enum",
        "const",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "propertyNames",
        "if",
        "then",
        "else",
        "minProperties",
        "maxProperties",
    }
)


class Unsupported(Exception):
    """The schema uses a keyword this module does not implement."""


def _type_check(name: str) -> Check:
    """Exact for the values YAML produces; UNKNOWN for floats against `integer`."""
    if name == "object":
        return lambda v: VALID if type(v) is dict else INVALID
    if name == "array":
        return lambda v: VALID if type(v) is list else INVALID
    if name == "string":
        return lambda v: VALID if type(v) is str else INVALID
    if name == "boolean":
        return lambda v: VALID if type(v) is bool else INVALID
    if name == "null":
        return lambda v: VALID if v is None else INVALID
    if name == "integer":
        return lambda v: VALID if type(v) is int else UNKNOWN if type(v) is float else INVALID
    if name == "number":
        return lambda v: VALID if type(v) in (int, float) else INVALID
    raise Unsupported(f"type {name!r}")


def _all(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]

    def check(v: Any) -> int:
        unknown = False
        for c in checks:
            r = c(v)
            if r == INVALID:
                return INVALID
            if r == UNKNOWN:
                unknown = True
        return UNKNOWN if unknown else VALID

    return check


def compile_schema(schema: Any) -> Check:
    """Closures for `schema`; raises Unsupported for keywords it does not know."""
    if schema is True:
        return lambda v: VALID
    if schema is False:
        return lambda v: INVALID
    if not isinstance(schema, dict):
        raise Unsupported(repr(schema))
    unknown_keys = set(schema) - _SUPPORTED
    if unknown_keys:
        raise Unsupported(", ".join(sorted(unknown_keys)))
    checks: list[Check] = []
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        types = [_type_check(n) for n in names]

        def type_check(v: Any, types: list[Check] = types) -> int:
            results = [t(v) for t in types]
            if VALID in results:
                return VALID
            return UNKNOWN if UNKNOWN in results else INVALID

        checks.append(type_check)
    if "enum" in schema or "const" in schema:
        options = schema["enum"] if "enum" in schema else [schema["const"]]
        strings = frozenset(o for o in options if isinstance(o, str))
        ints = frozenset(o for o in options if type(o) is int)

        def enum_check(v: Any) -> int:
            if type(v) is str:
                return VALID if v in strings else INVALID
            if type(v) is int and v in ints:
                return VALID
            return UNKNOWN  # jsonschema's equality of bools, ints and floats is subtle

        checks.append(enum_check)
    checks.extend(_string_checks(schema))
    checks.extend(_number_checks(schema))
    checks.extend(_array_checks(schema))
    checks.extend(_object_checks(schema))
    if "if" in schema:
        cond = compile_schema(schema["if"])
        then = compile_schema(schema.get("then", True))
        other = compile_schema(schema.get("else", True))

        def if_check(v: Any) -> int:
            r = cond(v)
            if r == UNKNOWN:
                return UNKNOWN
            return then(v) if r == VALID else other(v)

        checks.append(if_check)
    if not checks:
        return lambda v: VALID
    return _all(checks)


def _string_checks(schema: dict[str, Any]) -> list[Check]:
    out: list[Check] = []
    if "pattern" in schema:
        search = re.compile(schema["pattern"]).search
        out.append(lambda v: VALID if type(v) is not str or search(v) else INVALID)
    if "minLength" in schema:
        low = schema["minLength"]
        out.append(lambda v: VALID if type(v) is not str or len(v) >= low else INVALID)
    if "maxLength" in schema:
        high = schema["maxLength"]
        out.append(lambda v: VALID if type(v) is not str or len(v) <= high else INVALID)
    return out


def _number_checks(schema: dict[str, Any]) -> list[Check]:
    out: list[Check] = []
    if "minimum" in schema:
        low = schema["minimum"]
        out.append(lambda v: UNKNOWN if type(v) is float else VALID if type(v) is not int or v >= low else INVALID)
    if "maximum" in schema:
        high = schema["maximum"]
        out.append(lambda v: UNKNOWN if type(v) is float else VALID if type(v) is not int or v <= high else INVALID)
    return out


def _array_checks(schema: dict[str, Any]) -> list[Check]:
    out: list[Check] = []
    if "items" in schema:
        item = compile_schema(schema["items"])

        def items_check(v: Any) -> int:
            if type(v) is not list:
                return VALID
            return _all_of(item, v)

        out.append(items_check)
    if "minItems" in schema:
        low = schema["minItems"]
        out.append(lambda v: VALID if type(v) is not list or len(v) >= low else INVALID)
    if "maxItems" in schema:
        high = schema["maxItems"]
        out.append(lambda v: VALID if type(v) is not list or len(v) <= high else INVALID)
    if schema.get("uniqueItems"):

        def unique_check(v: Any) -> int:
            if type(v) is not list:
                return VALID
            if all(type(i) is str for i in v):
                return VALID if len(set(v)) == len(v) else INVALID
            return UNKNOWN

        out.append(unique_check)
    return out


def _all_of(check: Check, values: Any) -> int:
    unknown = False
    for value in values:
        r = check(value)
        if r == INVALID:
            return INVALID
        if r == UNKNOWN:
            unknown = True
    return UNKNOWN if unknown else VALID


def _object_checks(schema: dict[str, Any]) -> list[Check]:
    out: list[Check] = []
    props = {k: compile_schema(s) for k, s in (schema.get("properties") or {}).items()}
    extra = compile_schema(schema["additionalProperties"]) if "additionalProperties" in schema else None
    if props or extra is not None:

        def properties_check(v: Any) -> int:
            if type(v) is not dict:
                return VALID
            unknown = False
            for key, value in v.items():
                check = props.get(key, extra)
                if check is None:
                    continue
                r = check(value)
                if r == INVALID:
                    return INVALID
                if r == UNKNOWN:
                    unknown = True
            return UNKNOWN if unknown else VALID

        out.append(properties_check)
    if "required" in schema:
        required = tuple(schema["required"])
        out.append(lambda v: VALID if type(v) is not dict or all(k in v for k in required) else INVALID)
    if "propertyNames" in schema:
        names = compile_schema(schema["propertyNames"])
        out.append(lambda v: VALID if type(v) is not dict else _all_of(names, v.keys()))
    if "minProperties" in schema:
        low = schema["minProperties"]
        out.append(lambda v: VALID if type(v) is not dict or len(v) >= low else INVALID)
    if "maxProperties" in schema:
        high = schema["maxProperties"]
        out.append(lambda v: VALID if type(v) is not dict or len(v) <= high else INVALID)
    return out
