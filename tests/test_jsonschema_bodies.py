"""The shared IR -> JSON Schema module used by the validators and OpenAPI targets."""

from __future__ import annotations

import re
from dataclasses import replace

import jsonschema
import pytest

from compiler.ir import Column, EnumDef, Metric, MetricField, MetricSource, Project
from targets import jsonschema_bodies as js
from targets.openapi import OpenApiConflict, build_document


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com", True),
        ("HTTP://example.com/a?b#c", True),
        ("https://bücher.de/", True),
        ("ftp://example.com", False),
        (" https://example.com", False),
        ("https://exa mple.com", False),
        ("https://user@example.com", False),
        ("https://a.com\\@b.com", False),
        ("javascript:alert(1)", False),
        ("https://", False),
    ],
)
def test_request_url_pattern(url: str, ok: bool) -> None:
    pattern = js.url_pattern(("http", "https"), normalised=False)
    assert bool(re.search(pattern, url)) is ok


def test_response_url_pattern_wants_lower_case_scheme() -> None:
    pattern = js.url_pattern(("http", "https"), normalised=True)
    assert re.search(pattern, "https://example.com/")
    assert not re.search(pattern, "HTTPS://example.com/")


def test_scheme_with_regex_characters_is_escaped() -> None:
    pattern = js.url_pattern(("git+ssh",), normalised=False)
    assert re.search(pattern, "GIT+SSH://example.com/")
    assert not re.search(pattern, "gitttssh://example.com/")


def test_column_kinds() -> None:
    col = Column("n", "int", nullable=False)
    assert js.column_schema(col, request=True) == {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1}
    enum = Column("t", "enum", nullable=True, enum=EnumDef("t", ("a", "b")))
    assert js.column_schema(enum, request=True) == {"type": ["string", "null"], "enum": ["a", "b", None]}
    assert js.column_schema(Column("b", "bool", nullable=False), request=True) == {"type": "boolean"}
    assert js.column_schema(Column("u", "uuid", nullable=False), request=False) == {"type": "string", "format": "uuid"}
    assert js.column_schema(Column("j", "json", nullable=True), request=True) == {}
    s = js.column_schema(Column("s", "string", nullable=False, min_length=2, max_length=3), request=True)
    validator = jsonschema.Draft202012Validator(s)
    assert [validator.is_valid(v) for v in ("a", "ab", "abc", "abcd", None)] == [False, True, True, False, False]


def test_metric_with_series() -> None:
    metric = Metric("views", "Views.", (MetricSource("t", "at", "owner"),), series=True)
    schema = js.metric_schema(MetricField("views", metric))
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"total": 2, "series": [{"date": "2024-01-01", "count": 2}]})
    assert not validator.is_valid(2)
    plain = js.metric_schema(MetricField("views", replace(metric, series=False)))
    assert plain["type"] == "integer" and plain["minimum"] == 0


def test_duplicate_operations_across_specs_are_refused(project: Project) -> None:
    spec = project.spec("theme-preference-api")
    assert spec is not None
    with pytest.raises(OpenApiConflict):
        build_document((spec, spec), "t", "d")
