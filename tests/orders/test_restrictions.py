"""Sales restrictions hold at placement: region, new users only, verification, and a
per-customer limit that counts standing orders and gives cancelled ones back."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from merx import catalog, checkout, customers, fulfillment, inventory, orders, payments
from merx.app import MemoryApp, build_memory_app
from merx.catalog import SalesRestrictions
from merx.customers import Address, Customer
from merx.fulfillment.ports import TrackingStatus
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, ShipmentId, SkuId, WarehouseId
from merx.kernel.money import Money

SKU, DC, ANN = SkuId("moutai"), WarehouseId("wh"), CustomerId("ann")


def shop(restrictions: SalesRestrictions) -> MemoryApp:
    app = build_memory_app()
    app.handle(catalog.CreateSku(SKU, "Moutai", PLATFORM, "liquor", Money.of("1499.00", "CNY")))
    app.handle(catalog.SetSalesRestrictions(SKU, restrictions))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1, "bj": 1}))
    app.handle(inventory.ReceiveStock(DC, SKU, 100, "po"))
    app.handle(customers.RegisterCustomer(ANN, "Ann", "1"))
    app.handle(customers.AddAddress(ANN, "home", Address("Ann", "1", "sh", "road"), default=True))
    app.handle(customers.AddAddress(ANN, "office", Address("Ann", "1", "bj", "street")))
    return app


def place(app: MemoryApp, quantity: int = 1, label: str | None = None) -> orders.PlacedOrder:
    app.handle(checkout.AddToCart(ANN, SKU, quantity))
    return app.handle(orders.PlaceOrder(ANN, address_label=label))


def refused_unchanged(app: MemoryApp, error: type[Exception], label: str | None = None) -> None:
    before = copy.deepcopy(app.store.tables)
    with pytest.raises(error, match="moutai"):
        app.handle(orders.PlaceOrder(ANN, address_label=label))
    assert app.store.tables == before


def test_the_per_customer_limit_counts_standing_orders_and_cancelled_ones_come_back() -> None:
    app = shop(SalesRestrictions(limit_per_customer=2))
    first = place(app, 2)
    app.handle(checkout.AddToCart(ANN, SKU, 1))
    refused_unchanged(app, catalog.PurchaseLimitExceeded)
    app.handle(orders.CancelOrder(first.parent_id, "changed my mind"))
    assert app.get(Customer, ANN).units_bought(SKU) == 0
    again = app.handle(orders.PlaceOrder(ANN))  # the 1 still in the cart
    assert app.get(Customer, ANN).units_bought(SKU) == 1
    assert again.parent_id != first.parent_id


def test_a_paid_order_keeps_counting() -> None:
    app = shop(SalesRestrictions(limit_per_customer=1))
    placed = place(app)
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    app.handle(checkout.AddToCart(ANN, SKU, 1))
    refused_unchanged(app, catalog.PurchaseLimitExceeded)


def test_an_unpaid_order_closed_by_the_timer_gives_its_units_back() -> None:
    app = shop(SalesRestrictions(limit_per_customer=1))
    place(app)
    app.clock.advance(timedelta(days=1))
    assert len(app.handle(orders.CloseUnpaidOrders())) == 1
    assert app.get(Customer, ANN).units_bought(SKU) == 0
    place(app)


def test_goods_go_only_to_the_regions_they_are_sold_to() -> None:
    app = shop(SalesRestrictions(regions=frozenset({"sh"})))
    app.handle(checkout.AddToCart(ANN, SKU, 1))
    refused_unchanged(app, catalog.RestrictedRegion, label="office")
    assert app.handle(orders.PlaceOrder(ANN, address_label="home")).order_ids


def test_verification_is_required_before_buying() -> None:
    app = shop(SalesRestrictions(verification_required=True))
    app.handle(checkout.AddToCart(ANN, SKU, 1))
    refused_unchanged(app, catalog.VerificationRequired)
    app.handle(customers.VerifyCustomer(ANN))
    app.handle(customers.VerifyCustomer(ANN))  # idempotent
    assert app.get(Customer, ANN).verified
    assert app.handle(orders.PlaceOrder(ANN)).order_ids


def test_new_users_only_until_a_first_order_completes() -> None:
    app = shop(SalesRestrictions(new_users_only=True))
    placed = place(app)
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    app.handle(fulfillment.ShipOrder(placed.order_ids[0]))
    shipment = app.get(orders.Order, placed.order_ids[0]).shipment_ids[0]
    tracking = app.get(fulfillment.Shipment, shipment).tracking_number
    app.logistics.advance(tracking, TrackingStatus.DELIVERED, app.clock.now())
    app.handle(fulfillment.SyncTracking(ShipmentId(shipment)))
    app.handle(orders.ConfirmReceipt(placed.order_ids[0]))
    assert not app.get(Customer, ANN).new_user
    app.handle(checkout.AddToCart(ANN, SKU, 1))
    refused_unchanged(app, catalog.NewUsersOnly)


LIMIT = 5


class LimitedPurchases(RuleBasedStateMachine):
    """Placements and cancellations against a reference count: a placement goes through
    exactly when the standing units plus the new ones stay within the limit."""

    @initialize()
    def open_shop(self) -> None:
        self.app = shop(SalesRestrictions(limit_per_customer=LIMIT))
        self.standing: dict[OrderId, int] = {}  # parent order -> units (the model)

    @rule(quantity=st.integers(1, 4))
    def place(self, quantity: int) -> None:
        self.app.handle(checkout.AddToCart(ANN, SKU, quantity))
        fits = sum(self.standing.values()) + quantity <= LIMIT
        try:
            placed = self.app.handle(orders.PlaceOrder(ANN))
        except catalog.PurchaseLimitExceeded:
            assert not fits
            self.app.handle(checkout.RemoveFromCart(ANN, SKU))
        else:
            assert fits
            self.standing[placed.parent_id] = quantity

    @precondition(lambda self: self.standing)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        parent_id = data.draw(st.sampled_from(sorted(self.standing)))
        self.app.handle(orders.CancelOrder(parent_id, "test"))
        del self.standing[parent_id]

    @invariant()
    def counts_agree(self) -> None:
        bought = self.app.get(Customer, ANN).units_bought(SKU)
        assert bought == sum(self.standing.values()) <= LIMIT


TestLimitedPurchases = LimitedPurchases.TestCase
TestLimitedPurchases.settings = settings(max_examples=30, stateful_step_count=12, deadline=None)
