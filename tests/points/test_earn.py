"""Earning points, the balance query and the expiry run, through the app."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from merx import points
from merx.adapters.memory import FixedClock
from merx.app import MemoryApp, build_memory_app
from merx.kernel.errors import IdempotencyConflict, ValidationError
from merx.kernel.ids import CustomerId
from tests.points.held import entries_of

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ALICE = CustomerId("alice")


@pytest.fixture
def app() -> MemoryApp:
    return build_memory_app(clock=FixedClock(START))


def balance(app: MemoryApp, customer: CustomerId = ALICE) -> int:
    with app.unit_of_work() as uow:
        return points.points_balance(uow, customer)


def test_a_customer_without_points_has_a_zero_balance(app: MemoryApp) -> None:
    assert balance(app) == 0
    assert app.points_entries(ALICE) == points.PointsEntriesPage(ALICE, 0, (), None)


def test_earning_adds_a_lot_an_entry_and_an_event(app: MemoryApp) -> None:
    key = app.handle(points.EarnPoints(ALICE, 300, "sign_in", "2026-03-01", date(2026, 6, 1)))
    assert balance(app) == 300
    with app.unit_of_work() as uow:
        account = points.points_account(uow, ALICE)
    assert [(e.key, e.kind, e.points) for e in entries_of(app, ALICE)] == [
        (key, points.PointsEntryKind.EARNED, 300)
    ]
    assert account.lots[key] == points.PointsLot(key, 300, 300, date(2026, 6, 1), 0)
    earned = [e for e in app.events.events if isinstance(e, points.PointsEarned)]
    assert earned == [
        points.PointsEarned(ALICE, 300, "sign_in", "2026-03-01", date(2026, 6, 1), key)
    ]


def test_the_same_reference_earns_once(app: MemoryApp) -> None:
    first = app.handle(points.EarnPoints(ALICE, 100, "task", "t1"))
    again = app.handle(points.EarnPoints(ALICE, 100, "task", "t1"))
    assert first == again
    assert balance(app) == 100
    assert len([e for e in app.events.events if isinstance(e, points.PointsEarned)]) == 1
    app.handle(points.EarnPoints(ALICE, 100, "task", "t2"))
    app.handle(points.EarnPoints(ALICE, 100, "lottery", "t1"))
    assert balance(app) == 300


def test_the_same_reference_with_other_points_is_a_conflict(app: MemoryApp) -> None:
    app.handle(points.EarnPoints(ALICE, 100, "task", "t1"))
    with pytest.raises(IdempotencyConflict):
        app.handle(points.EarnPoints(ALICE, 101, "task", "t1"))
    assert balance(app) == 100


@pytest.mark.parametrize("bad", [0, -5, True, 1.5, "10"])
def test_points_are_a_positive_int(app: MemoryApp, bad: object) -> None:
    with pytest.raises(points.InvalidPoints):
        app.handle(points.EarnPoints(ALICE, bad, "task", "t1"))  # type: ignore[arg-type]
    assert balance(app) == 0


def test_a_lot_must_expire_after_the_day_it_is_earned(app: MemoryApp) -> None:
    with pytest.raises(points.InvalidPoints):
        app.handle(points.EarnPoints(ALICE, 10, "task", "t1", START.date()))
    with pytest.raises(ValidationError):
        app.handle(points.EarnPoints(ALICE, 10, "task", "t1", START))
    assert balance(app) == 0


def test_the_expiry_run_removes_lapsed_lots_only(app: MemoryApp) -> None:
    clock = app.clock
    assert isinstance(clock, FixedClock)
    app.handle(points.EarnPoints(ALICE, 100, "task", "a", date(2026, 3, 10)))
    app.handle(points.EarnPoints(ALICE, 50, "task", "b", date(2026, 4, 1)))
    app.handle(points.EarnPoints(ALICE, 20, "task", "c"))
    app.handle(points.EarnPoints(CustomerId("bob"), 7, "task", "a", date(2026, 3, 10)))
    clock.advance(timedelta(days=10))
    assert app.handle(points.ExpirePoints(date(2026, 3, 9))) == 0
    assert app.handle(points.ExpirePoints(date(2026, 3, 10))) == 107
    assert app.handle(points.ExpirePoints(date(2026, 3, 10))) == 0  # nothing twice
    assert balance(app) == 70
    assert balance(app, CustomerId("bob")) == 0
    expired = [e for e in entries_of(app, ALICE) if e.kind is points.PointsEntryKind.EXPIRED]
    assert [(e.points, e.ref) for e in expired] == [(-100, "earned:task:a")]


def test_the_expiry_run_cannot_run_ahead_of_the_clock(app: MemoryApp) -> None:
    app.handle(points.EarnPoints(ALICE, 100, "task", "a", date(2026, 3, 10)))
    with pytest.raises(ValidationError):
        app.handle(points.ExpirePoints(date(2026, 3, 10)))
    assert balance(app) == 100
