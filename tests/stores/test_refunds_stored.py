"""Refunds that always finish, on a database (SQLite and PostgreSQL): a failed top-up's
refund declined and escalated, found by the escalated-refunds index after a restart,
resolved by hand (tried again, or refunded offline), and the order closed through the
outbox relay when the refund succeeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from merx import checkout, fulfillment, orders, payments
from merx.adapters.memory import FixedClock, MemoryPaymentGateway
from merx.app import Settings, StoredApp, build_app
from merx.kernel.ids import OrderId, PaymentId
from merx.kernel.money import Money
from merx.orders import OrderStatus
from merx.payments import RefundPolicy, RefundResolution, RefundStatus
from tests.orders.test_input_bounds import ACCOUNT, AMY, TOPUP, furnish, supplier_of
from tests.stores.test_stored_app import Storage

ONE_TRY = Settings(refund_policy=RefundPolicy(max_attempts=1, retry_after=timedelta(minutes=1)))


def open_shop(storage: Storage, clock: FixedClock) -> StoredApp:
    return build_app(storage.open(), clock=clock, settings=ONE_TRY, relay_owner="shop")


def escalated_top_up(app: StoredApp, clock: FixedClock) -> tuple[OrderId, PaymentId]:
    furnish(app)
    supplier = supplier_of(app)
    supplier.pending_next()
    app.handle(checkout.AddToCart(AMY, TOPUP, 1))
    placed = app.handle(orders.PlaceOrder(AMY, account=ACCOUNT))
    outcome = app.handle(payments.PayOrder(placed.parent_id, "wechat_pay"))
    (order_id,) = placed.order_ids
    supplier.settle_pending(f"{order_id}/{TOPUP}/1", succeeded=False, reason="down")
    gateway = app.gateways["wechat_pay"]
    assert isinstance(gateway, MemoryPaymentGateway)
    gateway.decline_next(reason="account frozen")
    assert app.handle(fulfillment.FulfillTopUp(order_id)) is OrderStatus.REFUNDING
    clock.advance(timedelta(minutes=1))
    assert [o.status for o in app.handle(payments.RetryRefunds())] == [RefundStatus.ESCALATED]
    return order_id, outcome.payment_id


@pytest.mark.parametrize("resolution", list(RefundResolution))
def test_an_escalated_refund_is_resolved_by_hand_after_a_restart(
    storage: Storage, resolution: RefundResolution
) -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    app = open_shop(storage, clock)
    order_id, payment_id = escalated_top_up(app, clock)
    app.close()

    again = open_shop(storage, clock)
    again.gateways["wechat_pay"] = app.gateways["wechat_pay"]  # the channel outlives us
    assert list(again.queries.payments.with_refunds_escalated()) == [payment_id]
    refund_id = f"{order_id}/topup-failed"
    resolve = payments.ResolveEscalatedRefund(payment_id, refund_id, resolution, "ticket-1")
    if resolution is RefundResolution.RETRY:
        assert again.handle(resolve) is RefundStatus.PENDING
        assert list(again.queries.payments.with_refunds_pending()) == [payment_id]
        again.close()
        again = open_shop(storage, clock)
        again.gateways["wechat_pay"] = app.gateways["wechat_pay"]
        refund = again.get(payments.Payment, payment_id).refunds[refund_id]
        assert (refund.budget_from, refund.resolutions[0].reference) == (1, "ticket-1")
        assert [o.status for o in again.handle(payments.RetryRefunds())] == [RefundStatus.SUCCEEDED]
    else:
        assert again.handle(resolve) is RefundStatus.SUCCEEDED
    assert again.handle(resolve) in (RefundStatus.SUCCEEDED, RefundStatus.PENDING)
    assert again.relay.parked() == []
    assert again.get(orders.Order, order_id).status is OrderStatus.CLOSED
    assert again.get(payments.Payment, payment_id).refunded == Money.of("98.00", "CNY")
    assert list(again.queries.payments.with_refunds_escalated()) == []
    assert list(again.queries.payments.with_refunds_pending()) == []
    again.close()
