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

import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

import attrs

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
from merx.adapters.roundtrips import RoundTrips
from merx.adapters.sealing import (
    SEALED_SINCE_7,
    VAULT_TABLE,
    readable,
    seal_stored,
)
from merx.kernel.documents import Documents
from merx.kernel.errors import ConcurrencyError, ValidationError
from merx.points import PointsAccount, PointsRecord
from merx.points.ports import reshape_account

_V1: Final = (
    """CREATE TABLE merx_documents (
        row INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        UNIQUE (kind, id)
    )""",
    """CREATE TABLE merx_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        data TEXT NOT NULL
    )""",
    "CREATE TABLE merx_handled (mark TEXT PRIMARY KEY)",
    """CREATE TABLE merx_relay (
        name TEXT PRIMARY KEY,
        position INTEGER NOT NULL DEFAULT 0,
        owner TEXT,
        lease_until REAL NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE merx_parked (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        relay TEXT NOT NULL,
        seq INTEGER NOT NULL,
        subscriber TEXT NOT NULL,
        error TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        resolved INTEGER NOT NULL DEFAULT 0
    )""",
)

_V2: Final = (
    """CREATE TABLE merx_index (
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        id TEXT NOT NULL,
        PRIMARY KEY (kind, id, name)
    )""",
    "CREATE INDEX merx_index_lookup ON merx_index (kind, name, value)",
)


_V3: Final = (
    """CREATE TABLE merx_ledger_entries (
        row INTEGER PRIMARY KEY AUTOINCREMENT,
        book TEXT NOT NULL,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        ref TEXT NOT NULL,
        at TEXT NOT NULL,
        phase TEXT NOT NULL,
        link TEXT,
        UNIQUE (book, key)
    )""",
    "CREATE UNIQUE INDEX merx_ledger_follow_ups ON merx_ledger_entries (book, link) "
    "WHERE link IS NOT NULL",
    "CREATE INDEX merx_ledger_refs ON merx_ledger_entries (book, ref)",
    """CREATE TABLE merx_ledger_postings (
        entry INTEGER NOT NULL REFERENCES merx_ledger_entries (row),
        leg INTEGER NOT NULL,
        book TEXT NOT NULL,
        account TEXT NOT NULL,
        amount INTEGER NOT NULL,
        PRIMARY KEY (entry, leg)
    )""",
    "CREATE INDEX merx_ledger_postings_by_account ON merx_ledger_postings (book, account, entry)",
    """CREATE TABLE merx_ledger_balances (
        book TEXT NOT NULL,
        account TEXT NOT NULL,
        version INTEGER NOT NULL,
        debits INTEGER NOT NULL,
        credits INTEGER NOT NULL,
        pending_debits INTEGER NOT NULL,
        pending_credits INTEGER NOT NULL,
        PRIMARY KEY (book, account)
    )""",
)


@attrs.frozen
class Migration:
    """One step of the schema: its statements, then (if any) a Python step that gets the
    connection and the documents (to rebuild what SQL cannot compute, such as indexes)."""

    version: int
    statements: tuple[str, ...]
    backfill: Callable[[sqlite3.Connection, Documents | None], None] | None = None


#: The kinds schema 2 indexed: orders and parent orders (the order timers, a merchant's
#: orders) and payments (the payment timers).
INDEXED_SINCE_2: Final = frozenset({"orders.Order", "orders.ParentOrder", "payments.Payment"})


def _index_kinds_of_2(db: sqlite3.Connection, documents: Documents | None) -> None:
    """Index entries of every stored document of the kinds schema 2 began to index (a
    later step indexes its own kinds, once their documents have the shape this code
    reads)."""
    _index_kinds(db, documents, INDEXED_SINCE_2, schema=2)


#: The kinds whose index entries schema 3 writes: credit accounts (the bill run), stock
#: items (the reservation timer), purchase orders (purchases statements), withdrawals
#: (closing a merchant), after-sales cases (a seller's open cases), and orders and parent
#: orders, whose indexes grew (a customer's orders, orders still procuring).
INDEXED_SINCE_3: Final = frozenset(
    {
        "credit.CreditAccount",
        "inventory.StockItem",
        "procurement.PurchaseOrder",
        "settlement.Withdrawal",
        "orders.Order",
        "orders.ParentOrder",
        "aftersales.AfterSale",
    }
)


def _index_kinds_of_3(db: sqlite3.Connection, documents: Documents | None) -> None:
    """Index entries of every stored document of the kinds schema 3 began to index."""
    _index_kinds(db, documents, INDEXED_SINCE_3, schema=3)


def _index_kinds(
    db: sqlite3.Connection,
    documents: Documents | None,
    names: frozenset[str] | None,
    *,
    schema: int,
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
        for key, version, document in db.execute(
            "SELECT id, version, document FROM merx_documents WHERE kind = ?", (name,)
        ).fetchall():
            aggregate = documents.read(kind, readable(name, json.loads(document)))
            aggregate.version = version
            _write_index(db, name, key, documents.index_entries(aggregate) or ())


def _journal_out_of_documents(db: sqlite3.Connection, documents: Documents | None) -> None:
    """Move the ledger's entries and balances out of the documents into their tables."""
    del documents  # the conversion reads the documents as JSON
    kinds = (
        "ledger.Ledger",
        "journal.JournalEntry",
        "journal.JournalIndex",
        "settlement.Withdrawal",
        "settlement.SettlementStatement",
    )
    marks = ", ".join("?" * len(kinds))
    found = {
        (kind, key): json.loads(document)
        for kind, key, document in db.execute(
            f"SELECT kind, id, document FROM merx_documents WHERE kind IN ({marks}) ORDER BY row",
            kinds,
        )
    }
    changed, entries, balances = journal_from_documents(found)
    for (kind, key), document in changed.items():
        if document is None:
            db.execute("DELETE FROM merx_documents WHERE kind = ? AND id = ?", (kind, key))
            db.execute("DELETE FROM merx_index WHERE kind = ? AND id = ?", (kind, key))
        else:
            db.execute(
                "UPDATE merx_documents SET document = ? WHERE kind = ? AND id = ?",
                (_dumps(document), kind, key),
            )
    _insert_entries(db, entries)
    db.executemany(
        "INSERT INTO merx_ledger_balances (book, account, version, debits, credits, "
        "pending_debits, pending_credits) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(book, account, *row) for (book, account), row in balances.items()],
    )


def _schema_3(db: sqlite3.Connection, documents: Documents | None) -> None:
    """Schema 3: the ledger's journal out of its documents into rows, then the index
    entries of the kinds schema 3 began to index (withdrawals among them, rewritten
    first)."""
    _journal_out_of_documents(db, documents)
    _index_kinds_of_3(db, documents)


#: The kinds schema 4 indexes anew: payments (awaiting sync, refunds pending or escalated).
INDEXED_SINCE_4: Final = frozenset({"payments.Payment"})


def _index_kinds_of_4(db: sqlite3.Connection, documents: Documents | None) -> None:
    """Schema 4: payments' index entries rebuilt (the payment queries a host needs)."""
    _index_kinds(db, documents, INDEXED_SINCE_4, schema=4)


#: The kinds schema 5 indexes anew: pre-sale orders (the pre-sale timer).
INDEXED_SINCE_5: Final = frozenset({"orders.PresaleOrder"})


def _index_kinds_of_5(db: sqlite3.Connection, documents: Documents | None) -> None:
    """Schema 5: pre-sale orders' index entries written (the balances left unpaid)."""
    _index_kinds(db, documents, INDEXED_SINCE_5, schema=5)


#: The kinds schema 6 indexes anew: the bus's command records (when each was written, for
#: purging the expired ones).
INDEXED_SINCE_6: Final = frozenset({"kernel.CommandRecord"})


def _index_kinds_of_6(db: sqlite3.Connection, documents: Documents | None) -> None:
    """Schema 6: command records' index entries written (purging expired ones)."""
    _index_kinds(db, documents, INDEXED_SINCE_6, schema=6)


def _seal_clear_values_of_7(db: sqlite3.Connection, documents: Documents | None) -> None:
    """Schema 7: clear personal values of older documents sealed in the file's own
    ``merx_vault`` table (:mod:`merx.adapters.sealing`)."""
    del documents  # the step rewrites the documents as JSON
    db.execute(VAULT_TABLE)
    marks = ", ".join("?" * len(SEALED_SINCE_7))
    changed, kept = seal_stored(
        db.execute(
            f"SELECT kind, id, document FROM merx_documents WHERE kind IN ({marks})",
            SEALED_SINCE_7,
        ).fetchall()
    )
    db.executemany(
        "UPDATE merx_documents SET document = ? WHERE kind = ? AND id = ?",
        [(_dumps(document), kind, key) for kind, key, document in changed],
    )
    db.executemany("INSERT INTO merx_vault (token, kind, value) VALUES (?, ?, ?)", kept)


#: A document of schema 11's step: (kind, id, the document, its index entries).
Reshaped = tuple[str, str, Any, tuple[tuple[str, str], ...]]


def points_reshaped(
    rows: Sequence[tuple[str, str]], documents: Documents | None
) -> tuple[list[Reshaped], list[Reshaped]]:
    """Schema 11 over the points accounts ``rows`` (id, JSON text): each account's entries
    leave its document for records of their own (:func:`merx.points.ports.reshape_account`).
    The accounts as rewritten and the records to insert, each with its index entries;
    every new document is read back through this code's serde first (a malformed one
    fails the step, which then changes nothing)."""
    if documents is None:
        raise ValidationError("upgrading to schema 11 needs the documents (merx.app.documents())")
    accounts: list[Reshaped] = []
    records: list[Reshaped] = []
    account_kind, record_kind = documents.name_of(PointsAccount), documents.name_of(PointsRecord)
    for key, text in rows:
        account, entries = reshape_account(json.loads(text))
        accounts.append(
            (account_kind, key, account, _entries_of(documents, PointsAccount, account))
        )
        for record_key, record in entries:
            records.append(
                (record_kind, record_key, record, _entries_of(documents, PointsRecord, record))
            )
    return accounts, records


def _entries_of(
    documents: Documents, kind: type[Any], document: Any
) -> tuple[tuple[str, str], ...]:
    return tuple(documents.index_entries(documents.read(kind, document)) or ())


def _points_entries_of_11(db: sqlite3.Connection, documents: Documents | None) -> None:
    """Schema 11: each points account's entries leave its document for records of their own
    (:func:`points_reshaped`); the account keeps its balance and open lots."""
    rows = db.execute(
        "SELECT id, document FROM merx_documents WHERE kind = 'points.PointsAccount' ORDER BY row"
    ).fetchall()
    accounts, records = points_reshaped(rows, documents)
    for kind, key, document, entries in accounts:
        db.execute(
            "UPDATE merx_documents SET document = ? WHERE kind = ? AND id = ?",
            (_dumps(document), kind, key),
        )
        _write_index(db, kind, key, entries)
    db.executemany(
        "INSERT INTO merx_documents (kind, id, version, document) VALUES (?, ?, 1, ?)",
        [(kind, key, _dumps(document)) for kind, key, document, _ in records],
    )
    db.executemany(
        "INSERT INTO merx_index (kind, name, value, id) VALUES (?, ?, ?, ?)",
        [(kind, name, value, key) for kind, key, _, entries in records for name, value in entries],
    )


#: The kinds schema 12 indexes anew: reach's touches (by campaign and by customer) and
#: traffic's placements (by their next tick), stored unindexed by schema 9 to 11.
INDEXED_SINCE_12: Final = frozenset({"reach.Touch", "traffic.Placement"})


def _index_kinds_of_12(db: sqlite3.Connection, documents: Documents | None) -> None:
    """Schema 12: touches' and placements' index entries written."""
    _index_kinds(db, documents, INDEXED_SINCE_12, schema=12)


#: Every schema step in order of its version; the schema of a file is the version of the
#: last step applied. A database opened applies every step of a later version, in order.
MIGRATIONS: Final = (
    Migration(1, _V1),
    Migration(2, _V2, _index_kinds_of_2),
    Migration(3, _V3, _schema_3),
    Migration(4, (), _index_kinds_of_4),
    Migration(5, (), _index_kinds_of_5),
    Migration(6, (), _index_kinds_of_6),
    Migration(7, (), _seal_clear_values_of_7),
    # Schema 9 drops the foreign key from a posting to its entry on PostgreSQL
    # (merx.adapters.postgres); SQLite never checked it (merx leaves ``foreign_keys`` off),
    # so the step is empty here: the number moves so that both stores name one schema.
    Migration(9, ()),
    Migration(11, (), _points_entries_of_11),
    Migration(12, (), _index_kinds_of_12),
)

#: The schema this code writes; a file written by a later schema is refused.
SCHEMA_VERSION: Final = MIGRATIONS[-1].version


def migrations_after(version: int) -> list[Migration]:
    """The steps a database of schema ``version`` still needs, in order."""
    return [migration for migration in MIGRATIONS if migration.version > version]


def _write_index(
    db: sqlite3.Connection, kind: str, key: str, entries: Sequence[tuple[str, str]]
) -> None:
    db.execute("DELETE FROM merx_index WHERE kind = ? AND id = ?", (kind, key))
    db.executemany(
        "INSERT INTO merx_index (kind, name, value, id) VALUES (?, ?, ?, ?)",
        [(kind, name, value, key) for name, value in entries],
    )


def _insert_entries(db: sqlite3.Connection, entries: Sequence[EntryRow]) -> None:
    """Append ``entries`` with their postings, one statement for the entries and one for
    their postings (per :data:`_PARAMETERS` parameters); an entry's key or follow-up taken
    raises ``sqlite3.IntegrityError``."""
    for chunk in _chunks(entries, 7):
        numbered = db.execute(
            "INSERT INTO merx_ledger_entries (book, key, kind, ref, at, phase, link) VALUES "
            f"{_rows(len(chunk), 7)} RETURNING row, book, key",
            [part for entry in chunk for part in entry[:7]],
        ).fetchall()
        rows = {(book, key): number for number, book, key in numbered}  # RETURNING: any order
        postings = [
            (rows[(book, key)], leg, book, account, amount)
            for book, key, *_, legs in chunk
            for leg, (account, amount) in enumerate(legs)
        ]
        for part in _chunks(postings, 5):
            db.execute(
                "INSERT INTO merx_ledger_postings (entry, leg, book, account, amount) VALUES "
                + _rows(len(part), 5),
                [value for posting in part for value in posting],
            )


def _write_journal(db: sqlite3.Connection, journal: JournalRows) -> None:
    """The ledger's rows of a commit, inside its transaction (see merx.adapters.journal):
    each guarded balance checked, then every move in one statement, then the entries."""
    moves: list[tuple[str, str, int, int, int, int]] = []
    for (book, account), move, read in moves_in_order(journal.moves, journal.guards):
        if read is not None:
            row = db.execute(
                "SELECT version FROM merx_ledger_balances WHERE book = ? AND account = ?",
                (book, account),
            ).fetchone()
            stored = 0 if row is None else row[0]
            if stored != read:
                raise ConcurrencyError(
                    f"ledger {book!r} account {account} moved since it was read "
                    f"(read version {read}, stored {stored})"
                )
        if move is not None:
            moves.append((book, account, *move))
    for part in _chunks(moves, 7):
        db.execute(
            "INSERT INTO merx_ledger_balances (book, account, version, debits, credits, "
            f"pending_debits, pending_credits) VALUES {_rows(len(part), 7)} "
            "ON CONFLICT (book, account) DO UPDATE SET version = version + 1, "
            "debits = debits + excluded.debits, credits = credits + excluded.credits, "
            "pending_debits = pending_debits + excluded.pending_debits, "
            "pending_credits = pending_credits + excluded.pending_credits",
            [value for book, account, *figures in part for value in (book, account, 1, *figures)],
        )
    try:
        _insert_entries(db, journal.entries)
    except sqlite3.IntegrityError as error:
        raise ConcurrencyError(
            f"a ledger entry or its follow-up was posted concurrently: {error}"
        ) from error


_ENTRY_COLUMNS: Final = "e.row, e.book, e.key, e.kind, e.ref, e.at, e.phase, e.link"


def _entries_with_legs(
    db: sqlite3.Connection, where: str, parameters: Sequence[Any]
) -> list[tuple[int, EntryRow]]:
    rows = db.execute(
        f"SELECT {_ENTRY_COLUMNS}, p.account, p.amount FROM merx_ledger_entries e "
        f"JOIN merx_ledger_postings p ON p.entry = e.row WHERE {where} ORDER BY e.row, p.leg",
        parameters,
    ).fetchall()
    found: list[tuple[int, EntryRow]] = []
    legs: list[tuple[str, int]] = []
    for index, (number, book, key, kind, ref, at, phase, link, account, amount) in enumerate(rows):
        legs.append((account, amount))
        if index + 1 == len(rows) or rows[index + 1][0] != number:
            found.append((number, (book, key, kind, ref, at, phase, link, tuple(legs))))
            legs = []
    return found


#: At most this many parameters in one statement (SQLite allows 32,766).
_PARAMETERS: Final = 2_000

T = TypeVar("T")


def _chunks(values: Sequence[T], width: int = 1) -> list[Sequence[T]]:
    """``values`` in pieces of at most :data:`_PARAMETERS` parameters, ``width`` each
    (none for no values)."""
    size = _PARAMETERS // width
    return [values[start : start + size] for start in range(0, len(values), size)]


def _placeholders(count: int) -> str:
    return ", ".join("?" * count)


def _rows(count: int, width: int) -> str:
    """``count`` rows of ``width`` placeholders each: ``(?, ?), (?, ?)``."""
    return ", ".join([f"({_placeholders(width)})"] * count)


def _in_rows(count: int, width: int) -> str:
    """The right side of ``(kind, id) IN ...`` for ``count`` rows of ``width`` values:
    ``(SELECT column1, column2 FROM (VALUES (?, ?), ...))``. SQLite searches the table's
    index for each row of that subquery, where ``IN (VALUES ...)`` scans the whole table
    (SQLite 3.40's plan), so a read by id would cost more with every order stored."""
    columns = ", ".join(f"column{k + 1}" for k in range(width))
    return f"(SELECT {columns} FROM (VALUES {_rows(count, width)}))"


def _update_documents(db: sqlite3.Connection, rows: Sequence[ChangedDocument]) -> None:
    """Write ``rows`` over the stored ones in one statement, each only at the version it
    was read at; :class:`ConcurrencyError` naming the first that was not."""
    updated = db.execute(
        "UPDATE merx_documents SET version = merx_documents.version + 1, document = v.column4 "
        f"FROM (VALUES {_rows(len(rows), 4)}) AS v WHERE merx_documents.kind = v.column1 "
        "AND merx_documents.id = v.column2 AND merx_documents.version = v.column3 "
        "RETURNING merx_documents.kind, merx_documents.id",
        [part for r in rows for part in (r.kind, r.key, r.version, _dumps(r.document))],
    ).fetchall()
    _check_all_done(db, rows, updated, "")


def _delete_documents(db: sqlite3.Connection, rows: Sequence[RemovedDocument]) -> None:
    """Delete ``rows`` in one statement, each only at the version it was read at;
    :class:`ConcurrencyError` naming the first that was not."""
    deleted = db.execute(
        f"DELETE FROM merx_documents WHERE (kind, id, version) IN {_in_rows(len(rows), 3)} "
        "RETURNING kind, id",
        [part for r in rows for part in (r.kind, r.key, r.version)],
    ).fetchall()
    _check_all_done(db, rows, deleted, " for removal")


def _check_all_done(
    db: sqlite3.Connection,
    rows: Sequence[ChangedDocument | RemovedDocument],
    done: Sequence[tuple[str, str]],
    what: str,
) -> None:
    """:class:`ConcurrencyError` naming the first of ``rows`` a version-checked statement
    did not reach (``done``: the (kind, id) it returned), if any."""
    if len(done) == len(rows):
        return
    reached = set(done)
    row = next(r for r in rows if (r.kind, r.key) not in reached)
    stored = db.execute(
        "SELECT version FROM merx_documents WHERE kind = ? AND id = ?", (row.kind, row.key)
    ).fetchone()
    raise ConcurrencyError(
        f"{row.kind} {row.key!r} changed since it was loaded{what} "
        f"(loaded version {row.version}, stored {stored[0] if stored else None})"
    )


def _insert_documents(db: sqlite3.Connection, rows: Sequence[NewDocument]) -> None:
    """Insert ``rows`` at version 1 in one statement; :class:`ConcurrencyError` naming the
    first whose id was taken."""
    try:
        db.execute(
            "INSERT INTO merx_documents (kind, id, version, document) VALUES "
            + _rows(len(rows), 4),
            [part for r in rows for part in (r.kind, r.key, 1, _dumps(r.document))],
        )
    except sqlite3.IntegrityError as error:
        taken = db.execute(
            "SELECT kind, id FROM merx_documents WHERE (kind, id) IN " + _in_rows(len(rows), 2),
            [part for r in rows for part in (r.kind, r.key)],
        ).fetchone()
        kind, key = taken if taken is not None else (rows[0].kind, rows[0].key)
        raise ConcurrencyError(f"{kind} {key!r} was added concurrently") from error


def _write_commit_index(
    db: sqlite3.Connection,
    new: Sequence[NewDocument],
    changed: Sequence[ChangedDocument],
    removed: Sequence[RemovedDocument],
) -> None:
    """The index entries of a commit's documents (:func:`index_writes`): the documents'
    whose entries are all replaced deleted, the entries gone deleted by name, the rest
    inserted or, where one of that name is stored, updated."""
    writes = index_writes(new, changed, removed)
    for keys in _chunks(writes.replaced, 2):
        db.execute(
            f"DELETE FROM merx_index WHERE (kind, id) IN {_in_rows(len(keys), 2)}",
            [part for key in keys for part in key],
        )
    for names in _chunks(writes.gone, 3):
        db.execute(
            f"DELETE FROM merx_index WHERE (kind, id, name) IN {_in_rows(len(names), 3)}",
            [part for name in names for part in name],
        )
    for rows in _chunks(writes.entries, 4):
        db.execute(
            "INSERT INTO merx_index (kind, name, value, id) VALUES "
            + _rows(len(rows), 4)
            + " ON CONFLICT (kind, id, name) DO UPDATE SET value = excluded.value",
            [part for entry in rows for part in entry],
        )


#: One encoder for every document (``json.dumps`` with options builds one per call); a
#: document is a tree (a serde's plain data), so the encoder keeps no record of the
#: containers it entered to catch a cycle (a dict set and deleted per container).
_dumps: Final = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, check_circular=False
).encode


def schema_version_of(path: str | Path) -> int:
    """The merx schema of the file at ``path`` without opening it for use (0: none)."""
    with contextlib.closing(sqlite3.connect(str(path))) as db:
        known = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'merx_schema'"
        ).fetchone()
        if known is None:
            return 0
        row = db.execute("SELECT version FROM merx_schema WHERE id = 1").fetchone()
        return 0 if row is None else int(row[0])


class SqliteDatabase:
    """Documents and the outbox in one SQLite file (see the module docstring)."""

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        busy_timeout_ms: int = 10_000,
        documents: Documents | None = None,
        upgrade: bool = True,
    ) -> None:
        self.path = str(path)
        self._synchronous = synchronous
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._counting: RoundTrips | None = None
        self._open_schema(documents, upgrade=upgrade)

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
            if self._counting is not None:
                self._count(connection, self._counting)
        return connection

    def count_into(self, tally: RoundTrips) -> None:
        """From now on, count every statement this database's connections run into
        ``tally`` (:mod:`merx.adapters.roundtrips`; for measuring, it costs a call each)."""
        self._counting = tally
        self._count(self.connection(), tally)

    def round_trips(self) -> RoundTrips | None:
        """The tally given to :meth:`count_into`, if any."""
        return self._counting

    @staticmethod
    def _count(connection: sqlite3.Connection, tally: RoundTrips) -> None:
        key = id(connection)
        connection.set_trace_callback(lambda sql: tally.statement(sql, key, round_trip=True))

    def schema_version(self) -> int:
        """The schema of the file (0 for a new, empty file)."""
        db = self.connection()
        known = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'merx_schema'"
        ).fetchone()
        if known is None:
            return 0
        row = db.execute("SELECT version FROM merx_schema WHERE id = 1").fetchone()
        return 0 if row is None else int(row[0])

    def _open_schema(self, documents: Documents | None, *, upgrade: bool) -> None:
        """Create the schema in a new file, or bring an older one up to date, each step in
        one transaction with its version; refuse a file of a later schema."""
        db = self.connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "CREATE TABLE IF NOT EXISTS merx_schema "
                "(id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
            )
            version = self.schema_version()
            if version > SCHEMA_VERSION:
                raise SchemaTooNew(
                    f"{self.path} has merx schema {version}; this merx knows up to {SCHEMA_VERSION}"
                )
            if 0 < version < SCHEMA_VERSION and not upgrade:
                raise SchemaTooOld(
                    f"{self.path} has merx schema {version}, this merx writes "
                    f"{SCHEMA_VERSION}: run `python -m merx db upgrade {self.path}`"
                )
            for migration in migrations_after(version):
                for statement in migration.statements:
                    db.execute(statement)
                if migration.backfill is not None and version > 0:
                    migration.backfill(db, documents)
                db.execute(
                    "INSERT INTO merx_schema (id, version) VALUES (1, ?) "
                    "ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                    (migration.version,),
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
        return None if row is None else (row[0], row[1])  # parsed by the unit of work if needed

    def load_many(self, keys: Sequence[DocumentKey]) -> dict[DocumentKey, tuple[int, Any]]:
        found: dict[DocumentKey, tuple[int, Any]] = {}
        for chunk in _chunks(keys, 2):
            rows = self.connection().execute(
                "SELECT kind, id, version, document FROM merx_documents WHERE (kind, id) IN "
                + _in_rows(len(chunk), 2),
                [part for address in chunk for part in address],
            )
            found.update(((kind, key), (version, text)) for kind, key, version, text in rows)
        return found

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
            "AND d.id = i.id WHERE i.kind = ? AND i.name = ?"
        )
        parameters: list[Any] = [kind, index]
        if equal is not None:
            sql += " AND i.value = ?"
            parameters.append(equal)
        if upto is not None:
            sql += " AND i.value <= ?"
            parameters.append(upto)
        sql += " ORDER BY d.row"
        if limit is not None:
            sql += " LIMIT ?"
            parameters.append(limit)
        return [key for (key,) in self.connection().execute(sql, parameters)]

    def keys(self, kind: str) -> list[str]:
        rows = self.connection().execute(
            "SELECT id FROM merx_documents WHERE kind = ? ORDER BY row", (kind,)
        )
        return [key for (key,) in rows]

    def is_handled(self, mark: str) -> bool:
        row = self.connection().execute("SELECT 1 FROM merx_handled WHERE mark = ?", (mark,))
        return row.fetchone() is not None

    def handled(self, marks: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(marks):
            rows = self.connection().execute(
                f"SELECT mark FROM merx_handled WHERE mark IN ({_placeholders(len(chunk))})",
                chunk,
            )
            found.update(mark for (mark,) in rows)
        return found

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
        db = self.connection()
        if getattr(self._local, "holding", False):
            self._local.holding = False  # the write lock is held since hold_writers
        else:
            self._begin(db)
        try:
            for updates in _chunks(changed, 4):
                _update_documents(db, updates)
            for inserts in _chunks(new, 4):
                _insert_documents(db, inserts)
            for deletes in _chunks(removed, 3):
                _delete_documents(db, deletes)
            _write_commit_index(db, new, changed, removed)
            try:
                for marks in _chunks(handled, 1):
                    db.execute(
                        f"INSERT INTO merx_handled (mark) VALUES {_rows(len(marks), 1)}", marks
                    )
            except sqlite3.IntegrityError as error:
                raise ConcurrencyError(f"handled concurrently: {error}") from error
            if journal is not None:
                _write_journal(db, journal)
            seqs: list[int] = []
            for appends in _chunks(events, 3):
                appended = db.execute(
                    "INSERT INTO merx_outbox (event_id, name, data) VALUES "
                    f"{_rows(len(appends), 3)} RETURNING seq",
                    [part for e in appends for part in (e.event_id, e.name, _dumps(e.data))],
                )
                # the rows take increasing seqs in the order given; RETURNING's order is not
                # promised, so the seqs are put back in order
                seqs.extend(sorted(seq for (seq,) in appended))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return seqs

    def _begin(self, db: sqlite3.Connection) -> None:
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:  # the write lock stayed busy
            raise ConcurrencyError(f"{self.path} is busy: {error}") from error

    def hold_writers(self) -> None:
        """Take the file's write lock now (``BEGIN IMMEDIATE``) for this thread's reads and
        its next write (:class:`~merx.adapters.documents.HoldsWriters`)."""
        if getattr(self._local, "holding", False):
            return
        self._begin(self.connection())
        self._local.holding = True

    def release_writers(self) -> None:
        if getattr(self._local, "holding", False):
            self._local.holding = False
            self.connection().execute("ROLLBACK")

    # -- the JournalDatabase port (merx.adapters.journal) --------------------------------

    def journal_entry(self, book: str, key: str) -> EntryRow | None:
        found = _entries_with_legs(self.connection(), "e.book = ? AND e.key = ?", (book, key))
        return found[0][1] if found else None

    def journal_follow_up(self, book: str, key: str) -> EntryRow | None:
        found = _entries_with_legs(self.connection(), "e.book = ? AND e.link = ?", (book, key))
        return found[0][1] if found else None

    def journal_entries_by_key(self, book: str, keys: Sequence[str]) -> dict[str, EntryRow]:
        found: dict[str, EntryRow] = {}
        for chunk in _chunks(keys):
            where = f"e.book = ? AND e.key IN ({_placeholders(len(chunk))})"
            for _, row in _entries_with_legs(self.connection(), where, [book, *chunk]):
                found[row[1]] = row
        return found

    def journal_balance(self, book: str, account: str) -> BalanceRow | None:
        row = (
            self.connection()
            .execute(
                "SELECT version, debits, credits, pending_debits, pending_credits "
                "FROM merx_ledger_balances WHERE book = ? AND account = ?",
                (book, account),
            )
            .fetchone()
        )
        return None if row is None else (row[0], row[1], row[2], row[3], row[4])

    def journal_balances(self, book: str) -> list[tuple[str, BalanceRow]]:
        rows = self.connection().execute(
            "SELECT account, version, debits, credits, pending_debits, pending_credits "
            "FROM merx_ledger_balances WHERE book = ? AND version > 0 ORDER BY account",
            (book,),
        )
        return [(account, (v, d, c, pd, pc)) for account, v, d, c, pd, pc in rows]

    def journal_entries(self, book: str, after: int, limit: int) -> list[tuple[int, EntryRow]]:
        db = self.connection()
        numbers = [
            number
            for (number,) in db.execute(
                "SELECT row FROM merx_ledger_entries WHERE book = ? AND row > ? "
                "ORDER BY row LIMIT ?",
                (book, after, limit),
            )
        ]
        if not numbers:
            return []
        return _entries_with_legs(
            db, "e.book = ? AND e.row BETWEEN ? AND ?", (book, numbers[0], numbers[-1])
        )

    # -- reading the outbox ----------------------------------------------------------

    def events_after(self, seq: int, limit: int = 1_000) -> list[tuple[int, str, str, Any]]:
        """Up to ``limit`` outbox rows after ``seq``: (seq, event id, name, data)."""
        rows = self.connection().execute(
            "SELECT seq, event_id, name, data FROM merx_outbox WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        )
        return [(seq_, event_id, name, json.loads(data)) for seq_, event_id, name, data in rows]

    # -- the relay's state -----------------------------------------------------------

    def _write(self, sql: str, parameters: tuple[Any, ...]) -> int:
        db = self.connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            count = db.execute(sql, parameters).rowcount
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return count

    def take_lease(self, relay: str, owner: str, now: float, until: float) -> int | None:
        """Hold ``relay``'s lease until ``until`` (seconds) if it is free or expired (or
        already this ``owner``'s): its position, or ``None`` if another owner holds it."""
        taken = self._write(
            "INSERT INTO merx_relay (name, owner, lease_until) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, "
            "lease_until = excluded.lease_until WHERE merx_relay.owner IS NULL "
            "OR merx_relay.owner = excluded.owner OR merx_relay.lease_until < ?",
            (relay, owner, until, now),
        )
        if taken != 1:
            return None
        row = self.connection().execute("SELECT position FROM merx_relay WHERE name = ?", (relay,))
        position: int = row.fetchone()[0]
        return position

    def advance(self, relay: str, owner: str, seq: int, until: float) -> bool:
        """Move ``relay``'s position to ``seq`` and renew the lease, if ``owner`` holds it."""
        moved = self._write(
            "UPDATE merx_relay SET position = MAX(position, ?), lease_until = ? "
            "WHERE name = ? AND owner = ?",
            (seq, until, relay, owner),
        )
        return moved == 1

    def release(self, relay: str, owner: str) -> None:
        self._write(
            "UPDATE merx_relay SET owner = NULL, lease_until = 0 WHERE name = ? AND owner = ?",
            (relay, owner),
        )

    def park(self, relay: str, seq: int, subscriber: str, error: str, attempts: int) -> None:
        self._write(
            "INSERT INTO merx_parked (relay, seq, subscriber, error, attempts) "
            "VALUES (?, ?, ?, ?, ?)",
            (relay, seq, subscriber, error, attempts),
        )

    def parked(self, relay: str) -> list[tuple[int, int, str, str, int]]:
        """Unresolved parked deliveries: (id, seq, subscriber, error, attempts)."""
        rows = self.connection().execute(
            "SELECT id, seq, subscriber, error, attempts FROM merx_parked "
            "WHERE relay = ? AND resolved = 0 ORDER BY id",
            (relay,),
        )
        return [(row[0], row[1], row[2], row[3], row[4]) for row in rows]

    def resolve(self, parked_id: int) -> None:
        self._write("UPDATE merx_parked SET resolved = 1 WHERE id = ?", (parked_id,))

    def event(self, seq: int) -> tuple[int, str, str, Any] | None:
        """The outbox row ``seq``: (seq, event id, name, data)."""
        row = (
            self.connection()
            .execute("SELECT seq, event_id, name, data FROM merx_outbox WHERE seq = ?", (seq,))
            .fetchone()
        )
        return None if row is None else (row[0], row[1], row[2], json.loads(row[3]))
