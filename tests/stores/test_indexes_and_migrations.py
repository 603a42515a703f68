"""Query ports answered from the database's indexes agree with scanning every aggregate;
the schema grows by versioned migrations, each tested from the schema before it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from merx import fulfillment, orders, payments
from merx.adapters.documents import SchemaTooOld
from merx.adapters.indexed import IndexedOrderQueries, IndexedPaymentQueries
from merx.adapters.memory import FixedClock, SequentialIds
from merx.adapters.sqlite import MIGRATIONS, SCHEMA_VERSION, SqliteDatabase
from merx.app import StoredApp, build_sqlite_app, cli
from merx.app.documents import documents
from merx.fulfillment.ports import TrackingStatus
from merx.kernel.ids import MerchantId, ShipmentId
from merx.testing.queries import ScanningOrderQueries
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
    assert postgres.schema_version_of(dsn) == postgres.SCHEMA_VERSION == 2
    with reopened.unit_of_work() as uow:
        scanned = answers(ScanningOrderQueries(uow), reopened)
    indexed = IndexedOrderQueries(reopened.database, documents())
    assert answers(indexed, reopened) == scanned
    reopened.database.close()  # type: ignore[attr-defined]
