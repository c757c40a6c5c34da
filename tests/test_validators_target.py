"""The validators target: generated `validators.py` modules enforce every rule
of their spec, and the JSON Schemas emitted next to them agree with them.

Modules are rendered into a temporary folder and imported from there.
"""

from __future__ import annotations

import ast
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest

from compiler.build.header import HEADER
from compiler.project import build_project
from compiler.ruff_format import check_python
from tests.generated_modules import ROOT, import_file, render_to, seed_project, spec_file

# ---------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("validators")
    render_to(seed_project(), out, ("validators",))
    return out


@pytest.fixture(scope="module")
def theme(rendered: Path) -> ModuleType:
    return import_file(spec_file(rendered, "theme-preference-api", "validators.py"))


@pytest.fixture(scope="module")
def profile(rendered: Path) -> ModuleType:
    return import_file(spec_file(rendered, "profile-links-titles", "validators.py"))


@pytest.fixture(scope="module")
def stats(rendered: Path) -> ModuleType:
    return import_file(spec_file(rendered, "dashboard-stats-endpoints", "validators.py"))


# A spec that exercises rules the seeds do not: a required field, bool,
# bigint, an https-only URL with a short max, hostile enum values, a
# host rule with two domains, a multi-column unique index, a date, and a
# query parameter without a default.
EXTRA_SPEC = r"""
spec: 1
id: extra-fields
title: Extra fields exercising every validator rule
priority: low
motivation: test fixture
enums:
  period: [day, week]
  mood: ["it's", 'say "hi"', "back\\slash", "{{ x }}", "line\nbreak"]
tables:
  users:
    add:
      age: {type: int, min: 0, max: 150, nullable: true}
      newsletter: {type: bool, nullable: true}
      homepage: {type: url, schemes: [https], max: 60, nullable: true}
      mood: {type: enum, enum: mood, nullable: true}
      score: {type: bigint, nullable: true}
  badges:
    columns:
      id: {type: id}
      user_id: {type: ref, to: users, on_delete: cascade, nullable: false}
      code: {type: string, max: 10, nullable: false}
      kind: {type: enum, enum: period, nullable: false}
      link: {type: url, nullable: true, hosts: {by: kind, allow: {day: [example.com, example.org]}}}
      awarded: {type: date, nullable: true}
    indexes:
      - {columns: [user_id, code, kind], unique: true}
    cap: {per: user_id, max: 3}
endpoints:
  updateExtra:
    method: PATCH
    path: /api/me/extra
    request:
      age: {column: users.age, required: true}
      newsletter: users.newsletter
      homepage: users.homepage
      mood: users.mood
      score: users.score
      badges: {list: badges, fields: [code, kind, link, awarded]}
    response:
      age: users.age
  getExtra:
    method: GET
    path: /api/me/extra
    query:
      period: {enum: period}
    response:
      age: users.age
      badges: {list: badges}
"""


@pytest.fixture(scope="module")
def extra_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("extra")
    specs = root / "specs"
    (specs / "base").mkdir(parents=True)
    shutil.copy(ROOT / "specs" / "base" / "schema.sql", specs / "base" / "schema.sql")
    (specs / "extra-fields.yaml").write_text(EXTRA_SPEC, encoding="utf-8")
    render_to(build_project(specs, root), root / "out", ("validators",))
    return root / "out" / "extra-fields"


@pytest.fixture(scope="module")
def extra(extra_dir: Path) -> ModuleType:
    return import_file(spec_file(extra_dir.parent, "extra-fields", "validators.py"))


def errors_of(fn: Any, *args: Any) -> list[tuple[str, str]]:
    """(path, code) of every error `fn(*args)` raises; fails if it accepts."""
    with pytest.raises(fn.__globals__["ValidationFailed"]) as info:
        fn(*args)
    return [(e.path, e.code) for e in info.value.errors]


def link(**overrides: Any) -> dict[str, Any]:
    base = {"label": "Site", "url": "https://example.com/", "type": "website", "position": 0}
    base.update(overrides)
    return base


# ---------------------------------------------------------------------------
# the generated file itself


SPEC_IDS = ("theme-preference-api", "profile-links-titles", "dashboard-stats-endpoints")


@pytest.mark.parametrize("spec_id", SPEC_IDS)
def test_module_is_ruff_formatted_compiles_and_has_header(rendered: Path, spec_id: str) -> None:
    text = spec_file(rendered, spec_id, "validators.py").read_text(encoding="utf-8")
    assert text.startswith(f"# {HEADER}\n")
    assert check_python([text]) == [None]
    compile(text, "validators.py", "exec")


@pytest.mark.parametrize("spec_id", SPEC_IDS)
def test_module_imports_only_the_standard_library(rendered: Path, spec_id: str) -> None:
    """A spec's validators import the standard library and, inside the
    package, only the shared validation runtime, which imports only the
    standard library and `idna` (IDNA 2008 hosts; a dependency of FastAPI's
    own stack, named in the `check` extra)."""
    runtime = rendered / "specc_app" / "runtime" / "validation.py"
    for path, inside in ((spec_file(rendered, spec_id, "validators.py"), {"runtime.validation"}), (runtime, set())):
        imported: set[str] = set()
        relative: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level:
                # `from ..runtime import validation` or `from ..runtime.validation import X`
                relative.update(f"{node.module}.{a.name}" if node.module == "runtime" else str(node.module) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                imported.add((node.module or "").split(".")[0])
        imported.discard("__future__")
        allowed = set(sys.stdlib_module_names) | ({"idna"} if path == runtime else set())
        assert imported <= allowed, imported - allowed
        assert relative == inside, relative


def test_public_interface(theme: ModuleType, profile: ModuleType, stats: ModuleType) -> None:
    for module in (theme, profile, stats):
        for name in ("FieldError", "ValidationFailed", "CAPS", "check_cap", "normalize_url", "ERROR_CODES"):
            assert hasattr(module, name)
            assert name in module.__all__
    assert callable(theme.validate_updatePreferences_request)
    assert callable(profile.validate_updateProfile_request)
    assert callable(stats.validate_getDashboardStats_query)
    assert not hasattr(theme, "validate_getPreferences_request")  # no body, no validator
    assert theme.REQUEST_VALIDATORS == {"updatePreferences": theme.validate_updatePreferences_request}
    assert stats.QUERY_VALIDATORS == {"getDashboardStats": stats.validate_getDashboardStats_query}
    err = profile.FieldError("links[3].url", "url_scheme", "nope")
    assert err.as_dict() == {"path": "links[3].url", "code": "url_scheme", "message": "nope"}
    with pytest.raises(AttributeError):
        err.code = "x"  # type: ignore[misc]  # frozen
    failed = profile.ValidationFailed([err])
    assert failed.errors == [err] and isinstance(failed, Exception)
    assert set(profile.ERROR_CODES) == {
        "required", "not_nullable", "type", "unknown_field", "enum", "invalid_text", "too_short", "too_long",
        "too_small", "too_large", "url_scheme", "url_credentials", "url_host", "url_invalid",
        "url_too_long", "host_not_allowed", "cap_exceeded", "duplicate",
    }  # fmt: skip


def test_hostile_enum_values_survive_as_data(extra: ModuleType, extra_dir: Path) -> None:
    values = ("it's", 'say "hi"', "back\\slash", "{{ x }}", "line\nbreak")
    assert extra.REQUEST_RULES["updateExtra"]["mood"]["values"] == values
    for value in values:
        assert extra.validate_updateExtra_request({"age": 1, "mood": value})["mood"] == value
    schema = json.loads((extra_dir / "schemas" / "updateExtra.request.json").read_text(encoding="utf-8"))
    assert schema["properties"]["mood"]["enum"] == list(values) + [None]


# ---------------------------------------------------------------------------
# theme-preference-api: enum, nullable, PATCH semantics, unknown fields


@pytest.mark.parametrize("value", ["light", "dark"])
def test_theme_accepts_every_enum_value(theme: ModuleType, value: str) -> None:
    assert theme.validate_updatePreferences_request({"theme": value}) == {"theme": value}


@pytest.mark.parametrize("value", ["blue", "Dark", "LIGHT", " light", ""])
def test_theme_rejects_values_outside_the_enum(theme: ModuleType, value: str) -> None:
    assert errors_of(theme.validate_updatePreferences_request, {"theme": value}) == [("theme", "enum")]


def test_theme_patch_semantics(theme: ModuleType) -> None:
    assert theme.validate_updatePreferences_request({}) == {}
    assert theme.validate_updatePreferences_request({"theme": None}) == {"theme": None}


@pytest.mark.parametrize("value", [1, True, ["dark"], {"v": "dark"}])
def test_theme_rejects_wrong_types(theme: ModuleType, value: Any) -> None:
    assert errors_of(theme.validate_updatePreferences_request, {"theme": value}) == [("theme", "type")]


def test_theme_unknown_fields_and_root(theme: ModuleType) -> None:
    assert errors_of(theme.validate_updatePreferences_request, {"theme": "dark", "admin": True}) == [("admin", "unknown_field")]
    for body in ([], "dark", None, 3):
        assert errors_of(theme.validate_updatePreferences_request, body) == [("", "type")]


def test_theme_has_no_caps(theme: ModuleType) -> None:
    assert theme.CAPS == {}


# ---------------------------------------------------------------------------
# profile-links-titles: lengths, integer bounds, lists, URLs, hosts, caps


def test_profile_accepts_a_full_body_and_normalises_urls(profile: ModuleType) -> None:
    body = {
        "title": "Actor & writer",
        "links": [
            link(label="IMDb", url="HTTPS://WWW.IMDB.COM:443/name/nm1/", type="imdb", position=0),
            link(label="Reel", url="https://vimeo.com/1", type="showreel", position=1),
        ],
    }
    assert profile.validate_updateProfile_request(body) == {
        "title": "Actor & writer",
        "links": [
            {"label": "IMDb", "url": "https://www.imdb.com/name/nm1/", "type": "imdb", "position": 0},
            {"label": "Reel", "url": "https://vimeo.com/1", "type": "showreel", "position": 1},
        ],
    }


def test_profile_patch_semantics(profile: ModuleType) -> None:
    assert profile.validate_updateProfile_request({}) == {}
    assert profile.validate_updateProfile_request({"title": None}) == {"title": None}
    assert profile.validate_updateProfile_request({"links": []}) == {"links": []}
    assert errors_of(profile.validate_updateProfile_request, {"links": None}) == [("links", "not_nullable")]


def test_title_length_boundaries(profile: ModuleType) -> None:
    assert profile.validate_updateProfile_request({"title": "x" * 100})["title"] == "x" * 100
    assert errors_of(profile.validate_updateProfile_request, {"title": "x" * 101}) == [("title", "too_long")]
    assert profile.validate_updateProfile_request({"title": ""}) == {"title": ""}


def test_lengths_count_characters_not_bytes(profile: ModuleType) -> None:
    assert profile.validate_updateProfile_request({"title": "é" * 100})["title"] == "é" * 100
    assert profile.validate_updateProfile_request({"title": "🎬" * 100})["title"] == "🎬" * 100
    assert errors_of(profile.validate_updateProfile_request, {"title": "🎬" * 101}) == [("title", "too_long")]


def test_label_length_boundaries(profile: ModuleType) -> None:
    ok = profile.validate_updateProfile_request
    assert ok({"links": [link(label="x" * 40)]})["links"][0]["label"] == "x" * 40
    assert ok({"links": [link(label="x")]})["links"][0]["label"] == "x"
    assert errors_of(ok, {"links": [link(label="x" * 41)]}) == [("links[0].label", "too_long")]
    assert errors_of(ok, {"links": [link(label="")]}) == [("links[0].label", "too_short")]


@pytest.mark.parametrize("position", [0, 1, 98, 99])
def test_position_in_bounds(profile: ModuleType, position: int) -> None:
    assert profile.validate_updateProfile_request({"links": [link(position=position)]})["links"][0]["position"] == position


def test_a_number_with_no_fraction_is_an_integer(profile: ModuleType) -> None:
    """JSON Schema counts 64.0 as an integer, so the validator does, and stores an int."""
    cleaned = profile.validate_updateProfile_request({"links": [link(position=64.0)]})["links"][0]["position"]
    assert cleaned == 64 and type(cleaned) is int


@pytest.mark.parametrize(("position", "code"), [(-1, "too_small"), (100, "too_large"), (10**30, "too_large"), (True, "type"), ("1", "type"), (1.5, "type"), (float("inf"), "type"), (float("nan"), "type"), (None, "not_nullable")])
def test_position_out_of_bounds(profile: ModuleType, position: Any, code: str) -> None:
    assert errors_of(profile.validate_updateProfile_request, {"links": [link(position=position)]}) == [("links[0].position", code)]


@pytest.mark.parametrize("link_type", ["website", "imdb", "showreel", "other"])
def test_every_link_type(profile: ModuleType, link_type: str) -> None:
    url = "https://www.imdb.com/x" if link_type == "imdb" else "https://example.com/x"
    assert profile.validate_updateProfile_request({"links": [link(type=link_type, url=url)]})["links"][0]["type"] == link_type


@pytest.mark.parametrize("link_type", ["blog", "IMDB", "", "website "])
def test_link_type_outside_enum(profile: ModuleType, link_type: str) -> None:
    assert errors_of(profile.validate_updateProfile_request, {"links": [link(type=link_type)]}) == [("links[0].type", "enum")]


def test_required_item_fields(profile: ModuleType) -> None:
    assert errors_of(profile.validate_updateProfile_request, {"links": [{}]}) == [
        ("links[0].label", "required"),
        ("links[0].url", "required"),
        ("links[0].type", "required"),
        ("links[0].position", "required"),
    ]


def test_list_and_item_types(profile: ModuleType) -> None:
    assert errors_of(profile.validate_updateProfile_request, {"links": {"0": link()}}) == [("links", "type")]
    assert errors_of(profile.validate_updateProfile_request, {"links": [link(), "https://x.com"]}) == [("links[1]", "type")]


def test_paths_name_the_item_and_field(profile: ModuleType) -> None:
    links = [link(position=i) for i in range(5)]
    links[3] = link(position=3, url="javascript:alert(1)", extra=1)
    assert errors_of(profile.validate_updateProfile_request, {"links": links}) == [
        ("links[3].extra", "unknown_field"),
        ("links[3].url", "url_scheme"),
    ]


def test_every_error_is_reported(profile: ModuleType) -> None:
    body = {
        "title": "x" * 101,
        "nope": 1,
        "links": [link(label="", position=100), link(url="ftp://example.com", type="blog", position=1)],
    }
    assert sorted(errors_of(profile.validate_updateProfile_request, body)) == sorted(
        [
            ("nope", "unknown_field"),
            ("title", "too_long"),
            ("links[0].label", "too_short"),
            ("links[0].position", "too_large"),
            ("links[1].url", "url_scheme"),
            ("links[1].type", "enum"),
        ]
    )


def test_imdb_links_must_be_on_imdb(profile: ModuleType) -> None:
    ok = profile.validate_updateProfile_request
    for url in ("https://imdb.com/title/tt1/", "https://www.imdb.com/name/nm1/", "https://m.IMDB.com/x", "https://imdb.com./x"):
        assert ok({"links": [link(type="imdb", url=url)]})
    for url in ("https://evilimdb.com/", "https://imdb.com.evil.com/", "https://imdb.co/", "https://example.com/imdb.com"):
        assert errors_of(ok, {"links": [link(type="imdb", url=url)]}) == [("links[0].url", "host_not_allowed")]
    # The allow-list applies only to its link type.
    assert ok({"links": [link(type="website", url="https://evilimdb.com/")]})


def test_host_rule_path_points_at_the_item(profile: ModuleType) -> None:
    links = [link(position=i) for i in range(3)]
    links[2] = link(position=2, type="imdb", url="https://example.com/")
    assert errors_of(profile.validate_updateProfile_request, {"links": links}) == [("links[2].url", "host_not_allowed")]


def test_duplicate_positions(profile: ModuleType) -> None:
    links = [link(position=0), link(position=1), link(position=0)]
    assert errors_of(profile.validate_updateProfile_request, {"links": links}) == [("links[2].position", "duplicate")]


def test_url_length_boundaries(profile: ModuleType) -> None:
    prefix = "https://example.com/"
    at_max = prefix + "a" * (2048 - len(prefix))
    assert profile.validate_updateProfile_request({"links": [link(url=at_max)]})["links"][0]["url"] == at_max
    assert errors_of(profile.validate_updateProfile_request, {"links": [link(url=at_max + "a")]}) == [("links[0].url", "url_too_long")]


def test_request_validation_does_not_apply_the_cap(profile: ModuleType) -> None:
    links = [link(position=i) for i in range(11)]
    assert len(profile.validate_updateProfile_request({"links": links})["links"]) == 11


def test_check_cap(profile: ModuleType) -> None:
    assert profile.CAPS == {"profile_links": 10}
    assert profile.check_cap("profile_links", 0, "links") is None
    assert profile.check_cap("profile_links", 10, "links") is None
    with pytest.raises(profile.ValidationFailed) as info:
        profile.check_cap("profile_links", 11, "links")
    assert [e.as_dict()["code"] for e in info.value.errors] == ["cap_exceeded"]
    assert info.value.errors[0].path == "links"


# ---------------------------------------------------------------------------
# dashboard-stats-endpoints: query parameters


class MultiParams(dict):  # type: ignore[type-arg]
    """A mapping with `getlist`, like Starlette's QueryParams."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k == key]


def test_query_default(stats: ModuleType) -> None:
    assert stats.validate_getDashboardStats_query({}) == {"range": "7d"}


@pytest.mark.parametrize("value", ["7d", "30d"])
def test_query_enum_values(stats: ModuleType, value: str) -> None:
    assert stats.validate_getDashboardStats_query({"range": value}) == {"range": value}


@pytest.mark.parametrize("value", ["1y", "7D", "", "7"])
def test_query_outside_enum(stats: ModuleType, value: str) -> None:
    assert errors_of(stats.validate_getDashboardStats_query, {"range": value}) == [("range", "enum")]


def test_query_unknown_and_repeated(stats: ModuleType) -> None:
    assert errors_of(stats.validate_getDashboardStats_query, {"range": "7d", "debug": "1"}) == [("debug", "unknown_field")]
    params = MultiParams([("range", "7d"), ("range", "30d")])
    assert errors_of(stats.validate_getDashboardStats_query, params) == [("range", "duplicate")]
    assert stats.validate_getDashboardStats_query(MultiParams([("range", "30d")])) == {"range": "30d"}


def test_stats_has_no_request_validators(stats: ModuleType) -> None:
    assert stats.REQUEST_VALIDATORS == {}
    assert stats.CAPS == {}


# ---------------------------------------------------------------------------
# the synthetic spec: required fields, more kinds, required query params


def test_required_scalar_and_nullable(extra: ModuleType) -> None:
    validate = extra.validate_updateExtra_request
    assert errors_of(validate, {}) == [("age", "required")]
    assert validate({"age": None}) == {"age": None}
    assert validate({"age": 0}) == {"age": 0}
    assert validate({"age": 150}) == {"age": 150}
    assert errors_of(validate, {"age": 151}) == [("age", "too_large")]
    assert errors_of(validate, {"age": -1}) == [("age", "too_small")]


def test_bool_and_bigint(extra: ModuleType) -> None:
    validate = extra.validate_updateExtra_request
    assert validate({"age": 1, "newsletter": False}) == {"age": 1, "newsletter": False}
    assert errors_of(validate, {"age": 1, "newsletter": 0}) == [("newsletter", "type")]
    assert validate({"age": 1, "score": 2**63 - 1})["score"] == 2**63 - 1
    assert errors_of(validate, {"age": 1, "score": 2**63}) == [("score", "too_large")]
    assert errors_of(validate, {"age": 1, "score": -(2**63) - 1}) == [("score", "too_small")]


def test_https_only_url_with_short_max(extra: ModuleType) -> None:
    validate = extra.validate_updateExtra_request
    assert validate({"age": 1, "homepage": "HTTPS://Example.com"})["homepage"] == "https://example.com"
    assert errors_of(validate, {"age": 1, "homepage": "http://example.com"}) == [("homepage", "url_scheme")]
    at_max = "https://example.com/" + "a" * 40
    assert validate({"age": 1, "homepage": at_max})["homepage"] == at_max
    assert errors_of(validate, {"age": 1, "homepage": at_max + "a"}) == [("homepage", "url_too_long")]
    # Within the limit as given, over it once the host is IDNA-encoded.
    grows = "https://" + "ü" * 20 + ".de/" + "a" * 24
    assert len(grows) <= 60
    assert errors_of(validate, {"age": 1, "homepage": grows}) == [("homepage", "url_too_long")]


def test_host_rule_with_two_domains_and_optional_url(extra: ModuleType) -> None:
    validate = extra.validate_updateExtra_request
    badge = {"code": "a", "kind": "day"}
    assert validate({"age": 1, "badges": [dict(badge, link="https://x.example.org/")]})
    assert validate({"age": 1, "badges": [dict(badge, link=None)]})
    assert validate({"age": 1, "badges": [badge]})
    assert errors_of(validate, {"age": 1, "badges": [dict(badge, link="https://example.net/")]}) == [("badges[0].link", "host_not_allowed")]
    assert validate({"age": 1, "badges": [dict(badge, kind="week", link="https://example.net/")]})


def test_multi_column_unique_and_dates(extra: ModuleType) -> None:
    validate = extra.validate_updateExtra_request
    badges = [{"code": "a", "kind": "day"}, {"code": "a", "kind": "week"}, {"code": "a", "kind": "day"}]
    assert errors_of(validate, {"age": 1, "badges": badges}) == [("badges[2].code", "duplicate")]
    assert validate({"age": 1, "badges": [{"code": "a", "kind": "day", "awarded": "2024-02-29"}]})["badges"][0]["awarded"] == "2024-02-29"
    assert errors_of(validate, {"age": 1, "badges": [{"code": "a", "kind": "day", "awarded": "2023-02-29"}]}) == [("badges[0].awarded", "type")]
    assert extra.CAPS == {"badges": 3}


def test_required_query_param(extra: ModuleType) -> None:
    assert errors_of(extra.validate_getExtra_query, {}) == [("period", "required")]
    assert extra.validate_getExtra_query({"period": "week"}) == {"period": "week"}


# ---------------------------------------------------------------------------
# JSON Schemas agree with the validators


def _schema(rendered: Path, spec_id: str, name: str) -> dict[str, Any]:
    return json.loads((rendered / spec_id / "schemas" / name).read_text(encoding="utf-8"))


def test_schema_files_exist_for_every_body(rendered: Path) -> None:
    found = sorted(p.relative_to(rendered).as_posix() for p in rendered.glob("*/schemas/*.json"))
    assert found == [
        "dashboard-stats-endpoints/schemas/getDashboardStats.response.json",
        "profile-links-titles/schemas/getProfile.response.json",
        "profile-links-titles/schemas/updateProfile.request.json",
        "profile-links-titles/schemas/updateProfile.response.json",
        "reading-lists/schemas/items_create.request.json",
        "reading-lists/schemas/items_list.response.json",
        "reading-lists/schemas/items_replace.request.json",
        "reading-lists/schemas/items_row.response.json",
        "reading-lists/schemas/items_update.request.json",
        "reading-lists/schemas/lists_create.request.json",
        "reading-lists/schemas/lists_list.response.json",
        "reading-lists/schemas/lists_row.response.json",
        "reading-lists/schemas/lists_update.request.json",
        "theme-preference-api/schemas/getPreferences.response.json",
        "theme-preference-api/schemas/updatePreferences.request.json",
        "theme-preference-api/schemas/updatePreferences.response.json",
    ]
    for path in rendered.glob("*/schemas/*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _agree(schema: dict[str, Any], validate: Any, body: Any) -> bool:
    """Whether the JSON Schema accepts `body`; asserts the validator agrees."""
    failed = validate.__globals__["ValidationFailed"]
    schema_ok = jsonschema.Draft202012Validator(schema).is_valid(body)
    try:
        validate(body)
        validator_ok = True
    except failed:
        validator_ok = False
    assert schema_ok == validator_ok, body
    return schema_ok


def test_request_schema_mirrors_the_validator(rendered: Path, profile: ModuleType, theme: ModuleType) -> None:
    schema = _schema(rendered, "profile-links-titles", "updateProfile.request.json")
    validate = profile.validate_updateProfile_request
    assert schema["additionalProperties"] is False
    assert schema["properties"]["links"]["maxItems"] == 10
    assert _agree(schema, validate, {"title": "x" * 100, "links": [link(label="x" * 40, position=99)]})
    assert _agree(schema, validate, {"title": None})
    assert not _agree(schema, validate, {"title": "x" * 101})
    assert not _agree(schema, validate, {"links": [link(label="x" * 41)]})
    assert not _agree(schema, validate, {"links": [link(label="")]})
    assert not _agree(schema, validate, {"links": [link(position=100)]})
    assert not _agree(schema, validate, {"links": [link(position=-1)]})
    assert not _agree(schema, validate, {"links": [link(type="blog")]})
    assert not _agree(schema, validate, {"links": [link(url="javascript:alert(1)")]})
    assert not _agree(schema, validate, {"links": [link(url=" https://example.com")]})
    assert not _agree(schema, validate, {"links": [link(url="https://example.com/a b")]})
    assert not _agree(schema, validate, {"links": [link(url="https://user@example.com/")]})
    assert not _agree(schema, validate, {"links": None})
    assert not _agree(schema, validate, {"other": 1})
    assert not _agree(schema, validate, {"links": [{"label": "x"}]})
    assert _agree(schema, validate, {"links": [link(url="HTTPS://EXAMPLE.COM/")]})
    theme_schema = _schema(rendered, "theme-preference-api", "updatePreferences.request.json")
    for value in ("light", "dark", None):
        assert _agree(theme_schema, theme.validate_updatePreferences_request, {"theme": value})
    assert not _agree(theme_schema, theme.validate_updatePreferences_request, {"theme": "blue"})


def test_response_schemas(rendered: Path) -> None:
    profile = _schema(rendered, "profile-links-titles", "getProfile.response.json")
    assert profile["required"] == ["title", "links"]
    item = profile["properties"]["links"]["items"]
    assert item["required"] == ["id", "label", "url", "type", "position"]
    good = {"title": None, "links": [{"id": 1, "label": "x", "url": "https://www.imdb.com/x", "type": "imdb", "position": 0}]}
    assert jsonschema.Draft202012Validator(profile).is_valid(good)
    bad = {"title": None, "links": [dict(good["links"][0], url="HTTPS://x.com")]}
    assert not jsonschema.Draft202012Validator(profile).is_valid(bad)
    stats = _schema(rendered, "dashboard-stats-endpoints", "getDashboardStats.response.json")
    assert stats["properties"]["range"]["enum"] == ["7d", "30d"]
    assert stats["properties"]["totalViews"] == {**stats["properties"]["totalViews"], "type": "integer", "minimum": 0}
    assert jsonschema.Draft202012Validator(stats).is_valid({"range": "7d", "totalViews": 3, "totalEngagement": 0})
    assert not jsonschema.Draft202012Validator(stats).is_valid({"range": "7d", "totalViews": -1, "totalEngagement": 0})
