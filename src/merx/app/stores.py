"""merx over a database: :func:`build_app` for any document database,
:func:`build_sqlite_app` for a SQLite file, :func:`build_postgres_app` for PostgreSQL.

The same core runs unchanged: aggregates are JSON documents written through each
context's serde (:func:`merx.app.documents.documents`), a commit writes its events to the
outbox in the same transaction, and reference data is created once (a second start over
the same file changes nothing). The clock defaults to the system's and ids to
:class:`~merx.adapters.system.TimeOrderedIds` (sortable, safe across processes).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import attrs

from merx import search
from merx.adapters.documents import DocumentCache, DocumentDatabase, DocumentUnitOfWork
from merx.adapters.indexed import (
    IndexedAfterSaleQueries,
    IndexedCommandRecordQueries,
    IndexedInstallmentQueries,
    IndexedOrderQueries,
    IndexedPaymentQueries,
    IndexedPointsQueries,
    IndexedPurchaseOrderQueries,
    IndexedReachQueries,
    IndexedReviewQueries,
    IndexedSettlementQueries,
    IndexedStockQueries,
    IndexedTrafficQueries,
    IndexedVoucherCodeQueries,
)
from merx.adapters.journal import JournalDatabase, database_journals
from merx.adapters.memory import MemoryVault
from merx.adapters.relay import Outbox, OutboxRelay, Outgoing
from merx.adapters.search_sqlite import SqliteSearchIndex
from merx.adapters.sqlite import SqliteDatabase
from merx.adapters.system import SystemClock, TimeOrderedIds
from merx.adapters.vaults import PostgresVault, SqliteVault
from merx.app.core import App, Queries, Settings, assemble, seed_reference_data
from merx.app.documents import documents
from merx.kernel.clock import Clock
from merx.kernel.documents import Documents
from merx.kernel.ids import IdSource
from merx.people import Vault
from merx.search.services import reindex_search

if TYPE_CHECKING:  # psycopg is an optional extra (merx[postgres]): imported only when used
    from merx.adapters.postgres import Pool


class Database(DocumentDatabase, JournalDatabase, Outbox, Protocol):
    """A database merx stores in: documents, the ledger's journals, the outbox and the
    relays' state."""


@attrs.define(kw_only=True)
class StoredApp(App):
    """A merx over a database; its events leave through the outbox (:attr:`relay`)."""

    database: Database
    relay: OutboxRelay
    new_unit_of_work: Callable[[], DocumentUnitOfWork]

    def close(self) -> None:
        """Let the relay's lease go (call it when the process stops)."""
        self.relay.close()


#: Event ids are minted by the store, never by a host's (maybe seeded) id source.
_EVENT_IDS = TimeOrderedIds()


def build_app(
    database: Database,
    *,
    clock: Clock | None = None,
    ids: IdSource | None = None,
    settings: Settings | None = None,
    relay_owner: str | None = None,
    vault: Vault | None = None,
    search_index: search.SearchIndex | None = None,
) -> StoredApp:
    """A merx over ``database``, its reference data created if it is not there yet.

    ``vault`` keeps customers' personal values; by default the embedded one of
    :func:`embedded_vault` (replace it with your KMS). ``search_index`` follows the
    catalog (by default one in memory); an empty index is rebuilt from the store at start
    (:class:`merx.search.ReindexSearch`), so a memory index or a lost index file comes
    back by itself.

    ``relay_owner`` names this process for the outbox relay's lease: a process restarted
    under the same name delivers at once, where a new name waits for the lease of the one
    that died to expire (30 s); by default each process gets a new name."""
    settings = settings or Settings()
    known = documents()

    cache = DocumentCache()
    outgoing = Outgoing()  # what this process commits, for its relay

    def new_unit_of_work() -> DocumentUnitOfWork:
        return DocumentUnitOfWork(database, known, _EVENT_IDS, cache, outgoing.add)

    app = assemble(
        new_unit_of_work,
        clock=clock or SystemClock(),
        ids=ids or TimeOrderedIds(),
        settings=settings,
        queries=indexed_queries(database, known),
        journals=database_journals,
        vault=vault if vault is not None else embedded_vault(database),
        search_index=search_index,
    )
    owner = relay_owner or _EVENT_IDS.next_id("relay")
    relay = OutboxRelay(
        database, known, app.bus, new_unit_of_work, owner, outgoing=outgoing,
        conflict_attempts=settings.conflict_attempts, conflict_pause=settings.conflict_pause,
        exclusive_after=settings.conflict_exclusive_after,
    )  # fmt: skip
    app.bus.deliver_through(relay)
    stored = StoredApp(database=database, relay=relay, **attrs.asdict(app, recurse=False))
    seed_reference_data(stored, settings)
    if stored.search_index.search(search.SearchQuery(page_size=1)).total == 0:
        with stored.unit_of_work() as uow:  # read only: no command, so nothing delivered yet
            reindex_search(
                search.ReindexSearch(), uow, index=stored.search_index, clock=stored.clock
            )
    return stored


def embedded_vault(database: Database) -> Vault:
    """The embedded default vault of ``database``: a ``merx_vault`` table apart from the
    documents for SQLite and PostgreSQL (:mod:`merx.adapters.vaults`; clear values, to be
    replaced with your KMS), a :class:`MemoryVault` for any other database."""
    if isinstance(database, SqliteDatabase):
        return SqliteVault(database)
    postgres = sys.modules.get("merx.adapters.postgres")
    if postgres is not None and isinstance(database, postgres.PostgresDatabase):
        return PostgresVault(database)
    return MemoryVault()


def indexed_queries(database: DocumentDatabase, known: Documents) -> Queries:
    """Every query port over ``database``'s indexes (``known`` registers them:
    :func:`merx.app.documents.documents`)."""
    return Queries(
        orders=IndexedOrderQueries(database, known),
        payments=IndexedPaymentQueries(database, known),
        installments=IndexedInstallmentQueries(database, known),
        stock=IndexedStockQueries(database, known),
        purchase_orders=IndexedPurchaseOrderQueries(database, known),
        settlement=IndexedSettlementQueries(database, known),
        aftersales=IndexedAfterSaleQueries(database, known),
        vouchers=IndexedVoucherCodeQueries(database, known),
        command_records=IndexedCommandRecordQueries(database, known),
        points=IndexedPointsQueries(database, known),
        risk=IndexedReviewQueries(database, known),
        reach=IndexedReachQueries(database, known),
        traffic=IndexedTrafficQueries(database, known),
    )


def build_sqlite_app(
    path: str | Path,
    *,
    clock: Clock | None = None,
    ids: IdSource | None = None,
    settings: Settings | None = None,
    synchronous: Literal["FULL", "NORMAL"] = "FULL",
    relay_owner: str | None = None,
    vault: Vault | None = None,
    search_index: search.SearchIndex | None = None,
) -> StoredApp:
    """A merx over the SQLite file at ``path`` (created if missing); personal values in
    ``vault``, by default the file's own ``merx_vault`` table (replace it with your KMS);
    the search index by default on SQLite FTS5 in the file ``<path>.search`` beside it."""
    database = SqliteDatabase(path, synchronous=synchronous, documents=documents())
    if search_index is None and str(path) != ":memory:":
        search_index = SqliteSearchIndex(f"{path}.search")
    return build_app(
        database, clock=clock, ids=ids, settings=settings, relay_owner=relay_owner, vault=vault,
        search_index=search_index,
    )  # fmt: skip


def build_postgres_app(
    dsn_or_pool: str | Pool,
    *,
    clock: Clock | None = None,
    ids: IdSource | None = None,
    settings: Settings | None = None,
    max_connections: int = 8,
    relay_owner: str | None = None,
    vault: Vault | None = None,
    search_index: search.SearchIndex | None = None,
) -> StoredApp:
    """A merx over the PostgreSQL database at ``dsn_or_pool`` (a connection string, such as
    ``postgresql://shop@db.internal/shop``, or a host's own autocommit
    :class:`~psycopg_pool.ConnectionPool`); its tables are created if missing. Needs the
    ``postgres`` extra (``pip install 'merx[postgres]'``). Personal values go to ``vault``,
    by default the database's own ``merx_vault`` table (replace it with your KMS). The
    search index is by default in memory, rebuilt at start; processes that share the
    database share an engine instead (``search_index``: see docs/search.md)."""
    from merx.adapters.postgres import PostgresDatabase

    database = PostgresDatabase(dsn_or_pool, max_size=max_connections, documents=documents())
    return build_app(
        database, clock=clock, ids=ids, settings=settings, relay_owner=relay_owner, vault=vault,
        search_index=search_index,
    )  # fmt: skip
