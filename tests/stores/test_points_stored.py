"""The points context on a database (a SQLite file, a PostgreSQL schema): accounts with
their lots and entries survive a restart, the expiry run finds its accounts through the
index, an order paid partly with points is placed and cancelled, processes earning at
once earn each reward once, and a host reads the balance and the entries page by page
while each movement writes a bounded amount (the account stays small, each entry a record
of its own)."""

from __future__ import annotations

import json
from datetime import date, timedelta

from merx import checkout, customers, orders, points
from merx.adapters.memory import FixedClock
from merx.customers import Address
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money
from tests.points.held import entries_of
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
    assert app.points_balance(ALICE) == 20_000
    kinds = [entry.kind for entry in entries_of(app, ALICE)]
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
    shop(target).close()  # reference data made once, before the racers open the store
    earned: list[int] = race(earn_rewards, target, 5)  # type: ignore[assignment]
    app = shop(target)
    assert app.points_balance(ALICE) == sum(earned) * 10 + 1
    entries = entries_of(app, ALICE)
    assert len(entries) == sum(earned) + 1
    assert sum(entry.points for entry in entries) == app.points_balance(ALICE)


def test_a_host_reads_balance_and_entries_page_by_page_and_writes_stay_small(
    storage: Storage,
) -> None:
    app = open_shop(storage)
    for n in range(120):
        app.handle(points.EarnPoints(ALICE, 10, "task", f"t{n}", date(2026, 3, 1)))
        if n % 2:
            app.handle(points.EarnPoints(CustomerId("bo"), 1, "task", f"t{n}"))
    again = open_shop(storage)
    assert again.points_balance(ALICE) == 1_200
    first = again.points_entries(ALICE)
    assert len(first.entries) == points.ENTRIES_PER_PAGE
    assert first.next_page == 1
    last = again.points_entries(ALICE, 2)
    assert [entry.seq for entry in last.entries] == list(range(100, 120))
    assert last.next_page is None
    assert again.points_entries(ALICE, 3).entries == ()
    entries = entries_of(again, ALICE)
    assert [entry.key for entry in entries] == [f"earned:task:t{n}" for n in range(120)]
    assert len(entries_of(again, CustomerId("bo"))) == 60
    # the account's document holds its open lots, never its entries: spent to nothing, it
    # is as small as a new one, whatever its age
    again.handle(points.EarnPoints(ALICE, 1, "task", "last"))
    with again.unit_of_work() as uow:
        book = points.PointsBook(uow, ALICE)
        book.spend(1_201, "order-1", again.clock.now())
        book.stage()
        uow.commit()
    database = storage.open()
    stored = database.load("points.PointsAccount", ALICE)
    assert stored is not None
    text = stored[1] if isinstance(stored[1], str) else json.dumps(stored[1])
    assert len(text) < 200, text
    assert json.loads(text)["lots"] == {}
    assert again.points_balance(ALICE) == 0
    assert entries_of(again, ALICE)[-1].key == "spent:order-1"
