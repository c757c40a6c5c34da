"""The Prisma target (targets/prisma.py): paths, stamps, schema.prisma edits.
The engine-level proof that the output matches Prisma is tests/engines/test_prisma_drift.py."""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

import pytest

from compiler.diagnostics import SpecError
from compiler.project import build_project
from targets import get
from targets.prisma import emit_spec, schema_after, stamp
from tests.conftest import ROOT, SPECS
from tests.engines.test_prisma_drift import SAVED_SEARCHES

VALINE = ROOT / "examples" / "valine"


@pytest.fixture()
def valine(tmp_path: Path) -> Path:
    shutil.copytree(VALINE, tmp_path / "p", ignore=shutil.ignore_patterns("snapshots", ".specc"))
    return tmp_path / "p"


def test_registered_and_silent_under_the_default_profile() -> None:
    project = build_project(SPECS)
    target = get("prisma")
    assert all(target.spec_files(project, spec) == {} for spec in project.specs)


def test_the_example_writes_schema_and_migration_folder() -> None:
    project = build_project(VALINE / "specs")
    assert [s.id for s in project.specs] == ["dashboard-stats-endpoints", "theme-preference", "profile-links-titles"]
    spec = project.spec("theme-preference")
    assert spec is not None
    # A spec without a migration writes no Prisma folder.
    assert not [p for p in emit_spec(project, project.specs[0]) if "migrations" in p.parts]
    files = emit_spec(project, spec)
    root = PurePosixPath("theme-preference/prisma")
    assert sorted(files) == [
        root / "migrations/20260105224005_theme_preference/migration.sql",
        root / "migrations/20260105224005_theme_preference/rollback.sql",
        root / "schema.prisma",
    ]
    # one second after the newest base folder, 20260105224004_add_profile_pronouns_and_privacy_fields
    assert stamp(project, spec) == "20260105224005"
    up = files[root / "migrations/20260105224005_theme_preference/migration.sql"]
    assert 'ALTER TABLE users ADD COLUMN "themePreference" TEXT;' in up
    assert 'ALTER TABLE users DROP COLUMN "themePreference";' in files[root / "migrations/20260105224005_theme_preference/rollback.sql"]
    schema = files[root / "schema.prisma"]
    base = project.conventions.prisma_schema_text
    assert schema.startswith(base.split("model User {")[0])
    user = schema.split("model User {")[1].split("\n}")[0]
    assert "  themePreference String?" in user
    assert schema.count("themePreference String?") == 1
    assert emit_spec(project, spec) == files, "deterministic"


def test_a_new_table_gets_a_model_relations_and_indexes(valine: Path) -> None:
    (valine / "specs" / "saved-searches.yaml").write_text(SAVED_SEARCHES, "utf-8")
    project = build_project(valine / "specs")
    # dashboard-stats-endpoints has no migration, so it takes no second.
    stamps = {s.id: stamp(project, s) for s in project.specs if s.has_migration}
    assert stamps == {"theme-preference": "20260105224005", "profile-links-titles": "20260105224006", "saved-searches": "20260105224007"}
    text = schema_after(project, project.specs[-1])
    model = text.split("model SavedSearch {")[1].split("\n}")[0]
    assert "  id String @id @default(uuid())" in model
    # Two relations to User: both sides name them.
    assert '  user User @relation("saved_searches_userId_fkey", fields: [userId], references: [id], onDelete: Cascade, onUpdate: Cascade)' in model
    assert '  sharedBy User? @relation("saved_searches_sharedById_fkey", fields: [sharedById], references: [id], onDelete: SetNull, onUpdate: Cascade)' in model
    assert "  profile Profile? @relation(fields: [profileId], references: [id], onDelete: SetNull, onUpdate: Cascade)" in model
    assert "  updatedAt DateTime @default(now()) @updatedAt" in model
    assert "  @@index([userId, searchText])" in model and "  @@unique([userId, position])" in model
    assert '  @@map("saved_searches")' in model
    user = text.split("model User {")[1].split("\n}")[0]
    assert '  savedSearchesUser SavedSearch[] @relation("saved_searches_userId_fkey")' in user
    assert '  savedSearchesSharedBy SavedSearch[] @relation("saved_searches_sharedById_fkey")' in user
    assert "  savedSearches SavedSearch[]" in text.split("model Profile {")[1].split("\n}")[0]
    assert "  headlineText String?" in text.split("model Profile {")[1].split("\n}")[0]


def test_an_operation_it_cannot_render_is_a_located_error(valine: Path) -> None:
    (valine / "specs" / "drop-theme.yaml").write_text(
        "spec: 1\nid: drop-theme\ntitle: Drop\npriority: low\nmotivation: m\ndepends_on: [theme-preference]\n"
        "tables:\n  users:\n    rename: {bio: about_me}\n"
        "approvals:\n  - {rule: SC105, target: users.bio, reason: test}\n",
        "utf-8",
    )
    project = build_project(valine / "specs")
    with pytest.raises(SpecError) as err:
        emit_spec(project, project.spec("drop-theme"))
    (d,) = err.value.diagnostics
    assert d.code == "E283" and d.span.file.endswith("drop-theme.yaml") and d.span.line == 9, str(d.span)


def test_the_example_snapshots_are_up_to_date(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """examples/valine/snapshots is what `specc compile` writes there today."""
    from compiler.cli import main

    monkeypatch.chdir(VALINE)
    assert main(["compile", "--check"]) == 0, capsys.readouterr().out[-3000:]


def test_the_links_spec_adds_checks_and_a_unique_index_to_valines_table() -> None:
    project = build_project(VALINE / "specs")
    spec = project.spec("profile-links-titles")
    assert spec is not None
    model = schema_after(project, spec).split("model ProfileLink {")[1].split("\n}")[0]
    lines = model.split("\n")
    url = next(i for i, line in enumerate(lines) if line.strip().startswith("url "))
    # An alter that only adds CHECKs leaves the field alone and documents them above it.
    assert lines[url].strip() == "url       String"
    assert lines[url - 2 : url] == [
        "  /// CHECK profile_links_url_length_check (in specc's migration; Prisma cannot express it)",
        "  /// CHECK profile_links_url_scheme_check (in specc's migration; Prisma cannot express it)",
    ]
    assert "  @@unique([userId, position])" in model
    files = emit_spec(project, spec)
    folders = sorted({p.parent.name for p in files if p.name == "migration.sql"})
    assert folders == ["20260105224006_profile_links_titles", "20260105224006_profile_links_titles_1", "20260105224006_profile_links_titles_2"]
