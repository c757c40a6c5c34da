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
from typing import TYPE_CHECKING, Any
from collections.abc import Callable, Iterator, Mapping

from compiler.diagnostics import Diagnostic, did_you_mean
from compiler.frontend.document import Document

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

_IDENTIFIER_PATTERN = "^[a-z_][a-z0-9_]*$"

# What each pattern of the schema asks for, in words: a failed pattern says
# what is expected instead of quoting a regular expression.
_PATTERN_WORDS = {
    "^[a-z][a-z0-9]*(-[a-z0-9]+)*$": "kebab-case: lowercase ASCII letters and digits in words joined by single hyphens, e.g. profile-links",
    _IDENTIFIER_PATTERN: "lower_snake_case ASCII: lowercase letters, digits and underscores, e.g. profile_links",
    "^[a-zA-Z][a-zA-Z0-9_]*$": "an ASCII name: a letter, then letters, digits or underscores, e.g. totalViews",
    "^[a-z][a-zA-Z0-9_]*$": "a camelCase operationId: a lowercase letter, then letters, digits or underscores, e.g. getProfile",
    "^[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*$": "`table.column`, both lower_snake_case, e.g. users.title",
    "^[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)?$": "`table` or `table.column`, lower_snake_case, e.g. users",
    "^(/[a-z0-9][a-z0-9_-]*)+$": "an absolute URL path of lowercase segments, e.g. /api/me/profile",
    "^https://[^\\s<>()\\[\\]`]+$": "an https:// URL without spaces, angle brackets, parentheses, square brackets or backticks",
    "^[A-Z]+[0-9]+$": "a rule id: capital letters then digits, e.g. SQL001",
    "^[A-Za-z0-9][A-Za-z0-9_.-]*$": "an ASCII id: letters, digits, '_', '.' and '-', e.g. UX-PROFILE-LINKS",
    "^[a-z0-9=, -]+$": "a Cache-Control value: lowercase letters, digits, '=', ',', '-' and spaces, e.g. private, max-age=60",
    "^[A-Za-z][A-Za-z0-9-]*$": "an HTTP header name, e.g. Authorization",
    "^[a-z][a-z0-9+.-]*$": "a lowercase URL scheme, e.g. https",
    "^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$": "a lowercase ASCII domain name with at least one dot, e.g. imdb.com",
}

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "boolean": "true or false",
    "null": "null",
    "number": "a number",
}

# HTTP method -> the resource methods it serves (for the hint of a method
# written as `put` or `PATCH`).
_RESOURCE_VERBS_BY_HTTP = {"POST": ("create",), "GET": ("list", "get"), "PATCH": ("update",), "PUT": ("replace",), "DELETE": ("delete",)}
_RESOURCE_VERB_OF_HTTP = {http: verbs[0] for http, verbs in _RESOURCE_VERBS_BY_HTTP.items()}


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
    from compiler.frontend.schema_fast import Unsupported, compile_schema

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
        return " or ".join(_TYPE_NAMES.get(t, str(t)) for t in expected)
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
    """`tables.users.add.theme`, `enums.colour[0]`; "the spec" for the root."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "the spec"


def _pattern_words(pattern: str) -> str:
    return _PATTERN_WORDS.get(pattern, f"match the pattern {pattern}")


def _schema_of(error: ValidationError) -> Mapping[str, Any]:
    """The subschema `error` failed (jsonschema's types also allow a boolean
    schema, or none, which no failing keyword comes from)."""
    return error.schema if isinstance(error.schema, Mapping) else {}


def _name_diagnostic(doc: Document, path: tuple[Any, ...], error: ValidationError) -> Diagnostic:
    """A key (a table, column, enum, endpoint... name) that the schema refuses."""
    name = error.instance
    limit: Any = error.validator_value
    span = doc.key_span(path + (name,))
    where = _where(path)
    if error.validator == "maxLength" and _schema_of(error).get("pattern") == _IDENTIFIER_PATTERN:
        return Diagnostic(
            span,
            "E211",
            f"name {name!r} in {where} is {len(str(name).encode('utf-8'))} bytes; PostgreSQL truncates identifiers over {limit} bytes",
            hint="use a shorter name",
        )
    if error.validator == "pattern":
        return Diagnostic(span, "E104", f"name {name!r} in {where} must be {_pattern_words(limit)}")
    return Diagnostic(span, "E104", f"name {name!r} in {where}: {error.message}")


# Words people write for booleans (any case); only true/false are booleans.
_TRUE_WORDS = frozenset(("yes", "y", "on", "true", "1"))
_FALSE_WORDS = frozenset(("no", "n", "off", "false", "0"))


def _diagnose(doc: Document, error: ValidationError) -> list[Diagnostic]:
    path = tuple(error.absolute_path)
    validator = error.validator
    # The failed keyword's value (a type, a limit, a pattern, the allowed
    # values) and the value it refused: any JSON.
    expected: Any = error.validator_value
    instance: Any = error.instance
    schema = _schema_of(error)
    if "propertyNames" in list(error.absolute_schema_path)[-2:]:
        return [_name_diagnostic(doc, path, error)]
    if validator == "additionalProperties" and isinstance(instance, dict):
        known = sorted(schema.get("properties", {}))
        out = []
        extra = sorted(k for k in instance if k not in known)
        for key in extra:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
            out.append(
                Diagnostic(doc.key_span(path + (key,)), "E101", f"unknown key {key!r} in {_where(path)}", hint=hint)
            )
        return out
    span = doc.span(path)
    if validator == "type":
        hint = ""
        if expected == "boolean" and isinstance(instance, str):
            word = instance.strip().lower()
            if word in _TRUE_WORDS | _FALSE_WORDS:
                hint = f"write {'true' if word in _TRUE_WORDS else 'false'}, unquoted"
        return [
            Diagnostic(
                span,
                "E102",
                f"{_where(path)} must be {_describe_type(expected)}, not {_actual_type(instance)}",
                hint=hint,
            )
        ]
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return [Diagnostic(span, "E103", f"{_where(path)} is missing required key {missing!r}")]
    if validator == "pattern":
        return [Diagnostic(span, "E104", f"{_where(path)}: {instance!r} must be {_pattern_words(expected)}")]
    if validator == "const":
        return [Diagnostic(span, "E104", f"{_where(path)} must be {expected!r}, not {instance!r}")]
    if validator == "enum":
        allowed = ", ".join(map(repr, expected))
        if not isinstance(instance, str):
            return [Diagnostic(span, "E104", f"{_where(path)} must be one of {allowed}, not {_actual_type(instance)}")]
        hint = did_you_mean(instance, [str(a) for a in expected])
        verb = _RESOURCE_VERB_OF_HTTP.get(instance.upper())
        if verb and verb in expected and len(path) == 4 and path[0] == "resources" and path[2] == "methods":
            # A resource method named by its HTTP verb: say which method serves it.
            hint = f"a resource's methods are verbs, not HTTP methods: {instance.upper()} is {' or '.join(repr(v) for v in _RESOURCE_VERBS_BY_HTTP[instance.upper()])}"
        return [
            Diagnostic(
                span,
                "E104",
                f"{_where(path)}: {instance!r} is not one of {allowed}",
                hint=hint if hint.startswith(("did you mean", "a resource's")) else "",
            )
        ]
    if validator == "maxLength" and schema.get("pattern") == _IDENTIFIER_PATTERN:
        return [
            Diagnostic(
                span,
                "E211",
                f"{_where(path)}: {instance!r} is {len(instance.encode('utf-8'))} bytes; PostgreSQL truncates identifiers over {expected} bytes",
            )
        ]
    if validator in ("maxLength", "minLength") and isinstance(instance, str):
        limit = expected
        bound = f"at most {limit}" if validator == "maxLength" else f"at least {limit}"
        return [Diagnostic(span, "E105", f"{_where(path)} is {len(instance)} characters long; it must be {bound}")]
    if validator == "uniqueItems" and isinstance(instance, list):
        seen: list[Any] = []
        for i, item in enumerate(instance):
            if item in seen:
                return [Diagnostic(doc.span(path + (i,)), "E105", f"{_where(path)} lists {item!r} more than once")]
            seen.append(item)
    if validator == "minItems":
        n = expected
        return [Diagnostic(span, "E105", f"{_where(path)} must list at least {n} item{'s' if n != 1 else ''}")]
    return [Diagnostic(span, "E105", f"{_where(path)}: {error.message}")]


def validate_structure(doc: Document) -> list[Diagnostic]:
    """Every schema violation in `doc`, as located diagnostics."""
    from compiler.frontend.schema_fast import VALID

    quick = _quick_check()
    if quick is not None and quick(doc.data) == VALID:
        return []  # definitely valid: jsonschema would find nothing
    out: list[Diagnostic] = []
    for error in _validator().iter_errors(doc.data):
        for leaf in _leaves(error):
            out.extend(_diagnose(doc, leaf))
    return sorted(set(out))
