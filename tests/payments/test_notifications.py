"""Channel notifications arrive late, twice, out of order, or contradicting: the payment
is a fold over facts, so none of that changes the money or pays an order twice."""

from __future__ import annotations

import itertools

import attrs
import pytest

from merx import catalog, checkout, customers, inventory, orders, payments
from merx.adapters.memory import MemoryPaymentGateway
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.errors import IdempotencyConflict
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, PaymentId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.payments import PaymentNotification, PaymentStatus
from merx.payments.ports import GatewayOperation, GatewayStatus

SKU, DC = SkuId("phone"), WarehouseId("wh")
CNY = "CNY"


def build() -> tuple[MemoryApp, OrderId]:
    app = build_memory_app()
    app.handle(catalog.CreateSku(SKU, "Phone", PLATFORM, "phone", Money.of("100.00", CNY)))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SKU, 5, "po"))
    cid = app.handle(customers.RegisterCustomer(CustomerId("amy"), "Amy", "1"))
    app.handle(customers.AddAddress(cid, "home", Address("Amy", "1", "sh", "road"), default=True))
    app.handle(checkout.AddToCart(cid, SKU, 1))
    return app, app.handle(orders.PlaceOrder(cid)).parent_id


def pending_payment(app: MemoryApp, parent: OrderId) -> tuple[PaymentId, MemoryPaymentGateway]:
    gateway = app.gateways["wechat_pay"]
    gateway.pending_next()
    outcome = app.handle(payments.PayOrder(parent, "wechat_pay"))
    assert outcome.status is PaymentStatus.INITIATED
    return outcome.payment_id, gateway


def paid_events(app: MemoryApp) -> int:
    return sum(isinstance(e, orders.ParentOrderPaid) for e in app.events.events)


def test_a_notification_settles_a_pending_payment_and_duplicates_change_nothing() -> None:
    app, parent = build()
    payment_id, gateway = pending_payment(app, parent)
    reference = gateway.query(payment_id=payment_id).reference
    gateway.settle(reference, succeeded=True)
    app.handle(payments.SyncPayment(payment_id))  # captures now that authorization settled
    for note in gateway.take_notifications():
        for _ in range(3):
            app.handle(payments.HandlePaymentNotification(note))
    payment = app.get(payments.Payment, payment_id)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.captured == Money.of("100.00", CNY)
    assert paid_events(app) == 1


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_any_arrival_order_gives_the_same_money(order: tuple[int, ...]) -> None:
    app, parent = build()
    payment_id, gateway = pending_payment(app, parent)
    gateway.settle(gateway.query(payment_id=payment_id).reference, succeeded=True)
    gateway.pending_next()  # the capture will be pending too
    assert app.handle(payments.SyncPayment(payment_id)).status is PaymentStatus.INITIATED
    (auth_note,) = gateway.take_notifications()
    assert app.get(payments.Payment, payment_id).captured.is_zero()
    (capture_ref,) = gateway.pending(payment_id)
    captured = gateway.settle(capture_ref, succeeded=True)
    (capture_note,) = gateway.take_notifications()
    bogus = attrs.evolve(
        capture_note, event_id="evt-bogus", status=GatewayStatus.FAILED, reason="glitch"
    )
    notes = [auth_note, capture_note, bogus]
    for index in order:
        app.handle(payments.HandlePaymentNotification(notes[index]))
    payment = app.get(payments.Payment, payment_id)
    assert (payment.authorized, payment.captured) == (captured.amount, captured.amount)
    assert len(payment.anomalies) == 1
    if order.index(1) < order.index(2):
        # the failure came late: recorded, and nothing else changes
        assert payment.status is PaymentStatus.SUCCEEDED
        assert payment.refunded.is_zero()
        assert app.get(orders.ParentOrder, parent).status is orders.ParentStatus.PAID
        assert paid_events(app) == 1
    else:
        # the failure came first and freed the order; the capture then arrived for an order
        # no longer waiting for it, so it was refunded in full at once
        assert payment.refunded == payment.captured
        assert gateway.query(payment_id=payment_id).refunded == payment.captured
        assert paid_events(app) == 0


def test_the_same_event_id_with_another_payload_is_a_conflict_and_changes_nothing() -> None:
    app, parent = build()
    payment_id, _ = pending_payment(app, parent)
    first = PaymentNotification(
        channel="wechat_pay",
        event_id="evt-9",
        payment_id=payment_id,
        operation=GatewayOperation.AUTHORIZE,
        status=GatewayStatus.SUCCEEDED,
        amount=Money.of("100.00", CNY),
        reference="ref-a",
    )
    app.handle(payments.HandlePaymentNotification(first))
    before = app.get(payments.Payment, payment_id)
    forged = PaymentNotification(
        channel="wechat_pay",
        event_id="evt-9",
        payment_id=payment_id,
        operation=GatewayOperation.CAPTURE,
        status=GatewayStatus.SUCCEEDED,
        amount=Money.of("100.00", CNY),
        reference="ref-b",
    )
    with pytest.raises(IdempotencyConflict):
        app.handle(payments.HandlePaymentNotification(forged))
    assert app.get(payments.Payment, payment_id) == before
