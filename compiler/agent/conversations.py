"""Conversations, stored in SQLite under the state directory.

One row per conversation: who started it, the task, the context, the hash
of the spec inputs and of the generated output at preview time, the preview
(or the questions), the check results and the status.  Every call opens its
own connection, so state survives restarts and several processes (two users
on different tasks) can work at once; SQLite's locking serialises writers.

Old conversations expire: after `ttl` seconds without activity their preview
and results are dropped and the id answers "expired"; long after that the row
itself is deleted.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator

DEFAULT_TTL = 7 * 24 * 3600
SCHEMA_VERSION = 1

# Statuses a conversation moves through.
PREVIEWED = "previewed"
NEEDS_ANSWERS = "needs_answers"
CHECKS_PASSED = "checks_passed"
CHECKS_FAILING = "checks_failing"
CHECKS_NOT_RUN = "checks_not_run"
CONFIRMED = "confirmed"
STALE = "stale"
EXPIRED = "expired"
ACTIVE = (PREVIEWED, NEEDS_ANSWERS, CHECKS_PASSED, CHECKS_FAILING, CHECKS_NOT_RUN)

_DDL = """
CREATE TABLE IF NOT EXISTS conversations (
    id          TEXT PRIMARY KEY,
    user        TEXT NOT NULL,
    task_id     TEXT NOT NULL,
    context     TEXT NOT NULL,
    spec_hash   TEXT NOT NULL,
    output_hash TEXT NOT NULL,
    preview     TEXT,
    questions   TEXT NOT NULL,
    checks      TEXT,
    status      TEXT NOT NULL,
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_conversations_task ON conversations (task_id, updated_at);
"""


@dataclass(frozen=True)
class Conversation:
    """One stored conversation."""

    id: str
    user: str
    task_id: str
    context: dict[str, Any]
    spec_hash: str
    output_hash: str
    preview: dict[str, Any] | None
    questions: list[dict[str, Any]]
    checks: dict[str, Any] | None
    status: str
    created_at: float
    updated_at: float


class StateError(Exception):
    """The state database cannot be opened or is not specc's."""


class ConversationStore:
    """SQLite-backed conversation storage at `<state_dir>/state.db`."""

    def __init__(self, state_dir: Path, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.time) -> None:
        self.state_dir = state_dir
        self.path = state_dir / "state.db"
        self.ttl = ttl
        self.clock = clock
        self._init()

    def _init(self) -> None:
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            # State is per machine: keep it out of commits wherever it lives.
            ignore = self.state_dir / ".gitignore"
            if not ignore.exists():
                ignore.write_text("*\n", encoding="utf-8")
        except OSError as exc:
            raise StateError(f"cannot create the state directory {self.state_dir}: {exc.strerror}") from None
        with self._connect() as db:
            # WAL lets readers run while another process writes.  Switching to
            # it can report "locked" without waiting while a second process
            # creates the same fresh database, so retry briefly.
            for attempt in range(50):
                try:
                    db.execute("PRAGMA journal_mode = WAL")
                    break
                except sqlite3.OperationalError:
                    if attempt == 49:
                        raise
                    time.sleep(0.05)
            db.execute("BEGIN IMMEDIATE")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                db.execute("ROLLBACK")
                raise StateError(f"{self.path} has state schema version {version}; this specc understands {SCHEMA_VERSION}")
            for statement in _DDL.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise StateError(f"cannot open {self.path}: {exc}") from None
        try:
            db.execute("PRAGMA busy_timeout = 30000")
            yield db
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{self.path}: {exc}") from None
        finally:
            db.close()

    @staticmethod
    def _row(row: tuple[Any, ...]) -> Conversation:
        return Conversation(
            id=row[0],
            user=row[1],
            task_id=row[2],
            context=json.loads(row[3]),
            spec_hash=row[4],
            output_hash=row[5],
            preview=json.loads(row[6]) if row[6] is not None else None,
            questions=json.loads(row[7]),
            checks=json.loads(row[8]) if row[8] is not None else None,
            status=row[9],
            created_at=row[10],
            updated_at=row[11],
        )

    def expire(self) -> int:
        """Mark conversations idle for longer than the TTL expired (dropping
        their payloads) and delete rows idle for four TTLs; return how many expired."""
        now = self.clock()
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            cur = db.execute(
                "UPDATE conversations SET status = ?, preview = NULL, checks = NULL WHERE status != ? AND updated_at < ?",
                (EXPIRED, EXPIRED, now - self.ttl),
            )
            db.execute("DELETE FROM conversations WHERE updated_at < ?", (now - 4 * self.ttl,))
            db.execute("COMMIT")
            return cur.rowcount

    def create(self, user: str, task_id: str, context: dict[str, Any], spec_hash: str, output_hash: str, preview: dict[str, Any] | None, questions: list[dict[str, Any]], status: str) -> Conversation:
        """Store a new conversation and return it (with a fresh random id)."""
        self.expire()
        now = self.clock()
        conv_id = "c-" + secrets.token_hex(8)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT INTO conversations VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                (conv_id, user, task_id, json.dumps(context, sort_keys=True), spec_hash, output_hash, json.dumps(preview, sort_keys=True) if preview is not None else None, json.dumps(questions, sort_keys=True), status, now, now),
            )
            db.execute("COMMIT")
        found = self.get(conv_id)
        assert found is not None
        return found

    def get(self, conv_id: str) -> Conversation | None:
        """The conversation `conv_id` (possibly expired), or None if unknown."""
        self.expire()
        with self._connect() as db:
            row = db.execute("SELECT * FROM conversations WHERE id = ?", (conv_id,)).fetchone()
        return self._row(row) if row else None

    def update(self, conv_id: str, *, status: str, checks: dict[str, Any] | None = None) -> None:
        """Record a new status (and check results, when given)."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            if checks is not None:
                db.execute("UPDATE conversations SET status = ?, checks = ?, updated_at = ? WHERE id = ?", (status, json.dumps(checks, sort_keys=True, default=str), self.clock(), conv_id))
            else:
                db.execute("UPDATE conversations SET status = ?, updated_at = ? WHERE id = ?", (status, self.clock(), conv_id))
            db.execute("COMMIT")

    def active(self, task_id: str | None = None) -> list[Conversation]:
        """Unexpired, unfinished conversations, oldest first."""
        self.expire()
        marks = ", ".join("?" for _ in ACTIVE)
        sql = f"SELECT * FROM conversations WHERE status IN ({marks})"
        params: list[Any] = list(ACTIVE)
        if task_id is not None:
            sql += " AND task_id = ?"
            params.append(task_id)
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY created_at, id", params).fetchall()
        return [self._row(r) for r in rows]

    def latest_checks(self, task_id: str, spec_hash: str) -> dict[str, Any] | None:
        """The most recent check results for `task_id` at `spec_hash`, from any
        conversation that checked the spec as written (no context overrides)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT checks FROM conversations WHERE task_id = ? AND spec_hash = ? AND context = '{}' AND checks IS NOT NULL ORDER BY updated_at DESC, id LIMIT 1",
                (task_id, spec_hash),
            ).fetchone()
        return json.loads(row[0]) if row else None
