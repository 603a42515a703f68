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
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, Final, TypeAlias

import attrs
import psycopg
from psycopg import errors as pg_errors
from psycopg.types.json import Json
from psycopg_pool import ConnectionPool

from merx.adapters.documents import (
    ChangedDocument,
    DocumentKey,
    EntryRow,
    JournalRows,
    NewDocument,
    RemovedDocument,
    SchemaTooNew,
    SchemaTooOld,
    StoredEvent,
    index_writes,
)
from merx.adapters.journal import BalanceRow, journal_from_documents, moves_in_order
from merx.adapters.roundtrips import RoundTrips, WireTrace
from merx.adapters.sealing import (
    SEALED_SINCE_7,
    VAULT_TABLE,
    readable,
    seal_stored,
)
from merx.adapters.sqlite import (
    INDEXED_SINCE_2,
    INDEXED_SINCE_3,
    INDEXED_SINCE_4,
    INDEXED_SINCE_5,
    INDEXED_SINCE_6,
    INDEXED_SINCE_12,
    points_reshaped,
)
from merx.kernel.documents import Documents
from merx.kernel.errors import ConcurrencyError, ValidationError

Connection: TypeAlias = psycopg.Connection[Any]
Pool: TypeAlias = ConnectionPool[Connection]

#: The high half of merx's advisory lock keys (the low half is the locked table's oid).
_LOCK_CLASS: Final = int.from_bytes(b"merx", "big")

_SCHEMA_TABLE: Final = """CREATE TABLE IF NOT EXISTS merx_schema (
    id integer PRIMARY KEY CHECK (id = 1),
    version integer NOT NULL
)"""

_V1: Final = (
    """CREATE TABLE merx_documents (
        kind text NOT NULL,
        id text NOT NULL,
        version bigint NOT NULL,
        document json NOT NULL,
        row_id bigserial NOT NULL,
        PRIMARY KEY (kind, id)
    )""",
    "CREATE INDEX merx_documents_kind_row ON merx_documents (kind, row_id)",
    """CREATE TABLE merx_outbox (
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
    "CREATE TABLE merx_handled (mark text PRIMARY KEY)",
    """CREATE TABLE merx_relay (
        name text PRIMARY KEY,
        position bigint NOT NULL DEFAULT 0,
        owner text,
        lease_until double precision NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE merx_parked (
        id bigserial PRIMARY KEY,
        relay text NOT NULL,
        seq bigint NOT NULL,
        subscriber text NOT NULL,
        error text NOT NULL,
        attempts integer NOT NULL,
        resolved boolean NOT NULL DEFAULT false
    )""",
)

_V2: Final = (
    """CREATE TABLE merx_index (
        kind text NOT NULL,
        name text NOT NULL,
        value text NOT NULL,
        id text NOT NULL,
        PRIMARY KEY (kind, id, name)
    )""",
    "CREATE INDEX merx_index_lookup ON merx_index (kind, name, value)",
)


def _index_kinds_of_2(db: Connection, documents: Documents | None) -> None:
    """Index entries of every stored document of the kinds schema 2 began to index
    (:data:`merx.adapters.sqlite.INDEXED_SINCE_2`)."""
    _index_kinds(db, documents, INDEXED_SINCE_2, schema=2)


def _index_kinds_of_3(db: Connection, documents: Documents | None) -> None:
    """Index entries of every stored document of the kinds schema 3 began to index
    (:data:`merx.adapters.sqlite.INDEXED_SINCE_3`)."""
    _index_kinds(db, documents, INDEXED_SINCE_3, schema=3)


def _index_kinds(
    db: Connection, documents: Documents | None, names: frozenset[str] | None, *, schema: int
) -> None:
    """Index entries of every stored document of the kinds ``names`` (every indexed kind
    when ``None``), rebuilt from the documents with the indexers of this code."""
    if documents is None:
        raise ValidationError(
            f"upgrading to schema {schema} needs the documents (merx.app.documents())"
        )
    for kind in documents.classes():
        name = documents.name_of(kind)
        if not documents.indexed(kind) or (names is not None and name not in names):
            continue
        rows = db.execute(
            "SELECT id, version, document::text FROM merx_documents WHERE kind = %s", (name,)
        ).fetchall()
        for key, version, document in rows:
            aggregate = documents.read(kind, readable(name, json.loads(document)))
            aggregate.version = version
            entries = documents.index_entries(aggregate) or ()
            db.execute(_UNINDEX, (name, key))
            for index, value in entries:
                db.execute(_INDEX, (name, index, value, key))


_V3: Final = (
    """CREATE TABLE merx_ledger_entries (
        row bigserial PRIMARY KEY,
        book text NOT NULL,
        key text NOT NULL,
        kind text NOT NULL,
        ref text NOT NULL,
        at text NOT NULL,
        phase text NOT NULL,
        link text,
        UNIQUE (book, key)
    )""",
    "CREATE UNIQUE INDEX merx_ledger_follow_ups ON merx_ledger_entries (book, link) "
    "WHERE link IS NOT NULL",
    "CREATE INDEX merx_ledger_refs ON merx_ledger_entries (book, ref)",
    """CREATE TABLE merx_ledger_postings (
        entry bigint NOT NULL REFERENCES merx_ledger_entries (row),
        leg integer NOT NULL,
        book text NOT NULL,
        account text NOT NULL,
        amount bigint NOT NULL,
        PRIMARY KEY (entry, leg)
    )""",
    "CREATE INDEX merx_ledger_postings_by_account ON merx_ledger_postings (book, account, entry)",
    """CREATE TABLE merx_ledger_balances (
        book text NOT NULL,
        account text NOT NULL,
        version bigint NOT NULL,
        debits bigint NOT NULL,
        credits bigint NOT NULL,
        pending_debits bigint NOT NULL,
        pending_credits bigint NOT NULL,
        PRIMARY KEY (book, account)
    )""",
    # A balance whose figures the unit of work read: moved (or only checked) at the version
    # read, else the transaction aborts (serialization_failure), as a lost update does.
    """CREATE OR REPLACE FUNCTION merx_guard_balance(
        p_book text, p_account text, p_version bigint,
        p_debits bigint, p_credits bigint, p_pending_debits bigint, p_pending_credits bigint,
        p_moves boolean
    ) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        IF p_version = 0 THEN
            INSERT INTO merx_ledger_balances VALUES (p_book, p_account, 0, 0, 0, 0, 0)
                ON CONFLICT DO NOTHING;
        END IF;
        IF p_moves THEN
            UPDATE merx_ledger_balances SET version = version + 1,
                   debits = debits + p_debits, credits = credits + p_credits,
                   pending_debits = pending_debits + p_pending_debits,
                   pending_credits = pending_credits + p_pending_credits
             WHERE book = p_book AND account = p_account AND version = p_version;
        ELSE
            PERFORM 1 FROM merx_ledger_balances
             WHERE book = p_book AND account = p_account AND version = p_version FOR SHARE;
        END IF;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING
                ERRCODE = 'serialization_failure',
                MESSAGE = format('ledger %L account %s moved since it was read (version %s)',
                                 p_book, p_account, p_version);
        END IF;
    END
    $$""",
)


def _journal_out_of_documents(db: Connection, documents: Documents | None) -> None:
    """Move the ledger's entries and balances out of the documents into their tables."""
    del documents  # the conversion reads the documents as JSON
    kinds = [
        "ledger.Ledger",
        "journal.JournalEntry",
        "journal.JournalIndex",
        "settlement.Withdrawal",
        "settlement.SettlementStatement",
    ]
    rows = db.execute(
        "SELECT kind, id, document::text FROM merx_documents WHERE kind = ANY(%s) ORDER BY row_id",
        (kinds,),
    ).fetchall()
    changed, entries, balances = journal_from_documents(
        {(kind, key): json.loads(document) for kind, key, document in rows}
    )
    for (kind, key), document in changed.items():
        if document is None:
            db.execute("DELETE FROM merx_documents WHERE kind = %s AND id = %s", (kind, key))
            db.execute(_UNINDEX, (kind, key))
        else:
            db.execute(
                "UPDATE merx_documents SET document = %s WHERE kind = %s AND id = %s",
                (_json(document), kind, key),
            )
    for row in entries:
        db.execute(_APPEND_ENTRY, _entry_parameters(row))
    for (book, account), balance in balances.items():
        db.execute(
            "INSERT INTO merx_ledger_balances VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (book, account, *balance),
        )


def _schema_3(db: Connection, documents: Documents | None) -> None:
    """Schema 3: the ledger's journal out of its documents into rows, then the index
    entries of the kinds schema 3 began to index (withdrawals among them, rewritten
    first)."""
    _journal_out_of_documents(db, documents)
    _index_kinds_of_3(db, documents)


@attrs.frozen
class Migration:
    """One step of the schema (see :mod:`merx.adapters.sqlite`)."""

    version: int
    statements: tuple[str, ...]
    backfill: Callable[[Connection, Documents | None], None] | None = None


def _index_kinds_of_4(db: Connection, documents: Documents | None) -> None:
    """Schema 4: payments' index entries rebuilt (:data:`merx.adapters.sqlite.INDEXED_SINCE_4`)."""
    _index_kinds(db, documents, INDEXED_SINCE_4, schema=4)


def _index_kinds_of_5(db: Connection, documents: Documents | None) -> None:
    """Schema 5: pre-sale orders' index entries written
    (:data:`merx.adapters.sqlite.INDEXED_SINCE_5`)."""
    _index_kinds(db, documents, INDEXED_SINCE_5, schema=5)


_V6: Final = (
    # A document removed only at the version it was read at (a purge of command records),
    # else the transaction aborts, as a lost update does.
    """CREATE OR REPLACE FUNCTION merx_remove_document(
        p_kind text, p_id text, p_version bigint
    ) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        stored bigint;
    BEGIN
        DELETE FROM merx_documents WHERE kind = p_kind AND id = p_id AND version = p_version;
        IF NOT FOUND THEN
            SELECT version INTO stored FROM merx_documents WHERE kind = p_kind AND id = p_id;
            RAISE EXCEPTION USING
                ERRCODE = 'serialization_failure',
                MESSAGE = format(
                    '%s %L changed since it was loaded for removal (loaded version %s, stored %s)',
                    p_kind, p_id, p_version, coalesce(stored::text, 'None'));
        END IF;
    END
    $$""",
)


def _index_kinds_of_6(db: Connection, documents: Documents | None) -> None:
    """Schema 6: command records' index entries (:data:`merx.adapters.sqlite.INDEXED_SINCE_6`)."""
    _index_kinds(db, documents, INDEXED_SINCE_6, schema=6)


def _index_kinds_of_12(db: Connection, documents: Documents | None) -> None:
    """Schema 12: touches' and placements' index entries
    (:data:`merx.adapters.sqlite.INDEXED_SINCE_12`)."""
    _index_kinds(db, documents, INDEXED_SINCE_12, schema=12)


def _seal_clear_values_of_7(db: Connection, documents: Documents | None) -> None:
    """Schema 7: clear personal values of older documents sealed in the database's own
    ``merx_vault`` table (:mod:`merx.adapters.sealing`)."""
    del documents  # the step rewrites the documents as JSON
    db.execute(VAULT_TABLE)
    changed, kept = seal_stored(
        db.execute(
            "SELECT kind, id, document::text FROM merx_documents WHERE kind = ANY(%s)",
            (list(SEALED_SINCE_7),),
        ).fetchall()
    )
    with db.cursor() as cursor:
        cursor.executemany(
            "UPDATE merx_documents SET document = %s WHERE kind = %s AND id = %s",
            [(_json(document), kind, key) for kind, key, document in changed],
        )
        cursor.executemany("INSERT INTO merx_vault (token, kind, value) VALUES (%s, %s, %s)", kept)


#: Schema 9: a posting no longer checks its entry's row by a foreign key. Postings are
#: written only by the statement that inserts their entry (:data:`_APPEND_ENTRIES`, and
#: schema 3's move out of the documents), so the key holds by construction; checking it
#: cost a third of a batch's insert (a trigger call per posting).
_V9: Final = (
    "ALTER TABLE merx_ledger_postings DROP CONSTRAINT IF EXISTS merx_ledger_postings_entry_fkey",
)


def _points_entries_of_11(db: Connection, documents: Documents | None) -> None:
    """Schema 11: each points account's entries leave its document for records of their own
    (:func:`merx.adapters.sqlite.points_reshaped`); the account keeps its balance and open
    lots."""
    rows = db.execute(
        "SELECT id, document::text FROM merx_documents WHERE kind = 'points.PointsAccount' "
        "ORDER BY row_id"
    ).fetchall()
    accounts, records = points_reshaped(rows, documents)
    with db.cursor() as cursor:
        cursor.executemany(
            "UPDATE merx_documents SET document = %s WHERE kind = %s AND id = %s",
            [(_json(document), kind, key) for kind, key, document, _ in accounts],
        )
        cursor.executemany(_UNINDEX, [(kind, key) for kind, key, _, _ in accounts])
        cursor.executemany(
            "INSERT INTO merx_documents (kind, id, version, document) VALUES (%s, %s, 1, %s)",
            [(kind, key, _json(document)) for kind, key, document, _ in records],
        )
        cursor.executemany(
            _INDEX,
            [
                (kind, name, value, key)
                for kind, key, _, entries in [*accounts, *records]
                for name, value in entries
            ],
        )


#: Every schema step in order of its version; a database's schema is the version of the
#: last step applied (see :func:`merx.adapters.sqlite.migrations_after`).
MIGRATIONS: Final = (
    Migration(1, _V1),
    Migration(2, _V2, _index_kinds_of_2),
    Migration(3, _V3, _schema_3),
    Migration(4, (), _index_kinds_of_4),
    Migration(5, (), _index_kinds_of_5),
    Migration(6, _V6, _index_kinds_of_6),
    Migration(7, (), _seal_clear_values_of_7),
    Migration(9, _V9),
    Migration(11, (), _points_entries_of_11),
    Migration(12, (), _index_kinds_of_12),
)

#: The schema this code writes; a database written by a later schema is refused.
SCHEMA_VERSION: Final = MIGRATIONS[-1].version


def migrations_after(version: int) -> list[Migration]:
    """The steps a database of schema ``version`` still needs, in order."""
    return [migration for migration in MIGRATIONS if migration.version > version]


_LOAD: Final = "SELECT version, document::text FROM merx_documents WHERE kind = %s AND id = %s"
_LOAD_MANY: Final = (
    "SELECT d.kind, d.id, d.version, d.document::text FROM merx_documents d "
    "JOIN unnest(%s::text[], %s::text[]) AS wanted (kind, id) "
    "ON d.kind = wanted.kind AND d.id = wanted.id"
)
_UNINDEX: Final = "DELETE FROM merx_index WHERE kind = %s AND id = %s"
_UNINDEX_NAME: Final = "DELETE FROM merx_index WHERE kind = %s AND id = %s AND name = %s"
#: An entry written over the stored one of its name, if any (a changed document writes
#: only the entries that moved: :func:`merx.adapters.documents.index_writes`).
_INDEX: Final = (
    "INSERT INTO merx_index (kind, name, value, id) VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (kind, id, name) DO UPDATE SET value = excluded.value"
)
_MARK: Final = "INSERT INTO merx_handled (mark) VALUES (%s)"
_HANDLED: Final = "SELECT mark FROM merx_handled WHERE mark = ANY(%s)"
_KEYS: Final = "SELECT id FROM merx_documents WHERE kind = %s ORDER BY row_id"
_UPDATE: Final = "SELECT merx_update_document(%s, %s, %s, %s)"
_REMOVE: Final = "SELECT merx_remove_document(%s, %s, %s)"
_INSERT: Final = "INSERT INTO merx_documents (kind, id, version, document) VALUES (%s, %s, 1, %s)"
_LOCK_OUTBOX: Final = "SELECT pg_advisory_xact_lock(%s)"
#: Every write takes the writers' lock shared, first in its transaction; a connection that
#: shuts the other writers out (:meth:`PostgresDatabase.hold_writers`) holds it exclusively.
_SHARE_WRITERS: Final = "SELECT pg_advisory_xact_lock_shared(%s)"
#: The class of the writers' lock key (the outbox's oid beside it, as the outbox lock's).
_WRITERS_CLASS: Final = int.from_bytes(b"mrxw", "big")
_APPEND: Final = "INSERT INTO merx_outbox (event_id, name, data) VALUES {rows} RETURNING seq"
_APPEND_ENTRY: Final = (
    "WITH e AS (INSERT INTO merx_ledger_entries (book, key, kind, ref, at, phase, link) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING row) "
    "INSERT INTO merx_ledger_postings (entry, leg, book, account, amount) "
    "SELECT e.row, l.leg, %s, l.account, l.amount FROM e, "
    "unnest(%s::integer[], %s::text[], %s::bigint[]) AS l (leg, account, amount)"
)
_MOVE_BALANCE: Final = (
    "INSERT INTO merx_ledger_balances AS b VALUES (%s, %s, 1, %s, %s, %s, %s) "
    "ON CONFLICT (book, account) DO UPDATE SET version = b.version + 1, "
    "debits = b.debits + excluded.debits, credits = b.credits + excluded.credits, "
    "pending_debits = b.pending_debits + excluded.pending_debits, "
    "pending_credits = b.pending_credits + excluded.pending_credits"
)
#: Every unguarded move of a run of accounts (in the commit's order of accounts) at once.
_MOVE_BALANCES: Final = (
    "INSERT INTO merx_ledger_balances AS b "
    "SELECT m.book, m.account, 1, m.debits, m.credits, m.pending_debits, m.pending_credits "
    "FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::bigint[], %s::bigint[], "
    "%s::bigint[]) WITH ORDINALITY AS m (book, account, debits, credits, pending_debits, "
    "pending_credits, n) ORDER BY m.n "
    "ON CONFLICT (book, account) DO UPDATE SET version = b.version + 1, "
    "debits = b.debits + excluded.debits, credits = b.credits + excluded.credits, "
    "pending_debits = b.pending_debits + excluded.pending_debits, "
    "pending_credits = b.pending_credits + excluded.pending_credits"
)
#: Every entry of a commit and their postings in one statement, from one JSON array of
#: entry rows (one parameter: psycopg dumps a text array element by element, which costs
#: more than the database's work): the entries take their row numbers in the order given;
#: each entry's legs become its postings. ``jsonb``, parsed once: a ``json`` value is
#: parsed again by each ``->>`` (half the statement's time for 500 entries).
_APPEND_ENTRIES: Final = (
    "WITH u AS (SELECT j, n FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS u (j, n)), "
    "e AS (INSERT INTO merx_ledger_entries (book, key, kind, ref, at, phase, link) "
    "SELECT j->>0, j->>1, j->>2, j->>3, j->>4, j->>5, j->>6 FROM u ORDER BY n "
    "RETURNING row, book, key) "
    "INSERT INTO merx_ledger_postings (entry, leg, book, account, amount) "
    "SELECT e.row, l.n - 1, e.book, l.p->>0, (l.p->>1)::bigint "
    "FROM u JOIN e ON e.book = u.j->>0 AND e.key = u.j->>1 "
    "CROSS JOIN LATERAL jsonb_array_elements(u.j->7) WITH ORDINALITY AS l (p, n)"
)
_GUARD_BALANCE: Final = "SELECT merx_guard_balance(%s, %s, %s, %s, %s, %s, %s, %s)"
_ENTRY_SELECT: Final = (
    "SELECT e.row, e.book, e.key, e.kind, e.ref, e.at, e.phase, e.link, "
    "array_agg(p.account ORDER BY p.leg), array_agg(p.amount ORDER BY p.leg) "
    "FROM merx_ledger_entries e JOIN merx_ledger_postings p ON p.entry = e.row "
)
_EVENTS_AFTER: Final = (
    "SELECT seq, event_id, name, data FROM merx_outbox WHERE seq > %s ORDER BY seq LIMIT %s"
)


def _entry_parameters(row: EntryRow) -> tuple[Any, ...]:
    book, key, kind, ref, at, phase, link, legs = row
    return (
        book, key, kind, ref, at, phase, link, book,
        list(range(len(legs))), [account for account, _ in legs], [amount for _, amount in legs],
    )  # fmt: skip


def _journal_statements(journal: JournalRows) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """The statements of a commit's ledger rows: balances in one order of accounts (each
    run of unguarded moves one statement, each guarded balance one), then every entry with
    its postings in one statement."""
    statements: list[tuple[str, list[tuple[Any, ...]]]] = []
    run: list[tuple[str, str, int, int, int, int]] = []
    for (book, account), move, read in moves_in_order(journal.moves, journal.guards):
        if read is None:
            assert move is not None
            run.append((book, account, *move))
            continue
        if run:
            statements.append(_moves_statement(run))
            run = []
        figures = move or (0, 0, 0, 0)
        statements.append((_GUARD_BALANCE, [(book, account, read, *figures, move is not None)]))
    if run:
        statements.append(_moves_statement(run))
    if journal.entries:
        statements.append(_entries_statement(journal.entries))
    return statements


def _moves_statement(
    run: Sequence[tuple[str, str, int, int, int, int]],
) -> tuple[str, list[tuple[Any, ...]]]:
    if len(run) == 1:
        return (_MOVE_BALANCE, [run[0]])
    return (_MOVE_BALANCES, [tuple(list(column) for column in zip(*run, strict=True))])


def _entries_statement(entries: Sequence[EntryRow]) -> tuple[str, list[tuple[Any, ...]]]:
    return (_APPEND_ENTRIES, [(_dumps(entries),)])


def _entry_rows(rows: Sequence[tuple[Any, ...]]) -> list[tuple[int, EntryRow]]:
    return [
        (
            number,
            (book, key, kind, ref, at, phase, link, tuple(zip(accounts, amounts, strict=True))),
        )
        for number, book, key, kind, ref, at, phase, link, accounts, amounts in rows
    ]


class NotAutocommit(ValidationError):
    """A pool handed merx a connection that is not in autocommit mode."""


#: One encoder for every document (``json.dumps`` with options builds one per call); a
#: document is a tree (a serde's plain data), so the encoder keeps no record of the
#: containers it entered to catch a cycle (a dict set and deleted per container).
_dumps: Final = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, check_circular=False
).encode


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
    #: The key of the advisory lock every write takes shared and a unit of work running
    #: alone holds exclusively (:meth:`hold_writers`).
    writers_lock: int

    def __init__(
        self,
        dsn_or_pool: str | Pool,
        *,
        min_size: int = 1,
        max_size: int = 8,
        configure: Callable[[Connection], None] | None = None,
        documents: Documents | None = None,
        upgrade: bool = True,
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
        self._wire: WireTrace | None = None
        self._local = threading.local()  # a connection held with the writers shut out
        try:
            self.outbox_lock = self._open_schema(documents, upgrade=upgrade)
        except BaseException:
            self.close()
            raise
        self.writers_lock = (_WRITERS_CLASS << 32) | (self.outbox_lock & 0xFFFFFFFF)

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection of the pool, in autocommit, for the length of the block (this
        thread's held one while it shuts the other writers out)."""
        held: Connection | None = getattr(self._local, "held", None)
        if held is not None:
            yield held
            return
        with self._pool.connection() as connection:
            if not connection.autocommit:
                raise NotAutocommit(
                    f"pool {self._pool.name!r} gave a connection outside autocommit; "
                    "open it with kwargs={'autocommit': True}"
                )
            if self._wire is not None:
                self._wire.attach(connection)
            yield connection

    def count_into(self, tally: RoundTrips) -> None:
        """From now on, count every round trip and statement of the connections this
        database takes from its pool into ``tally``, from libpq's trace of the wire
        (:mod:`merx.adapters.roundtrips`; Linux; for measuring, not for a shop)."""
        if self._wire is not None:
            self._wire.close()
        self._wire = WireTrace(tally)

    def round_trips(self) -> RoundTrips | None:
        """The tally given to :meth:`count_into`, brought up to date (call it between
        commands: the trace is read while no connection is in use), if any."""
        return None if self._wire is None else self._wire.collect()

    def schema_version(self) -> int:
        """The schema of the database (0 for one merx never opened)."""
        with self.connection() as db:
            return _schema_version(db)

    def _open_schema(self, documents: Documents | None, *, upgrade: bool) -> int:
        """Create the schema, or bring an older one up to date, in one transaction; refuse
        a later one. The outbox lock's key."""
        with self.connection() as db, db.transaction():
            # one opener at a time: CREATE ... IF NOT EXISTS is not safe against a racing twin
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_CLASS << 32,))
            db.execute(_SCHEMA_TABLE)
            version = _schema_version(db)
            if version > SCHEMA_VERSION:
                where = db.execute("SELECT current_database(), current_schema()").fetchone()
                raise SchemaTooNew(
                    f"database {where[0] if where else '?'} (schema {where[1] if where else '?'})"
                    f" has merx schema {version}; this merx knows up to {SCHEMA_VERSION}"
                )
            if 0 < version < SCHEMA_VERSION and not upgrade:
                raise SchemaTooOld(
                    f"the database has merx schema {version}, this merx writes "
                    f"{SCHEMA_VERSION}: run `python -m merx db upgrade DSN`"
                )
            for migration in migrations_after(version):
                for statement in migration.statements:
                    db.execute(statement)
                if migration.backfill is not None and version > 0:
                    migration.backfill(db, documents)
                db.execute(
                    "INSERT INTO merx_schema (id, version) VALUES (1, %s) "
                    "ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                    (migration.version,),
                )
            found = db.execute("SELECT 'merx_outbox'::regclass::oid").fetchone()
            assert found is not None, "merx_outbox exists once the schema is open"
            outbox_oid: int = found[0]
        return (_LOCK_CLASS << 32) | outbox_oid

    def close(self) -> None:
        """Close the pool merx opened (a host's own pool stays open)."""
        if self._wire is not None:
            self._wire.close()
            self._wire = None
        if self._owns_pool:
            self._pool.close()

    # -- the DocumentDatabase port ---------------------------------------------------

    def load(self, kind: str, key: str) -> tuple[int, Any] | None:
        with self.connection() as db:
            row = db.execute(_LOAD, (kind, key)).fetchone()
        return None if row is None else (row[0], row[1])

    def load_many(self, keys: Sequence[DocumentKey]) -> dict[DocumentKey, tuple[int, Any]]:
        if not keys:
            return {}
        kinds = [kind for kind, _ in keys]
        ids = [key for _, key in keys]
        with self.connection() as db:
            rows = db.execute(_LOAD_MANY, (kinds, ids)).fetchall()
        return {(kind, key): (version, document) for kind, key, version, document in rows}

    def keys(self, kind: str) -> list[str]:
        with self.connection() as db:
            return [key for (key,) in db.execute(_KEYS, (kind,))]

    def find(
        self,
        kind: str,
        index: str,
        *,
        equal: str | None = None,
        upto: str | None = None,
        limit: int | None = None,
    ) -> list[str]:
        sql = (
            "SELECT i.id FROM merx_index i JOIN merx_documents d ON d.kind = i.kind "
            "AND d.id = i.id WHERE i.kind = %s AND i.name = %s"
        )
        parameters: list[Any] = [kind, index]
        if equal is not None:
            sql += " AND i.value = %s"
            parameters.append(equal)
        if upto is not None:
            sql += " AND i.value <= %s"
            parameters.append(upto)
        sql += " ORDER BY d.row_id"
        if limit is not None:
            sql += " LIMIT %s"
            parameters.append(limit)
        with self.connection() as db:
            return [key for (key,) in db.execute(sql, parameters)]

    def is_handled(self, mark: str) -> bool:
        with self.connection() as db:
            return (
                db.execute("SELECT 1 FROM merx_handled WHERE mark = %s", (mark,)).fetchone()
                is not None
            )

    def handled(self, marks: Sequence[str]) -> set[str]:
        if not marks:
            return set()
        with self.connection() as db:
            rows = db.execute(_HANDLED, (list(marks),)).fetchall()
        return {mark for (mark,) in rows}

    def write(
        self,
        new: Sequence[NewDocument],
        changed: Sequence[ChangedDocument],
        events: Sequence[StoredEvent],
        handled: Sequence[str] = (),
        journal: JournalRows | None = None,
        *,
        removed: Sequence[RemovedDocument] = (),
    ) -> list[int]:
        if not (new or changed or events or handled or journal or removed):
            return []
        statements: list[tuple[str, list[tuple[Any, ...]]]] = [
            ("BEGIN", [()]),
            (_SHARE_WRITERS, [(self.writers_lock,)]),
        ]
        if changed:
            updates = [(r.kind, r.key, r.version, _json(r.document)) for r in changed]
            statements.append((_UPDATE, updates))
        if new:
            statements.append((_INSERT, [(r.kind, r.key, _json(r.document)) for r in new]))
        if removed:
            statements.append((_REMOVE, [(r.kind, r.key, r.version) for r in removed]))
        index = index_writes(new, changed, removed)
        if index.replaced:
            statements.append((_UNINDEX, index.replaced))
        if index.gone:
            statements.append((_UNINDEX_NAME, index.gone))
        if index.entries:
            statements.append((_INDEX, index.entries))
        if handled:
            statements.append((_MARK, [(mark,) for mark in handled]))
        if journal:
            statements.extend(_journal_statements(journal))
        appended: int | None = None
        if events:
            statements.append((_LOCK_OUTBOX, [(self.outbox_lock,)]))
            # one statement whose rows take the next seqs in order, returned in that order
            rows = ", ".join(["(%s, %s, %s)"] * len(events))
            values = tuple(v for e in events for v in (e.event_id, e.name, _json(e.data)))
            appended = len(statements)
            statements.append((_APPEND.format(rows=rows), [values]))
        statements.append(("COMMIT", [()]))
        try:
            with self.connection() as db:
                try:
                    seqs = _pipelined(db, statements, rows_of=appended)
                except BaseException as error:
                    with suppress(psycopg.Error):  # a broken connection: the pool discards it
                        db.rollback()
                    concurrency = _concurrency_error(error)
                    if concurrency is None:
                        raise
                    raise concurrency from error
        finally:
            self.release_writers()  # a write lets them in again
        return [int(seq) for (seq,) in seqs]

    def hold_writers(self) -> None:
        """Take a connection for this thread and the writers' lock on it exclusively:
        every other write waits at its first statement until :meth:`release_writers` (or
        this thread's next write) lets it go (:class:`~merx.adapters.documents.HoldsWriters`)."""
        if getattr(self._local, "held", None) is not None:
            return
        connection = self._pool.getconn()
        try:
            if self._wire is not None:
                self._wire.attach(connection)
            connection.execute("SELECT pg_advisory_lock(%s)", (self.writers_lock,))
        except BaseException:
            self._pool.putconn(connection)
            raise
        self._local.held = connection

    def release_writers(self) -> None:
        connection: Connection | None = getattr(self._local, "held", None)
        if connection is None:
            return
        self._local.held = None
        try:
            with suppress(psycopg.Error):  # a broken connection took its lock with it
                connection.execute("SELECT pg_advisory_unlock(%s)", (self.writers_lock,))
        finally:
            self._pool.putconn(connection)

    # -- the JournalDatabase port (merx.adapters.journal) --------------------------------

    def journal_entry(self, book: str, key: str) -> EntryRow | None:
        return self._one_entry("e.book = %s AND e.key = %s", (book, key))

    def journal_follow_up(self, book: str, key: str) -> EntryRow | None:
        return self._one_entry("e.book = %s AND e.link = %s", (book, key))

    def journal_entries_by_key(self, book: str, keys: Sequence[str]) -> dict[str, EntryRow]:
        if not keys:
            return {}
        with self.connection() as db:
            rows = db.execute(
                f"{_ENTRY_SELECT} WHERE e.book = %s AND e.key = ANY(%s) GROUP BY e.row",
                (book, list(keys)),
            ).fetchall()
        return {row[1]: row for _, row in _entry_rows(rows)}

    def _one_entry(self, where: str, parameters: tuple[Any, ...]) -> EntryRow | None:
        with self.connection() as db:
            rows = db.execute(
                f"{_ENTRY_SELECT} WHERE {where} GROUP BY e.row", parameters
            ).fetchall()
        found = _entry_rows(rows)
        return found[0][1] if found else None

    def journal_balance(self, book: str, account: str) -> BalanceRow | None:
        with self.connection() as db:
            row = db.execute(
                "SELECT version, debits, credits, pending_debits, pending_credits "
                "FROM merx_ledger_balances WHERE book = %s AND account = %s",
                (book, account),
            ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3], row[4])

    def journal_balances(self, book: str) -> list[tuple[str, BalanceRow]]:
        with self.connection() as db:
            rows = db.execute(
                "SELECT account, version, debits, credits, pending_debits, pending_credits "
                "FROM merx_ledger_balances WHERE book = %s AND version > 0 ORDER BY account",
                (book,),
            ).fetchall()
        return [(account, (v, d, c, pd, pc)) for account, v, d, c, pd, pc in rows]

    def journal_entries(self, book: str, after: int, limit: int) -> list[tuple[int, EntryRow]]:
        with self.connection() as db:
            rows = db.execute(
                f"{_ENTRY_SELECT} WHERE e.book = %s AND e.row > %s "
                "GROUP BY e.row ORDER BY e.row LIMIT %s",
                (book, after, limit),
            ).fetchall()
        return _entry_rows(rows)

    # -- the relay's state -----------------------------------------------------------

    def take_lease(self, relay: str, owner: str, now: float, until: float) -> int | None:
        """Hold ``relay``'s lease until ``until`` if it is free, expired or ``owner``'s:
        its position, or ``None`` if another owner holds it."""
        with self.connection() as db:
            row = db.execute(
                "INSERT INTO merx_relay AS r (name, owner, lease_until) VALUES (%s, %s, %s) "
                "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, "
                "lease_until = excluded.lease_until WHERE r.owner IS NULL "
                "OR r.owner = excluded.owner OR r.lease_until < %s RETURNING position",
                (relay, owner, until, now),
            ).fetchone()
        return None if row is None else int(row[0])

    def advance(self, relay: str, owner: str, seq: int, until: float) -> bool:
        with self.connection() as db:
            moved = db.execute(
                "UPDATE merx_relay SET position = GREATEST(position, %s), lease_until = %s "
                "WHERE name = %s AND owner = %s",
                (seq, until, relay, owner),
            ).rowcount
        return moved == 1

    def release(self, relay: str, owner: str) -> None:
        with self.connection() as db:
            db.execute(
                "UPDATE merx_relay SET owner = NULL, lease_until = 0 "
                "WHERE name = %s AND owner = %s",
                (relay, owner),
            )

    def park(self, relay: str, seq: int, subscriber: str, error: str, attempts: int) -> None:
        with self.connection() as db:
            db.execute(
                "INSERT INTO merx_parked (relay, seq, subscriber, error, attempts) "
                "VALUES (%s, %s, %s, %s, %s)",
                (relay, seq, subscriber, error, attempts),
            )

    def parked(self, relay: str) -> list[tuple[int, int, str, str, int]]:
        with self.connection() as db:
            rows = db.execute(
                "SELECT id, seq, subscriber, error, attempts FROM merx_parked "
                "WHERE relay = %s AND NOT resolved ORDER BY id",
                (relay,),
            ).fetchall()
        return [(row[0], row[1], row[2], row[3], row[4]) for row in rows]

    def resolve(self, parked_id: int) -> None:
        with self.connection() as db:
            db.execute("UPDATE merx_parked SET resolved = true WHERE id = %s", (parked_id,))

    def event(self, seq: int) -> tuple[int, str, str, Any] | None:
        with self.connection() as db:
            row = db.execute(
                "SELECT seq, event_id, name, data FROM merx_outbox WHERE seq = %s", (seq,)
            ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3])

    # -- reading the outbox ----------------------------------------------------------

    def events_after(self, seq: int, limit: int = 1_000) -> list[tuple[int, str, str, Any]]:
        """Up to ``limit`` outbox rows after ``seq``, in commit order: (seq, event id,
        name, data)."""
        with self.connection() as db:
            rows = db.execute(_EVENTS_AFTER, (seq, limit)).fetchall()
        return [(seq_, event_id, name, data) for seq_, event_id, name, data in rows]


def _pipelined(
    db: Connection,
    statements: Sequence[tuple[str, Sequence[tuple[Any, ...]]]],
    *,
    rows_of: int | None = None,
) -> list[tuple[Any, ...]]:
    """Send every statement (each once per parameter tuple) in one round trip: pipeline mode,
    one Sync at the end. Raise the first error; the server skips what follows it. The rows
    of the statement at index ``rows_of`` (run once, on a cursor of its own, read after the
    Sync), if any."""
    first: psycopg.Error | None = None
    kept: psycopg.Cursor[Any] | None = None
    try:
        with db.pipeline():
            cursor = db.cursor()
            try:
                for at, (query, params) in enumerate(statements):
                    if at == rows_of:
                        kept = db.cursor()
                        kept.execute(query, params[0])
                    elif len(params) == 1:
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
    return [] if kept is None else kept.fetchall()


def schema_version_of(dsn: str) -> int:
    """The merx schema of the database at ``dsn`` without opening it for use (0: none)."""
    with psycopg.connect(dsn, autocommit=True) as db:
        return _schema_version(db)


def _schema_version(db: Connection) -> int:
    known = db.execute("SELECT to_regclass('merx_schema')").fetchone()
    if known is None or known[0] is None:
        return 0
    row = db.execute("SELECT version FROM merx_schema WHERE id = 1").fetchone()
    return 0 if row is None else int(row[0])


def _concurrency_error(error: BaseException) -> ConcurrencyError | None:
    """``error`` as the :class:`ConcurrencyError` it means, if it means one."""
    if isinstance(error, pg_errors.SerializationFailure):  # merx_update_document's refusal
        return ConcurrencyError(error.diag.message_primary or str(error))
    if (
        isinstance(error, pg_errors.UniqueViolation)
        and error.diag.constraint_name == "merx_documents_pkey"
    ):
        return ConcurrencyError(f"added concurrently: {error.diag.message_detail}")
    if (
        isinstance(error, pg_errors.UniqueViolation)
        and error.diag.constraint_name == "merx_handled_pkey"
    ):
        return ConcurrencyError(f"handled concurrently: {error.diag.message_detail}")
    if isinstance(error, pg_errors.UniqueViolation) and error.diag.constraint_name in {
        "merx_ledger_entries_book_key_key",
        "merx_ledger_follow_ups",
    }:
        return ConcurrencyError(
            f"a ledger entry or its follow-up was posted concurrently: {error.diag.message_detail}"
        )
    if isinstance(error, pg_errors.DeadlockDetected):
        return ConcurrencyError(f"two commits waited for each other's documents: {error}")
    return None
