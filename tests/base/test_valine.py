"""Importing a real repository's migration chain: Project Valine's api/prisma
(tests/fixtures/valine, Prisma 6.19 on PostgreSQL), read without edits."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from compiler.base.schema import parse_base_schema
from compiler.base.replay import render_base, replay_files, replay_folder
from compiler.cli import main
from compiler.diagnostics import SpecError
from compiler.ir import NO_SPAN, Column, EnumDef, ForeignKey, ForeignKeyConstraint, Schema, Table
from targets.sql import render_schema

ROOT = Path(__file__).resolve().parents[2]
VALINE = ROOT / "tests" / "fixtures" / "valine" / "prisma"


@pytest.fixture(scope="module")
def valine() -> tuple[Schema, list[tuple[str, str]]]:
    state = replay_folder(VALINE / "migrations", ROOT)  # raises on any error
    return state.schema(), [(str(span), what) for span, what in state.skipped]


def _col(schema: Schema, table: str, column: str) -> Column:
    t = schema.table(table)
    assert t is not None, table
    c = t.column(column)
    assert c is not None, f"{table}.{column}"
    return c


def _fk(schema: Schema, table: str, name: str) -> ForeignKeyConstraint:
    t = schema.table(table)
    assert t is not None
    return next(fk for fk in t.foreign_keys if fk.name == name)


def _strip(schema: Schema) -> Schema:
    def col(c: Column) -> Column:
        return replace(c, span=NO_SPAN, enum=replace(c.enum, span=NO_SPAN) if c.enum else None)

    return Schema(
        tuple(
            replace(t, span=NO_SPAN, columns=tuple(col(c) for c in t.columns), indexes=tuple(replace(i, span=NO_SPAN) for i in t.indexes))
            for t in schema.tables
        )
    )


def test_valine_chain_types_are_kept(valine: tuple[Schema, list[tuple[str, str]]]) -> None:
    schema, _ = valine
    for table, column in (("posts", "media"), ("profiles", "roles"), ("profiles", "tags")):
        c = _col(schema, table, column)
        assert (c.kind, c.array, c.nullable) == ("text", True, True), f"{table}.{column}"
    price = _col(schema, "posts", "price")
    assert (price.kind, price.array, price.nullable) == ("float", False, True)
    created = _col(schema, "users", "createdAt")
    assert (created.kind, created.precision, created.timezone, created.default, created.nullable) == ("timestamp", 3, False, "now", False)
    assert _col(schema, "profiles", "socialLinks").kind == "json"
    assert _col(schema, "users", "passwordHash").kind == "text"  # RENAME COLUMN "password" TO "passwordHash"


def test_valine_enums_inside_do_blocks_are_native(valine: tuple[Schema, list[tuple[str, str]]]) -> None:
    schema, _ = valine
    status = _col(schema, "access_requests", "status")
    assert status.enum == EnumDef("RequestStatus", ("PENDING", "APPROVED", "DENIED"), native=True)
    assert (status.default, status.nullable) == ("PENDING", False)
    # TEXT column converted to the enum inside `IF EXISTS (... data_type = 'text') THEN ALTER ... TYPE`
    visibility = _col(schema, "posts", "visibility")
    assert visibility.enum is not None and (visibility.enum.name, visibility.enum.values) == ("Visibility", ("PUBLIC", "FOLLOWERS_ONLY"))
    assert (visibility.default, visibility.nullable) == ("PUBLIC", False)
    table = schema.table("access_requests")
    assert table is not None and table.checks == ()  # a native enum has no CHECK


def test_valine_foreign_keys_keep_on_update(valine: tuple[Schema, list[tuple[str, str]]]) -> None:
    schema, _ = valine
    # added by `IF NOT EXISTS (SELECT 1 FROM pg_constraint ...) THEN ALTER TABLE ... ADD CONSTRAINT`
    grant = _fk(schema, "access_requests", "access_requests_postId_fkey")
    assert (grant.column, grant.fk) == ("postId", ForeignKey("posts", "id", "cascade", "cascade"))
    triggerer = _fk(schema, "notifications", "notifications_triggererId_fkey")
    assert triggerer.fk == ForeignKey("users", "id", "set null", "cascade")
    author = _fk(schema, "Script", "Script_authorId_fkey")
    assert author.fk == ForeignKey("users", "id", "restrict", "cascade")


def test_valine_do_block_columns_comments_and_folded_names(valine: tuple[Schema, list[tuple[str, str]]]) -> None:
    schema, _ = valine
    onboarding = _col(schema, "users", "onboardingComplete")
    assert (onboarding.kind, onboarding.nullable, onboarding.default) == ("bool", False, False)
    # the DO block adds `theme VARCHAR(255) DEFAULT 'light'` only if missing: 20251105004900 already added it as TEXT
    theme = _col(schema, "users", "theme")
    assert (theme.kind, theme.default) == ("text", None)
    assert theme.description.startswith("User theme preference")
    assert _col(schema, "profiles", "title").description == 'Professional title or designation (e.g., "Senior Voice Actor", "Casting Director")'
    users = schema.table("users")
    assert users is not None
    # `CREATE INDEX IF NOT EXISTS users_onboardingComplete_idx` (unquoted) is folded as PostgreSQL does
    assert ("users_onboardingcomplete_idx", ("onboardingComplete",)) in [(i.name, i.columns) for i in users.indexes]
    assert len(schema.tables) == 27


def test_valine_skips_are_located(valine: tuple[Schema, list[tuple[str, str]]]) -> None:
    _, skipped = valine
    media = "tests/fixtures/valine/prisma/migrations/20251203041500_add_media_relation_to_posts/migration.sql"
    assert (f"{media}:6:1", "index posts_mediaId_idx on posts.mediaId, a column no earlier migration creates") in skipped
    assert (f"{media}:14:1", "foreign key posts_mediaId_fkey on posts.mediaId, a column no earlier migration creates") in skipped
    verify = "tests/fixtures/valine/prisma/migrations/20251122012600_fix_missing_user_columns/migration.sql"
    assert any(where == f"{verify}:48:1" and what.startswith("DO block: SELECT ARRAY_AGG") for where, what in skipped)
    assert not any("CREATE TYPE" in what or "ALTER TABLE" in what for _, what in skipped)


def test_valine_base_schema_reads_back_identically(valine: tuple[Schema, list[tuple[str, str]]]) -> None:
    schema, _ = valine
    text = render_base(schema, ["api/prisma/migrations"])
    assert "CREATE TYPE \"RequestStatus\" AS ENUM ('PENDING', 'APPROVED', 'DENIED');" in text
    assert '  media text[],\n' in text and "  price double precision,\n" in text
    assert '  "createdAt" timestamp(3) NOT NULL DEFAULT now(),\n' in text
    assert '  "postId" text NOT NULL REFERENCES posts (id) ON DELETE CASCADE ON UPDATE CASCADE,\n' in text
    assert "COMMENT ON COLUMN profiles.title IS " in text
    assert _strip(parse_base_schema(text, "schema.sql")) == _strip(schema)


def test_import_base_command_on_valine(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-base", str(VALINE), "--stdout"]) == 0
    out, err = capsys.readouterr()
    assert out.count("CREATE TABLE ") == 27 and "error" not in err
    assert all(": skipped: " in line for line in err.splitlines())


def test_do_block_conditions_follow_the_replayed_schema() -> None:
    sql = """CREATE TABLE t (id int PRIMARY KEY, a text);
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a') THEN
    ALTER TABLE t ADD COLUMN a2 int;
  ELSIF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a' AND data_type = 'integer') THEN
    ALTER TABLE t ADD COLUMN a3 int;
  ELSE
    ALTER TABLE t ADD COLUMN a4 int;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN
    CREATE TYPE mood AS ENUM ('ok');
  END IF;
  IF current_setting('x') = 'y' THEN
    ALTER TABLE t ADD COLUMN a5 int;
  END IF;
END $$;
"""
    state = replay_files([("m.sql", sql)])
    state.diags.raise_if_any()
    t = state.schema().table("t")
    assert t is not None and [c.name for c in t.columns] == ["id", "a", "a4"]
    assert "mood" in state.enums
    assert [(str(s), w) for s, w in state.skipped] == [("m.sql:13:1", "DO block: IF current_setting('x') = 'y' (condition not evaluated; its branch is skipped)")]


def test_do_block_bad_statement_is_located() -> None:
    state = replay_files([("m.sql", "CREATE TABLE t (id int);\n\nDO $$\nBEGIN\n  ALTER TABLE nope ADD COLUMN x int;\nEND $$;\n")])
    with pytest.raises(SpecError) as err:
        state.diags.raise_if_any()
    assert str(err.value) == "m.sql:5:1: error E217: replay: table 'nope' does not exist at this point"


def test_unsupported_type_is_still_located() -> None:
    state = replay_files([("m.sql", "CREATE TABLE t (id int PRIMARY KEY, amount numeric(10, 2));")])
    with pytest.raises(SpecError) as err:
        state.diags.raise_if_any()
    assert str(err.value) == "m.sql:1:1: error E217: base schema: column t.amount has unsupported type DECIMAL(10, 2)"


def _imported() -> Schema:
    sql = """CREATE TYPE mood AS ENUM ('ok', 'meh');
CREATE TABLE posts (
  id text PRIMARY KEY,
  media text[] DEFAULT ARRAY['a']::text[],
  price double precision,
  created_at timestamp(3) NOT NULL DEFAULT now(),
  feeling mood NOT NULL DEFAULT 'ok'
);
CREATE TABLE likes (
  id text PRIMARY KEY,
  post_id text NOT NULL REFERENCES posts (id) ON DELETE CASCADE ON UPDATE CASCADE
);
"""
    return parse_base_schema(sql, "base.sql")


def test_sql_targets_render_the_imported_types() -> None:
    pg = render_schema(_imported(), "postgres")
    assert pg.startswith("CREATE TYPE mood AS ENUM ('ok', 'meh');\n")
    for part in ("media TEXT[] DEFAULT CAST(ARRAY['a'] AS TEXT[])", "price DOUBLE PRECISION", "created_at TIMESTAMP(3) NOT NULL", "feeling mood NOT NULL", "ON DELETE CASCADE ON UPDATE CASCADE"):
        assert part in pg, part
    sqlite = render_schema(_imported(), "sqlite")
    for part in ("media TEXT DEFAULT '[\"a\"]'", "price REAL", "created_at TIMESTAMP NOT NULL", "feeling TEXT NOT NULL", "ON UPDATE CASCADE"):
        assert part in sqlite, part
    assert "CREATE TYPE" not in sqlite


def test_mysql_refuses_an_array_default_with_a_location() -> None:
    with pytest.raises(SpecError) as err:
        render_schema(_imported(), "mysql")
    assert str(err.value) == "base.sql:4:3: error E217: column media: MySQL cannot give the JSON column that stands for this array a default"
    schema = _imported()
    posts = schema.table("posts")
    assert posts is not None
    no_default = Schema(tuple(replace(t, columns=tuple(replace(c, default=None) if c.name == "media" else c for c in t.columns)) if t is posts else t for t in schema.tables))
    mysql = render_schema(no_default, "mysql")
    assert "media JSON" in mysql and "price DOUBLE" in mysql and "created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)" in mysql
    assert isinstance(posts, Table)


def test_a_default_specc_does_not_model_is_located() -> None:
    state = replay_files([("m.sql", "CREATE TABLE t (id int PRIMARY KEY);\nALTER TABLE t ADD COLUMN p double precision DEFAULT 1.5;")])
    with pytest.raises(SpecError) as err:
        state.diags.raise_if_any()
    assert str(err.value) == "m.sql:2:1: error E217: base schema: column t.p has default 1.5, which specc does not model (only integer, string and boolean literals)"
