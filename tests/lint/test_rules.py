"""Every lint rule has an ok case (the safe way to make the change, which the
rule must not flag) and an err case (which it must flag, with that target)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from compiler.safety.lint import RULES
from compiler.safety.lint.api_surface import ApiContext, surface
from compiler.safety.lint.context import MigrationContext
from compiler.safety.lint.rules import BY_ID

BEFORE = """
CREATE TABLE users (
  id uuid PRIMARY KEY,
  email varchar(255) NOT NULL,
  bio text,
  theme varchar(10),
  age int,
  social_links jsonb
);
CREATE TABLE posts (
  id uuid PRIMARY KEY,
  author_id uuid NOT NULL REFERENCES users (id)
);
"""
# users.theme behaves as an enum column in the IR only when declared by a spec,
# so SC104 gets its own schema below.
TIMEOUTS = "SET lock_timeout = '5s';\nSET statement_timeout = '15min';\n"

# rule -> (ok sql, err sql, expected err target)
MIGRATION_CASES: dict[str, tuple[str, str, str]] = {
    "SC101": (
        TIMEOUTS + "ALTER TABLE users ADD COLUMN title varchar(100);",
        TIMEOUTS + "ALTER TABLE users DROP COLUMN social_links;",
        "users.social_links",
    ),
    "SC102": (
        "CREATE TABLE profile_links (id bigint PRIMARY KEY);",
        TIMEOUTS + "DROP TABLE posts;",
        "posts",
    ),
    "SC103": (
        TIMEOUTS + "ALTER TABLE users ALTER COLUMN email TYPE varchar(320);\n"
        "ALTER TABLE users ADD CONSTRAINT ck_email CHECK (char_length(email) <= 255) NOT VALID;",
        TIMEOUTS + "ALTER TABLE users ALTER COLUMN email TYPE varchar(100);",
        "users.email",
    ),
    "SC105": (
        TIMEOUTS + "ALTER TABLE users ADD COLUMN display text;",
        TIMEOUTS + "ALTER TABLE users RENAME COLUMN bio TO about;",
        "users.bio",
    ),
    "SC106": (
        TIMEOUTS + "ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;",
        TIMEOUTS + "ALTER TABLE users ADD COLUMN active boolean NOT NULL;",
        "users.active",
    ),
    "SC107": (
        TIMEOUTS + "ALTER TABLE users ALTER COLUMN theme TYPE varchar(40);",
        TIMEOUTS + "ALTER TABLE users ALTER COLUMN age TYPE bigint;",
        "users.age",
    ),
    "SC108": (
        TIMEOUTS + "CREATE INDEX CONCURRENTLY ix_users_bio ON users (bio);\n"
        "CREATE TABLE t (id bigint PRIMARY KEY, a int);\nCREATE INDEX ix_t_a ON t (a);",
        TIMEOUTS + "CREATE INDEX ix_users_bio ON users (bio);",
        "ix_users_bio",
    ),
    "SC109": (
        TIMEOUTS + "ALTER TABLE users ADD CONSTRAINT ck_age CHECK (age >= 0) NOT VALID;\n"
        "ALTER TABLE users VALIDATE CONSTRAINT ck_age;",
        TIMEOUTS + "ALTER TABLE posts ADD CONSTRAINT fk_posts_author FOREIGN KEY (author_id) REFERENCES users (id);",
        "fk_posts_author",
    ),
    "SC110": (
        TIMEOUTS + "ALTER TABLE users ADD COLUMN title varchar(100);",
        "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN title varchar(100);",
        "migration",
    ),
    "SC111": (
        "CREATE TABLE t (id bigint PRIMARY KEY, a int);\nCREATE UNIQUE INDEX ux_t_a ON t (a);",
        TIMEOUTS + "CREATE UNIQUE INDEX CONCURRENTLY ux_users_bio ON users (bio);",
        "ux_users_bio",
    ),
}


def _run(rule_id: str, ctx: object) -> list[str]:
    return [f.target for f in BY_ID[rule_id].check(ctx)]  # type: ignore[arg-type]


@pytest.mark.parametrize("rule_id", sorted(MIGRATION_CASES))
def test_migration_rule_ok(rule_id: str) -> None:
    ok, _err, _target = MIGRATION_CASES[rule_id]
    assert _run(rule_id, MigrationContext.from_sql(BEFORE, ok)) == []


@pytest.mark.parametrize("rule_id", sorted(MIGRATION_CASES))
def test_migration_rule_err(rule_id: str) -> None:
    _ok, err, target = MIGRATION_CASES[rule_id]
    assert _run(rule_id, MigrationContext.from_sql(BEFORE, err)) == [target]


def _enum_context(sql: str) -> MigrationContext:
    from dataclasses import replace

    from compiler.ir import EnumDef

    ctx = MigrationContext.from_sql(BEFORE, sql)
    users = ctx.before.table("users")
    assert users is not None
    theme = replace(users.column("theme"), kind="enum", enum=EnumDef("theme", ("light", "dark")))  # type: ignore[arg-type]
    users = replace(users, columns=tuple(theme if c.name == "theme" else c for c in users.columns))
    return replace(ctx, before=replace(ctx.before, tables=tuple(users if t.name == "users" else t for t in ctx.before.tables)))


def test_sc104_ok_adding_a_value() -> None:
    sql = TIMEOUTS + "ALTER TABLE users ADD CONSTRAINT ck_theme CHECK (theme IN ('light', 'dark', 'system')) NOT VALID;"
    assert _run("SC104", _enum_context(sql)) == []


def test_sc104_err_removing_a_value() -> None:
    sql = TIMEOUTS + "ALTER TABLE users ADD CONSTRAINT ck_theme CHECK (theme IN ('light')) NOT VALID;"
    assert _run("SC104", _enum_context(sql)) == ["users.theme"]


# --- API rules -----------------------------------------------------------------


def _api(request: dict | None = None, response: dict | None = None, required: list[str] | None = None, extra_paths: dict | None = None) -> dict:
    op: dict = {"operationId": "updateProfile", "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Profile"}}}}}}
    if request is not None:
        op["requestBody"] = {"content": {"application/json": {"schema": {"type": "object", "properties": request, "required": required or []}}}}
    return {
        "openapi": "3.1.0",
        "paths": {"/api/me/profile": {"patch": op}, **(extra_paths or {})},
        "components": {"schemas": {"Profile": {"type": "object", "properties": response or {}}}},
    }


THEME = {"type": "string", "enum": ["light", "dark"]}
GET_PREFS = {"/api/me/preferences": {"get": {"operationId": "getPreferences", "responses": {"200": {"description": "ok"}}}}}

# rule -> (old, ok new, err new, expected target)
API_CASES: dict[str, tuple[dict, dict, dict, str]] = {
    "BC201": (
        _api(response={"title": {"type": "string"}}),
        _api(response={"title": {"type": "string"}, "links": {"type": "array"}}),
        _api(response={}),
        "updateProfile.title",
    ),
    "BC202": (
        _api(request={"title": {"type": "string"}}),
        _api(request={"title": {"type": "string"}, "bio": {"type": "string"}}),
        _api(request={"title": {"type": "string"}}, required=["title"]),
        "updateProfile.title",
    ),
    "BC203": (
        _api(request={"theme": THEME}),
        _api(request={"theme": {"type": "string", "enum": ["light", "dark", "system"]}}),
        _api(request={"theme": {"type": "string", "enum": ["dark"]}}),
        "updateProfile.theme",
    ),
    "BC204": (
        _api(extra_paths=GET_PREFS),
        _api(extra_paths={**GET_PREFS, "/api/x": {"get": {"operationId": "x", "responses": {}}}}),
        _api(),
        "getPreferences",
    ),
}


@pytest.mark.parametrize("rule_id", sorted(API_CASES))
def test_api_rule_ok(rule_id: str) -> None:
    old, ok, _err, _target = API_CASES[rule_id]
    assert _run(rule_id, ApiContext(surface(old), surface(ok))) == []


@pytest.mark.parametrize("rule_id", sorted(API_CASES))
def test_api_rule_err(rule_id: str) -> None:
    old, _ok, err, target = API_CASES[rule_id]
    assert _run(rule_id, ApiContext(surface(old), surface(err))) == [target]


def test_every_rule_has_cases_and_docs() -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "lint-rules.md").read_text("utf-8")
    covered = set(MIGRATION_CASES) | set(API_CASES) | {"SC104"}
    for rule in RULES:
        assert rule.id in covered, f"{rule.id} has no ok/err case"
        assert f"{rule.id} {rule.name}" in docs, f"{rule.id} is not documented"
        assert rule.reason in docs and rule.fix in docs
    assert len({r.id for r in RULES}) == len(RULES)


# --- path parameters (resources) -------------------------------------------------------


def _items(path: str, *, with_body: bool = True) -> dict:
    param = [{"name": n, "in": "path", "required": True, "schema": {"type": "integer"}} for n in re.findall(r"\{(\w+)\}", path)]
    fields = {"url": {"type": "string"}, "note": {"type": "string"}} if with_body else {"url": {"type": "string"}}
    op = {
        "operationId": "listItems",
        "parameters": param,
        "responses": {"200": {"content": {"application/json": {"schema": {"type": "object", "properties": fields}}}}},
    }
    return {"openapi": "3.1.0", "paths": {path: {"get": op}}}


def _all_rules(old: dict, new: dict) -> list[tuple[str, str]]:
    ctx = ApiContext(surface(old), surface(new))
    return sorted((rule.id, f.target) for rule in RULES if rule.scope == "api" for f in rule.check(ctx))


def test_removing_a_path_parameter_removes_the_endpoint() -> None:
    """`/api/lists/{list_id}/items` -> `/api/items`: clients' URLs are gone (BC204)."""
    assert _all_rules(_items("/api/lists/{list_id}/items"), _items("/api/items")) == [("BC204", "listItems")]
    assert _all_rules(_items("/api/items"), _items("/api/lists/{list_id}/items")) == [("BC204", "listItems")]


def test_renaming_a_path_parameter_is_not_a_break_but_what_it_serves_is_still_compared() -> None:
    """Clients see the URL, not the parameter's name: a rename alone finds
    nothing, and a field removed under the renamed URL is still BC201."""
    old = _items("/api/lists/{list_id}/items")
    assert _all_rules(old, _items("/api/lists/{id}/items")) == []
    assert _all_rules(old, _items("/api/lists/{id}/items", with_body=False)) == [("BC201", "listItems.note")]


def _reading_lists_doc(tmp_path: Any, methods: str, *, rating: bool = False) -> dict:
    """The compiled OpenAPI document of specs/ with the items resource serving
    `methods` (and, with `rating`, a required rating field)."""
    import shutil

    import yaml

    from compiler.emit import render_tree
    from compiler.project import build_project
    from tests.conftest import SPECS

    specs = tmp_path / f"specs-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(SPECS, specs)
    spec = specs / "reading-lists.yaml"
    text = spec.read_text("utf-8").replace("methods: [create, list, get, update, replace, delete]", f"methods: [{methods}]")
    if rating:
        text = text.replace("      note: {type: text, nullable: true}", "      note: {type: text, nullable: true}\n      rating: {type: int, nullable: false}")
        text = text.replace("fields: [url, title, status, note]", "fields: [url, title, status, note, rating]")
    spec.write_text(text, "utf-8")
    tree = render_tree(build_project(specs, tmp_path), ("openapi",))
    return yaml.safe_load(tree[next(p for p in tree if str(p) == "_project/openapi.yaml")])


def test_put_replace_is_part_of_the_api_surface(tmp_path: Any) -> None:
    """Dropping `replace` removes PUT on the item (BC204 items_replace); a new
    required field makes the PUT body stricter, like the POST's (BC202)."""
    with_put = _reading_lists_doc(tmp_path, "create, list, get, update, replace, delete")
    assert with_put["paths"]["/api/reading-lists/{list_id}/items/{item_id}"]["put"]["operationId"] == "items_replace"
    without = _reading_lists_doc(tmp_path, "create, list, get, update, delete")
    assert _all_rules(with_put, without) == [("BC204", "items_replace")]
    stricter = _reading_lists_doc(tmp_path, "create, list, get, update, replace, delete", rating=True)
    assert _all_rules(with_put, stricter) == [("BC202", "items_create.rating"), ("BC202", "items_replace.rating")]
