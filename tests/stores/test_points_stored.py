"""The points context on a database (a SQLite file, a PostgreSQL schema): accounts with
their lots and entries survive a restart, the expiry run finds its accounts through the
index, an order paid partly with points is placed and cancelled, and processes earning at
once earn each reward once."""

from __future__ import annotations

from datetime import date, timedelta

from merx import checkout, customers, orders, points
from merx.adapters.memory import FixedClock
from merx.customers import Address
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money
from tests.stores.test_races import race, shop, target
from tests.stores.test_stored_app import PHONE, Storage, open_shop, stock

__all__ = ["target"]  # the fixture: a SQLite file, or a fresh PostgreSQL schema

ALICE = CustomerId("alice")


def test_points_survive_a_restart_and_expire_by_the_index(storage: Storage) -> None:
    first = open_shop(storage)
    first.handle(points.EarnPoints(ALICE, 100, "sign_in", "d1", date(2026, 1, 10)))
    first.handle(points.EarnPoints(ALICE, 50, "task", "t1"))
    first.handle(points.EarnPoints(CustomerId("bo"), 70, "task", "t1", date(2026, 2, 1)))
    again = open_shop(storage)
    assert again.handle(points.EarnPoints(ALICE, 100, "sign_in", "d1", date(2026, 1, 10)))
    with again.unit_of_work() as uow:
        assert points.points_balance(uow, ALICE) == 150
        account = points.points_account(uow, ALICE)
        assert [lot.expires_on for lot in account.lots.values()] == [date(2026, 1, 10), None]
        assert again.queries.points.accounts_lapsing_by(date(2026, 1, 9)) == []
        assert list(again.queries.points.accounts_lapsing_by(date(2026, 1, 10))) == [ALICE]
    clock = again.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(days=40))
    assert again.handle(points.ExpirePoints(clock.now().date())) == 170
    with again.unit_of_work() as uow:
        assert points.points_balance(uow, ALICE) == 50
        assert points.points_balance(uow, CustomerId("bo")) == 0
        assert list(again.queries.points.accounts_lapsing_by(clock.now().date())) == []


def test_an_order_with_points_is_placed_and_cancelled_on_a_database(storage: Storage) -> None:
    app = open_shop(storage)
    stock(app)
    app.handle(customers.RegisterCustomer(ALICE, "alice", "13800000000"))
    app.handle(customers.AddAddress(ALICE, "home", Address("a", "138", "Shanghai", "1 Bund Rd")))
    app.handle(checkout.AddToCart(ALICE, PHONE, 1))
    app.handle(points.EarnPoints(ALICE, 20_000, "lottery", "draw-1"))
    assert app.quote(ALICE, points=10_000).points_discount == Money.of("100.00", "CNY")
    placed = app.handle(orders.PlaceOrder(ALICE, points=10_000))
    assert app.get(orders.Order, placed.order_ids[0]).payable == Money.of("2899.00", "CNY")
    with app.unit_of_work() as uow:
        assert points.points_balance(uow, ALICE) == 10_000
    open_shop(storage).handle(orders.CancelOrder(placed.parent_id, "no"))
    with app.unit_of_work() as uow:
        assert points.points_balance(uow, ALICE) == 20_000
        kinds = [entry.kind for entry in points.points_account(uow, ALICE).entries]
    assert kinds == [
        points.PointsEntryKind.EARNED,
        points.PointsEntryKind.SPENT,
        points.PointsEntryKind.RETURNED,
    ]


def earn_rewards(path: str, n: int, rewards: int) -> int:
    """A worker: ``rewards`` rewards of its own for Alice, and the one they all share."""
    app = shop(path)
    for k in range(rewards):
        app.handle(points.EarnPoints(ALICE, 10, "task", f"w{n}-{k}"))
        app.handle(points.EarnPoints(ALICE, 1, "lottery", "shared"))
    return rewards


def test_processes_earning_at_once_earn_each_reward_exactly_once(target: str) -> None:
    earned: list[int] = race(earn_rewards, target, 5)  # type: ignore[assignment]
    with shop(target).unit_of_work() as uow:
        account = points.points_account(uow, ALICE)
    assert account.balance == sum(earned) * 10 + 1
    assert len(account.entries) == sum(earned) + 1
