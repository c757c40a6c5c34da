"""The SQL target: migrations really run (sqlite, in memory), round-trip
exactly, enforce their CHECKs, and every statement passes the self-check."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import PurePosixPath

import pytest
import sqlglot
from sqlglot import exp

from compiler.ir import CreateIndex, Index, Project, Spec
from targets import sql
from targets.sql.self_check import SpeccPostgres, SqlSelfCheckError, ValidateConstraint, check_script, check_statement
from targets.sql.migration import build
from targets.sql.script import Phase, Script, Step

MIGRATING = ["theme-preference-api", "profile-links-titles"]


# --- helpers ------------------------------------------------------------------


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def sqlite_schema(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    """Everything sqlite knows about the schema: sqlite_master and the pragmas."""
    out: dict[str, list[tuple[object, ...]]] = {
        "master": conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    }
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall():
        out[f"table_info {table}"] = conn.execute("SELECT * FROM pragma_table_info(?)", (table,)).fetchall()
        out[f"foreign_key_list {table}"] = conn.execute("SELECT * FROM pragma_foreign_key_list(?)", (table,)).fetchall()
        indexes = conn.execute("SELECT * FROM pragma_index_list(?) ORDER BY name", (table,)).fetchall()
        out[f"index_list {table}"] = indexes
        for index in indexes:
            out[f"index_info {index[1]}"] = conn.execute("SELECT * FROM pragma_index_info(?)", (index[1],)).fetchall()
    return out


def structure(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    """The pragmas only: what a table *is*, however its DDL text was spelled."""
    return {k: v for k, v in sqlite_schema(conn).items() if k != "master"}


def script(tree: dict[PurePosixPath, str], spec_id: str, dialect: str, direction: str) -> str:
    return tree[PurePosixPath(spec_id, "migrations", dialect, f"{direction}.sql")]


def base_db(project: Project) -> sqlite3.Connection:
    conn = connect()
    conn.executescript(sql.render_schema(project.base, "sqlite"))
    return conn


def db_before(project: Project, tree: dict[PurePosixPath, str], spec_id: str) -> sqlite3.Connection:
    """A database with the base schema and every spec before `spec_id` applied."""
    conn = base_db(project)
    for spec in project.specs:
        if spec.id == spec_id:
            return conn
        if spec.has_migration:
            conn.executescript(script(tree, spec.id, "sqlite", "up"))
    raise AssertionError(f"no spec {spec_id}")


@pytest.fixture(scope="module")
def sql_tree(project: Project) -> dict[PurePosixPath, str]:
    return sql.TARGET.emit(project)


# --- sqlite round trips -----------------------------------------------------------


@pytest.mark.parametrize("spec_id", MIGRATING)
def test_sqlite_up_down_restores_the_schema_exactly(project, sql_tree, spec_id) -> None:  # type: ignore[no-untyped-def]
    conn = db_before(project, sql_tree, spec_id)
    before = sqlite_schema(conn)
    conn.executescript(script(sql_tree, spec_id, "sqlite", "up"))
    assert sqlite_schema(conn) != before, "up.sql changed nothing"
    conn.executescript(script(sql_tree, spec_id, "sqlite", "down"))
    assert sqlite_schema(conn) == before


@pytest.mark.parametrize("spec_id", MIGRATING)
def test_sqlite_up_down_up_succeeds_and_reaches_the_same_schema(project, sql_tree, spec_id) -> None:  # type: ignore[no-untyped-def]
    conn = db_before(project, sql_tree, spec_id)
    up, down = script(sql_tree, spec_id, "sqlite", "up"), script(sql_tree, spec_id, "sqlite", "down")
    conn.executescript(up)
    after_first = sqlite_schema(conn)
    conn.executescript(down)
    conn.executescript(up)
    assert sqlite_schema(conn) == after_first


@pytest.mark.parametrize("spec_id", MIGRATING)
def test_sqlite_up_reaches_the_schema_the_ir_describes(project, sql_tree, spec_id) -> None:  # type: ignore[no-untyped-def]
    conn = db_before(project, sql_tree, spec_id)
    conn.executescript(script(sql_tree, spec_id, "sqlite", "up"))
    expected = connect()
    expected.executescript(sql.render_schema(project.spec(spec_id).schema_after, "sqlite"))
    assert structure(conn) == structure(expected)


def test_sqlite_down_of_every_spec_in_reverse_returns_to_the_base(project, sql_tree) -> None:  # type: ignore[no-untyped-def]
    conn = base_db(project)
    base = sqlite_schema(conn)
    migrating = [s for s in project.specs if s.has_migration]
    for spec in migrating:
        conn.executescript(script(sql_tree, spec.id, "sqlite", "up"))
    for spec in reversed(migrating):
        conn.executescript(script(sql_tree, spec.id, "sqlite", "down"))
    assert sqlite_schema(conn) == base


# --- the CHECKs really reject bad values --------------------------------------------


@pytest.fixture()
def full_db(project, sql_tree) -> sqlite3.Connection:  # type: ignore[no-untyped-def]
    conn = base_db(project)
    for spec in project.specs:
        if spec.has_migration:
            conn.executescript(script(sql_tree, spec.id, "sqlite", "up"))
    conn.execute("INSERT INTO users (id, email, username) VALUES ('u1', 'a@example.com', 'a')")
    return conn


@pytest.mark.parametrize("value", ["blue", "Light", "", "dark "])
def test_sqlite_theme_check_rejects_values_outside_the_enum(full_db, value) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(sqlite3.IntegrityError, match="ck_users_theme_enum"):
        full_db.execute("UPDATE users SET theme = ? WHERE id = 'u1'", (value,))


@pytest.mark.parametrize("value", ["light", "dark", None])
def test_sqlite_theme_check_accepts_enum_values_and_null(full_db, value) -> None:  # type: ignore[no-untyped-def]
    full_db.execute("UPDATE users SET theme = ? WHERE id = 'u1'", (value,))
    assert full_db.execute("SELECT theme FROM users").fetchone() == (value,)


def test_sqlite_title_length_check(full_db) -> None:  # type: ignore[no-untyped-def]
    full_db.execute("UPDATE users SET title = ? WHERE id = 'u1'", ("é" * 100,))
    with pytest.raises(sqlite3.IntegrityError, match="ck_users_title_length"):
        full_db.execute("UPDATE users SET title = ? WHERE id = 'u1'", ("x" * 101,))


LINK = {"user_id": "u1", "label": "Site", "url": "https://example.com", "type": "website", "position": 0}


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        ({"url": "javascript:alert(1)"}, "ck_profile_links_url_scheme"),
        ({"url": "ftp://example.com"}, "ck_profile_links_url_scheme"),
        ({"url": "https://" + "a" * 2041}, "ck_profile_links_url_length"),
        ({"label": ""}, "ck_profile_links_label_length"),
        ({"label": "x" * 41}, "ck_profile_links_label_length"),
        ({"type": "blog"}, "ck_profile_links_type_enum"),
        ({"position": -1}, "ck_profile_links_position_range"),
        ({"position": 100}, "ck_profile_links_position_range"),
        ({"user_id": "nobody"}, "FOREIGN KEY"),
    ],
)
def test_sqlite_profile_links_constraints_reject_bad_rows(full_db, change, constraint) -> None:  # type: ignore[no-untyped-def]
    row = {**LINK, **change}
    with pytest.raises(sqlite3.IntegrityError, match=constraint):
        full_db.execute(
            "INSERT INTO profile_links (user_id, label, url, type, position) VALUES (:user_id, :label, :url, :type, :position)", row
        )


def test_sqlite_profile_links_accepts_a_good_row_and_cascades(full_db) -> None:  # type: ignore[no-untyped-def]
    full_db.execute("INSERT INTO profile_links (user_id, label, url, type, position) VALUES (:user_id, :label, :url, :type, :position)", LINK)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        full_db.execute("INSERT INTO profile_links (user_id, label, url, type, position) VALUES (:user_id, :label, :url, :type, :position)", LINK)
    full_db.execute("DELETE FROM users WHERE id = 'u1'")
    assert full_db.execute("SELECT count(*) FROM profile_links").fetchone() == (0,)


# --- file layout and contents ---------------------------------------------------


def test_files_per_spec(project, sql_tree) -> None:  # type: ignore[no-untyped-def]
    for spec in project.specs:
        files = sorted(str(p) for p in sql_tree if p.parts[0] == spec.id)
        if spec.has_migration:
            expected = [f"{spec.id}/migration-plan.md"] + [
                f"{spec.id}/migrations/{d}/{x}.sql" for d in ("mysql", "postgres", "sqlite") for x in ("down", "up")
            ]
            assert files == expected
        else:
            assert files == [f"{spec.id}/migration-plan.md"]
            assert "changes no schema" in sql_tree[PurePosixPath(spec.id, "migration-plan.md")]


def test_down_migrations_start_by_saying_what_they_destroy(sql_tree) -> None:  # type: ignore[no-untyped-def]
    assert script(sql_tree, "theme-preference-api", "postgres", "down").startswith("-- destroys: column users.theme (all values)\n")
    for dialect in sql.DIALECTS:
        down = script(sql_tree, "profile-links-titles", dialect, "down")
        assert down.startswith("-- destroys: table profile_links (all rows); column users.title (all values)\n")


def test_emit_is_deterministic(project) -> None:  # type: ignore[no-untyped-def]
    assert sql.TARGET.emit(project) == sql.TARGET.emit(project)


def test_every_drop_on_postgres_names_the_squawk_rule_it_ignores(sql_tree) -> None:  # type: ignore[no-untyped-def]
    rules = {"DROP TABLE": "ban-drop-table", "DROP COLUMN": "ban-drop-column", "DROP CONSTRAINT": "ban-drop-constraint"}
    for spec_id in MIGRATING:
        lines = script(sql_tree, spec_id, "postgres", "down").splitlines()
        for i, line in enumerate(lines):
            for keyword, rule in rules.items():
                if keyword in line and not line.startswith("--"):
                    assert lines[i - 1].startswith(f"-- squawk-ignore {rule} -- rollback of {spec_id}"), line


# --- postgres script structure ------------------------------------------------------


def postgres_statements(text: str) -> list[exp.Expr]:
    """The statements of a postgres script, without the comments sqlglot attaches."""
    statements = [s for s in sqlglot.parse(text, read=SpeccPostgres) if s is not None]
    for stmt in statements:
        for node in stmt.walk():
            node.comments = None
    return statements


def transaction_of(statements: list[exp.Expr]) -> list[int]:
    """For each statement, the number of the transaction it runs in (0 = none)."""
    out, current, count = [], 0, 0
    for stmt in statements:
        if isinstance(stmt, exp.Transaction):
            count += 1
            current = count
            out.append(current)
        elif isinstance(stmt, exp.Commit):
            out.append(current)
            current = 0
        else:
            out.append(current)
    return out


@pytest.mark.parametrize("spec_id", MIGRATING)
@pytest.mark.parametrize("direction", ["up", "down"])
def test_postgres_sets_timeouts_before_anything_else(sql_tree, spec_id, direction) -> None:  # type: ignore[no-untyped-def]
    statements = postgres_statements(script(sql_tree, spec_id, "postgres", direction))
    first = [s.sql("postgres") for s in statements[:2]]
    assert first == ["SET lock_timeout = '5s'", "SET statement_timeout = '30s'"]


def _concurrent_spec(project: Project) -> Spec:
    """theme-preference-api plus an index on the existing users table: the
    seed specs never index an existing table, but the target must handle it."""
    spec = project.spec("theme-preference-api")
    assert spec is not None
    index = Index("ix_users_theme", "users", ("theme",))
    return replace(spec, operations=spec.operations + (CreateIndex(index, new_table=False),))


def test_postgres_phases_constraints_not_valid_then_validated_indexes_concurrently(project) -> None:  # type: ignore[no-untyped-def]
    migration = build(_concurrent_spec(project))
    up = next(s for s in migration.up if s.dialect == "postgres").render()
    statements = postgres_statements(up)
    tx = transaction_of(statements)
    added, validated = {}, {}
    for stmt, t in zip(statements, tx):
        if isinstance(stmt, exp.Alter):
            for action in stmt.actions:
                if isinstance(action, exp.AddConstraint):
                    assert stmt.args.get("not_valid"), stmt.sql("postgres")
                    added[action.expressions[0].name] = t
                if isinstance(action, ValidateConstraint):
                    validated[action.name] = t
        if isinstance(stmt, exp.Create) and stmt.kind == "INDEX":
            assert stmt.args.get("concurrently") and t == 0, "index on an existing table must be CONCURRENTLY, outside a transaction"
    assert added == {"ck_users_theme_enum": 1}
    assert validated == {"ck_users_theme_enum": 2}, "VALIDATE must run in a later transaction than ADD ... NOT VALID"
    down = postgres_statements(next(s for s in migration.down if s.dialect == "postgres").render())
    drops = [(s, t) for s, t in zip(down, transaction_of(down)) if isinstance(s, exp.Drop) and s.kind == "INDEX"]
    assert drops and all(s.args.get("concurrently") and t == 0 for s, t in drops)


def test_index_on_existing_table_round_trips_on_sqlite(project, sql_tree) -> None:  # type: ignore[no-untyped-def]
    migration = build(_concurrent_spec(project))
    conn = db_before(project, sql_tree, "theme-preference-api")
    before = sqlite_schema(conn)
    up, down = (next(s for s in scripts if s.dialect == "sqlite").render() for scripts in (migration.up, migration.down))
    conn.executescript(up)
    assert any(row[1] == "ix_users_theme" for row in sqlite_schema(conn)["master"])
    conn.executescript(down)
    assert sqlite_schema(conn) == before


def test_new_table_indexes_are_plain_and_inside_the_first_transaction(sql_tree) -> None:  # type: ignore[no-untyped-def]
    statements = postgres_statements(script(sql_tree, "profile-links-titles", "postgres", "up"))
    tx = transaction_of(statements)
    created = {s.this.this.name: t for s, t in zip(statements, tx) if isinstance(s, exp.Create) and s.kind == "TABLE"}
    for stmt, t in zip(statements, tx):
        if isinstance(stmt, exp.Create) and stmt.kind == "INDEX":
            table = stmt.this.args["table"].name
            assert created.get(table) == t == 1 and not stmt.args.get("concurrently")


# --- the self-check ---------------------------------------------------------------


def test_stock_sqlglot_cannot_parse_validate_constraint() -> None:
    """Why SpeccPostgres exists: if sqlglot learns VALIDATE CONSTRAINT, drop it."""
    stock = sqlglot.parse_one("ALTER TABLE users VALIDATE CONSTRAINT ck", read="postgres")
    assert isinstance(stock, exp.Command)
    ours = sqlglot.parse_one("ALTER TABLE users VALIDATE CONSTRAINT ck", read=SpeccPostgres)
    assert isinstance(ours, exp.Alter) and isinstance(ours.actions[0], ValidateConstraint)


def test_speccpostgres_parses_every_other_statement_exactly_like_stock_postgres(sql_tree) -> None:  # type: ignore[no-untyped-def]
    for path, text in sql_tree.items():
        if "postgres" not in path.parts:
            continue
        for ours in postgres_statements(text):
            rendered = ours.sql(SpeccPostgres)
            stock = sqlglot.parse_one(rendered, read="postgres")
            if any(isinstance(a, ValidateConstraint) for a in ours.find_all(ValidateConstraint)):
                assert isinstance(stock, exp.Command)
            else:
                assert stock.sql("postgres") == rendered


@pytest.mark.parametrize(
    ("dialect", "bad"),
    [
        ("postgres", "RESET lock_timeout"),  # parses only as an opaque Command
        ("postgres", "ALTER TABLE users ADD CONSTRAINT x UNIQUE USING INDEX y"),  # Command
        ("postgres", "ALTER TABLE users VALIDATE ck"),  # our grammar wants CONSTRAINT
        ("sqlite", "CREATE TABLE ("),  # does not parse
        ("mysql", "SELECT 1; SELECT 2"),  # two statements
        ("postgres", "select  1"),  # does not round-trip to itself
    ],
)
def test_self_check_rejects(dialect, bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SqlSelfCheckError):
        check_statement(bad, dialect)


def test_self_check_accepts_what_the_target_emits() -> None:
    assert isinstance(check_statement("ALTER TABLE users VALIDATE CONSTRAINT ck_users_theme_enum", "postgres"), exp.Alter)


def test_a_command_node_in_a_script_is_a_compiler_bug() -> None:
    bad = Script("postgres", "up", ("test",), (Phase("x", (Step(exp.Command(this="VACUUM"), "vacuum"),)),))
    with pytest.raises(SqlSelfCheckError, match="Command"):
        bad.render()


def test_script_check_catches_a_statement_hidden_in_a_comment() -> None:
    statements = ["SET lock_timeout = '5s'"]
    check_script("-- ok\nSET lock_timeout = '5s';\n", statements, "postgres")
    with pytest.raises(SqlSelfCheckError):
        check_script("-- ok\nSET lock_timeout = '5s';\nDROP TABLE users;\n", statements, "postgres")


# --- the base schema ----------------------------------------------------------------


@pytest.mark.parametrize("dialect", sql.DIALECTS)
def test_render_schema_self_checks_and_creates_tables_in_fk_order(project, dialect) -> None:  # type: ignore[no-untyped-def]
    statements = sql.schema_statements(project.base, dialect)
    creates = [s for s in statements if s.startswith("CREATE TABLE")]
    assert len(creates) == len(project.base.tables)
    order = [s.split()[2] for s in creates]
    assert order.index("users") < order.index("posts") < order.index("post_likes")


def test_render_schema_runs_on_sqlite_and_matches_the_base(project) -> None:  # type: ignore[no-untyped-def]
    conn = base_db(project)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {t.name for t in project.base.tables}


def test_render_schema_rejects_unknown_dialects(project) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown dialect"):
        sql.render_schema(project.base, "oracle")


# --- hostile spec text -------------------------------------------------------------


HOSTILE = """\
spec: 1
id: hostile-values
title: "Pipes | `ticks` ``` <b>html</b> *stars* [link](https://x) # not a heading"
enums:
  mood: ["it's", "a|b", "x`y", "back\\\\slash", "<b>", "two\\nlines", "'); DROP TABLE users; --"]
tables:
  users:
    add:
      mood: {type: enum, enum: mood, nullable: true}
"""


def one_spec_project(tmp_path_factory, spec_id: str, text: str) -> tuple[Project, dict[PurePosixPath, str]]:  # type: ignore[no-untyped-def]
    """A project of the bundled base schema plus one spec, and its SQL artifacts."""
    from compiler.project import build_project
    from tests.conftest import SPECS

    root = tmp_path_factory.mktemp(spec_id)
    (root / "specs" / "base").mkdir(parents=True)
    (root / "specs" / "base" / "schema.sql").write_text((SPECS / "base" / "schema.sql").read_text())
    (root / "specs" / f"{spec_id}.yaml").write_text(text)
    project = build_project(root / "specs", root)
    return project, sql.TARGET.emit(project)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Project, dict[PurePosixPath, str]]:  # type: ignore[no-untyped-def]
    return one_spec_project(tmp_path_factory, "hostile-values", HOSTILE)


def test_hostile_enum_values_are_sql_literals_that_round_trip(hostile) -> None:  # type: ignore[no-untyped-def]
    project, tree = hostile
    values = project.spec("hostile-values").enums[0].values
    conn = base_db(project)
    conn.executescript(script(tree, "hostile-values", "sqlite", "up"))
    conn.execute("INSERT INTO users (id, email, username) VALUES ('u1', 'e', 'n')")
    for value in values:
        conn.execute("UPDATE users SET mood = ? WHERE id = 'u1'", (value,))
        assert conn.execute("SELECT mood FROM users").fetchone() == (value,)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE users SET mood = 'x' WHERE id = 'u1'")
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} >= {"users"}


def test_hostile_text_cannot_break_the_plan(hostile) -> None:  # type: ignore[no-untyped-def]
    _, tree = hostile
    plan = tree[PurePosixPath("hostile-values", "migration-plan.md")]
    title = plan.splitlines()[0]
    assert title.startswith("# Migration plan: ") and "<b>" not in title and "\\|" in title and "\\`" in title
    assert "\n# not a heading" not in plan
    for line in plan.splitlines():
        if line.startswith("| "):
            cells = line.replace("\\|", "").count("|")
            assert cells == 6, line
    assert "“it's”, “a\\|b”, “x\\`y”, “back\\\\slash”, “\\<b\\>”, “two lines”" in plan


# --- a foreign key added to an existing table (no seed spec does this) --------------


PINNED = """\
spec: 1
id: pinned-post
title: Pin a post
tables:
  users:
    add:
      pinned_post_id: {type: ref, to: posts, on_delete: set null}
      score: {type: int, min: 0, nullable: true, default: 0}
"""


@pytest.fixture(scope="module")
def pinned(tmp_path_factory) -> tuple[Project, dict[PurePosixPath, str]]:  # type: ignore[no-untyped-def]
    return one_spec_project(tmp_path_factory, "pinned-post", PINNED)


def test_fk_on_existing_table_round_trips_on_sqlite_and_is_enforced(pinned) -> None:  # type: ignore[no-untyped-def]
    project, tree = pinned
    conn = base_db(project)
    before = sqlite_schema(conn)
    up, down = script(tree, "pinned-post", "sqlite", "up"), script(tree, "pinned-post", "sqlite", "down")
    conn.executescript(up)
    assert conn.execute("SELECT * FROM pragma_foreign_key_list('users')").fetchall()
    conn.execute("INSERT INTO users (id, email, username) VALUES ('u1', 'e', 'n')")
    assert conn.execute("SELECT score FROM users").fetchone() == (0,)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        conn.execute("UPDATE users SET pinned_post_id = 'nope'")
    with pytest.raises(sqlite3.IntegrityError, match="ck_users_score_range"):
        conn.execute("UPDATE users SET score = -1")
    conn.execute("DELETE FROM users")
    conn.executescript(down)
    assert sqlite_schema(conn) == before
    conn.executescript(up)


def test_fk_on_existing_table_is_not_valid_then_validated_on_postgres(pinned) -> None:  # type: ignore[no-untyped-def]
    _, tree = pinned
    statements = postgres_statements(script(tree, "pinned-post", "postgres", "up"))
    tx = transaction_of(statements)
    fk_adds = [
        (s, t)
        for s, t in zip(statements, tx)
        if isinstance(s, exp.Alter) and any(isinstance(a, exp.AddConstraint) and a.find(exp.ForeignKey) for a in s.actions)
    ]
    assert len(fk_adds) == 1 and fk_adds[0][0].args.get("not_valid") and fk_adds[0][1] == 1
    validates = [t for s, t in zip(statements, tx) if s.find(ValidateConstraint) and s.find(ValidateConstraint).name == "fk_users_pinned_post_id"]
    assert validates == [2]


def test_fk_on_existing_table_mysql_drops_the_foreign_key_before_its_column(pinned) -> None:  # type: ignore[no-untyped-def]
    _, tree = pinned
    down = script(tree, "pinned-post", "mysql", "down")
    assert "ALTER TABLE users DROP FOREIGN KEY fk_users_pinned_post_id, DROP COLUMN pinned_post_id;" in down


def test_the_script_check_remembers_only_what_passed() -> None:
    """`check_script` skips a script it already passed, and raises for a bad
    script however often it sees it."""
    from targets.sql.self_check import SqlSelfCheckError, check_script

    good = "-- header\nALTER TABLE t ADD COLUMN c INT;\n"
    check_script(good, ["ALTER TABLE t ADD COLUMN c INT"], "postgres")
    check_script(good, ["ALTER TABLE t ADD COLUMN c INT"], "postgres")
    bad = "-- header ALTER TABLE t ADD COLUMN c INT;\n"  # the statement sits in the comment
    for _ in range(2):
        with pytest.raises(SqlSelfCheckError):
            check_script(bad, ["ALTER TABLE t ADD COLUMN c INT"], "postgres")
