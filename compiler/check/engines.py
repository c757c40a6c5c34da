"""The databases `specc check` can migrate and test on.

`sqlite` (the default) is an embedded file in the check's folder.
`postgres` and `mysql` (MariaDB or MySQL) are real servers that the check
reaches through the environment and on which it creates two scratch
databases (the checked one and one holding only the base schema, to compare
the down migrations with), dropped afterwards unless `--keep` asks for them:

- PostgreSQL: SPECC_PG_HOST (a host or a Unix socket folder), SPECC_PG_PORT,
  SPECC_PG_USER, falling back to libpq's PGHOST/PGPORT/PGUSER; a password
  comes from PGPASSWORD or ~/.pgpass as libpq reads them.  Migrations run with
  `psql -v ON_ERROR_STOP=1 -f`, as their header says.
- MariaDB/MySQL: SPECC_MYSQL_SOCKET, or SPECC_MYSQL_HOST and SPECC_MYSQL_PORT;
  SPECC_MYSQL_USER (default root); a password from SPECC_MYSQL_PASSWORD.
  Migrations run with the `mariadb` (or `mysql`) client.

Each database says how the generated app connects to it (`settings()`), which
the check's conftest reads; passwords are never written there.  Names of
scratch databases are generated here, never taken from input.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlglot import exp

from compiler.check import db as sqlite_db
from compiler.ir import Schema, Table, UserRowRef

ENGINES = ("sqlite", "postgres", "mysql")
SCRIPT_TIMEOUT_SECONDS = 300


class Unavailable(Exception):
    """The database cannot be used here (no server, driver or client); the
    message says what is missing and how to provide it."""


class Database:
    """Two databases of one engine: `check` (migrated and tested) and `base`
    (the base schema only).  Subclasses implement the engine's side."""

    dialect = ""
    label = ""

    def open(self, root: Path, schema: Schema) -> None:
        """Create both databases, each holding the base schema `schema`."""
        raise NotImplementedError

    def run_script(self, which: str, script: str) -> None:
        """Run one migration file on database `which` ("check" or "base")."""
        raise NotImplementedError

    def structure(self, which: str) -> dict[str, Any]:
        """The schema of database `which` as plain, comparable data."""
        raise NotImplementedError

    def seed_user(self, schema: Schema, user_id: str, suffix: str = "", parents: Iterable[UserRowRef] = ()) -> None:
        """Insert a user of the `users` table, and its one row of each table
        of `parents`, into the checked database (see `user_rows`)."""
        raise NotImplementedError

    def settings(self) -> dict[str, Any]:
        """How the conftest connects to the checked database (no secrets)."""
        raise NotImplementedError

    def close(self, keep: bool) -> None:
        """Drop the scratch databases (unless `keep`)."""


def _base_ddl(schema: Schema, dialect: str) -> str:
    import targets

    render_schema: Callable[[Schema, str], str] = targets.provided("schema_ddl")  # the SQL target owns the DDL
    return render_schema(schema, dialect)


def user_rows(schema: Schema, user_id: str, suffix: str, parents: Iterable[UserRowRef] = ()) -> list[tuple[str, dict[str, Any]]]:
    """The rows of a seeded user, as (table, column values) in insert order:
    its `users` row, then its one row of each table of `parents` (the rows
    new list items reference, e.g. Valine's profile).  Each row has its key
    (the user's id; a parent's from the user's id) and a filler value for
    every NOT NULL column without a default (`suffix` keeps two users'
    values distinct)."""
    users = schema.table("users")
    if users is None or users.primary_key is None:
        raise AssertionError("the base schema has no users table with a primary key")
    rows = [("users", _row(users, suffix, {users.primary_key.name: user_id}))]
    for ref in sorted({(p.table, p.owner_column) for p in parents}):
        table = schema.table(ref[0])
        key = table.primary_key if table is not None else None
        if table is None or key is None:
            continue
        given: dict[str, Any] = {ref[1]: user_id}
        if key.kind != "id":  # an identity numbers itself
            given[key.name] = str(uuid.uuid5(uuid.UUID(int=0x5EED), f"{table.name}:{user_id}"))
        rows.append((table.name, _row(table, f"{suffix}-{table.name}", given)))
    return rows


def _row(table: Table, suffix: str, given: dict[str, Any]) -> dict[str, Any]:
    values = dict(given)
    for column in table.columns:
        if column.name not in values and not column.primary_key and not column.nullable and column.default is None:
            filler = sqlite_db._filler(column.kind, column.name)
            values[column.name] = filler + suffix if isinstance(filler, str) and filler.startswith("specc-check-") else filler
    return values


def insert_sql(table: str, columns: list[str], dialect: str) -> str:
    """A parameterised INSERT in the paramstyle of `dialect`'s usual driver."""
    marker = "?" if dialect == "sqlite" else "%s"
    insert = exp.insert(
        exp.values([tuple(exp.var(marker) for _ in columns)]),
        exp.Table(this=exp.to_identifier(table, quoted=True)),
        columns=[exp.to_identifier(n, quoted=True) for n in columns],
    )
    return insert.sql(dialect=dialect)


def table_keys(schema: Schema) -> dict[str, str]:
    """Each table's primary key column: how the seeder removes its rows."""
    return {t.name: t.primary_key.name for t in schema.tables if t.primary_key is not None}


class SqliteDatabase(Database):
    dialect = "sqlite"
    label = "sqlite"

    def open(self, root: Path, schema: Schema) -> None:
        self.paths = {"check": root / "check.sqlite3", "base": root / "base.sqlite3"}
        for path in self.paths.values():
            sqlite_db.create_base(path, schema)

    def run_script(self, which: str, script: str) -> None:
        sqlite_db.run_script(self.paths[which], script)

    def structure(self, which: str) -> dict[str, Any]:
        return sqlite_db.structure(self.paths[which])

    def seed_user(self, schema: Schema, user_id: str, suffix: str = "", parents: Iterable[UserRowRef] = ()) -> None:
        conn = sqlite_db.connect(self.paths["check"])
        try:
            with conn:
                for table, values in user_rows(schema, user_id, suffix, parents):
                    conn.execute(insert_sql(table, list(values), "sqlite"), tuple(values.values()))
        finally:
            conn.close()

    def settings(self) -> dict[str, Any]:
        return {"dialect": "sqlite", "db": str(self.paths["check"])}


def _scratch_name() -> str:
    return f"specc_check_{uuid.uuid4().hex[:12]}"


def _client(names: tuple[str, ...], what: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise Unavailable(f"{what} needs the {' or '.join(names)} command-line client to run its migrations; install it")


def _run(command: list[str], script: str, env: dict[str, str], what: str) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False, encoding="utf-8") as fh:
        fh.write(script)
    try:
        with open(fh.name, "rb") as stdin:
            proc = subprocess.run(command, stdin=stdin, capture_output=True, env=env, timeout=SCRIPT_TIMEOUT_SECONDS)
    finally:
        os.unlink(fh.name)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} exited with {proc.returncode}: {proc.stderr.decode(errors='replace').strip()[:1500]}")


class PostgresDatabase(Database):
    dialect = "postgres"
    label = "postgres"

    def __init__(self) -> None:
        env = os.environ
        self.host = env.get("SPECC_PG_HOST") or env.get("PGHOST") or "localhost"
        self.port = int(env.get("SPECC_PG_PORT") or env.get("PGPORT") or 5432)
        self.user = env.get("SPECC_PG_USER") or env.get("PGUSER") or "postgres"
        self.names: dict[str, str] = {}

    def _connect(self, dbname: str = "postgres", autocommit: bool = True) -> Any:
        try:
            import psycopg
        except ImportError:
            raise Unavailable("checking on PostgreSQL needs psycopg: pip install 'psycopg[binary]'") from None
        try:
            return psycopg.connect(host=self.host, port=self.port, user=self.user, dbname=dbname, autocommit=autocommit)
        except psycopg.OperationalError as err:
            raise Unavailable(f"cannot connect to PostgreSQL at {self.host}:{self.port} as {self.user} (set SPECC_PG_HOST/PORT/USER): {str(err).strip()[:300]}") from None

    def open(self, root: Path, schema: Schema) -> None:
        self.psql = _client(("psql",), "checking on PostgreSQL")
        with self._connect() as conn:
            for which in ("check", "base"):
                name = _scratch_name()
                conn.execute(f'CREATE DATABASE "{name}"')
                self.names[which] = name
        ddl = _base_ddl(schema, "postgres")
        for which in ("check", "base"):
            self.run_script(which, ddl)

    def run_script(self, which: str, script: str) -> None:
        command = [self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.host, "-p", str(self.port), "-U", self.user, "-d", self.names[which], "-f", "-"]
        _run(command, script, dict(os.environ), "psql")

    def structure(self, which: str) -> dict[str, Any]:
        with self._connect(self.names[which]) as conn:
            return {key: conn.execute(query).fetchall() for key, query in PG_CATALOG.items()}

    def seed_user(self, schema: Schema, user_id: str, suffix: str = "", parents: Iterable[UserRowRef] = ()) -> None:
        with self._connect(self.names["check"]) as conn:
            for table, values in user_rows(schema, user_id, suffix, parents):
                conn.execute(insert_sql(table, list(values), "postgres"), tuple(values.values()))

    def settings(self) -> dict[str, Any]:
        return {"dialect": "postgres", "db": self.names["check"], "connect": {"host": self.host, "port": self.port, "user": self.user}}

    def close(self, keep: bool) -> None:
        if keep or not self.names:
            return
        with self._connect() as conn:
            for name in self.names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class MysqlDatabase(Database):
    dialect = "mysql"
    label = "mysql"

    def __init__(self) -> None:
        env = os.environ
        self.socket = env.get("SPECC_MYSQL_SOCKET", "")
        self.host = env.get("SPECC_MYSQL_HOST", "" if self.socket else "localhost")
        self.port = int(env.get("SPECC_MYSQL_PORT") or 3306)
        self.user = env.get("SPECC_MYSQL_USER") or "root"
        self.password = env.get("SPECC_MYSQL_PASSWORD", "")
        self.names: dict[str, str] = {}

    def connect_args(self) -> dict[str, Any]:
        where: dict[str, Any] = {"unix_socket": self.socket} if self.socket else {"host": self.host, "port": self.port}
        return {**where, "user": self.user}

    def _connect(self, database: str | None = None) -> Any:
        try:
            import pymysql
        except ImportError:
            raise Unavailable("checking on MariaDB/MySQL needs PyMySQL: pip install PyMySQL") from None
        try:
            return pymysql.connect(**self.connect_args(), password=self.password, database=database, autocommit=True, charset="utf8mb4")
        except pymysql.err.OperationalError as err:
            where = self.socket or f"{self.host}:{self.port}"
            raise Unavailable(f"cannot connect to MariaDB/MySQL at {where} as {self.user} (set SPECC_MYSQL_SOCKET or SPECC_MYSQL_HOST/PORT, SPECC_MYSQL_USER): {err}") from None

    def open(self, root: Path, schema: Schema) -> None:
        self.client = _client(("mariadb", "mysql"), "checking on MariaDB/MySQL")
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                for which in ("check", "base"):
                    name = _scratch_name()
                    cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
                    self.names[which] = name
        finally:
            conn.close()
        ddl = _base_ddl(schema, "mysql")
        for which in ("check", "base"):
            self.run_script(which, ddl)

    def run_script(self, which: str, script: str) -> None:
        where = ["-S", self.socket] if self.socket else ["-h", self.host, "-P", str(self.port)]
        command = [self.client, "--no-defaults", *where, "-u", self.user, self.names[which]]
        env = dict(os.environ)
        if self.password:
            env["MYSQL_PWD"] = self.password
        _run(command, script, env, Path(self.client).name)

    def structure(self, which: str) -> dict[str, Any]:
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                out: dict[str, Any] = {}
                for key, query in MYSQL_CATALOG.items():
                    cur.execute(query, (self.names[which],))
                    out[key] = list(cur.fetchall())
                return out
        finally:
            conn.close()

    def seed_user(self, schema: Schema, user_id: str, suffix: str = "", parents: Iterable[UserRowRef] = ()) -> None:
        conn = self._connect(self.names["check"])
        try:
            with conn.cursor() as cur:
                for table, values in user_rows(schema, user_id, suffix, parents):
                    cur.execute(insert_sql(table, list(values), "mysql"), tuple(values.values()))
        finally:
            conn.close()

    def settings(self) -> dict[str, Any]:
        return {"dialect": "mysql", "db": self.names["check"], "connect": self.connect_args()}

    def close(self, keep: bool) -> None:
        if keep or not self.names:
            return
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                for name in self.names.values():
                    cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        finally:
            conn.close()


def database(engine: str) -> Database:
    """The Database of `engine` (one of ENGINES)."""
    if engine == "postgres":
        return PostgresDatabase()
    if engine == "mysql":
        return MysqlDatabase()
    if engine == "sqlite":
        return SqliteDatabase()
    raise ValueError(f"unknown database {engine!r}; expected one of {', '.join(ENGINES)}")


# The catalog of `public`: two databases with equal results have the same
# schema (columns, constraints with their definitions, indexes).
PG_CATALOG = {
    "columns": """
        SELECT table_name, column_name, data_type, udt_name, character_maximum_length, numeric_precision,
               is_nullable, column_default, is_identity, identity_generation,
               rank() OVER (PARTITION BY table_name ORDER BY ordinal_position)
        FROM information_schema.columns WHERE table_schema = 'public'
        ORDER BY table_name, column_name""",
    "constraints": """
        SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), k.convalidated
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
        ORDER BY c.relname, k.conname""",
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
        ORDER BY tablename, indexname""",
}

# The same of one MariaDB/MySQL database (its name is the one parameter).
MYSQL_CATALOG = {
    "columns": """
        SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,
               CHARACTER_SET_NAME, COLLATION_NAME
        FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s
        ORDER BY TABLE_NAME, COLUMN_NAME""",
    "checks": """
        SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE
        FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = %s
        ORDER BY TABLE_NAME, CONSTRAINT_NAME""",
    "foreign_keys": """
        SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME,
               k.REFERENCED_COLUMN_NAME, r.DELETE_RULE, r.UPDATE_RULE
        FROM information_schema.KEY_COLUMN_USAGE k
        JOIN information_schema.REFERENTIAL_CONSTRAINTS r
          ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
        WHERE k.CONSTRAINT_SCHEMA = %s
        ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION""",
    "indexes": """
        SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART
        FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s
        ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX""",
}
