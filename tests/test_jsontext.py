"""compiler.jsontext writes json.dumps(indent=2, sort_keys=True, ensure_ascii=True)'s bytes."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import jsontext

ROOT = Path(__file__).resolve().parents[1]

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=30)


def _reference(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=True)


@settings(max_examples=300, deadline=None)
@given(values)
def test_same_text_as_json_dumps(value: object) -> None:
    assert jsontext.dumps(value) == _reference(value)


def test_tuples_and_nesting_like_json_dumps() -> None:
    value = {"b": ({"x": [], "y": {}}, "\u00e9\n\"", 1.5), "a": [True, False, None, -3]}
    assert jsontext.dumps(value) == _reference(value)


def test_every_bundled_pr_payload_round_trips() -> None:
    payloads = sorted((ROOT / "snapshots").rglob("payload.json"))
    assert len(payloads) >= 5
    for path in payloads:
        text = path.read_text("utf-8")
        assert jsontext.dumps(json.loads(text)) + "\n" == text, path
