"""Query ports answered from the database's indexes agree with scanning every aggregate;
the schema grows by versioned migrations, each tested from every schema before it (with
data: the indexes a step adds are rebuilt from the documents)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from merx import fulfillment, orders, payments
from merx.adapters.indexed import IndexedOrderQueries, IndexedPaymentQueries
from merx.adapters.memory import FixedClock, SequentialIds
from merx.app import StoredApp, build_sqlite_app
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
