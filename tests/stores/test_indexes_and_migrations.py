"""Query ports answered from the database's indexes agree with scanning every aggregate;
the schema grows by versioned migrations, each tested from every schema before it (with
data: the indexes a step adds are rebuilt from the documents)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from merx import fulfillment, orders, payments
from merx.adapters.documents import SchemaTooOld
from merx.adapters.indexed import (
    IndexedInstallmentQueries,
    IndexedOrderQueries,
    IndexedPaymentQueries,
    IndexedPurchaseOrderQueries,
    IndexedSettlementQueries,
    IndexedStockQueries,
)
from merx.adapters.memory import FixedClock, SequentialIds
from merx.adapters.sqlite import INDEXED_SINCE_3, MIGRATIONS, SCHEMA_VERSION, SqliteDatabase
from merx.app import StoredApp, build_sqlite_app, cli
from merx.app.documents import documents
from merx.fulfillment.ports import TrackingStatus
from merx.kernel.ids import MerchantId, ShipmentId, SupplierId
from merx.procurement import Period
from merx.testing import queries as contracts
from merx.testing.queries import ScanningOrderQueries
from tests.stores.test_contracts import PostgresWorld, SqliteWorld
from tests.stores.test_stored_app import START, buy, stock


def open_shop(path: Path) -> StoredApp:
    return build_sqlite_app(
        path, clock=FixedClock(START), ids=SequentialIds(), synchronous="NORMAL"
    )


def trade(path: Path) -> StoredApp:
    """Orders in every state the queries look at: unpaid, shipped, delivered."""
    clock = FixedClock(START)
    return trade_on(build_sqlite_app(path, clock=clock, ids=SequentialIds()), clock)


def trade_on(app: StoredApp, clock: FixedClock) -> StoredApp:
    stock(app)
    buy(app, "ann")  # stays unpaid
    clock.advance(timedelta(minutes=5))
    for who in ("ben", "cy"):
        placed = buy(app, who)
        app.handle(payments.PayOrder(placed.parent_id, channel="alipay"))
        app.handle(fulfillment.ShipOrder(placed.order_ids[0]))
        clock.advance(timedelta(hours=3))
    shipment = app.get(orders.Order, placed.order_ids[0]).shipment_ids[0]
    tracking = app.get(fulfillment.Shipment, shipment).tracking_number
    app.logistics.advance(tracking, TrackingStatus.DELIVERED, clock.advance(timedelta(days=1)))
    app.handle(fulfillment.SyncTracking(ShipmentId(shipment)))
    return app


def answers(queries: orders.OrderQueries, app: StoredApp) -> list[object]:
    now = app.clock.now()
    found: list[object] = []
    for back in (timedelta(0), timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)):
        found.append(sorted(queries.unpaid_parent_orders(now - back)))
        found.append(
            sorted(queries.orders_awaiting_receipt(shipped_by=now - back, delivered_by=now - back))
        )
    found.append(sorted(queries.orders_of_seller(MerchantId("platform"))))
    return found


def test_indexed_answers_are_the_scanning_answers(tmp_path: Path) -> None:
    app = trade(tmp_path / "shop.db")
    indexed = IndexedOrderQueries(app.database, documents())
    with app.unit_of_work() as uow:
        scanned = answers(ScanningOrderQueries(uow), app)
    assert answers(indexed, app) == scanned
    assert any(scanned[:-1])  # the day left candidates to find
    assert IndexedPaymentQueries(app.database, documents()).awaiting_authentication() == []


def test_an_order_leaves_its_index_when_it_no_longer_qualifies(tmp_path: Path) -> None:
    app = trade(tmp_path / "shop.db")
    indexed = IndexedOrderQueries(app.database, documents())
    waiting = indexed.orders_awaiting_receipt(
        shipped_by=app.clock.now(), delivered_by=app.clock.now()
    )
    for order_id in waiting:
        app.handle(orders.ConfirmReceipt(order_id))
    assert (
        indexed.orders_awaiting_receipt(shipped_by=app.clock.now(), delivered_by=app.clock.now())
        == []
    )


def test_a_file_of_every_earlier_schema_is_upgraded_on_open(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    trade(path)
    back = SqliteDatabase(path)  # back to schema 1: no index table
    back.connection().execute("DROP TABLE merx_index")
    back.connection().execute("UPDATE merx_schema SET version = 1")
    back.close()
    with pytest.raises(SchemaTooOld):
        SqliteDatabase(path, documents=documents(), upgrade=False)
    reopened = open_shop(path)  # upgrades on open: the index is rebuilt from the documents
    assert SqliteDatabase(path).schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    with reopened.unit_of_work() as uow:
        scanned = answers(ScanningOrderQueries(uow), reopened)
    assert answers(IndexedOrderQueries(reopened.database, documents()), reopened) == scanned


# -- schema 3: the indexes of the bill run, the reservation timer, purchases statements and
# closing a merchant


def trade_since_3(world: contracts.QueriesWorld) -> tuple[list[SupplierId], list[MerchantId]]:
    """Every kind schema 3 indexes, in the states its queries look for (the contract
    suites' worlds, in one store)."""
    contracts.open_credit_accounts(world)
    contracts.hold_stock(world)
    shop, other = (contracts.open_merchant(world, name) for name in ("Shop", "Other"))
    contracts.withdraw(world, shop, "w1", pending=True)
    contracts.withdraw(world, other, "w2", pending=True)
    acme, brio, _ = contracts.purchase_orders(world)
    return [acme, brio], [shop, other]


def answers_since_3(
    database: Any, suppliers: list[SupplierId], merchants: list[MerchantId]
) -> list[object]:
    known = documents()
    accounts = IndexedInstallmentQueries(database, known)
    stock = IndexedStockQueries(database, known)
    supply = IndexedPurchaseOrderQueries(database, known)
    money = IndexedSettlementQueries(database, known)
    first_quarter = Period(date(2026, 1, 1), date(2026, 4, 1))
    return [
        *(sorted(accounts.accounts_to_bill(date(2026, 2, day))) for day in (1, 15, 28)),
        sorted(stock.stock_with_expired_reservations(START + timedelta(days=365))),
        *(sorted(supply.received_from(supplier, first_quarter)) for supplier in suppliers),
        *(sorted(money.pending_withdrawals(merchant)) for merchant in merchants),
    ]


def test_a_file_of_schema_2_is_upgraded_and_its_new_indexes_built(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    world = SqliteWorld(path=path)
    suppliers, merchants = trade_since_3(world)
    before = answers_since_3(world.app.database, suppliers, merchants)
    assert all(before), before  # every query finds something
    world.app.close()
    back = SqliteDatabase(path)  # back to schema 2: the kinds of schema 3 not indexed
    kinds = sorted(INDEXED_SINCE_3)
    marks = ", ".join("?" * len(kinds))
    back.connection().execute(f"DELETE FROM merx_index WHERE kind IN ({marks})", kinds)
    back.connection().execute("UPDATE merx_schema SET version = 2")
    assert not any(answers_since_3(back, suppliers, merchants))
    back.close()
    with pytest.raises(SchemaTooOld):
        SqliteDatabase(path, documents=documents(), upgrade=False)
    reopened = open_shop(path)
    assert SqliteDatabase(path).schema_version() == SCHEMA_VERSION == 3
    assert answers_since_3(reopened.database, suppliers, merchants) == before


def test_a_file_of_schema_1_is_upgraded_with_every_index(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    world = SqliteWorld(path=path)
    suppliers, merchants = trade_since_3(world)
    before = answers_since_3(world.app.database, suppliers, merchants)
    world.app.close()
    back = SqliteDatabase(path)
    back.connection().execute("DROP TABLE merx_index")
    back.connection().execute("UPDATE merx_schema SET version = 1")
    back.close()
    reopened = open_shop(path)  # schema 2 indexes everything, schema 3 its own again
    assert answers_since_3(reopened.database, suppliers, merchants) == before


def test_the_command_line_reports_and_upgrades_the_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "shop.db"
    trade(path)
    back = SqliteDatabase(path)
    back.connection().execute("DROP TABLE merx_index")
    back.connection().execute("UPDATE merx_schema SET version = 1")
    back.close()
    assert cli.main(["db", "version", str(path)]) == 0
    assert f"merx schema 1 (this merx writes {SCHEMA_VERSION})" in capsys.readouterr().out
    assert cli.main(["db", "upgrade", str(path)]) == 0
    assert f"merx schema {SCHEMA_VERSION} " in capsys.readouterr().out
    done = subprocess.run(
        [sys.executable, "-m", "merx", "db", "version", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert f"merx schema {SCHEMA_VERSION}" in done.stdout


@pytest.mark.postgres
def test_a_postgres_database_of_schema_1_is_upgraded_and_reindexed(
    postgres_schema: Callable[[], str],
) -> None:
    import psycopg

    from merx.adapters import postgres
    from merx.app import build_postgres_app

    dsn = postgres_schema()
    clock = FixedClock(START)
    first = trade_on(build_postgres_app(dsn, clock=clock, ids=SequentialIds()), clock)
    first.database.close()  # type: ignore[attr-defined]
    with psycopg.connect(dsn, autocommit=True) as db:  # back to schema 1: no index table
        db.execute("DROP TABLE merx_index")
        db.execute("UPDATE merx_schema SET version = 1")
    assert postgres.schema_version_of(dsn) == 1
    with pytest.raises(SchemaTooOld):
        postgres.PostgresDatabase(dsn, documents=documents(), upgrade=False)
    reopened = build_postgres_app(dsn, clock=clock, ids=SequentialIds())
    assert postgres.schema_version_of(dsn) == postgres.SCHEMA_VERSION == len(postgres.MIGRATIONS)
    with reopened.unit_of_work() as uow:
        scanned = answers(ScanningOrderQueries(uow), reopened)
    indexed = IndexedOrderQueries(reopened.database, documents())
    assert answers(indexed, reopened) == scanned
    reopened.database.close()  # type: ignore[attr-defined]


@pytest.mark.postgres
@pytest.mark.parametrize("schema", [1, 2])
def test_a_postgres_database_of_an_earlier_schema_gets_the_indexes_of_schema_3(
    postgres_schema: Callable[[], str], schema: int
) -> None:
    import psycopg

    from merx.adapters import postgres
    from merx.app import build_postgres_app

    dsn = postgres_schema()
    world = PostgresWorld(dsn=dsn)
    suppliers, merchants = trade_since_3(world)
    before = answers_since_3(world.app.database, suppliers, merchants)
    assert all(before), before
    world.app.database.close()  # type: ignore[attr-defined]
    with psycopg.connect(dsn, autocommit=True) as db:  # back to the schema
        if schema == 1:
            db.execute("DROP TABLE merx_index")
        else:
            db.execute("DELETE FROM merx_index WHERE kind = ANY(%s)", (sorted(INDEXED_SINCE_3),))
        db.execute("UPDATE merx_schema SET version = %s", (schema,))
    reopened = build_postgres_app(dsn, clock=FixedClock(START), ids=SequentialIds())
    assert postgres.schema_version_of(dsn) == postgres.SCHEMA_VERSION == 3
    assert answers_since_3(reopened.database, suppliers, merchants) == before
    reopened.database.close()  # type: ignore[attr-defined]
