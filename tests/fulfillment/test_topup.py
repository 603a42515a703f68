"""Journey 3: a phone-bill top-up bought from the supplier in real time once paid."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from merx import aftersales, catalog, checkout, customers, fulfillment, orders, payments, suppliers
from merx.adapters.memory import MemoryVirtualGoodsSupplier
from merx.app import MemoryApp, build_memory_app
from merx.catalog import Fulfillment, GoodsType
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, SkuId
from merx.kernel.money import Money
from merx.orders import OrderStatus

TOPUP = SkuId("cm-100")
ACCOUNT = "13900000000"


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


@pytest.fixture
def app() -> MemoryApp:
    app = build_memory_app()
    carrier = app.handle(suppliers.ApplySupplier("Telco API", suppliers.SupplierType.REAL_TIME_API))
    app.handle(
        suppliers.AddQualificationDocument(
            carrier, suppliers.DocumentKind.BUSINESS_LICENCE, "BL-1", date(2030, 1, 1)
        )
    )
    app.handle(suppliers.SubmitSupplierApplication(carrier))
    app.handle(suppliers.ReviewQualificationDocument(carrier, "BL-1", accepted=True))
    app.handle(suppliers.ApproveSupplier(carrier))
    app.handle(
        catalog.CreateSku(
            TOPUP,
            "China Mobile 100",
            PLATFORM,
            "topup",
            cny("98.00"),
            goods_type=GoodsType.VIRTUAL_TOPUP,
            face_value=cny("100.00"),
            operator="China Mobile",
            fulfillment=Fulfillment.real_time_supplier(carrier),
        )
    )
    return app


def supplier_of(app: MemoryApp) -> MemoryVirtualGoodsSupplier:
    sku = app.get(catalog.Sku, TOPUP)
    assert sku.fulfillment.supplier is not None
    return app.virtual_suppliers[sku.fulfillment.supplier]


def buy(app: MemoryApp, quantity: int = 1) -> tuple[OrderId, payments.PaymentOutcome]:
    cid = app.handle(customers.RegisterCustomer(CustomerId("tom"), "Tom", "1"))
    app.handle(checkout.AddToCart(cid, TOPUP, quantity))
    placed = app.handle(orders.PlaceOrder(cid, account=ACCOUNT))
    outcome = app.handle(payments.PayOrder(placed.parent_id, "wechat_pay"))
    return placed.order_ids[0], outcome


def status(app: MemoryApp, order_id: OrderId) -> OrderStatus:
    return app.get(orders.Order, order_id).status


def refunded(app: MemoryApp, outcome: payments.PaymentOutcome) -> Money:
    return app.get(payments.Payment, outcome.payment_id).refunded


def test_paid_top_up_is_credited_at_once_and_completes(app: MemoryApp) -> None:
    order_id, _ = buy(app)
    assert status(app, order_id) is OrderStatus.COMPLETED
    (top_up,) = supplier_of(app).top_ups_of(ACCOUNT)
    assert top_up.face_value == cny("100.00")


def test_a_definitive_supplier_failure_refunds_and_closes(app: MemoryApp) -> None:
    supplier_of(app).fail_next(reason="number not in service")
    order_id, outcome = buy(app)
    assert status(app, order_id) is OrderStatus.CLOSED
    assert refunded(app, outcome) == cny("98.00")
    assert supplier_of(app).top_ups_of(ACCOUNT) == []


def test_a_timeout_never_refunds_until_the_outcome_is_known(app: MemoryApp) -> None:
    supplier_of(app).timeout_next(applied=True)
    order_id, outcome = buy(app)
    assert status(app, order_id) is OrderStatus.PROCURING
    assert refunded(app, outcome).is_zero()
    assert app.handle(fulfillment.FulfillTopUp(order_id)) is OrderStatus.COMPLETED
    assert len(supplier_of(app).top_ups_of(ACCOUNT)) == 1  # credited once, not twice


def test_a_pending_purchase_waits_then_a_failure_refunds(app: MemoryApp) -> None:
    supplier = supplier_of(app)
    supplier.pending_next()
    order_id, outcome = buy(app)
    assert app.handle(fulfillment.FulfillTopUp(order_id)) is OrderStatus.PROCURING
    supplier.settle_pending(f"{order_id}/{TOPUP}/1", succeeded=False, reason="operator down")
    assert app.handle(fulfillment.FulfillTopUp(order_id)) is OrderStatus.CLOSED
    assert refunded(app, outcome) == cny("98.00")


def test_one_unit_failing_of_two_refunds_that_unit_only(app: MemoryApp) -> None:
    supplier = supplier_of(app)
    supplier.fail_next(reason="limit reached")  # the first unit fails, the second succeeds
    order_id, outcome = buy(app, quantity=2)
    assert status(app, order_id) is OrderStatus.COMPLETED
    assert refunded(app, outcome) == cny("98.00")
    assert len(supplier.top_ups_of(ACCOUNT)) == 1


def test_a_refund_that_times_out_keeps_the_order_refunding_until_retried(app: MemoryApp) -> None:
    supplier = supplier_of(app)
    supplier.pending_next()
    order_id, outcome = buy(app)
    supplier.settle_pending(f"{order_id}/{TOPUP}/1", succeeded=False, reason="operator down")
    app.gateways["wechat_pay"].timeout_next(applied=False)
    assert app.handle(fulfillment.FulfillTopUp(order_id)) is OrderStatus.REFUNDING
    assert refunded(app, outcome).is_zero()
    assert app.handle(fulfillment.FulfillTopUp(order_id)) is OrderStatus.CLOSED
    assert refunded(app, outcome) == cny("98.00")
    assert app.gateways["wechat_pay"].query(payment_id=outcome.payment_id).refunded == cny("98.00")


def test_no_after_sales_for_a_fulfilled_top_up(app: MemoryApp) -> None:
    order_id, _ = buy(app)
    with pytest.raises(aftersales.NotEligible):
        app.handle(aftersales.RequestRefund(order_id, "regret"))


# -- a failed top-up's refund: reserved as procurement ends, closing the order when it lands


def failed_top_up(app: MemoryApp) -> tuple[OrderId, payments.PaymentOutcome]:
    """A top-up whose one unit waits for the supplier (the order procuring)."""
    supplier_of(app).pending_next()
    order_id, outcome = buy(app)
    assert status(app, order_id) is OrderStatus.PROCURING
    return order_id, outcome


def settle_failed(app: MemoryApp, order_id: OrderId) -> OrderStatus:
    supplier_of(app).settle_pending(f"{order_id}/{TOPUP}/1", succeeded=False, reason="down")
    return app.handle(fulfillment.FulfillTopUp(order_id))


def test_a_failed_top_up_refunded_later_by_a_notification_closes(app: MemoryApp) -> None:
    order_id, outcome = failed_top_up(app)
    gateway = app.gateways["wechat_pay"]
    gateway.take_notifications()
    gateway.timeout_next(applied=True)  # the refund went through, unseen
    assert settle_failed(app, order_id) is OrderStatus.REFUNDING
    for note in gateway.take_notifications():
        app.handle(payments.HandlePaymentNotification(note))
    assert status(app, order_id) is OrderStatus.CLOSED
    assert refunded(app, outcome) == cny("98.00")


def test_a_failed_top_up_refunded_by_retry_refunds_closes(app: MemoryApp) -> None:
    order_id, outcome = failed_top_up(app)
    app.gateways["wechat_pay"].decline_next()
    assert settle_failed(app, order_id) is OrderStatus.REFUNDING
    app.clock.advance(timedelta(minutes=10))
    assert [o.status for o in app.handle(payments.RetryRefunds())] == [
        payments.RefundStatus.SUCCEEDED
    ]
    assert status(app, order_id) is OrderStatus.CLOSED
    assert refunded(app, outcome) == cny("98.00")


def test_a_failed_top_up_refund_is_reserved_in_the_commit_that_ends_procurement(
    app: MemoryApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    order_id, outcome = failed_top_up(app)

    def broken(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("stopped before the refund was reserved")

    monkeypatch.setattr(payments.Payment, "reserve_refund", broken)
    with pytest.raises(RuntimeError):
        settle_failed(app, order_id)
    assert status(app, order_id) is OrderStatus.PROCURING  # not refunding with no refund
    monkeypatch.undo()
    assert app.handle(fulfillment.FulfillTopUp(order_id)) is OrderStatus.CLOSED
    assert refunded(app, outcome) == cny("98.00")


def test_a_failed_top_up_refunds_at_most_what_is_left_of_its_payment(app: MemoryApp) -> None:
    order_id, outcome = failed_top_up(app)
    app.handle(aftersales.GrantRefund(order_id, "g-1", cny("50.00"), "slow"))
    assert settle_failed(app, order_id) is OrderStatus.CLOSED
    payment = app.get(payments.Payment, outcome.payment_id)
    assert payment.refunds[f"{order_id}/topup-failed"].amount == cny("48.00")
    assert payment.refunded == cny("98.00")


def test_a_failed_top_up_with_nothing_left_to_refund_closes_at_once(app: MemoryApp) -> None:
    order_id, outcome = failed_top_up(app)
    app.handle(aftersales.GrantRefund(order_id, "g-1", cny("98.00"), "slow"))
    assert settle_failed(app, order_id) is OrderStatus.CLOSED
    payment = app.get(payments.Payment, outcome.payment_id)
    assert f"{order_id}/topup-failed" not in payment.refunds
    assert payment.refunded == cny("98.00")


def test_an_escalated_top_up_refund_refunded_offline_closes_the_order(app: MemoryApp) -> None:
    order_id, outcome = failed_top_up(app)
    app.gateways["wechat_pay"].decline_next(5)
    settle_failed(app, order_id)
    for _ in range(5):
        app.clock.advance(timedelta(days=1))
        app.handle(payments.RetryRefunds())
    refund_id = f"{order_id}/topup-failed"
    offline = payments.ResolveEscalatedRefund(
        outcome.payment_id, refund_id, payments.RefundResolution.REFUNDED_OFFLINE, "bank-1"
    )
    assert status(app, order_id) is OrderStatus.REFUNDING
    assert app.handle(offline) is payments.RefundStatus.SUCCEEDED
    assert status(app, order_id) is OrderStatus.CLOSED
