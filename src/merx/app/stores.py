"""merx over a database: :func:`build_app` for any document database,
:func:`build_sqlite_app` for a SQLite file, :func:`build_postgres_app` for PostgreSQL.

The same core runs unchanged: aggregates are JSON documents written through each
context's serde (:func:`merx.app.documents.documents`), a commit writes its events to the
outbox in the same transaction, and reference data is created once (a second start over
the same file changes nothing). The clock defaults to the system's and ids to
:class:`~merx.adapters.system.TimeOrderedIds` (sortable, safe across processes).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import attrs

from merx.adapters.documents import DocumentDatabase, DocumentUnitOfWork
from merx.adapters.sqlite import SqliteDatabase
from merx.adapters.system import SystemClock, TimeOrderedIds
from merx.app.core import App, Settings, assemble, seed_reference_data
from merx.app.documents import documents
from merx.kernel.clock import Clock
from merx.kernel.ids import IdSource

if TYPE_CHECKING:  # psycopg is an optional extra (merx[postgres]): imported only when used
    from merx.adapters.postgres import Pool


@attrs.define(kw_only=True)
class StoredApp(App):
    """A merx over a document database."""

    database: DocumentDatabase


#: Event ids are minted by the store, never by a host's (maybe seeded) id source.
_EVENT_IDS = TimeOrderedIds()


def build_app(
    database: DocumentDatabase,
    *,
    clock: Clock | None = None,
    ids: IdSource | None = None,
    settings: Settings | None = None,
) -> StoredApp:
    """A merx over ``database``, its reference data created if it is not there yet."""
    settings = settings or Settings()
    known = documents()
    app = assemble(
        lambda: DocumentUnitOfWork(database, known, _EVENT_IDS),
        clock=clock or SystemClock(),
        ids=ids or TimeOrderedIds(),
        settings=settings,
    )
    stored = StoredApp(database=database, **attrs.asdict(app, recurse=False))
    seed_reference_data(stored, settings)
    return stored


def build_sqlite_app(
    path: str | Path,
    *,
    clock: Clock | None = None,
    ids: IdSource | None = None,
    settings: Settings | None = None,
    synchronous: Literal["FULL", "NORMAL"] = "FULL",
) -> StoredApp:
    """A merx over the SQLite file at ``path`` (created if missing)."""
    database = SqliteDatabase(path, synchronous=synchronous)
    return build_app(database, clock=clock, ids=ids, settings=settings)


def build_postgres_app(
    dsn_or_pool: str | Pool,
    *,
    clock: Clock | None = None,
    ids: IdSource | None = None,
    settings: Settings | None = None,
    max_connections: int = 8,
) -> StoredApp:
    """A merx over the PostgreSQL database at ``dsn_or_pool`` (a connection string, such as
    ``postgresql://shop@db.internal/shop``, or a host's own autocommit
    :class:`~psycopg_pool.ConnectionPool`); its tables are created if missing. Needs the
    ``postgres`` extra (``pip install 'merx[postgres]'``)."""
    from merx.adapters.postgres import PostgresDatabase

    database = PostgresDatabase(dsn_or_pool, max_size=max_connections)
    return build_app(database, clock=clock, ids=ids, settings=settings)
