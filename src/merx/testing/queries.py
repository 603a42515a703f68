"""The contracts of the query ports ``OrderQueries`` (:mod:`merx.orders.ports`) and
``PaymentQueries`` (:mod:`merx.payments.ports`): an adapter answers exactly what a scan
of every order (or payment) loaded through a unit of work answers, on orders in every
state the timers look for.

A query adapter reads the store that the use cases write, so the suites need a whole
merx: the host's fixture ``make_queries_world`` answers a factory of fresh
:class:`QueriesWorld`\\ s, each a merx wired to an empty store of the host's (with its
commands registered as ``merx.app.build_memory_app`` registers them), the query adapters
under test over that store, and two hooks to play the outside world's part. Subclass
:class:`OrderQueriesContract` or :class:`PaymentQueriesContract` (or both)::

    class TestPostgresOrderQueries(OrderQueriesContract):
        @pytest.fixture
        def make_queries_world(self, database: Database) -> Callable[[], QueriesWorld]:
            return lambda: PostgresWorld(database.fresh_schema())

Each test builds its world afresh: four days of trade, each placing an unpaid order, a
shipped one, a delivered one, a completed one and one whose payment awaits the payer's
proof.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

import pytest

from merx import catalog, checkout, customers, fulfillment, inventory, orders, payments
from merx.customers import Address
from merx.kernel.bus import Command
from merx.kernel.ids import (
    PLATFORM,
    CustomerId,
    MerchantId,
    OrderId,
    ShipmentId,
    SkuId,
    WarehouseId,
)
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.orders import Order, OrderQueries, ParentOrder
from merx.payments import Payment, PaymentQueries

R = TypeVar("R")

SKU, DC = SkuId("phone"), WarehouseId("wh")


class QueriesWorld(Protocol):
    """A merx over one fresh store, with the query adapters that read that store."""

    def handle(self, command: Command[R]) -> R:
        """Run a command through the message bus."""
        ...

    def unit_of_work(self) -> UnitOfWork:
        """A unit of work over the store."""
        ...

    def now(self) -> datetime:
        """The world's clock."""
        ...

    def advance_clock(self, by: timedelta) -> None:
        """Move the world's clock on by ``by``."""
        ...

    def deliver(self, tracking_number: str) -> None:
        """The carrier reports the parcel ``tracking_number`` delivered now (through the
        logistics adapter's test hook: ``advance(..., TrackingStatus.DELIVERED, now)``)."""
        ...

    def ask_next_payment_for_proof(self) -> None:
        """Risk control asks the next payment for an SMS proof (through the risk adapter's
        test hook: ``decide_next(RiskDecision.authenticate(AuthFactor.SMS, ...))``)."""
        ...

    def order_queries(self) -> OrderQueries:
        """The ``OrderQueries`` adapter under test, over the store."""
        ...

    def payment_queries(self) -> PaymentQueries:
        """The ``PaymentQueries`` adapter under test, over the store."""
        ...


#: What the host's ``make_queries_world`` fixture answers.
WorldFactory = Callable[[], QueriesWorld]


class ScanningOrderQueries:
    """:class:`~merx.orders.OrderQueries` by loading every order through ``uow``
    (O(history)): what the contract compares an adapter with."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def unpaid_parent_orders(self, placed_by: datetime) -> list[OrderId]:
        repo = self._uow.repo(ParentOrder)
        return [OrderId(key) for key in repo.ids() if repo.get(key).unpaid_since(placed_by)]

    def orders_awaiting_receipt(
        self, *, shipped_by: datetime, delivered_by: datetime
    ) -> list[OrderId]:
        repo = self._uow.repo(Order)
        return [
            OrderId(key)
            for key in repo.ids()
            if repo.get(key).awaits_receipt(shipped_by=shipped_by, delivered_by=delivered_by)
        ]

    def orders_of_seller(self, seller: MerchantId) -> list[OrderId]:
        repo = self._uow.repo(Order)
        return [OrderId(key) for key in repo.ids() if repo.get(key).seller == seller]


def place(world: QueriesWorld, who: str) -> orders.PlacedOrder:
    cid = world.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
    world.handle(customers.AddAddress(cid, "home", Address(who, "1", "sh", "road"), default=True))
    world.handle(checkout.AddToCart(cid, SKU, 1))
    return world.handle(orders.PlaceOrder(cid))


def ship(world: QueriesWorld, placed: orders.PlacedOrder, *, delivered: bool) -> None:
    world.handle(payments.PayOrder(placed.parent_id, "alipay"))
    (shipment,) = world.handle(fulfillment.ShipOrder(placed.order_ids[0]))
    if delivered:
        with world.unit_of_work() as uow:
            tracking = uow.repo(fulfillment.Shipment).get(shipment).tracking_number
        assert tracking is not None
        world.deliver(tracking)
        world.handle(fulfillment.SyncTracking(ShipmentId(shipment)))


def trade(world: QueriesWorld) -> QueriesWorld:
    """Orders placed over four days in every state the timers look for."""
    world.handle(catalog.CreateSku(SKU, "Phone", PLATFORM, "phone", Money.of("100.00", "CNY")))
    world.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    world.handle(inventory.ReceiveStock(DC, SKU, 100, "po"))
    for day in range(4):
        place(world, f"unpaid-{day}")
        ship(world, place(world, f"shipped-{day}"), delivered=False)
        ship(world, place(world, f"delivered-{day}"), delivered=True)
        done = place(world, f"completed-{day}")
        ship(world, done, delivered=True)
        world.handle(orders.ConfirmReceipt(done.order_ids[0]))
        world.ask_next_payment_for_proof()
        world.handle(payments.PayOrder(place(world, f"auth-{day}").parent_id, "alipay"))
        world.advance_clock(timedelta(days=1))
    return world


class OrderQueriesContract:
    """The contract of an ``OrderQueries`` adapter (see the module docstring). Subclass it
    under a name pytest collects and provide the fixture ``make_queries_world``."""

    @pytest.fixture
    def world(self, make_queries_world: WorldFactory) -> QueriesWorld:
        return trade(make_queries_world())

    @pytest.mark.parametrize("days_back", [0, 1, 2, 3, 5, -1])
    def test_order_queries_agree_with_a_full_scan(
        self, world: QueriesWorld, days_back: int
    ) -> None:
        cutoff = world.now() - timedelta(days=days_back)
        queries = world.order_queries()
        with world.unit_of_work() as uow:
            scan = ScanningOrderQueries(uow)
            unpaid = sorted(queries.unpaid_parent_orders(cutoff))
            assert unpaid == sorted(scan.unpaid_parent_orders(cutoff))
            window = {"shipped_by": cutoff - timedelta(days=1), "delivered_by": cutoff}
            awaiting = sorted(queries.orders_awaiting_receipt(**window))
            assert awaiting == sorted(scan.orders_awaiting_receipt(**window))
        if 0 < days_back < 4:
            assert unpaid
            assert awaiting

    def test_orders_of_a_seller_are_found(self, world: QueriesWorld) -> None:
        queries = world.order_queries()
        with world.unit_of_work() as uow:
            found = ScanningOrderQueries(uow).orders_of_seller(PLATFORM)
            assert queries.orders_of_seller(PLATFORM) == found
            assert len(found) == len(list(uow.repo(Order).ids()))
        assert queries.orders_of_seller(MerchantId("nobody")) == []


class PaymentQueriesContract:
    """The contract of a ``PaymentQueries`` adapter (see the module docstring). Subclass it
    under a name pytest collects and provide the fixture ``make_queries_world``."""

    @pytest.fixture
    def world(self, make_queries_world: WorldFactory) -> QueriesWorld:
        return trade(make_queries_world())

    def test_payment_queries_agree_with_a_full_scan(self, world: QueriesWorld) -> None:
        with world.unit_of_work() as uow:
            repo = uow.repo(Payment)
            expected = sorted(key for key in repo.ids() if repo.get(key).awaits_authentication)
        assert len(expected) == 4
        assert sorted(world.payment_queries().awaiting_authentication()) == expected
