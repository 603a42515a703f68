"""PostgreSQL: merx for many processes over one server (psycopg 3 with psycopg-pool).

:class:`PostgresDatabase` is a :class:`~merx.adapters.documents.DocumentDatabase` with the
same three tables as the SQLite one: ``merx_documents`` (one row per aggregate: ``kind``,
``id``, ``version``, the JSON ``document``), ``merx_outbox`` (every committed event, in
commit order) and ``merx_schema`` (the schema version), created on open in one transaction
and refused with :class:`~merx.adapters.documents.SchemaTooNew` if a later merx wrote them.

Reads run in autocommit, each on the latest commit. :meth:`PostgresDatabase.write` is one
transaction sent in one round trip (psycopg's pipeline mode): each changed document is
updated only if it is still at the version it was loaded at (a server-side function raises
``serialization_failure`` otherwise, which aborts the whole pipeline), new documents are
inserted (a key taken meanwhile is a unique violation), the events are appended to the
outbox, and the transaction commits; any failure rolls everything back and a lost update,
a key taken or a deadlock between two writers is raised as
:class:`~merx.errors.ConcurrencyError`. Durability is PostgreSQL's default (a commit that
returned is on disk); a host may relax it for its own connections, e.g. with
``options=-c synchronous_commit=off`` in the DSN.

Documents are stored as ``json``, not ``jsonb``: ``jsonb`` reorders the keys of every object,
and the order of a Python ``dict`` is part of an aggregate (a cart's lines, a customer's
addresses). Expression indexes (``(document->>'status')``) work on ``json`` as well.

The outbox's ``seq`` follows commit order: a write with events takes a transaction-level
advisory lock (one per outbox table) before it appends them and holds it until it commits,
so a reader of :meth:`PostgresDatabase.events_after` never sees a later ``seq`` before an
earlier one commits. Writes without events, and all reads, never wait for it.

Put merx in a schema of its own with the DSN (``options=-c search_path=shop``); the
schema must exist.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, Final

import psycopg
from psycopg import errors as pg_errors
from psycopg.types.json import Json
from psycopg_pool import ConnectionPool

from merx.adapters.documents import ChangedDocument, NewDocument, SchemaTooNew, StoredEvent
from merx.kernel.errors import ConcurrencyError, ValidationError

#: The schema this code writes; a database written by a later schema is refused.
SCHEMA_VERSION: Final = 1

#: The high half of merx's advisory lock keys (the low half is the locked table's oid).
_LOCK_CLASS: Final = int.from_bytes(b"merx", "big")

_SCHEMA_TABLE: Final = """CREATE TABLE IF NOT EXISTS merx_schema (
    id integer PRIMARY KEY CHECK (id = 1),
    version integer NOT NULL
)"""

_SCHEMA: Final = (
    """CREATE TABLE IF NOT EXISTS merx_documents (
        kind text NOT NULL,
        id text NOT NULL,
        version bigint NOT NULL,
        document json NOT NULL,
        row_id bigserial NOT NULL,
        PRIMARY KEY (kind, id)
    )""",
    "CREATE INDEX IF NOT EXISTS merx_documents_kind_row ON merx_documents (kind, row_id)",
    """CREATE TABLE IF NOT EXISTS merx_outbox (
        seq bigserial PRIMARY KEY,
        event_id text NOT NULL UNIQUE,
        name text NOT NULL,
        data json NOT NULL
    )""",
    # The guarded update of one document: a lost update aborts the transaction, so a whole
    # commit goes to the server in one round trip and is checked there.
    """CREATE OR REPLACE FUNCTION merx_update_document(
        p_kind text, p_id text, p_version bigint, p_document json
    ) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        stored bigint;
    BEGIN
        UPDATE merx_documents SET version = version + 1, document = p_document
         WHERE kind = p_kind AND id = p_id AND version = p_version;
        IF NOT FOUND THEN
            SELECT version INTO stored FROM merx_documents WHERE kind = p_kind AND id = p_id;
            RAISE EXCEPTION USING
                ERRCODE = 'serialization_failure',
                MESSAGE = format(
                    '%s %L changed since it was loaded (loaded version %s, stored %s)',
                    p_kind, p_id, p_version, coalesce(stored::text, 'None'));
        END IF;
    END
    $$""",
)

_LOAD: Final = "SELECT version, document FROM merx_documents WHERE kind = %s AND id = %s"
_KEYS: Final = "SELECT id FROM merx_documents WHERE kind = %s ORDER BY row_id"
_UPDATE: Final = "SELECT merx_update_document(%s, %s, %s, %s)"
_INSERT: Final = "INSERT INTO merx_documents (kind, id, version, document) VALUES (%s, %s, 1, %s)"
_LOCK_OUTBOX: Final = "SELECT pg_advisory_xact_lock(%s)"
_APPEND: Final = "INSERT INTO merx_outbox (event_id, name, data) VALUES (%s, %s, %s)"
_EVENTS_AFTER: Final = (
    "SELECT seq, event_id, name, data FROM merx_outbox WHERE seq > %s ORDER BY seq LIMIT %s"
)

Connection = psycopg.Connection[Any]
Pool = ConnectionPool[Connection]


class NotAutocommit(ValidationError):
    """A pool handed merx a connection that is not in autocommit mode."""


def _dumps(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def _json(document: Any) -> Json:
    return Json(document, dumps=_dumps)


class PostgresDatabase:
    """Documents and the outbox in one PostgreSQL database (see the module docstring).

    ``dsn_or_pool`` is a connection string (merx opens a pool of ``min_size`` to ``max_size``
    connections, each set up by ``configure`` if given, and closes it in :meth:`close`) or a
    host's own :class:`~psycopg_pool.ConnectionPool`, whose connections must be in autocommit
    mode (``kwargs={"autocommit": True}``) and which the host closes.
    """

    #: The key of the advisory lock a write with events holds from its outbox append to its
    #: commit (one per outbox table).
    outbox_lock: int

    def __init__(
        self,
        dsn_or_pool: str | Pool,
        *,
        min_size: int = 1,
        max_size: int = 8,
        configure: Callable[[Connection], None] | None = None,
    ) -> None:
        if isinstance(dsn_or_pool, str):
            self._pool: Pool = ConnectionPool(
                dsn_or_pool,
                min_size=min_size,
                max_size=max_size,
                kwargs={"autocommit": True},
                configure=configure,
                name="merx",
                open=True,
            )
            self._owns_pool = True
        else:
            self._pool = dsn_or_pool
            self._owns_pool = False
        try:
            self.outbox_lock = self._open_schema()
        except BaseException:
            self.close()
            raise

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection of the pool, in autocommit, for the length of the block."""
        with self._pool.connection() as connection:
            if not connection.autocommit:
                raise NotAutocommit(
                    f"pool {self._pool.name!r} gave a connection outside autocommit; "
                    "open it with kwargs={'autocommit': True}"
                )
            yield connection

    def _open_schema(self) -> int:
        """Create the tables if they are missing, in one transaction; the outbox lock's key."""
        with self.connection() as db, db.transaction():
            # one opener at a time: CREATE ... IF NOT EXISTS is not safe against a racing twin
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_CLASS << 32,))
            db.execute(_SCHEMA_TABLE)
            row = db.execute("SELECT version FROM merx_schema WHERE id = 1").fetchone()
            if row is not None and row[0] > SCHEMA_VERSION:
                where = db.execute("SELECT current_database(), current_schema()").fetchone()
                raise SchemaTooNew(
                    f"database {where[0] if where else '?'} (schema {where[1] if where else '?'})"
                    f" has merx schema {row[0]}; this merx knows up to {SCHEMA_VERSION}"
                )
            if row is None:
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute(
                    "INSERT INTO merx_schema (id, version) VALUES (1, %s)", (SCHEMA_VERSION,)
                )
            found = db.execute("SELECT 'merx_outbox'::regclass::oid").fetchone()
            assert found is not None, "merx_outbox exists once the schema is open"
            outbox_oid: int = found[0]
        return (_LOCK_CLASS << 32) | outbox_oid

    def close(self) -> None:
        """Close the pool merx opened (a host's own pool stays open)."""
        if self._owns_pool:
            self._pool.close()

    # -- the DocumentDatabase port ---------------------------------------------------

    def load(self, kind: str, key: str) -> tuple[int, Any] | None:
        with self.connection() as db:
            row = db.execute(_LOAD, (kind, key)).fetchone()
        return None if row is None else (row[0], row[1])

    def keys(self, kind: str) -> list[str]:
        with self.connection() as db:
            return [key for (key,) in db.execute(_KEYS, (kind,))]

    def write(
        self,
        new: Sequence[NewDocument],
        changed: Sequence[ChangedDocument],
        events: Sequence[StoredEvent],
    ) -> None:
        if not (new or changed or events):
            return
        statements: list[tuple[str, list[tuple[Any, ...]]]] = [("BEGIN", [()])]
        if changed:
            updates = [(r.kind, r.key, r.version, _json(r.document)) for r in changed]
            statements.append((_UPDATE, updates))
        if new:
            statements.append((_INSERT, [(r.kind, r.key, _json(r.document)) for r in new]))
        if events:
            statements.append((_LOCK_OUTBOX, [(self.outbox_lock,)]))
            statements.append((_APPEND, [(e.event_id, e.name, _json(e.data)) for e in events]))
        statements.append(("COMMIT", [()]))
        with self.connection() as db:
            try:
                _pipelined(db, statements)
            except BaseException as error:
                with suppress(psycopg.Error):  # a broken connection: the pool discards it
                    db.rollback()
                concurrency = _concurrency_error(error)
                if concurrency is None:
                    raise
                raise concurrency from error

    # -- reading the outbox ----------------------------------------------------------

    def events_after(self, seq: int, limit: int = 1_000) -> list[tuple[int, str, str, Any]]:
        """Up to ``limit`` outbox rows after ``seq``, in commit order: (seq, event id,
        name, data)."""
        with self.connection() as db:
            rows = db.execute(_EVENTS_AFTER, (seq, limit)).fetchall()
        return [(seq_, event_id, name, data) for seq_, event_id, name, data in rows]


def _pipelined(db: Connection, statements: Sequence[tuple[str, Sequence[tuple[Any, ...]]]]) -> None:
    """Send every statement (each once per parameter tuple) in one round trip: pipeline mode,
    one Sync at the end. Raise the first error; the server skips what follows it."""
    first: psycopg.Error | None = None
    try:
        with db.pipeline():
            cursor = db.cursor()
            try:
                for query, params in statements:
                    if len(params) == 1:
                        cursor.execute(query, params[0])
                    else:
                        cursor.executemany(query, params)
            except psycopg.Error as error:  # a result read early; stop sending
                first = error
    except psycopg.Error:
        if first is None:
            raise
    if first is not None:
        raise first


def _concurrency_error(error: BaseException) -> ConcurrencyError | None:
    """``error`` as the :class:`ConcurrencyError` it means, if it means one."""
    if isinstance(error, pg_errors.SerializationFailure):  # merx_update_document's refusal
        return ConcurrencyError(error.diag.message_primary or str(error))
    if (
        isinstance(error, pg_errors.UniqueViolation)
        and error.diag.constraint_name == "merx_documents_pkey"
    ):
        return ConcurrencyError(f"an aggregate was added concurrently: {error.diag.message_detail}")
    if isinstance(error, pg_errors.DeadlockDetected):
        return ConcurrencyError(f"two commits waited for each other's documents: {error}")
    return None
