"""specc.yaml: the profile and its conventions (compiler/config.py, docs/prisma.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from compiler.cli import main
from compiler.config import schema_text
from compiler.diagnostics import SpecError
from compiler.ir import DEFAULT_CONVENTIONS, AddColumn, CreateTable
from compiler.project import build_project
from tests.conftest import ROOT

VALINE = ROOT / "examples" / "valine"

CREATE = """\
spec: 1
id: saved-searches
title: Saved searches
priority: low
motivation: Users keep searches.
tables:
  saved_searches:
    timestamps: true
    columns:
      id: {type: id}
      user_id: {type: ref, to: users, on_delete: cascade, nullable: false}
      search_text: {type: string, max: 200, nullable: false}
    indexes:
      - [user_id, search_text]
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    shutil.copytree(VALINE / "specs" / "base", tmp_path / "specs" / "base")
    shutil.copytree(VALINE / "prisma", tmp_path / "prisma")
    (tmp_path / "specs" / "saved-searches.yaml").write_text(CREATE, "utf-8")
    return tmp_path


def test_the_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(json.loads(schema_text()))


def test_no_config_is_the_default_profile(project: Path) -> None:
    assert build_project(project / "specs").conventions == DEFAULT_CONVENTIONS


def test_fastapi_sql_keeps_spec_names(project: Path) -> None:
    (project / "specc.yaml").write_text("version: 1\nprofile: fastapi-sql\n", "utf-8")
    spec = build_project(project / "specs").specs[0]
    table = next(op.table for op in spec.operations if isinstance(op, CreateTable))
    assert [c.name for c in table.columns] == ["id", "user_id", "search_text", "created_at", "updated_at"]
    assert table.columns[0].kind == "id"
    assert [fk.name for fk in table.foreign_keys] == ["fk_saved_searches_user_id"]
    assert table.foreign_keys[0].fk.on_update == "no action"


def test_prisma_postgres_lowers_to_prisma_conventions(project: Path) -> None:
    (project / "specc.yaml").write_text("version: 1\nprofile: prisma-postgres\n", "utf-8")
    built = build_project(project / "specs")
    assert built.conventions.profile == "prisma-postgres"
    assert built.conventions.prisma_schema == "prisma/schema.prisma"
    assert built.conventions.migration_stamp == 20260105224004  # the newest folder of the base chain
    table = next(op.table for op in built.specs[0].operations if isinstance(op, CreateTable))
    assert [c.name for c in table.columns] == ["id", "userId", "searchText", "createdAt", "updatedAt"]
    pk = table.columns[0]
    assert (pk.kind, pk.primary_key, pk.nullable) == ("text", True, False)
    assert table.column("userId").kind == "text"  # users.id is TEXT
    assert all((c.precision, c.timezone) == (3, False) for c in table.columns if c.kind == "timestamp")
    assert [(fk.name, fk.fk.on_delete, fk.fk.on_update) for fk in table.foreign_keys] == [("saved_searches_userId_fkey", "cascade", "cascade")]
    assert [ix.name for ix in table.indexes] == ["saved_searches_userId_searchText_idx"]
    assert [ck.name for ck in table.checks] == ["saved_searches_searchText_length_check"]


def test_conventions_can_be_overridden_one_by_one(project: Path) -> None:
    (project / "specc.yaml").write_text("version: 1\nprofile: prisma-postgres\nconventions:\n  column_case: snake\n", "utf-8")
    table = next(op.table for op in build_project(project / "specs").specs[0].operations if isinstance(op, CreateTable))
    assert table.column("user_id") is not None and table.foreign_keys[0].name == "saved_searches_user_id_fkey"


def test_the_example_adds_a_camel_case_column() -> None:
    spec = build_project(VALINE / "specs").spec("theme-preference")
    assert spec is not None
    (op,) = [op for op in spec.operations if isinstance(op, AddColumn)]
    assert (op.table, op.column.name, op.column.nullable) == ("users", "themePreference", True)


@pytest.mark.parametrize(
    ("text", "where", "code"),
    [
        ("version: 1\nprofile: prisma\n", "specc.yaml:2:10", "E104"),
        ("version: 1\nprofile: prisma-postgres\nconventons: {}\n", "specc.yaml:3:1", "E101"),
        ("version: 1\nprofile: fastapi-sql\nconventions:\n  ids: serial\n", "specc.yaml:4:8", "E104"),
        ("profile: fastapi-sql\n", "specc.yaml:1:1", "E103"),
        ("version: 1\nprofile: prisma-postgres\nprisma:\n  schema: ../x.prisma\n", "specc.yaml:4:11", "E281"),
        ("version: 1\nprofile: prisma-postgres\nprisma:\n  schema: prisma/nowhere.prisma\n", "specc.yaml:4:11", "E282"),
        ("version: 1\nprofile: prisma-postgres\nprisma:\n  schema: schema.prisma\n", "specc.yaml:4:11", "E104"),
        ("version: 1\nprofile: fastapi-sql\nprisma: {schema: p/a.prisma}\n", "specc.yaml:3:1", "E280"),
    ],
)
def test_a_bad_config_is_a_located_error(project: Path, text: str, where: str, code: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "specc.yaml").write_text(text, "utf-8")
    with pytest.raises(SpecError) as err:
        build_project(project / "specs", project)
    assert any(str(d.span) == where and d.code == code for d in err.value.diagnostics), [(str(d.span), d.code, d.message) for d in err.value.diagnostics]
    monkeypatch.chdir(project)
    assert main(["compile", "--out", str(project / "out")]) == 2
    err_text = capsys.readouterr().err
    assert f"{where}: error {code}" in err_text and "Traceback" not in err_text
    assert not (project / "out").exists()


def test_specc_schema_config_prints_the_config_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--config"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "specc project configuration"


LINKS_BACKFILL = """\
spec: 1
id: links-backfill
title: t
tables:
  profile_links:
    indexes:
      - [profile_id, position]
backfills:
  move:
    table: profiles
    json_array: social_links
    into: profile_links
    owner: profile_id
    copy: {user_id: COPIED}
    position: position
    map: {url: url, label: label, type: type}
"""


def test_spec_names_find_camel_case_columns_in_indexes_and_backfills(project: Path) -> None:
    (project / "specc.yaml").write_text("version: 1\nprofile: prisma-postgres\n", "utf-8")
    (project / "specs" / "saved-searches.yaml").unlink()
    (project / "specs" / "links-backfill.yaml").write_text(LINKS_BACKFILL.replace("COPIED", "user_id"), "utf-8")
    spec = build_project(project / "specs").specs[0]
    from compiler.ir import CreateIndex, JsonRowsBackfill

    (index,) = [op.index for op in spec.operations if isinstance(op, CreateIndex)]
    assert index.columns == ("profileId", "position") and index.name == "profile_links_profileId_position_idx"
    (backfill,) = spec.backfills
    assert isinstance(backfill, JsonRowsBackfill)
    assert (backfill.owner, backfill.copy, backfill.stamped) == ("profileId", (("userId", "userId"),), ("updatedAt",))


def test_a_backfill_without_the_copy_it_needs_or_with_a_bad_one_is_an_error(project: Path) -> None:
    (project / "specc.yaml").write_text("version: 1\nprofile: prisma-postgres\n", "utf-8")
    (project / "specs" / "saved-searches.yaml").unlink()
    (project / "specs" / "links-backfill.yaml").write_text(LINKS_BACKFILL.replace("COPIED", "nope"), "utf-8")
    with pytest.raises(SpecError) as err:
        build_project(project / "specs")
    # The bad name, and (since nothing fills it) the NOT NULL column it was for.
    assert [(d.code, d.message) for d in err.value.diagnostics][0] == ("E202", "backfill: table 'profiles' has no column 'nope'")
    assert [d.code for d in err.value.diagnostics] == ["E202", "E235"]
    (project / "specs" / "links-backfill.yaml").write_text(LINKS_BACKFILL.replace("    copy: {user_id: COPIED}\n", ""), "utf-8")
    with pytest.raises(SpecError) as err:
        build_project(project / "specs")
    assert [d.code for d in err.value.diagnostics] == ["E235"] and "userId" in err.value.diagnostics[0].message
