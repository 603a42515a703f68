"""Time in the golden process: unpaid orders close, silent customers' receipts confirm."""

from __future__ import annotations

from datetime import timedelta

import pytest

from merx import catalog, checkout, customers, fulfillment, inventory, orders, payments
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.errors import ValidationError
from merx.fulfillment.ports import TrackingStatus
from merx.inventory import InventoryPolicy, LockPolicy, StockItem, stock_key
from merx.kernel.ids import PLATFORM, CustomerId, ShipmentId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.orders import OrderPolicy, OrderStatus, ParentStatus, PlacedOrder

SKU, DC = SkuId("phone"), WarehouseId("wh")


@pytest.fixture
def app() -> MemoryApp:
    app = build_memory_app(
        inventory_policy=InventoryPolicy(LockPolicy.AT_PLACEMENT, timedelta(hours=1)),
        order_policy=OrderPolicy(unpaid_ttl=timedelta(minutes=30)),
    )
    app.handle(catalog.CreateSku(SKU, "Phone", PLATFORM, "phone", Money.of("100.00", "CNY")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SKU, 5, "po"))
    return app


def place(app: MemoryApp, who: str) -> PlacedOrder:
    cid = app.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
    app.handle(customers.AddAddress(cid, "home", Address(who, "1", "sh", "road"), default=True))
    app.handle(checkout.AddToCart(cid, SKU, 1))
    return app.handle(orders.PlaceOrder(cid))


def available(app: MemoryApp) -> int:
    return app.get(StockItem, stock_key(DC, SKU)).available


def test_unpaid_orders_close_after_the_ttl_and_give_their_stock_back(app: MemoryApp) -> None:
    early = place(app, "ann")
    app.clock.advance(timedelta(minutes=20))
    late = place(app, "ben")
    assert available(app) == 3
    app.clock.advance(timedelta(minutes=10))
    assert app.handle(orders.CloseUnpaidOrders()) == [early.parent_id]
    assert app.get(orders.ParentOrder, early.parent_id).status is ParentStatus.CANCELLED
    assert app.get(orders.Order, early.order_ids[0]).status is OrderStatus.CANCELLED
    assert app.get(orders.ParentOrder, late.parent_id).status is ParentStatus.PENDING_PAYMENT
    assert available(app) == 4
    assert app.handle(orders.CloseUnpaidOrders()) == []  # nothing more is due: a replay


def test_an_order_with_a_payment_in_flight_is_not_closed(app: MemoryApp) -> None:
    placed = place(app, "cat")
    app.gateways["alipay"].timeout_next(applied=True)
    attempt = app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    app.clock.advance(timedelta(hours=2))
    assert app.handle(orders.CloseUnpaidOrders()) == []
    assert app.handle(payments.SyncPayment(attempt.payment_id)).status.value == "succeeded"
    assert app.get(orders.ParentOrder, placed.parent_id).status is ParentStatus.PAID


def test_receipt_is_confirmed_for_silent_customers(app: MemoryApp) -> None:
    scanned, unscanned = place(app, "dan"), place(app, "eve")
    for placed in (scanned, unscanned):
        app.handle(payments.PayOrder(placed.parent_id, "alipay"))
        app.handle(fulfillment.ShipOrder(placed.order_ids[0]))
    shipment = app.get(orders.Order, scanned.order_ids[0]).shipment_ids[0]
    tracking = app.get(fulfillment.Shipment, shipment).tracking_number
    app.logistics.advance(tracking, TrackingStatus.DELIVERED, app.clock.advance(timedelta(days=2)))
    app.handle(fulfillment.SyncTracking(ShipmentId(shipment)))
    app.clock.advance(timedelta(days=6, hours=23))
    assert app.handle(orders.AutoConfirmReceipts()) == []
    app.clock.advance(timedelta(hours=1))  # 7 days after the delivery scan
    assert app.handle(orders.AutoConfirmReceipts()) == [scanned.order_ids[0]]
    app.clock.advance(timedelta(days=6))  # 15 days after shipment, never scanned
    assert app.handle(orders.AutoConfirmReceipts()) == [unscanned.order_ids[0]]
    for placed in (scanned, unscanned):
        assert app.get(orders.Order, placed.order_ids[0]).status is OrderStatus.COMPLETED


def test_policies_must_be_positive() -> None:
    with pytest.raises(ValidationError):
        OrderPolicy(unpaid_ttl=timedelta(0))
