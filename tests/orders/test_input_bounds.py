"""Issue 14: bounds on what a customer asks for (``OrderLimits``), and what happens to a paid
top-up when the subscriber that buys it fails."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from merx import catalog, checkout, customers, fulfillment, inventory, orders, payments, suppliers
from merx.adapters.memory import MemoryVirtualGoodsSupplier
from merx.app import App, MemoryApp, build_memory_app
from merx.catalog import Fulfillment, GoodsType
from merx.checkout import Cart, OrderLimitExceeded, OrderLimits
from merx.customers import Address
from merx.errors import ValidationError
from merx.inventory import StockItem, stock_key
from merx.kernel.ids import PLATFORM, CartId, CustomerId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.orders import OrderPolicy, OrderStatus
from merx.suppliers.ports import SupplierResult

PHONE, TOPUP, DC = SkuId("phone"), SkuId("cm-100"), WarehouseId("wh")
AMY = CustomerId("amy")
ACCOUNT = "13900000000"
HUGE = 10**12


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def shop(limits: OrderLimits | None = None) -> MemoryApp:
    """A phone with 5 in stock, a 98.00 top-up bought from a real-time supplier, and Amy."""
    policy = OrderPolicy(limits=limits) if limits is not None else None
    app = build_memory_app(order_policy=policy)
    furnish(app)
    return app


def furnish(app: App) -> None:
    """Stock, the top-up SKU and its supplier, and Amy, in any merx."""
    app.handle(catalog.CreateSku(PHONE, "Phone", PLATFORM, "phone", cny("10.00")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, PHONE, 5, "po-1"))
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
            TOPUP, "China Mobile 100", PLATFORM, "topup", cny("98.00"),
            goods_type=GoodsType.VIRTUAL_TOPUP, face_value=cny("100.00"),
            operator="China Mobile", fulfillment=Fulfillment.real_time_supplier(carrier),
        )
    )  # fmt: skip
    app.handle(customers.RegisterCustomer(AMY, "Amy", "1"))
    app.handle(customers.AddAddress(AMY, "h", Address("Amy", "1", "sh", "r"), default=True))


def supplier_of(app: App) -> MemoryVirtualGoodsSupplier:
    sku = app.get(catalog.Sku, TOPUP)
    assert sku.fulfillment.supplier is not None
    return app.virtual_suppliers[sku.fulfillment.supplier]


def versions(app: MemoryApp) -> dict[tuple[str, str], int]:
    """Every stored aggregate's version: what a refused command must leave as it was."""
    return {
        (kind.__name__, key): row[0]
        for kind, table in app.store.tables.items()
        for key, row in table.items()
    }


def stuff_cart(app: MemoryApp, sku: SkuId, quantity: int) -> None:
    """A cart line stored before the shop had (or lowered) its limits."""
    boundless = OrderLimits(HUGE * 10, HUGE * 10, Decimal(10**20))
    with app.unit_of_work() as uow:
        sku_price = uow.repo(catalog.Sku).view(sku).price
        cart = uow.repo(Cart).find(CartId(AMY)) or Cart.for_customer(AMY)
        cart.add(sku, quantity, sku_price, boundless)
        if uow.repo(Cart).find(cart.id) is None:
            uow.repo(Cart).add(cart)
        else:
            uow.repo(Cart).save(cart)
        uow.commit()


# -- the observed bugs -------------------------------------------------------------------


def test_a_top_up_of_10_12_units_is_never_captured_then_left_unbought() -> None:
    app = shop()
    before = versions(app)
    with pytest.raises(OrderLimitExceeded) as refused:
        app.handle(checkout.AddToCart(AMY, TOPUP, HUGE))
    assert (refused.value.limit, refused.value.value, refused.value.maximum) == (
        "units_per_line",
        HUGE,
        999,
    )
    assert versions(app) == before  # no cart, nothing to place, nothing to capture
    stuff_cart(app, TOPUP, HUGE)  # a cart filled before the limits: placing refuses it
    with pytest.raises(OrderLimitExceeded):
        app.handle(orders.PlaceOrder(AMY, account=ACCOUNT))
    assert not app.store.tables.get(orders.ParentOrder)
    assert app.gateways["wechat_pay"].take_notifications() == []


def test_add_to_cart_and_place_order_refuse_10_12_units_of_a_sku_that_has_5() -> None:
    app = shop()
    with pytest.raises(OrderLimitExceeded, match="units_per_line"):
        app.handle(checkout.AddToCart(AMY, PHONE, HUGE))
    stuff_cart(app, PHONE, HUGE)
    before = versions(app)
    with pytest.raises(OrderLimitExceeded, match="units_per_line"):
        app.handle(orders.PlaceOrder(AMY))
    assert versions(app) == before
    stock = app.get(StockItem, stock_key(DC, PHONE))
    assert (stock.on_hand, stock.reserved) == (5, 0)


# -- the limits, and setting them ----------------------------------------------------------


def test_the_default_limits_are_999_a_line_9999_an_order_and_a_million_an_order() -> None:
    assert OrderPolicy().limits == OrderLimits(999, 9_999, Decimal("1000000.00"))


def test_a_line_at_the_limit_is_accepted_one_more_unit_is_refused() -> None:
    app = shop()
    app.handle(checkout.AddToCart(AMY, PHONE, 998))
    app.handle(checkout.AddToCart(AMY, PHONE, 1))
    with pytest.raises(OrderLimitExceeded, match="units_per_line"):
        app.handle(checkout.AddToCart(AMY, PHONE, 1))
    with pytest.raises(OrderLimitExceeded, match="units_per_line"):
        app.handle(checkout.SetCartQuantity(AMY, PHONE, 1_000))
    assert app.get(Cart, CartId(AMY)).items[PHONE].quantity == 999


def test_a_host_sets_its_own_limits() -> None:
    app = shop(OrderLimits(units_per_line=3, units_per_order=4, amount_per_order=Decimal("100")))
    app.handle(checkout.AddToCart(AMY, PHONE, 3))
    with pytest.raises(OrderLimitExceeded) as refused:
        app.handle(checkout.AddToCart(AMY, TOPUP, 2))  # 5 units in the cart
    assert (refused.value.limit, refused.value.value, refused.value.maximum) == (
        "units_per_order",
        5,
        4,
    )
    app.handle(checkout.SetCartQuantity(AMY, PHONE, 1))
    with pytest.raises(OrderLimitExceeded, match="amount_per_order"):
        app.handle(checkout.AddToCart(AMY, TOPUP, 2))  # 196.00 alone is above 100
    app.handle(checkout.AddToCart(AMY, TOPUP, 1))  # 10.00 + 98.00 = 108.00 > 100
    before = versions(app)
    with pytest.raises(OrderLimitExceeded) as refused:
        app.handle(orders.PlaceOrder(AMY, account=ACCOUNT))
    assert refused.value.limit == "amount_per_order"
    assert refused.value.value == cny("108.00")
    assert versions(app) == before


@pytest.mark.parametrize(
    "fields",
    [
        {"units_per_line": 0},
        {"units_per_order": -1},
        {"units_per_line": True},
        {"amount_per_order": Decimal("0")},
        {"amount_per_order": Decimal("NaN")},
        {"amount_per_order": 1_000_000.0},
    ],
)
def test_limits_that_make_no_sense_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        OrderLimits(**fields)  # type: ignore[arg-type]


def test_the_default_risk_rules_refuse_an_absurd_amount_even_where_the_shop_allows_it() -> None:
    app = shop(
        OrderLimits(units_per_line=HUGE, units_per_order=HUGE, amount_per_order=Decimal(10**15))
    )
    app.handle(checkout.AddToCart(AMY, TOPUP, HUGE))
    placed = app.handle(orders.PlaceOrder(AMY, account=ACCOUNT))
    with pytest.raises(payments.PaymentDenied, match="absurd"):
        app.handle(payments.PayOrder(placed.parent_id, "wechat_pay"))
    assert (
        app.get(orders.ParentOrder, placed.parent_id).status is orders.ParentStatus.PENDING_PAYMENT
    )
    assert not app.store.tables.get(payments.Payment)
    assert app.gateways["wechat_pay"].take_notifications() == []


# -- a subscriber failing after the payment ---------------------------------------------


class BrokenSupplier(MemoryVirtualGoodsSupplier):
    """A supplier adapter whose calls blow up with an error merx does not know."""

    def __init__(self, supplier_id: str) -> None:
        super().__init__(supplier_id)
        self.broken = True

    def purchase(
        self, *, order_ref: str, sku: str, account: str, face_value: Money, idempotency_key: str
    ) -> SupplierResult:
        if self.broken:
            raise RuntimeError("the supplier's API answered garbage")
        return super().purchase(
            order_ref=order_ref, sku=sku, account=account, face_value=face_value,
            idempotency_key=idempotency_key,
        )  # fmt: skip


def buy_with_broken_supplier(app: MemoryApp) -> tuple[OrderId, BrokenSupplier]:
    supplier_id = supplier_of(app).supplier_id
    broken = app.virtual_suppliers[supplier_id] = BrokenSupplier(supplier_id)
    app.handle(checkout.AddToCart(AMY, TOPUP, 2))
    placed = app.handle(orders.PlaceOrder(AMY, account=ACCOUNT))
    with pytest.raises(RuntimeError, match="garbage"):  # the caller hears of it
        app.handle(payments.PayOrder(placed.parent_id, "wechat_pay"))
    (order_id,) = placed.order_ids
    return order_id, broken


def test_in_memory_a_failing_top_up_subscriber_leaves_the_order_paid_and_its_event_kept() -> None:
    app = shop()
    order_id, broken = buy_with_broken_supplier(app)
    order = app.get(orders.Order, order_id)
    assert order.status is OrderStatus.PAID  # paid, nothing bought, nothing stored about it
    assert any(
        isinstance(e, orders.OrderPaid) and e.order_id == order_id for e in app.bus.undelivered
    )
    broken.broken = False
    assert app.handle(fulfillment.FulfillTopUp(order_id)) is OrderStatus.COMPLETED
    assert len(broken.top_ups_of(ACCOUNT)) == 2


def test_in_memory_a_top_up_the_supplier_then_refuses_is_refunded_when_asked_again() -> None:
    app = shop()
    order_id, broken = buy_with_broken_supplier(app)
    broken.broken = False
    broken.fail_next(2, reason="number not in service")
    assert app.handle(fulfillment.FulfillTopUp(order_id)) is OrderStatus.CLOSED
    order = app.get(orders.Order, order_id)
    assert order.payment_id is not None
    assert app.get(payments.Payment, order.payment_id).refunded == cny("196.00")
