"""The models target writes every schema keyword or refuses the schema.

`targets/fastapi/models.py` turns the emitted schema objects into pydantic
classes.  A keyword it cannot state must stop the compile, not vanish from
FastAPI's document; a field name a pydantic model cannot use gets an alias.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from targets.fastapi.models import ModuleWriter

pydantic = pytest.importorskip("pydantic")


def _module(schema: dict[str, Any]) -> dict[str, Any]:
    """The classes `schema` becomes, executed (with the names they use)."""
    writer = ModuleWriter("Model")
    writer.model("Body", schema, base="Model", doc="test")
    source = "\n".join(f"{name} = {text!r}" for text, name in writer.patterns.items()) + "\n\n" + "\n\n".join(writer.classes)
    module = types.ModuleType("specc_models_under_test")
    sys.modules[module.__name__] = module  # pydantic resolves annotations in the class's module
    namespace = module.__dict__
    exec(  # noqa: S102 - the generated text of a test schema
        "from typing import Annotated, Any, Literal\n"
        "from pydantic import BaseModel, ConfigDict, Field\n"
        "class Model(BaseModel):\n    model_config = ConfigDict(regex_engine='python-re')\n"
        "def absent():\n    return None\n" + source,
        namespace,
    )
    return namespace


@pytest.mark.parametrize("keyword", [{"multipleOf": 2}, {"exclusiveMinimum": 0}, {"uniqueItems": True}])
def test_an_unknown_keyword_is_refused(keyword: dict[str, Any]) -> None:
    prop = {"type": "array", "items": {"type": "integer"}} if "uniqueItems" in keyword else {"type": "integer"}
    schema = {"type": "object", "properties": {"n": {**prop, **keyword}}}
    with pytest.raises(AssertionError, match="cannot state"):
        _module(schema)


def test_unsafe_field_names_get_an_alias_and_keep_their_schema() -> None:
    schema = {
        "type": "object",
        "properties": {"json": {"type": "string"}, "model_id": {"type": "integer", "minimum": 1}, "class": {"type": "boolean"}},
        "required": ["json", "model_id", "class"],
    }
    body = _module(schema)["Body"]
    out = body.model_json_schema()
    assert set(out["properties"]) == {"json", "model_id", "class"}
    assert out["properties"]["model_id"]["minimum"] == 1
    assert out["required"] == ["json", "model_id", "class"]


def test_optional_fields_state_no_default_and_nullable_keeps_its_constraints() -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"t": {"type": ["string", "null"], "maxLength": 5, "pattern": "^(?=a)a+$", "description": "d"}},
    }
    out = _module(schema)["Body"].model_json_schema()
    t = out["properties"]["t"]
    assert "default" not in t
    assert t["anyOf"] == [{"type": "string", "maxLength": 5, "pattern": "^(?=a)a+$"}, {"type": "null"}]
    assert t["description"] == "d"
    assert out["additionalProperties"] is False and "required" not in out
