"""The failures real shops hit in the golden process, one test each, named after it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from merx import aftersales, catalog, checkout, customers, fulfillment, inventory, orders, payments
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.fulfillment.ports import TrackingStatus
from merx.inventory import StockItem, stock_key
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.orders import OrderPolicy, PlacedOrder
from merx.payments import PaymentStatus, RefundExceedsPayment
from merx.payments.ports import GatewayStatus

SKU, DC = SkuId("phone"), WarehouseId("wh")


@pytest.fixture
def app() -> MemoryApp:
    app = build_memory_app(order_policy=OrderPolicy(unpaid_ttl=timedelta(minutes=15)))
    app.handle(catalog.CreateSku(SKU, "Phone", PLATFORM, "phone", Money.of("33.33", "CNY")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SKU, 10, "po"))
    return app


def place(app: MemoryApp, who: str = "amy", quantity: int = 3) -> PlacedOrder:
    cid = app.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
    app.handle(customers.AddAddress(cid, "h", Address(who, "1", "sh", "r"), default=True))
    app.handle(checkout.AddToCart(cid, SKU, quantity))
    return app.handle(orders.PlaceOrder(cid))


def test_a_payment_notification_racing_the_checkout_pays_the_order_once(app: MemoryApp) -> None:
    placed = place(app)
    gateway = app.gateways["alipay"]
    gateway.timeout_next(applied=True)  # the channel captured; the checkout saw a timeout
    attempt = app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    notes = gateway.take_notifications()
    for note in notes:  # the notifications arrive before the checkout syncs
        app.handle(payments.HandlePaymentNotification(note))
    app.handle(payments.SyncPayment(attempt.payment_id))  # then the checkout's own sync
    paid = [e for e in app.events.events if isinstance(e, orders.ParentOrderPaid)]
    assert len(paid) == 1
    assert app.get(payments.Payment, attempt.payment_id).captured == Money.of("99.99", "CNY")


def test_a_late_failed_notice_never_downgrades_a_paid_order(app: MemoryApp) -> None:
    placed = place(app)
    outcome = app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    (captured,) = [
        n for n in app.gateways["alipay"].take_notifications() if n.operation.value == "capture"
    ]
    failed = payments.PaymentNotification(
        channel="alipay",
        event_id="evt-late-failure",
        payment_id=outcome.payment_id,
        operation=captured.operation,
        status=GatewayStatus.FAILED,
        amount=captured.amount,
        reference=captured.reference,
        reason="timeout at the bank",
    )
    app.handle(payments.HandlePaymentNotification(failed))
    payment = app.get(payments.Payment, outcome.payment_id)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.anomalies  # recorded, nothing changed
    assert app.get(orders.ParentOrder, placed.parent_id).status is orders.ParentStatus.PAID


def test_double_refunds_never_pay_twice(app: MemoryApp) -> None:
    placed = place(app)
    outcome = app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    case = app.handle(aftersales.RequestRefund(placed.order_ids[0], "duplicate order"))
    app.handle(aftersales.ApproveAfterSale(case))
    app.handle(aftersales.SyncAfterSaleRefund(case))  # asked again
    with pytest.raises(aftersales.NotEligible):
        app.handle(aftersales.RequestRefund(placed.order_ids[0], "again"))
    with app.unit_of_work() as uow:
        payment = uow.repo(payments.Payment).get(outcome.payment_id)
        with pytest.raises(RefundExceedsPayment):
            payment.reserve_refund(
                "another", Money.of("0.01", "CNY"), "one cent more", at=app.clock.now()
            )
    channel = app.gateways["alipay"].query(payment_id=outcome.payment_id)
    assert channel.refunded == channel.captured == Money.of("99.99", "CNY")


def test_unpaid_orders_never_hold_stock_forever(app: MemoryApp) -> None:
    app_at_placement = build_memory_app(
        inventory_policy=inventory.InventoryPolicy(inventory.LockPolicy.AT_PLACEMENT),
        order_policy=OrderPolicy(unpaid_ttl=timedelta(minutes=15)),
    )
    app_at_placement.handle(
        catalog.CreateSku(SKU, "Phone", PLATFORM, "phone", Money.of("33.33", "CNY"))
    )
    app_at_placement.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app_at_placement.handle(inventory.ReceiveStock(DC, SKU, 3, "po"))
    place(app_at_placement)
    assert app_at_placement.get(StockItem, stock_key(DC, SKU)).available == 0
    app_at_placement.clock.advance(timedelta(minutes=15))
    app_at_placement.handle(orders.CloseUnpaidOrders())
    assert app_at_placement.get(StockItem, stock_key(DC, SKU)).available == 3


def test_partial_returns_refund_exactly_the_units_frozen_net(app: MemoryApp) -> None:
    placed = place(app, quantity=3)  # 3 x 33.33 = 99.99
    outcome = app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    order_id: OrderId = placed.order_ids[0]
    (shipment,) = app.handle(fulfillment.ShipOrder(order_id))
    tracking = app.get(fulfillment.Shipment, shipment).tracking_number
    app.logistics.advance(tracking, TrackingStatus.DELIVERED, app.clock.now())
    app.handle(fulfillment.SyncTracking(shipment))
    refunded: list[Money] = []
    for n in range(3):
        case = app.handle(aftersales.RequestRefundOnly(order_id, ((SKU, 1),), f"unit {n}"))
        app.handle(aftersales.ApproveAfterSale(case))
        amount = app.get(aftersales.AfterSale, case).amount
        assert amount is not None
        refunded.append(amount)
    assert refunded == [Money.of("33.33", "CNY")] * 3
    assert app.get(payments.Payment, outcome.payment_id).refunded == Money.of("99.99", "CNY")
