"""The shipped contract suites (:mod:`merx.testing`) run against the SQLite and the
PostgreSQL stores: the unit of work over the database, the query ports answered from its
indexes, and the ledger's journal in its tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import attrs
import pytest

from merx.adapters.documents import DocumentUnitOfWork
from merx.adapters.journal import database_journals
from merx.adapters.memory import FixedClock, SequentialIds
from merx.adapters.sqlite import SqliteDatabase
from merx.adapters.system import TimeOrderedIds
from merx.app import StoredApp, build_sqlite_app
from merx.app.documents import documents
from merx.kernel import serde
from merx.kernel.aggregate import Aggregate
from merx.kernel.documents import Documents
from merx.kernel.events import DomainEvent
from merx.ledger import Journal
from merx.testing.journal import JournalContract, JournalFactory
from merx.testing.marketing_queries import (
    MarketingWorldFactory,
    ReachQueriesContract,
    TrafficQueriesContract,
)
from merx.testing.queries import (
    AfterSaleQueriesContract,
    InstallmentQueriesContract,
    OrderQueriesContract,
    PaymentQueriesContract,
    PurchaseOrderQueriesContract,
    SettlementQueriesContract,
    StockQueriesContract,
    VoucherCodeQueriesContract,
    WorldFactory,
)
from merx.testing.store import NewUnitOfWork, StoreContract, StoreFactory
from tests.queries_world import AppWorld


def sqlite_store(tmp_path: Path) -> StoreFactory:
    def fresh(
        aggregates: Sequence[type[Aggregate]], events: Sequence[type[DomainEvent]], /
    ) -> NewUnitOfWork:
        converter = serde.make_converter(aggregates)
        known = Documents()
        known.register_all(
            "test", (*aggregates, *events), converter.unstructure, serde.reader(converter)
        )
        for aggregate in aggregates:
            known.removable(aggregate)  # the suite removes them
        database = SqliteDatabase(tmp_path / f"{uuid4().hex}.db", synchronous="NORMAL")
        ids = TimeOrderedIds()
        return lambda: DocumentUnitOfWork(database, known, ids)

    return fresh


class TestSqliteStore(StoreContract):
    @pytest.fixture
    def make_store(self, tmp_path: Path) -> StoreFactory:
        return sqlite_store(tmp_path)


@attrs.define
class SqliteWorld(AppWorld):
    """A :class:`merx.testing.queries.QueriesWorld` over a fresh merx on a SQLite file (its
    queries are the ``Indexed*Queries`` over the database)."""

    clock: FixedClock = attrs.field(factory=lambda: FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))
    path: Path = attrs.field(factory=lambda: Path(f"/tmp/merx-queries-{uuid4().hex}.db"))
    app: StoredApp = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.app = build_sqlite_app(
            self.path, clock=self.clock, ids=SequentialIds(), synchronous="NORMAL"
        )


class TestIndexedOrderQueries(OrderQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return SqliteWorld


class TestIndexedPaymentQueries(PaymentQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return SqliteWorld


class TestIndexedInstallmentQueries(InstallmentQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return SqliteWorld


class TestIndexedStockQueries(StockQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return SqliteWorld


class TestIndexedPurchaseOrderQueries(PurchaseOrderQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return SqliteWorld


class TestIndexedSettlementQueries(SettlementQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return SqliteWorld


class TestIndexedAfterSaleQueries(AfterSaleQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return SqliteWorld


class TestIndexedVoucherCodeQueries(VoucherCodeQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return SqliteWorld


# -- PostgreSQL -------------------------------------------------------------------------------


@pytest.mark.postgres
class TestPostgresStore(StoreContract):
    @pytest.fixture
    def make_store(self, postgres_schema: Callable[[], str]) -> Iterator[StoreFactory]:
        postgres = pytest.importorskip("merx.adapters.postgres")
        opened: list[Any] = []

        def fresh(
            aggregates: Sequence[type[Aggregate]], events: Sequence[type[DomainEvent]], /
        ) -> NewUnitOfWork:
            converter = serde.make_converter(aggregates)
            known = Documents()
            write, read = converter.unstructure, serde.reader(converter)
            known.register_all("test", (*aggregates, *events), write, read)
            for aggregate in aggregates:
                known.removable(aggregate)  # the suite removes them
            for done in opened:  # one store at a time: the one before is finished with
                done.close()
            opened.clear()
            database = postgres.PostgresDatabase(postgres_schema(), max_size=2)
            opened.append(database)
            ids = TimeOrderedIds()
            return lambda: DocumentUnitOfWork(database, known, ids)

        yield fresh
        for database in opened:
            database.close()


@attrs.define
class PostgresWorld(SqliteWorld):
    """The same world over a fresh PostgreSQL schema."""

    dsn: str = ""

    def __attrs_post_init__(self) -> None:
        from merx.app import build_postgres_app

        self.app = build_postgres_app(
            self.dsn, clock=self.clock, ids=SequentialIds(), max_connections=2
        )


@pytest.fixture
def postgres_worlds(postgres_schema: Callable[[], str]) -> Iterator[WorldFactory]:
    made: list[PostgresWorld] = []

    def world() -> PostgresWorld:
        made.append(PostgresWorld(dsn=postgres_schema()))
        return made[-1]

    yield world
    for one in made:
        one.app.database.close()  # type: ignore[attr-defined]


@pytest.mark.postgres
class TestPostgresOrderQueries(OrderQueriesContract):
    @pytest.fixture
    def make_queries_world(self, postgres_worlds: WorldFactory) -> WorldFactory:
        return postgres_worlds


@pytest.mark.postgres
class TestPostgresPaymentQueries(PaymentQueriesContract):
    @pytest.fixture
    def make_queries_world(self, postgres_worlds: WorldFactory) -> WorldFactory:
        return postgres_worlds


# -- the ledger's journal on both databases ----------------------------------------------------


@attrs.frozen
class JournalTransaction:
    uow: DocumentUnitOfWork

    @property
    def journal(self) -> Journal:
        return database_journals(self.uow, "CNY")

    def commit(self) -> None:
        self.uow.commit()


@attrs.frozen
class DatabaseJournalHarness:
    database: Any
    transactional = True

    def begin(self) -> JournalTransaction:
        return JournalTransaction(DocumentUnitOfWork(self.database, documents(), TimeOrderedIds()))


class TestSqliteJournal(JournalContract):
    @pytest.fixture
    def make_journal(self, tmp_path: Path) -> JournalFactory:
        return lambda: DatabaseJournalHarness(
            SqliteDatabase(tmp_path / f"{uuid4().hex}.db", synchronous="NORMAL")
        )


@pytest.mark.postgres
class TestPostgresJournal(JournalContract):
    @pytest.fixture
    def make_journal(self, postgres_schema: Callable[[], str]) -> Iterator[JournalFactory]:
        postgres = pytest.importorskip("merx.adapters.postgres")
        opened: list[Any] = []

        def fresh() -> DatabaseJournalHarness:
            opened.append(postgres.PostgresDatabase(postgres_schema(), max_size=2))
            return DatabaseJournalHarness(opened[-1])

        yield fresh
        for database in opened:
            database.close()


@pytest.mark.postgres
class TestPostgresInstallmentQueries(InstallmentQueriesContract):
    @pytest.fixture
    def make_queries_world(self, postgres_worlds: WorldFactory) -> WorldFactory:
        return postgres_worlds


@pytest.mark.postgres
class TestPostgresStockQueries(StockQueriesContract):
    @pytest.fixture
    def make_queries_world(self, postgres_worlds: WorldFactory) -> WorldFactory:
        return postgres_worlds


@pytest.mark.postgres
class TestPostgresPurchaseOrderQueries(PurchaseOrderQueriesContract):
    @pytest.fixture
    def make_queries_world(self, postgres_worlds: WorldFactory) -> WorldFactory:
        return postgres_worlds


@pytest.mark.postgres
class TestPostgresSettlementQueries(SettlementQueriesContract):
    @pytest.fixture
    def make_queries_world(self, postgres_worlds: WorldFactory) -> WorldFactory:
        return postgres_worlds


@pytest.mark.postgres
class TestPostgresAfterSaleQueries(AfterSaleQueriesContract):
    @pytest.fixture
    def make_queries_world(self, postgres_worlds: WorldFactory) -> WorldFactory:
        return postgres_worlds


@pytest.mark.postgres
class TestPostgresVoucherCodeQueries(VoucherCodeQueriesContract):
    @pytest.fixture
    def make_queries_world(self, postgres_worlds: WorldFactory) -> WorldFactory:
        return postgres_worlds


class TestIndexedReachQueries(ReachQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> MarketingWorldFactory:
        return SqliteWorld


class TestIndexedTrafficQueries(TrafficQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> MarketingWorldFactory:
        return SqliteWorld


@pytest.mark.postgres
class TestPostgresReachQueries(ReachQueriesContract):
    @pytest.fixture
    def make_queries_world(self, postgres_worlds: WorldFactory) -> MarketingWorldFactory:
        return postgres_worlds  # type: ignore[return-value]


@pytest.mark.postgres
class TestPostgresTrafficQueries(TrafficQueriesContract):
    @pytest.fixture
    def make_queries_world(self, postgres_worlds: WorldFactory) -> MarketingWorldFactory:
        return postgres_worlds  # type: ignore[return-value]
