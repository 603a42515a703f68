"""SQLite: merx in one file, no server (the standard library's ``sqlite3``).

:class:`SqliteDatabase` is a :class:`~merx.adapters.documents.DocumentDatabase`: one row
per aggregate (``kind``, ``id``, ``version``, the JSON ``document``), the outbox (every
committed event in commit order), and the schema version. WAL mode with
``synchronous=FULL`` by default: a commit that returned survives a power cut; a host may
pass ``synchronous="NORMAL"`` (durable against a crash of the process, not of the
machine). Reads run in autocommit, each on the latest commit; a write takes the file's
write lock (``BEGIN IMMEDIATE``, waiting up to ``busy_timeout_ms``), checks every changed
row's version and commits, or rolls back and raises
:class:`~merx.errors.ConcurrencyError`. Each thread gets its own connection; many
processes may share the file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, Literal

from merx.adapters.documents import ChangedDocument, NewDocument, SchemaTooNew, StoredEvent
from merx.kernel.errors import ConcurrencyError

#: The schema this code writes; a file written by a later schema is refused.
SCHEMA_VERSION: Final = 1

_SCHEMA: Final = (
    """CREATE TABLE IF NOT EXISTS merx_schema (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS merx_documents (
        row INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        UNIQUE (kind, id)
    )""",
    """CREATE TABLE IF NOT EXISTS merx_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        data TEXT NOT NULL
    )""",
)


def _dumps(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


class SqliteDatabase:
    """Documents and the outbox in one SQLite file (see the module docstring)."""

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        busy_timeout_ms: int = 10_000,
    ) -> None:
        self.path = str(path)
        self._synchronous = synchronous
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._open_schema()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=True, timeout=0
            )
            connection.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute(f"PRAGMA synchronous = {self._synchronous}")
            self._local.connection = connection
        return connection

    def _open_schema(self) -> None:
        db = self.connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA:
                db.execute(statement)
            row = db.execute("SELECT version FROM merx_schema WHERE id = 1").fetchone()
            if row is None:
                db.execute("INSERT INTO merx_schema (id, version) VALUES (1, ?)", (SCHEMA_VERSION,))
            elif row[0] > SCHEMA_VERSION:
                raise SchemaTooNew(
                    f"{self.path} has merx schema {row[0]}; this merx knows up to {SCHEMA_VERSION}"
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Close this thread's connection."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    # -- the DocumentDatabase port ---------------------------------------------------

    def load(self, kind: str, key: str) -> tuple[int, Any] | None:
        row = (
            self.connection()
            .execute(
                "SELECT version, document FROM merx_documents WHERE kind = ? AND id = ?",
                (kind, key),
            )
            .fetchone()
        )
        return None if row is None else (row[0], json.loads(row[1]))

    def keys(self, kind: str) -> list[str]:
        rows = self.connection().execute(
            "SELECT id FROM merx_documents WHERE kind = ? ORDER BY row", (kind,)
        )
        return [key for (key,) in rows]

    def write(
        self,
        new: Sequence[NewDocument],
        changed: Sequence[ChangedDocument],
        events: Sequence[StoredEvent],
    ) -> None:
        db = self.connection()
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:  # the write lock stayed busy
            raise ConcurrencyError(f"{self.path} is busy: {error}") from error
        try:
            for row in changed:
                cursor = db.execute(
                    "UPDATE merx_documents SET version = version + 1, document = ? "
                    "WHERE kind = ? AND id = ? AND version = ?",
                    (_dumps(row.document), row.kind, row.key, row.version),
                )
                if cursor.rowcount != 1:
                    stored = db.execute(
                        "SELECT version FROM merx_documents WHERE kind = ? AND id = ?",
                        (row.kind, row.key),
                    ).fetchone()
                    raise ConcurrencyError(
                        f"{row.kind} {row.key!r} changed since it was loaded "
                        f"(loaded version {row.version}, stored {stored[0] if stored else None})"
                    )
            try:
                db.executemany(
                    "INSERT INTO merx_documents (kind, id, version, document) VALUES (?, ?, 1, ?)",
                    [(row.kind, row.key, _dumps(row.document)) for row in new],
                )
            except sqlite3.IntegrityError as error:
                raise ConcurrencyError(f"an aggregate was added concurrently: {error}") from error
            db.executemany(
                "INSERT INTO merx_outbox (event_id, name, data) VALUES (?, ?, ?)",
                [(event.event_id, event.name, _dumps(event.data)) for event in events],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # -- reading the outbox ----------------------------------------------------------

    def events_after(self, seq: int, limit: int = 1_000) -> list[tuple[int, str, str, Any]]:
        """Up to ``limit`` outbox rows after ``seq``: (seq, event id, name, data)."""
        rows = self.connection().execute(
            "SELECT seq, event_id, name, data FROM merx_outbox WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        )
        return [(seq_, event_id, name, json.loads(data)) for seq_, event_id, name, data in rows]
