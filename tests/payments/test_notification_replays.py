"""Issue 14: a notification delivered again writes nothing: no new version of the payment
or its parent order, no event."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from merx import catalog, checkout, customers, inventory, orders, payments
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money

SKU, DC = SkuId("phone"), WarehouseId("wh")


def build() -> tuple[MemoryApp, OrderId]:
    app = build_memory_app()
    app.handle(catalog.CreateSku(SKU, "Phone", PLATFORM, "phone", Money.of("100.00", "CNY")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SKU, 5, "po"))
    cid = app.handle(customers.RegisterCustomer(CustomerId("amy"), "Amy", "1"))
    app.handle(customers.AddAddress(cid, "home", Address("Amy", "1", "sh", "road"), default=True))
    app.handle(checkout.AddToCart(cid, SKU, 1))
    return app, app.handle(orders.PlaceOrder(cid)).parent_id


def snapshot(app: MemoryApp) -> tuple[dict[tuple[str, str], int], int]:
    """Every aggregate's version and how many events were published."""
    versions = {
        (kind.__name__, key): row[0]
        for kind, table in app.store.tables.items()
        for key, row in table.items()
    }
    return versions, len(app.events.events)


def test_a_redelivered_payment_notification_rewrites_neither_the_payment_nor_the_parent() -> None:
    app, parent = build()
    outcome = app.handle(payments.PayOrder(parent, "alipay"))
    notes = app.gateways["alipay"].take_notifications()
    assert notes
    for note in notes:  # the first delivery may record the notification's id
        app.handle(payments.HandlePaymentNotification(note))
    before = snapshot(app)
    payment_version = app.get(payments.Payment, outcome.payment_id).version
    parent_version = app.get(orders.ParentOrder, parent).version
    for note in notes:
        again = app.handle(payments.HandlePaymentNotification(note))
        assert again.status is payments.PaymentStatus.SUCCEEDED
    assert app.get(payments.Payment, outcome.payment_id).version == payment_version
    assert app.get(orders.ParentOrder, parent).version == parent_version
    assert snapshot(app) == before


def test_the_first_notice_of_a_known_fact_leaves_the_parent_order_as_it_was() -> None:
    app, parent = build()
    app.handle(payments.PayOrder(parent, "alipay"))  # the synchronous answers paid it
    parent_version = app.get(orders.ParentOrder, parent).version
    for note in app.gateways["alipay"].take_notifications():
        app.handle(payments.HandlePaymentNotification(note))
    assert app.get(orders.ParentOrder, parent).version == parent_version


@settings(max_examples=25, deadline=None)
@given(
    script=st.sampled_from(["paid", "pending", "timeout", "declined"]),
    data=st.data(),
)
def test_notification_replays_change_nothing(script: str, data: st.DataObject) -> None:
    """Whatever the channel did, once every notification was handled, delivering any of
    them again (any number of times, any order) leaves every version and the event log."""
    app, parent = build()
    gateway = app.gateways["wechat_pay"]
    if script == "pending":
        gateway.pending_next()
    elif script == "timeout":
        gateway.timeout_next(applied=True)
    elif script == "declined":
        gateway.decline_next()
    outcome = app.handle(payments.PayOrder(parent, "wechat_pay"))
    if script == "pending":
        reference = gateway.query(payment_id=outcome.payment_id).reference
        gateway.settle(reference, succeeded=True)
        app.handle(payments.SyncPayment(outcome.payment_id))
    notes = gateway.take_notifications()
    for note in data.draw(st.permutations(notes)):
        app.handle(payments.HandlePaymentNotification(note))
    before = snapshot(app)
    if notes:
        for note in data.draw(st.lists(st.sampled_from(notes), max_size=6)):
            app.handle(payments.HandlePaymentNotification(note))
    assert snapshot(app) == before
