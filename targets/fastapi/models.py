"""Target `models`: pydantic v2 request and response models of every endpoint.

Emits, per spec with endpoints, `specc_app/<spec_name>/models.py`, and for the
project `specc_app/runtime/models.py` (the base classes and the error shape).

The models are the pydantic rendition of the very schema objects that
`_project/openapi.yaml` holds (`targets.jsonschema_bodies`, which the OpenAPI
target also calls), so FastAPI's own `/openapi.json` describes what the
emitted document describes; `tests/test_fastapi_openapi.py` compares the two
operation by operation.  Every keyword of a schema becomes a field type or a
`Field(...)` argument; a keyword this module does not know is an error, not a
silently dropped rule.

Validation is not re-implemented in pydantic: a request model's validator
calls the spec's generated `validate_<operationId>_request` (the shared
runtime's rules), and builds the model from the cleaned body it returns.  The
declared constraints describe the rules; the runtime enforces them, so one
rule keeps one implementation (see docs/routes.md).
"""

from __future__ import annotations

import keyword
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from compiler import pypackage
from compiler.build.header import HASH
from compiler.checkers import PYTHON
from compiler.ir import Endpoint, Project, Resource, Spec
from compiler.target import APPLICATION, FileKind, Target
from targets import jsonschema_bodies as js

TEMPLATES = Path(__file__).parent / "templates"
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # Python source: every spec value is passed in as a repr() literal
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)

# Attribute names a pydantic model cannot use for a field (its own methods and
# the `model_` namespace); such a field gets a safe attribute and an alias.
_BASEMODEL_NAMES = frozenset(
    {
        "construct",
        "copy",
        "dict",
        "from_orm",
        "json",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "update_forward_refs",
        "validate",
        "validate_body",
        "fields",
    }
)
# Keywords a schema may carry and where each goes (anything else is an error).
_STRING_ARGS = {"minLength": "min_length", "maxLength": "max_length"}
_INT_ARGS = {"minimum": "ge", "maximum": "le"}
_EXTRA_KEYS = ("format", "x-specc-host-rules", "not")
_PRIMITIVES = {"string": "str", "integer": "int", "boolean": "bool"}


def camel(name: str) -> str:
    """`links` -> `Links`, `reading_lists` -> `ReadingLists`."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def component(op: str, suffix: str) -> str:
    """The class (and OpenAPI component) name of an endpoint's body."""
    return op[:1].upper() + op[1:] + suffix


def resource_component(resource: Resource, suffix: str) -> str:
    """The class name of a resource's body (`ListsCreate`, `ListsRow`, ...)."""
    return camel(resource.name) + suffix


def _field_name(name: str) -> tuple[str, str | None]:
    """The attribute of property `name` and its alias (None: the name itself)."""
    if not (name.isidentifier() and name.isascii()):
        raise AssertionError(f"body field {name!r} is not a Python identifier")
    if keyword.iskeyword(name) or name.startswith("_") or name.startswith("model_") or name in _BASEMODEL_NAMES:
        return f"field_{name}", name
    return name, None


def _comment(text: str) -> str:
    # Built from operation ids and table names (identifiers) and fixed text.
    if "\n" in text or "\r" in text:
        raise AssertionError(f"models: unsafe comment {text!r}")
    return text


def _call(fn: str, args: dict[str, Any], raw: dict[str, str] | None = None) -> str:
    parts = [f"{k}={v}" for k, v in (raw or {}).items()] + [f"{k}={v!r}" for k, v in args.items()]
    return f"{fn}({', '.join(parts)})"


class ModuleWriter:
    """Python class definitions for a set of object schemas, in definition order."""

    def __init__(self, base: str) -> None:
        self.base = base  # of nested models
        self.prefix = base.rpartition(".")[0] + "." if "." in base else ""  # where `absent` is
        self.classes: list[str] = []
        self.names: set[str] = set()
        self.typing: set[str] = set()
        # A schema already written as a class (by identity of its content), so
        # a resource's Page reuses its Row.
        self.written: dict[str, str] = {}
        self.patterns: dict[str, str] = {}  # pattern text -> its constant

    def _unique(self, name: str) -> str:
        out, n = name, 2
        while out in self.names:
            out, n = f"{name}{n}", n + 1
        self.names.add(out)
        return out

    def model(self, name: str, schema: dict[str, Any], *, base: str, doc: str, body: tuple[str, ...] = (), top: bool = True) -> str:
        """Write the class of object `schema` and return its name.

        A top-level model (a body the routes name) is always written under
        `name`; a nested one reuses the class of an equal schema written
        before (a resource's Page holds its Row)."""
        key = repr(sorted(schema.items(), key=lambda kv: kv[0]))
        if key in self.written and not top:
            return self.written[key]
        unknown = set(schema) - {"type", "properties", "required", "additionalProperties", "allOf", "description"}
        if schema.get("type") != "object" or unknown:
            raise AssertionError(f"models: cannot write {name} from schema keys {sorted(schema)}")
        name = self._unique(name)
        config: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        if schema.get("additionalProperties") is False:
            config["extra"] = "forbid"
            # pydantic states `additionalProperties: false` for validation
            # only; a response body's schema must say it too.
            extra["additionalProperties"] = False
        elif "additionalProperties" in schema:
            raise AssertionError(f"models: {name}: additionalProperties {schema['additionalProperties']!r}")
        if "allOf" in schema:
            extra["allOf"] = schema["allOf"]
        if "description" in schema:
            extra["description"] = schema["description"]
        if extra:
            config["json_schema_extra"] = extra
        required = set(schema.get("required", ()))
        # A comment, not a docstring: pydantic would state a class docstring
        # as the schema's `description`, which the emitted schema has not.
        lines = [f"# {_comment(doc)}", f"class {name}({base}):"]
        if config:
            lines.append(f"    model_config = {_call('ConfigDict', config)}")
        lines.extend(f"    {line}" for line in body)
        for prop, sub in schema.get("properties", {}).items():
            attr, alias = _field_name(prop)
            annotation, inner = self.annotation(f"{name}{camel(prop)}", sub)
            args: dict[str, Any] = {}
            raw: dict[str, str] = {}
            if prop not in required:
                # Absent from the body, not null: the default is never seen
                # (the model is built from the cleaned body's own keys) and
                # the schema states no `default`.
                raw["default_factory"] = self.prefix + "absent"
            if alias is not None:
                args["alias"] = alias
            args.update(inner)
            field = _call("Field", args, raw) if args or raw else ""
            lines.append(f"    {attr}: {annotation}" + (f" = {field}" if field else ""))
        if len(lines) == 2:
            lines.append("    pass")
        self.classes.append("\n".join(lines))
        self.written.setdefault(key, name)
        return name

    def annotation(self, hint: str, schema: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The type of a property and the outer `Field` arguments (its description)."""
        s = dict(schema)
        outer: dict[str, Any] = {}
        if "description" in s:
            outer["description"] = s.pop("description")
        kind = s.get("type")
        nullable = False
        if isinstance(kind, list):
            if len(kind) != 2 or kind[1] != "null":
                raise AssertionError(f"models: {hint}: type {kind!r}")
            nullable, s["type"] = True, kind[0]
            if "enum" in s:
                s["enum"] = [v for v in s["enum"] if v is not None]
        inner = self._inner(hint, s)
        return (f"{inner} | None" if nullable else inner), outer

    def _inner(self, hint: str, s: dict[str, Any]) -> str:
        """The non-null type of schema `s` (with its constraints, in `Annotated`)."""
        kind = s.pop("type", None)
        args: dict[str, Any] = {}
        raw: dict[str, str] = {}
        extra = {k: s.pop(k) for k in _EXTRA_KEYS if k in s}
        if kind is None:
            if s:
                raise AssertionError(f"models: {hint}: keys {sorted(s)}")
            self.typing.add("Any")
            base = "Any"
        elif "enum" in s:
            if kind != "string":
                raise AssertionError(f"models: {hint}: enum of {kind}")
            self.typing.add("Literal")
            base = f"Literal[{', '.join(repr(v) for v in s.pop('enum'))}]"
        elif kind == "object":
            s["type"] = "object"
            return self.model(hint, s, base=self.base, doc=f"Part of a body: `{hint}`.", top=False)
        elif kind == "array":
            items = s.pop("items")
            if "minItems" in s:
                args["min_length"] = s.pop("minItems")
            if "maxItems" in s:
                args["max_length"] = s.pop("maxItems")
            item_type = self.annotation(hint + "Item", items)[0]
            base = f"list[{item_type}]"
        elif kind in _PRIMITIVES:
            base = _PRIMITIVES[kind]
            if "pattern" in s:
                raw["pattern"] = self.pattern(s.pop("pattern"))
            table = _STRING_ARGS if kind == "string" else _INT_ARGS if kind == "integer" else {}
            for key, arg in table.items():
                if key in s:
                    args[arg] = s.pop(key)
        else:
            raise AssertionError(f"models: {hint}: type {kind!r}")
        if s:
            raise AssertionError(f"models: {hint}: cannot state {sorted(s)} in a model")
        if extra:
            args["json_schema_extra"] = extra
        if not args and not raw:
            return base
        self.typing.add("Annotated")
        return f"Annotated[{base}, {_call('Field', args, raw)}]"

    def pattern(self, text: str) -> str:
        """The module constant holding pattern `text` (each written once: a
        URL pattern is a few hundred characters, used by every URL field)."""
        if text not in self.patterns:
            numbered = sum(1 for name in self.patterns.values() if name != "TEXT_PATTERN")
            self.patterns[text] = "TEXT_PATTERN" if text == js.STORABLE_TEXT else f"PATTERN_{numbered + 1}"
        return self.patterns[text]


def _request(writer: ModuleWriter, name: str, schema: dict[str, Any], op: str) -> str:
    return writer.model(
        name,
        schema,
        base="runtime.RequestBody",
        doc=f"The request body of {op}: validated by validators.validate_{op}_request.",
        body=(f"validate_body = staticmethod(validators.validate_{op}_request)",),
    )


def _endpoint_models(writer: ModuleWriter, endpoint: Endpoint) -> None:
    op = endpoint.operation_id
    if endpoint.request:
        _request(writer, component(op, "Request"), js.body_schema(endpoint, request=True), op)
    if endpoint.response:
        writer.model(component(op, "Response"), js.body_schema(endpoint, request=False), base="runtime.Model", doc=f"The response body of {op}.")


def _resource_models(writer: ModuleWriter, resource: Resource) -> None:
    schemas = js.resource_schemas(resource)
    for verb, suffix in (("create", "Create"), ("update", "Update"), ("replace", "Replace")):
        if suffix in schemas:
            _request(writer, resource_component(resource, suffix), schemas[suffix], resource.op(verb))
    writer.model(resource_component(resource, "Row"), schemas["Row"], base="runtime.Model", doc=f"A {resource.table} row, as every method but list answers.")
    if "Page" in schemas:
        writer.model(resource_component(resource, "Page"), schemas["Page"], base="runtime.Model", doc=f"One page of {resource.table} rows.")


def render_models(spec: Spec) -> str:
    """`specc_app/<spec_name>/models.py` of one spec."""
    writer = ModuleWriter("runtime.Model")
    for endpoint in spec.endpoints:
        _endpoint_models(writer, endpoint)
    for resource in spec.resources:
        _resource_models(writer, resource)
    return _ENV.get_template("models.py.j2").render(
        spec_id=spec.id,
        typing=sorted(writer.typing),
        patterns=[(name, repr(text)) for text, name in writer.patterns.items()],
        classes=writer.classes,
        validators=any(e.request for e in spec.endpoints) or any({"create", "update", "replace"} & set(r.methods) for r in spec.resources),
    )


def render_runtime(project: Project) -> str:
    """`specc_app/runtime/models.py`: the base classes and the error shape."""
    writer = ModuleWriter("Model")
    field_error = js.field_error_schema(any(s.resources for s in project.specs))
    writer.model("FieldError", field_error, base="Model", doc="One error: where, which stable code, and a message.")
    writer.model("ErrorResponse", js.error_body_schema(field_error), base="Model", doc='`{"errors": [FieldError, ...]}`, the body of every error answer.')
    from targets import openapi

    return _ENV.get_template("runtime_models.py.j2").render(
        typing=sorted(writer.typing),
        classes=writer.classes,
        exact_header=repr(openapi.EXACT_HEADER),
        shared=[(shared_response_name(name), repr(text)) for name, text in openapi.SHARED_RESPONSES.items()],
    )


def shared_response_name(name: str) -> str:
    """The runtime constant of a shared response's description:
    "ValidationFailed" -> "VALIDATION_FAILED"."""
    return "".join("_" + c if c.isupper() and i else c for i, c in enumerate(name)).upper()


def emit_spec(project: Project, spec: Spec) -> dict[PurePosixPath, str]:
    """`specc_app/<spec_name>/models.py` (it reads only `spec`)."""
    if not spec.endpoints and not spec.resources:
        return {}
    return {pypackage.spec_package(spec.id) / "models.py": render_models(spec)}


def emit_project(project: Project) -> dict[PurePosixPath, str]:
    """`specc_app/runtime/models.py`."""
    return {PurePosixPath(pypackage.PACKAGE, "runtime", "models.py"): render_runtime(project)}


TARGET = Target(
    "models",
    kinds=(
        FileKind(".py", HASH, APPLICATION, PYTHON, where=f"{pypackage.PACKAGE}/*/models.py"),
    ),
    emit_spec=emit_spec,
    emit_project=emit_project,
)
