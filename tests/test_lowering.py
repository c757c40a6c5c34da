"""The IR that lowering produces for the bundled specs, and its invariants."""

from __future__ import annotations

from compiler.ir import (
    AddCheck,
    AddColumn,
    ColumnField,
    CreateIndex,
    CreateTable,
    ListField,
    MetricField,
    Project,
)


def test_specs_are_in_dependency_order(project: Project) -> None:
    ids = [s.id for s in project.specs]
    assert ids.index("theme-preference-api") < ids.index("profile-links-titles")


def test_each_spec_is_lowered_against_the_schema_after_its_predecessors(project: Project) -> None:
    links = project.spec("profile-links-titles")
    theme = project.spec("theme-preference-api")
    assert links is not None and theme is not None
    assert links.schema_before.table("users").column("theme") is not None  # type: ignore[union-attr]
    assert theme.schema_before.table("users").column("theme") is None  # type: ignore[union-attr]
    assert project.final_schema.table("profile_links") is not None


def test_theme_is_an_additive_nullable_column_with_an_enum_check(project: Project) -> None:
    spec = project.spec("theme-preference-api")
    assert spec is not None
    add, check = spec.operations
    assert isinstance(add, AddColumn) and add.table == "users"
    assert add.column.nullable and add.column.enum is not None
    assert add.column.enum.values == ("light", "dark")
    assert isinstance(check, AddCheck)
    assert check.check.name == "ck_users_theme_enum" and check.check.values == ("light", "dark")


def test_profile_links_table(project: Project) -> None:
    spec = project.spec("profile-links-titles")
    assert spec is not None
    create = next(op for op in spec.operations if isinstance(op, CreateTable))
    table = create.table
    assert [c.name for c in table.columns] == [
        "id", "user_id", "label", "url", "type", "position", "created_at", "updated_at",
    ]
    user_id = table.column("user_id")
    assert user_id is not None and user_id.kind == "uuid" and not user_id.nullable
    assert user_id.references is not None and user_id.references.on_delete == "cascade"
    label = table.column("label")
    assert label is not None and (label.min_length, label.max_length) == (1, 40)
    url = table.column("url")
    assert url is not None and url.schemes == ("http", "https") and url.max_length == 2048
    assert [r.hosts for r in url.host_rules] == [("imdb.com",)]
    assert {c.name for c in table.checks} == {
        "ck_profile_links_label_length",
        "ck_profile_links_url_length",
        "ck_profile_links_url_scheme",
        "ck_profile_links_type_enum",
        "ck_profile_links_position_range",
    }
    assert [fk.name for fk in table.foreign_keys] == ["fk_profile_links_user_id"]
    indexes = [op.index for op in spec.operations if isinstance(op, CreateIndex)]
    assert [(i.name, i.columns, i.unique) for i in indexes] == [
        ("ux_profile_links_user_id_position", ("user_id", "position"), True)
    ]
    assert table.cap is not None and (table.cap.max, table.cap.per) == (10, "user_id")


def test_defaults_are_recorded_as_open_questions(project: Project) -> None:
    links = project.spec("profile-links-titles")
    stats = project.spec("dashboard-stats-endpoints")
    assert links is not None and stats is not None
    assert {q.key: q.default for q in links.questions} == {
        "enum-values:link_type": "website, imdb, showreel, other",
        "cap:profile_links": "10",
    }
    keys = {q.key for q in stats.questions}
    assert keys == {"definition:totalEngagement", "series:totalEngagement", "cache:getDashboardStats"}
    # totalViews has a written definition and an explicit `series`, so no question.
    assert not any("totalViews" in k for k in keys)


def test_endpoints(project: Project) -> None:
    links = project.spec("profile-links-titles")
    assert links is not None
    get, patch = links.endpoints
    assert (get.method, get.path, get.kind, get.auth) == ("GET", "/api/me/profile", "read", True)
    assert patch.kind == "update" and patch.errors == (401, 422)
    title, items = patch.request
    assert isinstance(title, ColumnField) and title.column.max_length == 100
    assert isinstance(items, ListField) and items.owner_column == "user_id"
    assert [f.name for f in items.fields] == ["label", "url", "type", "position"]
    assert all(f.required for f in items.fields)
    stats = project.spec("dashboard-stats-endpoints")
    assert stats is not None
    (endpoint,) = stats.endpoints
    assert endpoint.kind == "aggregate"
    assert endpoint.cache is not None
    assert (endpoint.cache.cache_control, endpoint.cache.vary) == ("private, max-age=60", ("Authorization",))
    (param,) = endpoint.query
    assert param.default == "7d" and dict(param.window_days) == {"7d": 7, "30d": 30}
    metrics = [f.metric.name for f in endpoint.response if isinstance(f, MetricField)]
    assert metrics == ["totalViews", "totalEngagement"]


def test_ir_is_hashable_and_deterministic(project: Project) -> None:
    from compiler.project import build_project
    from tests.conftest import ROOT, SPECS

    again = build_project(SPECS, ROOT)
    assert again == project
    assert hash(again.specs) == hash(project.specs)


def test_a_reference_added_to_an_existing_table_gets_an_index(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from compiler.ir import AddForeignKey
    from compiler.project import build_project
    from tests.conftest import SPECS

    shutil.copytree(SPECS / "base", tmp_path / "base")
    (tmp_path / "referrals.yaml").write_text(
        "spec: 1\nid: referrals\ntitle: Referrals\n"
        "tables:\n  posts:\n    add:\n      reviewer_id: {type: ref, to: users, on_delete: set null}\n"
    )
    (spec,) = build_project(tmp_path, tmp_path).specs
    kinds = [type(op).__name__ for op in spec.operations]
    assert kinds == ["AddColumn", "AddForeignKey", "CreateIndex"]
    fk = next(op for op in spec.operations if isinstance(op, AddForeignKey))
    assert fk.constraint.name == "fk_posts_reviewer_id"
    index = next(op for op in spec.operations if isinstance(op, CreateIndex))
    assert index.index.columns == ("reviewer_id",) and not index.new_table
    assert spec.schema_after.table("posts").indexes[-1].name == "ix_posts_reviewer_id"  # type: ignore[union-attr]


def test_a_later_spec_cannot_drop_a_column_an_earlier_endpoint_uses(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    import pytest

    from compiler.diagnostics import SpecError
    from compiler.project import build_project
    from tests.conftest import SPECS

    shutil.copytree(SPECS, tmp_path / "specs")
    (tmp_path / "specs" / "drop-theme.yaml").write_text(
        "spec: 1\nid: drop-theme\ntitle: Drop the theme\ndepends_on: [theme-preference-api]\n"
        "tables:\n  users:\n    drop: [theme]\n"
        "approvals:\n  - {rule: SC101, target: users.theme, reason: unused}\n"
    )
    with pytest.raises(SpecError) as err:
        build_project(tmp_path / "specs", tmp_path)
    (diag,) = err.value.diagnostics
    assert diag.code == "E244" and diag.span.file == "specs/drop-theme.yaml" and diag.span.line == 7
    assert "theme-preference-api" in diag.message and "getPreferences" in diag.message
