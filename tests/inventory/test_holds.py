"""Stock held for orders through the app: lock policies, expiry, and the race for the last unit."""

from __future__ import annotations

import threading
from datetime import timedelta

import attrs
import pytest

from merx import catalog, checkout, customers, inventory, orders, payments
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.errors import ConcurrencyError
from merx.inventory import InventoryPolicy, LockPolicy, OutOfStock, StockItem, stock_key
from merx.kernel.bus import Command
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork

SKU = SkuId("last-phone")
DC = WarehouseId("wh")


def parent_of(app: MemoryApp, order_id: OrderId) -> OrderId:
    """The parent order a seller's order was placed (and is paid) under."""
    return app.get(orders.Order, order_id).parent_id


def make_app(policy: InventoryPolicy | None = None, units: int = 1) -> MemoryApp:
    app = build_memory_app(inventory_policy=policy)
    app.handle(catalog.CreateSku(SKU, "Phone", PLATFORM, "phone", Money.of("100.00", "CNY")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SKU, units, "po"))
    return app


def place(app: MemoryApp, who: str, quantity: int = 1) -> OrderId:
    cid = app.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
    app.handle(customers.AddAddress(cid, "home", Address(who, "1", "sh", "road"), default=True))
    app.handle(checkout.AddToCart(cid, SKU, quantity))
    return app.handle(orders.PlaceOrder(cid)).order_ids[0]


def stock(app: MemoryApp) -> StockItem:
    return app.get(StockItem, stock_key(DC, SKU))


def test_at_payment_policy_takes_no_stock_at_placement() -> None:
    app = make_app()
    place(app, "a")
    place(app, "b")
    assert stock(app).available == 1


def test_at_placement_policy_reserves_then_payment_confirms() -> None:
    app = make_app(InventoryPolicy(lock_at=LockPolicy.AT_PLACEMENT), units=1)
    first = place(app, "a")
    assert stock(app).available == 0
    with pytest.raises(OutOfStock):
        place(app, "b")
    app.handle(payments.PayOrder(parent_of(app, first), "alipay"))
    held = stock(app).holds[first]
    assert held.expires_at is None


def test_expired_reservation_frees_stock_for_someone_else() -> None:
    app = make_app(
        InventoryPolicy(lock_at=LockPolicy.AT_PLACEMENT, reservation_ttl=timedelta(minutes=15))
    )
    late = place(app, "slow")
    app.clock.advance(timedelta(minutes=15))
    assert app.handle(inventory.ExpireReservations()) == [late]
    quick = place(app, "quick")
    assert (
        app.handle(payments.PayOrder(parent_of(app, quick), "alipay")).status
        is payments.PaymentStatus.SUCCEEDED
    )
    with pytest.raises(OutOfStock):
        app.handle(payments.PayOrder(parent_of(app, late), "alipay"))
    assert app.get(orders.Order, late).status is orders.OrderStatus.PENDING_PAYMENT


def test_cancelling_releases_a_reservation() -> None:
    app = make_app(InventoryPolicy(lock_at=LockPolicy.AT_PLACEMENT))
    order_id = place(app, "a")
    app.handle(orders.CancelOrder(parent_of(app, order_id), "changed mind"))
    assert stock(app).available == 1


@attrs.frozen
class PayWhileRivalPays(Command[payments.PaymentOutcome]):
    """Test-only: pays ``order``, but lets ``rival`` pay first between load and commit."""

    order: OrderId
    rival: OrderId


def test_two_customers_race_for_the_last_unit_exactly_one_wins() -> None:
    app = make_app()
    mine, theirs = place(app, "me"), place(app, "them")
    attempts: list[int] = []
    pay = app.bus._handlers[payments.PayOrder]

    def racing(cmd: PayWhileRivalPays, uow: UnitOfWork) -> payments.PaymentOutcome:
        attempts.append(1)
        original_commit = uow.commit

        def commit_after_rival() -> None:
            if len(attempts) == 1:  # the rival commits between our load and our commit
                app.handle(payments.PayOrder(parent_of(app, cmd.rival), "alipay"))
            original_commit()

        uow.commit = commit_after_rival  # type: ignore[method-assign]
        result: payments.PaymentOutcome = pay(
            payments.PayOrder(parent_of(app, cmd.order), "alipay"), uow
        )
        return result

    app.bus.register(PayWhileRivalPays, racing)
    with pytest.raises(OutOfStock):
        app.handle(PayWhileRivalPays(mine, theirs))
    assert len(attempts) == 2  # a lost update, retried on fresh state, then out of stock
    assert app.get(orders.Order, theirs).status is orders.OrderStatus.PAID
    assert app.get(orders.Order, mine).status is orders.OrderStatus.PENDING_PAYMENT
    assert (stock(app).on_hand, stock(app).reserved) == (1, 1)


def test_a_conflict_after_a_first_commit_is_not_retried() -> None:
    app = make_app(units=3)
    order_id = place(app, "a")
    calls: list[int] = []

    @attrs.frozen
    class Twice(Command[None]):
        pass

    def handler(cmd: Twice, uow: UnitOfWork) -> None:
        calls.append(1)
        uow.commit()
        raise ConcurrencyError("conflict after commit")

    app.bus.register(Twice, handler)
    with pytest.raises(ConcurrencyError):
        app.handle(Twice())
    assert calls == [1]
    assert app.get(orders.Order, order_id).status is orders.OrderStatus.PENDING_PAYMENT


@pytest.mark.parametrize("round_", range(5))
def test_threads_racing_never_oversell(round_: int) -> None:
    app = make_app(units=2)
    order_ids = [place(app, f"c{i}") for i in range(6)]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(order_ids))

    def buy(order_id: OrderId) -> None:
        barrier.wait()
        try:
            app.handle(payments.PayOrder(parent_of(app, order_id), "alipay"))
            outcomes.append("paid")
        except OutOfStock:
            outcomes.append("out of stock")

    threads = [threading.Thread(target=buy, args=(o,)) for o in order_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["out of stock"] * 4 + ["paid"] * 2
    assert stock(app).reserved == 2
    paid = [o for o in order_ids if app.get(orders.Order, o).status is orders.OrderStatus.PAID]
    assert len(paid) == 2


def test_a_declined_payment_keeps_a_reservation_taken_at_placement() -> None:
    app = make_app(InventoryPolicy(lock_at=LockPolicy.AT_PLACEMENT), units=1)
    order_id = place(app, "dee")
    app.gateways["alipay"].decline_next()
    outcome = app.handle(payments.PayOrder(parent_of(app, order_id), "alipay"))
    assert outcome.status is payments.PaymentStatus.FAILED
    held = stock(app).holds[order_id]
    assert held.expires_at is not None  # a reservation again, not released
    with pytest.raises(OutOfStock):
        place(app, "eve")  # still taken
    retry = app.handle(payments.PayOrder(parent_of(app, order_id), "alipay"))
    assert retry.status is payments.PaymentStatus.SUCCEEDED
