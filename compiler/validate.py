"""Stage 2a: structural validation of a loaded spec against the JSON Schema.

jsonschema errors are turned into located diagnostics: an unknown key points
at the key and suggests the closest known one, a wrong type points at the
value.  Semantic checks (references, names) happen during lowering.
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Callable, Iterator

from compiler.diagnostics import Diagnostic
from compiler.loader import Document

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "boolean": "true or false",
    "null": "null",
    "number": "a number",
}


def schema_text() -> str:
    """The spec language's JSON Schema, as shipped in the package."""
    return resources.files("compiler").joinpath("spec.schema.json").read_text("utf-8")


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    # Imported here: jsonschema is only needed when a spec may be invalid.
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(schema_text()))


@lru_cache(maxsize=1)
def _quick_check() -> Callable[[Any], int] | None:
    """The compiled yes-or-don't-know check (None if the schema needs jsonschema)."""
    from compiler.schema_fast import Unsupported, compile_schema

    try:
        return compile_schema(json.loads(schema_text()))
    except Unsupported:
        return None


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """Descend into if/then/else and oneOf sub-errors to the most specific ones."""
    if error.context:
        for sub in error.context:
            yield from _leaves(sub)
    else:
        yield error


def _describe_type(expected: Any) -> str:
    if isinstance(expected, list):
        return " or ".join(_TYPE_NAMES.get(t, t) for t in expected)
    return _TYPE_NAMES.get(expected, str(expected))


def _actual_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    return {dict: "a mapping", list: "a list", str: "a string", int: "an integer", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _where(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) or "the spec"


def _diagnose(doc: Document, error: ValidationError) -> list[Diagnostic]:
    path = tuple(error.absolute_path)
    validator = error.validator
    if validator == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(error.schema.get("properties", {}))
        out = []
        extra = sorted(k for k in error.instance if k not in known)
        for key in extra:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
            out.append(
                Diagnostic(doc.key_span(path + (key,)), "E101", f"unknown key {key!r} in {_where(path)}", hint=hint)
            )
        return out
    span = doc.span(path)
    if validator == "type":
        return [
            Diagnostic(
                span,
                "E102",
                f"{_where(path)} must be {_describe_type(error.validator_value)}, not {_actual_type(error.instance)}",
            )
        ]
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return [Diagnostic(span, "E103", f"{_where(path)} is missing required key {missing!r}")]
    if validator == "pattern":
        return [
            Diagnostic(
                span,
                "E104",
                f"{_where(path)}: {error.instance!r} is not allowed here",
                hint=error.schema.get("description", ""),
            )
        ]
    if validator in ("enum", "const"):
        allowed = error.validator_value if validator == "enum" else [error.validator_value]
        return [
            Diagnostic(
                span,
                "E104",
                f"{_where(path)}: {error.instance!r} is not one of {', '.join(map(repr, allowed))}",
            )
        ]
    if validator == "propertyNames":
        return [Diagnostic(doc.key_span(path + (error.instance,)), "E104", f"name {error.instance!r} is not allowed in {_where(path)}")]
    return [Diagnostic(span, "E105", f"{_where(path)}: {error.message}")]


def validate_structure(doc: Document) -> list[Diagnostic]:
    """Every schema violation in `doc`, as located diagnostics."""
    from compiler.schema_fast import VALID

    quick = _quick_check()
    if quick is not None and quick(doc.data) == VALID:
        return []  # definitely valid: jsonschema would find nothing
    out: list[Diagnostic] = []
    for error in _validator().iter_errors(doc.data):
        for leaf in _leaves(error):
            out.extend(_diagnose(doc, leaf))
    return sorted(set(out))
