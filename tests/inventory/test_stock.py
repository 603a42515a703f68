"""StockItem: holds per order, expiry, deduction, restock; bad input changes nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from merx.errors import BusinessRuleViolation, IdempotencyConflict, InvalidQuantity
from merx.inventory import NoFirmLock, OutOfStock, StockItem
from merx.kernel.ids import SkuId, WarehouseId

T0 = datetime(2026, 6, 18, 10, tzinfo=UTC)


def item(on_hand: int = 5) -> StockItem:
    stock = StockItem.open(WarehouseId("wh"), SkuId("phone"))
    if on_hand:
        stock.receive(on_hand, "po-1")
    return stock


def test_reserve_lock_deduct_counts() -> None:
    stock = item(5)
    stock.reserve("o1", 2, T0 + timedelta(minutes=30))
    assert (stock.on_hand, stock.reserved, stock.available) == (5, 2, 3)
    stock.lock("o1", 2)
    assert stock.holds["o1"].expires_at is None
    assert stock.deduct("o1") == 2
    assert (stock.on_hand, stock.reserved, stock.available) == (3, 0, 3)


def test_replays_change_nothing() -> None:
    stock = item(5)
    stock.lock("o1", 2)
    before = copy.deepcopy(stock)
    stock.lock("o1", 2)
    stock.reserve("o1", 2, T0)
    assert stock == before
    stock.deduct("o1")
    with pytest.raises(NoFirmLock):  # shipped once: the lock is gone
        stock.deduct("o1")
    assert stock.release("o1") == 0
    assert (stock.on_hand, stock.reserved) == (3, 0)


def test_the_same_order_with_another_quantity_is_a_conflict() -> None:
    stock = item(5)
    stock.lock("o1", 2)
    with pytest.raises(IdempotencyConflict):
        stock.lock("o1", 3)


def test_expired_reservations_are_released_but_locks_are_not() -> None:
    stock = item(5)
    stock.reserve("o1", 2, T0 + timedelta(minutes=30))
    stock.lock("o2", 1)
    assert stock.expire(T0 + timedelta(minutes=29)) == []
    assert stock.expire(T0 + timedelta(minutes=30)) == ["o1"]
    assert (stock.reserved, stock.available) == (1, 4)
    released = [e for e in stock.pending_events if type(e).__name__ == "StockReleased"]
    assert len(released) == 1


def test_a_reservation_cannot_be_shipped_before_payment_locks_it() -> None:
    stock = item(5)
    stock.reserve("o1", 1, T0)
    with pytest.raises(BusinessRuleViolation):
        stock.deduct("o1")


@pytest.mark.parametrize("quantity", [0, -2, True, 1.5])
def test_bad_quantities_are_refused_and_change_nothing(quantity: object) -> None:
    stock = item(5)
    before = copy.deepcopy(stock)
    actions: list[Callable[[], object]] = [
        lambda: stock.receive(quantity, "x"),  # type: ignore[arg-type]
        lambda: stock.lock("o", quantity),  # type: ignore[arg-type]
        lambda: stock.reserve("o", quantity, T0),  # type: ignore[arg-type]
        lambda: stock.restock(quantity, "x"),  # type: ignore[arg-type]
    ]
    for action in actions:
        with pytest.raises(InvalidQuantity):
            action()
    assert stock == before
    assert stock.pending_events == before.pending_events


def test_out_of_stock_changes_nothing() -> None:
    stock = item(1)
    stock.lock("o1", 1)
    before = copy.deepcopy(stock)
    with pytest.raises(OutOfStock):
        stock.lock("o2", 1)
    assert stock == before


def test_check_lock_refuses_exactly_what_lock_would_and_changes_nothing() -> None:
    stock = item(3)
    stock.reserve("o1", 2, T0 + timedelta(minutes=30))
    stock.lock("o2", 1)
    stock.pull_events()
    before = copy.deepcopy(stock)
    stock.check_lock("o1", 2)  # confirms its own reservation
    stock.check_lock("o2", 1)  # already locked: a replay
    with pytest.raises(IdempotencyConflict):
        stock.check_lock("o1", 1)
    with pytest.raises(OutOfStock):
        stock.check_lock("o3", 1)
    assert stock == before
    assert stock.holds == before.holds
    assert stock.pending_events == []
