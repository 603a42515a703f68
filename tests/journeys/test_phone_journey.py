"""Journey 1 (self-operated phone) end to end through the in-memory app."""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal

import pytest

from merx import aftersales, catalog, checkout, customers, fulfillment, inventory, orders, payments
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.errors import (
    CurrencyMismatch,
    IllegalTransition,
    InvalidAmount,
    InvalidQuantity,
    MerxError,
    NotFound,
    UnknownCurrency,
)
from merx.fulfillment.ports import TrackingStatus
from merx.inventory import OutOfStock, StockItem, stock_key
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money

PHONE = SkuId("phone")
DC = WarehouseId("wh-sh")
CASE = SkuId("case")


def parent_of(app: MemoryApp, order_id: OrderId) -> OrderId:
    """The parent order a seller's order was placed (and is paid) under."""
    return app.get(orders.Order, order_id).parent_id


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


@pytest.fixture
def app() -> MemoryApp:
    app = build_memory_app()
    app.handle(catalog.CreateSku(PHONE, "Phone X", PLATFORM, "phone", cny("2999.00")))
    app.handle(catalog.CreateSku(CASE, "Case", PLATFORM, "accessory", cny("49.90")))
    app.handle(inventory.OpenWarehouse(DC, "Shanghai DC", "88 Jiading Rd", {"Shanghai": 30}))
    app.handle(inventory.ReceiveStock(DC, PHONE, 2, "po-1"))
    app.handle(inventory.ReceiveStock(DC, CASE, 5, "po-1"))
    return app


def register(app: MemoryApp, name: str) -> CustomerId:
    cid = app.handle(customers.RegisterCustomer(CustomerId(name), name.title(), "13800000000"))
    address = Address(name, "13800000000", "Shanghai", "1 Bund Rd")
    app.handle(customers.AddAddress(cid, "home", address, default=True))
    return cid


def stock(app: MemoryApp, sku: SkuId) -> StockItem:
    return app.get(StockItem, stock_key(DC, sku))


def order_of(app: MemoryApp, order_id: OrderId) -> orders.Order:
    return app.get(orders.Order, order_id)


def place(app: MemoryApp, who: str, *items: tuple[SkuId, int]) -> OrderId:
    cid = register(app, who)
    for sku, quantity in items:
        app.handle(checkout.AddToCart(cid, sku, quantity))
    return app.handle(orders.PlaceOrder(cid)).order_ids[0]


def test_golden_path_from_cart_to_completed(app: MemoryApp) -> None:
    order_id = place(app, "alice", (PHONE, 1), (CASE, 2))
    order = order_of(app, order_id)
    assert order.status is orders.OrderStatus.PENDING_PAYMENT
    assert order.payable == cny("3098.80")

    outcome = app.handle(payments.PayOrder(parent_of(app, order_id), "alipay"))
    assert outcome.status is payments.PaymentStatus.SUCCEEDED
    assert order_of(app, order_id).status is orders.OrderStatus.PAID
    assert (stock(app, PHONE).on_hand, stock(app, PHONE).reserved) == (2, 1)

    (shipment_id,) = app.handle(fulfillment.ShipOrder(order_id))
    assert order_of(app, order_id).status is orders.OrderStatus.SHIPPED
    assert (stock(app, PHONE).on_hand, stock(app, PHONE).reserved) == (1, 0)
    assert (stock(app, CASE).on_hand, stock(app, CASE).reserved) == (3, 0)

    shipment = app.get(fulfillment.Shipment, shipment_id)
    status = app.handle(fulfillment.SyncTracking(shipment_id))
    assert status is fulfillment.ShipmentStatus.SHIPPED  # no scan yet: nothing changes
    at = app.clock.advance(timedelta(days=2))
    app.logistics.advance(shipment.tracking_number, TrackingStatus.DELIVERED, at)
    assert app.handle(fulfillment.SyncTracking(shipment_id)) is fulfillment.ShipmentStatus.DELIVERED
    assert order_of(app, order_id).status is orders.OrderStatus.DELIVERED

    app.handle(orders.ConfirmReceipt(order_id))
    assert order_of(app, order_id).status is orders.OrderStatus.COMPLETED
    assert app.get(customers.Customer, "alice").new_user is False
    names = [event.name for event in app.events.events]
    assert names.count("OrderPaid") == 1
    assert names.index("OrderPlaced") < names.index("OrderPaid") < names.index("OrderShipped")
    assert names.index("OrderDelivered") < names.index("OrderCompleted")


def test_refund_before_shipment_closes_order_refunds_and_releases_stock(app: MemoryApp) -> None:
    order_id = place(app, "bob", (PHONE, 2))
    outcome = app.handle(payments.PayOrder(parent_of(app, order_id), "wechat_pay"))
    assert stock(app, PHONE).available == 0

    case_id = app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    assert app.handle(aftersales.ApproveAfterSale(case_id)) is aftersales.AfterSaleStatus.COMPLETED

    payment = app.get(payments.Payment, outcome.payment_id)
    assert payment.refunded == payment.captured == cny("5998.00")
    assert order_of(app, order_id).status is orders.OrderStatus.CLOSED
    assert (stock(app, PHONE).on_hand, stock(app, PHONE).available) == (2, 2)
    channel = app.gateways["wechat_pay"].query(payment_id=outcome.payment_id)
    assert channel.refunded == cny("5998.00")
    with pytest.raises(IllegalTransition):
        app.handle(fulfillment.ShipOrder(order_id))


def test_refund_before_shipment_is_refused_once_shipped(app: MemoryApp) -> None:
    order_id = place(app, "carol", (CASE, 1))
    app.handle(payments.PayOrder(parent_of(app, order_id), "bank_card"))
    app.handle(fulfillment.ShipOrder(order_id))
    with pytest.raises(aftersales.NotEligible):
        app.handle(aftersales.RequestRefund(order_id, "too late"))


def test_declined_payment_releases_the_stock_and_leaves_order_payable(app: MemoryApp) -> None:
    order_id = place(app, "dave", (PHONE, 1))
    app.gateways["alipay"].decline_next(reason="insufficient funds")
    outcome = app.handle(payments.PayOrder(parent_of(app, order_id), "alipay"))
    assert outcome.status is payments.PaymentStatus.FAILED
    assert outcome.reason == "insufficient funds"
    assert order_of(app, order_id).status is orders.OrderStatus.PENDING_PAYMENT
    assert stock(app, PHONE).available == 2
    retry = app.handle(payments.PayOrder(parent_of(app, order_id), "alipay"))
    assert retry.status is payments.PaymentStatus.SUCCEEDED
    assert stock(app, PHONE).reserved == 1


def test_paying_more_than_stock_is_out_of_stock_and_changes_nothing(app: MemoryApp) -> None:
    first = place(app, "erin", (PHONE, 2))
    second = place(app, "frank", (PHONE, 1))
    app.handle(payments.PayOrder(parent_of(app, first), "alipay"))
    before = copy.deepcopy(app.store.tables)
    with pytest.raises(OutOfStock):
        app.handle(payments.PayOrder(parent_of(app, second), "alipay"))
    assert app.store.tables == before
    with pytest.raises(payments.UnknownPayment):
        app.gateways["alipay"].query(payment_id="pay-000002")


def test_cancel_before_payment_then_pay_is_illegal(app: MemoryApp) -> None:
    order_id = place(app, "gina", (CASE, 1))
    app.handle(orders.CancelOrder(parent_of(app, order_id), "no longer needed"))
    with pytest.raises(IllegalTransition) as caught:
        app.handle(payments.PayOrder(parent_of(app, order_id), "alipay"))
    assert caught.value.state == "cancelled"
    assert caught.value.command == "pay"


def test_a_placed_order_keeps_its_price_when_the_catalog_changes(app: MemoryApp) -> None:
    order_id = place(app, "hank", (PHONE, 1))
    app.handle(catalog.ChangePrice(PHONE, cny("2499.00")))
    assert order_of(app, order_id).payable == cny("2999.00")


# -- bad input: a typed error, and nothing changes -----------------------------------------


def snapshot(app: MemoryApp) -> object:
    return copy.deepcopy(app.store.tables), len(app.events.events)


def test_float_price_is_refused() -> None:
    with pytest.raises(InvalidAmount):
        Money(2999.0, "CNY")  # type: ignore[arg-type]


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(UnknownCurrency):
        Money.of("1.00", "XXX")


@pytest.mark.parametrize("quantity", [0, -1, 2.0, True])
def test_bad_cart_quantity_is_refused_and_changes_nothing(app: MemoryApp, quantity: object) -> None:
    cid = register(app, "ivan")
    before = snapshot(app)
    with pytest.raises(InvalidQuantity):
        app.handle(checkout.AddToCart(cid, PHONE, quantity))  # type: ignore[arg-type]
    assert snapshot(app) == before


def test_negative_receipt_is_refused_and_changes_nothing(app: MemoryApp) -> None:
    before = snapshot(app)
    with pytest.raises(InvalidQuantity):
        app.handle(inventory.ReceiveStock(DC, PHONE, -3, "po-2"))
    assert snapshot(app) == before


def test_mixed_currencies_in_one_cart_are_refused(app: MemoryApp) -> None:
    app.handle(catalog.CreateSku(SkuId("usb"), "USB", PLATFORM, "accessory", Money.of(5, "USD")))
    cid = register(app, "judy")
    app.handle(checkout.AddToCart(cid, PHONE, 1))
    app.handle(checkout.AddToCart(cid, SkuId("usb"), 1))
    before = snapshot(app)
    with pytest.raises(CurrencyMismatch):
        app.handle(orders.PlaceOrder(cid))
    assert snapshot(app) == before


def test_unknown_sku_and_delisted_sku_cannot_be_bought(app: MemoryApp) -> None:
    cid = register(app, "kim")
    with pytest.raises(NotFound):
        app.handle(checkout.AddToCart(cid, SkuId("nope"), 1))
    app.handle(catalog.DelistSku(CASE, "recalled"))
    with pytest.raises(catalog.NotListed):
        app.handle(checkout.AddToCart(cid, CASE, 1))


def test_unknown_payment_channel_is_a_typed_error(app: MemoryApp) -> None:
    order_id = place(app, "lee", (CASE, 1))
    before = snapshot(app)
    with pytest.raises(payments.UnknownChannel):
        app.handle(payments.PayOrder(parent_of(app, order_id), "cash_on_moon"))
    assert snapshot(app) == before


def test_every_error_is_a_merx_error() -> None:
    for error in (OutOfStock, payments.UnknownChannel, aftersales.NotEligible, catalog.NotListed):
        assert issubclass(error, MerxError)


def test_money_in_equals_money_kept_plus_refunded(app: MemoryApp) -> None:
    """Across a sale and a refund, what customers paid is what merx holds plus refunds."""
    kept = place(app, "mia", (CASE, 1))
    refunded = place(app, "ned", (CASE, 2))
    app.handle(payments.PayOrder(parent_of(app, kept), "alipay"))
    outcome = app.handle(payments.PayOrder(parent_of(app, refunded), "alipay"))
    case_id = app.handle(aftersales.RequestRefund(refunded, "duplicate"))
    app.handle(aftersales.ApproveAfterSale(case_id))
    with app.unit_of_work() as uow:
        all_payments = [uow.repo(payments.Payment).get(k) for k in uow.repo(payments.Payment).ids()]
    captured = Money.sum((p.captured for p in all_payments), "CNY")
    refunds = Money.sum((p.refunded for p in all_payments), "CNY")
    assert captured == cny("149.70")
    assert refunds == app.get(payments.Payment, outcome.payment_id).amount == cny("99.80")
    assert (captured - refunds).amount == Decimal("49.90")
