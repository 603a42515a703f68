"""Contract of the query ports (``OrderQueries``, ``PaymentQueries``), run against every
adapter in ``ORDER_ADAPTERS`` / ``PAYMENT_ADAPTERS``: an adapter answers exactly what a
scan of every order (or payment) loaded through a unit of work answers, on orders in
every state the timers look for."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from merx import catalog, checkout, customers, fulfillment, inventory, orders, payments
from merx.adapters.memory import MemoryOrderQueries, MemoryPaymentQueries
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.fulfillment.ports import TrackingStatus
from merx.kernel.ids import PLATFORM, CustomerId, MerchantId, ShipmentId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.orders import Order, OrderQueries
from merx.orders.ports import ScanningOrderQueries
from merx.payments import AuthFactor, Payment, PaymentQueries
from merx.payments.model import AuthenticationStatus
from merx.payments.ports import RiskDecision

SKU, DC = SkuId("phone"), WarehouseId("wh")

#: Every adapter, built over the app's committed state: a database adapter adds its own.
ORDER_ADAPTERS: dict[str, Callable[[MemoryApp], OrderQueries]] = {
    "memory": lambda app: MemoryOrderQueries(app.store)
}
PAYMENT_ADAPTERS: dict[str, Callable[[MemoryApp], PaymentQueries]] = {
    "memory": lambda app: MemoryPaymentQueries(app.store)
}


def place(app: MemoryApp, who: str) -> orders.PlacedOrder:
    cid = app.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
    app.handle(customers.AddAddress(cid, "home", Address(who, "1", "sh", "road"), default=True))
    app.handle(checkout.AddToCart(cid, SKU, 1))
    return app.handle(orders.PlaceOrder(cid))


def ship(app: MemoryApp, placed: orders.PlacedOrder, *, delivered: bool) -> None:
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    (shipment,) = app.handle(fulfillment.ShipOrder(placed.order_ids[0]))
    if delivered:
        tracking = app.get(fulfillment.Shipment, shipment).tracking_number
        app.logistics.advance(tracking, TrackingStatus.DELIVERED, app.clock.now())
        app.handle(fulfillment.SyncTracking(ShipmentId(shipment)))


@pytest.fixture(scope="module")
def app() -> MemoryApp:
    """Orders placed over four days in every state the timers look for."""
    app = build_memory_app()
    app.handle(catalog.CreateSku(SKU, "Phone", PLATFORM, "phone", Money.of("100.00", "CNY")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SKU, 100, "po"))
    for day in range(4):
        place(app, f"unpaid-{day}")
        ship(app, place(app, f"shipped-{day}"), delivered=False)
        ship(app, place(app, f"delivered-{day}"), delivered=True)
        done = place(app, f"completed-{day}")
        ship(app, done, delivered=True)
        app.handle(orders.ConfirmReceipt(done.order_ids[0]))
        app.risk.decide_next(RiskDecision.authenticate(AuthFactor.SMS, "new device"))
        app.handle(payments.PayOrder(place(app, f"auth-{day}").parent_id, "alipay"))
        app.clock.advance(timedelta(days=1))
    return app


@pytest.mark.parametrize("make", ORDER_ADAPTERS.values(), ids=list(ORDER_ADAPTERS))
@pytest.mark.parametrize("days_back", [0, 1, 2, 3, 5, -1])
def test_order_queries_agree_with_a_full_scan(
    app: MemoryApp, make: Callable[[MemoryApp], OrderQueries], days_back: int
) -> None:
    cutoff = app.clock.now() - timedelta(days=days_back)
    memory = make(app)
    with app.unit_of_work() as uow:
        scan = ScanningOrderQueries(uow)
        unpaid = sorted(memory.unpaid_parent_orders(cutoff))
        assert unpaid == sorted(scan.unpaid_parent_orders(cutoff))
        window = {"shipped_by": cutoff - timedelta(days=1), "delivered_by": cutoff}
        awaiting = sorted(memory.orders_awaiting_receipt(**window))
        assert awaiting == sorted(scan.orders_awaiting_receipt(**window))
    if 0 < days_back < 4:
        assert unpaid
        assert awaiting


@pytest.mark.parametrize("make", ORDER_ADAPTERS.values(), ids=list(ORDER_ADAPTERS))
def test_orders_of_a_seller_are_found(
    app: MemoryApp, make: Callable[[MemoryApp], OrderQueries]
) -> None:
    memory = make(app)
    with app.unit_of_work() as uow:
        found = ScanningOrderQueries(uow).orders_of_seller(PLATFORM)
        assert memory.orders_of_seller(PLATFORM) == found
        assert len(found) == len(list(uow.repo(Order).ids()))
    assert memory.orders_of_seller(MerchantId("nobody")) == []


@pytest.mark.parametrize("make", PAYMENT_ADAPTERS.values(), ids=list(PAYMENT_ADAPTERS))
def test_payment_queries_agree_with_a_full_scan(
    app: MemoryApp, make: Callable[[MemoryApp], PaymentQueries]
) -> None:
    with app.unit_of_work() as uow:
        repo = uow.repo(Payment)
        expected = sorted(
            key
            for key in repo.ids()
            if (auth := repo.get(key).authentication) is not None
            and auth.status is AuthenticationStatus.REQUIRED
        )
    assert len(expected) == 4
    assert sorted(make(app).awaiting_authentication()) == expected
