"""Paying an order through a channel: timeouts, declines, one attempt at a time, sync."""

from __future__ import annotations

import pytest

from merx import catalog, checkout, customers, inventory, orders, payments
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.inventory import StockItem, stock_key
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, PaymentId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.payments import PaymentStatus

SKU, DC = SkuId("phone"), WarehouseId("wh")


def parent_of(app: MemoryApp, order_id: OrderId) -> OrderId:
    """The parent order a seller's order was placed (and is paid) under."""
    return app.get(orders.Order, order_id).parent_id


@pytest.fixture
def app() -> MemoryApp:
    app = build_memory_app()
    app.handle(catalog.CreateSku(SKU, "Phone", PLATFORM, "phone", Money.of("100.00", "CNY")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SKU, 5, "po"))
    return app


def place(app: MemoryApp, who: str = "amy") -> OrderId:
    cid = app.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
    app.handle(customers.AddAddress(cid, "home", Address(who, "1", "sh", "road"), default=True))
    app.handle(checkout.AddToCart(cid, SKU, 1))
    return app.handle(orders.PlaceOrder(cid)).order_ids[0]


def reserved(app: MemoryApp) -> int:
    return app.get(StockItem, stock_key(DC, SKU)).reserved


def test_a_timeout_leaves_the_attempt_in_flight_and_a_second_payment_is_refused(
    app: MemoryApp,
) -> None:
    order_id = place(app)
    app.gateways["alipay"].timeout_next(applied=True)
    first = app.handle(payments.PayOrder(parent_of(app, order_id), "alipay"))
    assert first.status is PaymentStatus.INITIATED
    assert reserved(app) == 1  # the stock stays held while the outcome is unknown
    with pytest.raises(orders.PaymentInFlight):
        app.handle(payments.PayOrder(parent_of(app, order_id), "wechat_pay"))
    with pytest.raises(orders.PaymentInFlight):
        app.handle(orders.CancelOrder(parent_of(app, order_id), "impatient"))
    assert app.gateways["wechat_pay"].notifications == []  # the other channel was never asked


def test_sync_finds_a_charge_that_went_through_during_the_timeout(app: MemoryApp) -> None:
    order_id = place(app)
    app.gateways["alipay"].timeout_next(applied=True)
    first = app.handle(payments.PayOrder(parent_of(app, order_id), "alipay"))
    synced = app.handle(payments.SyncPayment(first.payment_id))
    assert synced.status is PaymentStatus.SUCCEEDED
    assert app.get(orders.Order, order_id).status is orders.OrderStatus.PAID
    assert app.gateways["alipay"].query(payment_id=first.payment_id).captured.amount == 100
    paid = [e for e in app.events.events if isinstance(e, orders.OrderPaid)]
    assert len(paid) == 1
    assert app.handle(payments.SyncPayment(first.payment_id)) == synced  # a replay


def test_sync_repeats_the_same_keys_so_a_charge_that_never_arrived_happens_once(
    app: MemoryApp,
) -> None:
    order_id = place(app)
    app.gateways["alipay"].timeout_next(applied=False)
    first = app.handle(payments.PayOrder(parent_of(app, order_id), "alipay"))
    assert first.status is PaymentStatus.INITIATED
    synced = app.handle(payments.SyncPayment(first.payment_id))
    assert synced.status is PaymentStatus.SUCCEEDED
    channel = app.gateways["alipay"].query(payment_id=first.payment_id)
    assert channel.captured == Money.of("100.00", "CNY")  # once, not twice


def test_a_decline_on_sync_frees_the_order_for_another_attempt(app: MemoryApp) -> None:
    order_id = place(app)
    app.gateways["alipay"].timeout_next(applied=False)
    first = app.handle(payments.PayOrder(parent_of(app, order_id), "alipay"))
    app.gateways["alipay"].decline_next(reason="card blocked")
    synced = app.handle(payments.SyncPayment(first.payment_id))
    assert (synced.status, synced.reason) == (PaymentStatus.FAILED, "card blocked")
    assert reserved(app) == 0
    second = app.handle(payments.PayOrder(parent_of(app, order_id), "wechat_pay"))
    assert second.status is PaymentStatus.SUCCEEDED


def test_a_pending_channel_settles_later(app: MemoryApp) -> None:
    order_id = place(app)
    gateway = app.gateways["bank_card"]
    gateway.pending_next()
    attempt = app.handle(payments.PayOrder(parent_of(app, order_id), "bank_card"))
    assert attempt.status is PaymentStatus.INITIATED
    assert app.handle(payments.SyncPayment(attempt.payment_id)).status is PaymentStatus.INITIATED
    assert gateway.take_notifications() == []  # nothing final yet
    reference = gateway.query(payment_id=attempt.payment_id).reference
    gateway.settle(reference, succeeded=True)
    assert app.handle(payments.SyncPayment(attempt.payment_id)).status is PaymentStatus.SUCCEEDED
    assert app.get(orders.Order, order_id).status is orders.OrderStatus.PAID


def test_a_success_for_an_order_that_no_longer_waits_is_refunded_in_full(app: MemoryApp) -> None:
    order_id = place(app)
    app.gateways["alipay"].timeout_next(applied=True)
    attempt = app.handle(payments.PayOrder(parent_of(app, order_id), "alipay"))
    # An operator closes the order by hand, overriding the in-flight guard.
    with app.unit_of_work() as uow:
        parent = uow.repo(orders.ParentOrder).get(parent_of(app, order_id))
        parent.payment_failed(attempt.payment_id, "written off by an operator", app.clock.now())
        parent.cancel("operator", app.clock.now())
        uow.repo(orders.ParentOrder).save(parent)
        uow.commit()
    outcome = app.handle(payments.SyncPayment(attempt.payment_id))
    assert outcome.reason == "refunded: order not payable"
    payment = app.get(payments.Payment, PaymentId(attempt.payment_id))
    assert payment.refunded == payment.captured == Money.of("100.00", "CNY")
    assert app.gateways["alipay"].query(payment_id=attempt.payment_id).refunded.amount == 100
    assert app.get(orders.ParentOrder, parent_of(app, order_id)).status.value == "cancelled"
