"""The shipped contract suites (:mod:`merx.testing`) run against the SQLite and the
PostgreSQL stores: the unit of work over the database, the query ports answered from its
indexes, and the ledger's journal in its tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

import attrs
import pytest

from merx.adapters.documents import DocumentUnitOfWork
from merx.adapters.indexed import (
    IndexedAfterSaleQueries,
    IndexedInstallmentQueries,
    IndexedOrderQueries,
    IndexedPaymentQueries,
    IndexedPurchaseOrderQueries,
    IndexedSettlementQueries,
    IndexedStockQueries,
)
from merx.adapters.journal import database_journals
from merx.adapters.memory import FixedClock, SequentialIds
from merx.adapters.sqlite import SqliteDatabase
from merx.adapters.system import TimeOrderedIds
from merx.aftersales import AfterSaleQueries
from merx.app import StoredApp, build_sqlite_app
from merx.app.documents import documents
from merx.fulfillment.ports import TrackingStatus
from merx.installments import InstallmentQueries
from merx.inventory import StockQueries
from merx.kernel import serde
from merx.kernel.aggregate import Aggregate
from merx.kernel.bus import Command
from merx.kernel.documents import Documents
from merx.kernel.events import DomainEvent
from merx.kernel.ids import SupplierId
from merx.ledger import Journal
from merx.orders import OrderQueries
from merx.payments import AuthFactor, PaymentQueries
from merx.payments.ports import RiskDecision
from merx.procurement import PurchaseOrderQueries
from merx.settlement import SettlementQueries
from merx.testing.journal import JournalContract, JournalFactory
from merx.testing.queries import (
    AfterSaleQueriesContract,
    InstallmentQueriesContract,
    OrderQueriesContract,
    PaymentQueriesContract,
    PurchaseOrderQueriesContract,
    SettlementQueriesContract,
    StockQueriesContract,
    WorldFactory,
)
from merx.testing.store import NewUnitOfWork, StoreContract, StoreFactory

R = TypeVar("R")


def sqlite_store(tmp_path: Path) -> StoreFactory:
    def fresh(
        aggregates: Sequence[type[Aggregate]], events: Sequence[type[DomainEvent]], /
    ) -> NewUnitOfWork:
        converter = serde.make_converter(aggregates)
        known = Documents()
        known.register_all(
            "test", (*aggregates, *events), converter.unstructure, serde.reader(converter)
        )
        database = SqliteDatabase(tmp_path / f"{uuid4().hex}.db", synchronous="NORMAL")
        ids = TimeOrderedIds()
        return lambda: DocumentUnitOfWork(database, known, ids)

    return fresh


class TestSqliteStore(StoreContract):
    @pytest.fixture
    def make_store(self, tmp_path: Path) -> StoreFactory:
        return sqlite_store(tmp_path)


@attrs.define
class SqliteWorld:
    """A :class:`merx.testing.queries.QueriesWorld` over a fresh merx on a SQLite file."""

    clock: FixedClock = attrs.field(factory=lambda: FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))
    path: Path = attrs.field(factory=lambda: Path(f"/tmp/merx-queries-{uuid4().hex}.db"))
    app: StoredApp = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.app = build_sqlite_app(
            self.path, clock=self.clock, ids=SequentialIds(), synchronous="NORMAL"
        )

    def handle(self, command: Command[R]) -> R:
        return self.app.handle(command)

    def unit_of_work(self) -> DocumentUnitOfWork:
        return self.app.new_unit_of_work()

    def now(self) -> datetime:
        return self.clock.now()

    def advance_clock(self, by: timedelta) -> None:
        self.clock.advance(by)

    def deliver(self, tracking_number: str) -> None:
        self.app.logistics.advance(tracking_number, TrackingStatus.DELIVERED, self.now())

    def ask_next_payment_for_proof(self) -> None:
        self.app.risk.decide_next(RiskDecision.authenticate(AuthFactor.SMS, "new device"))

    def hold_next_top_up(self, supplier: SupplierId) -> None:
        self.app.virtual_suppliers[supplier].timeout_next(applied=False)

    def script_alipay(self, answer: str, times: int = 1) -> None:
        gateway = self.app.gateways["alipay"]
        if answer == "timeout":
            gateway.timeout_next(times, applied=False)
        else:
            gateway.decline_next(times)

    def order_queries(self) -> OrderQueries:
        return IndexedOrderQueries(self.app.database, documents())

    def payment_queries(self) -> PaymentQueries:
        return IndexedPaymentQueries(self.app.database, documents())

    def hold_next_payout(self) -> None:
        self.app.payout.pending_next()

    def installment_queries(self) -> InstallmentQueries:
        return IndexedInstallmentQueries(self.app.database, documents())

    def stock_queries(self) -> StockQueries:
        return IndexedStockQueries(self.app.database, documents())

    def purchase_order_queries(self) -> PurchaseOrderQueries:
        return IndexedPurchaseOrderQueries(self.app.database, documents())

    def settlement_queries(self) -> SettlementQueries:
        return IndexedSettlementQueries(self.app.database, documents())

    def after_sale_queries(self) -> AfterSaleQueries:
        return IndexedAfterSaleQueries(self.app.database, documents())


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
