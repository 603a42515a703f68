"""Refunds always finish (issue 14): a declined or timed-out refund is tried again with a
new attempt on the host's schedule until it succeeds or is escalated, and after-sales
counts refunds made outside it. Each of the first tests is named after a bug it caught."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from merx import aftersales, catalog, checkout, customers, fulfillment, inventory, orders, payments
from merx.aftersales import AfterSaleStatus
from merx.app import App, MemoryApp, build_memory_app
from merx.customers import Address
from merx.fulfillment.ports import TrackingStatus
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, PaymentId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.payments import RefundStatus

SHIRT, DC = SkuId("shirt"), WarehouseId("wh")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


@pytest.fixture
def app() -> MemoryApp:
    return make_app()


def make_app(**settings: Any) -> MemoryApp:
    app = build_memory_app(**settings)
    app.handle(catalog.CreateSku(SHIRT, "Shirt", PLATFORM, "shirt", cny("100.00")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SHIRT, 20, "po"))
    return app


def paid(app: App, quantity: int = 1, who: str = "amy") -> tuple[OrderId, PaymentId]:
    cid = app.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
    app.handle(customers.AddAddress(cid, "home", Address(who, "1", "sh", "road"), default=True))
    app.handle(checkout.AddToCart(cid, SHIRT, quantity))
    placed = app.handle(orders.PlaceOrder(cid))
    outcome = app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    assert outcome.status is payments.PaymentStatus.SUCCEEDED
    return placed.order_ids[0], outcome.payment_id


def delivered(app: App, quantity: int = 1, who: str = "amy") -> tuple[OrderId, PaymentId]:
    order_id, payment_id = paid(app, quantity, who)
    (shipment_id,) = app.handle(fulfillment.ShipOrder(order_id))
    tracking = app.get(fulfillment.Shipment, shipment_id).tracking_number
    app.logistics.advance(tracking, TrackingStatus.DELIVERED, app.clock.now())
    app.handle(fulfillment.SyncTracking(shipment_id))
    return order_id, payment_id


def payment(app: App, payment_id: str) -> payments.Payment:
    return app.get(payments.Payment, PaymentId(payment_id))


def refund_request_ids(app: MemoryApp) -> list[str | None]:
    """The refund ids the channel was asked for, in order (one notification each)."""
    return [
        n.refund_id
        for n in app.gateways["alipay"].notifications
        if n.operation is payments.ports.GatewayOperation.REFUND
    ]


def test_a_declined_refund_stays_at_zero_forever(app: MemoryApp) -> None:
    order_id, payment_id = delivered(app)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "faded"))
    app.gateways["alipay"].decline_next(reason="account frozen")
    assert app.handle(aftersales.ApproveAfterSale(case)) is AfterSaleStatus.REFUNDING
    assert payment(app, payment_id).refunded == cny("0.00")
    # the host asks again: a new attempt, under a new request id and key
    assert app.handle(aftersales.SyncAfterSaleRefund(case)) is AfterSaleStatus.COMPLETED
    assert payment(app, payment_id).refunded == cny("100.00")
    first, second = refund_request_ids(app)
    assert first != second
    assert app.get(aftersales.AfterSale, case).status is AfterSaleStatus.COMPLETED


def test_an_automatic_refund_that_times_out_is_reported_as_refunded(app: MemoryApp) -> None:
    cid = app.handle(customers.RegisterCustomer(CustomerId("bo"), "bo", "1"))
    app.handle(customers.AddAddress(cid, "home", Address("bo", "1", "sh", "road"), default=True))
    app.handle(checkout.AddToCart(cid, SHIRT, 1))
    parent_id = app.handle(orders.PlaceOrder(cid)).parent_id
    gateway = app.gateways["alipay"]
    gateway.timeout_next(applied=True)  # the authorization went through unseen
    attempt = app.handle(payments.PayOrder(parent_id, "alipay"))
    with app.unit_of_work() as uow:  # an operator writes the order off by hand
        parent = uow.repo(orders.ParentOrder).get(parent_id)
        parent.payment_failed(attempt.payment_id, "written off", app.clock.now())
        parent.cancel("operator", app.clock.now())
        uow.repo(orders.ParentOrder).save(parent)
        uow.commit()
    pid = attempt.payment_id
    gateway.capture(payment_id=pid, amount=cny("100.00"), idempotency_key=f"{pid}/capture")
    gateway.timeout_next(applied=False)  # the automatic refund never reaches the channel
    outcome = app.handle(payments.SyncPayment(pid))
    assert outcome.reason != "refunded: order not payable"
    assert payment(app, pid).refunded == cny("0.00")
    assert list(app.queries.payments.with_refunds_pending()) == [pid]
    assert [r.refund_id for r in payment(app, pid).refunds_in(RefundStatus.PENDING)] == [
        f"{pid}/late"
    ]
    app.clock.advance(timedelta(hours=1))
    app.handle(payments.RetryRefunds())
    assert payment(app, pid).refunded == cny("100.00")
    assert gateway.query(payment_id=pid).refunded == cny("100.00")


def test_a_refund_outside_after_sales_makes_a_later_approval_raise_after_committing(
    app: MemoryApp,
) -> None:
    order_id, payment_id = paid(app)
    with app.unit_of_work() as uow:  # today's only way: the domain service, in-process
        payments.refund_to_payer(
            uow, app.gateways, payment_id=payment_id, refund_id="goodwill-1",
            amount=cny("30.00"), reason="late delivery", clock=app.clock, order_id=order_id,
        )  # fmt: skip
    case = app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    assert app.handle(aftersales.ApproveAfterSale(case)) is AfterSaleStatus.COMPLETED
    assert payment(app, payment_id).refunded == cny("100.00")  # the 70.00 left, no more
    assert app.get(aftersales.AfterSale, case).amount == cny("70.00")
    assert app.get(orders.Order, order_id).status is orders.OrderStatus.CLOSED


def test_a_refund_granted_outside_after_sales_counts_against_a_later_case(
    app: MemoryApp,
) -> None:
    order_id, payment_id = paid(app)
    granted = aftersales.GrantRefund(order_id, "g-1", cny("30.00"), "late delivery")
    assert app.handle(granted) is RefundStatus.SUCCEEDED
    assert app.handle(granted) is RefundStatus.SUCCEEDED  # a repeat is the same refund
    with pytest.raises(payments.RefundExceedsPayment):
        app.handle(aftersales.GrantRefund(order_id, "g-2", cny("70.01"), "too much"))
    case = app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    assert app.handle(aftersales.ApproveAfterSale(case)) is AfterSaleStatus.COMPLETED
    assert payment(app, payment_id).refunded == cny("100.00")


def test_a_refund_declined_on_every_try_is_escalated_then_a_late_success_finishes_it(
    app: MemoryApp,
) -> None:
    order_id, payment_id = delivered(app)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "faded"))
    gateway = app.gateways["alipay"]
    gateway.decline_next(3)
    gateway.timeout_next(2, applied=False)
    app.handle(aftersales.ApproveAfterSale(case))
    outcomes = []
    for _ in range(6):
        app.clock.advance(timedelta(days=1))
        outcomes += app.handle(payments.RetryRefunds())
    assert [o.status for o in outcomes] == [RefundStatus.PENDING] * 4 + [RefundStatus.ESCALATED]
    escalated = [e for e in app.events.events if isinstance(e, payments.RefundEscalated)]
    assert [(e.refund_id, e.attempts) for e in escalated] == [(f"{case}/refund", 5)]
    assert list(app.queries.payments.with_refunds_escalated()) == [payment_id]
    assert list(app.queries.payments.with_refunds_pending()) == []
    assert app.get(aftersales.AfterSale, case).status is AfterSaleStatus.REFUNDING
    # the last attempt never reached the channel; asked again by hand, it goes through
    assert app.handle(aftersales.SyncAfterSaleRefund(case)) is AfterSaleStatus.REFUNDING
    assert payment(app, payment_id).refund_status(f"{case}/refund") is RefundStatus.ESCALATED


def test_a_case_completes_when_the_refund_notification_arrives(app: MemoryApp) -> None:
    order_id, payment_id = delivered(app)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "faded"))
    gateway = app.gateways["alipay"]
    gateway.take_notifications()
    gateway.timeout_next(applied=True)
    assert app.handle(aftersales.ApproveAfterSale(case)) is AfterSaleStatus.REFUNDING
    for note in gateway.take_notifications():
        app.handle(payments.HandlePaymentNotification(note))
    assert app.get(aftersales.AfterSale, case).status is AfterSaleStatus.COMPLETED
    assert payment(app, payment_id).refunded == cny("100.00")
