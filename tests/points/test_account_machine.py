"""A points account against a simple model: earn, spend, give back, expire, interleaved.

The model keeps lots as plain lists and spends from them the documented way (the
earliest day of expiry first, never-expiring lots last, ties in the order earned); after
every step the account must hold what the model holds, never a negative, its balance the
sum of its entries, and every point traceable: each lot's points left are what its
entries say (earned, less what spends and expiries drew, plus what returns gave back).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from merx.kernel.ids import CustomerId
from merx.points import (
    InsufficientPoints,
    PointsAccount,
    PointsEntryKind,
    PointsReturnExceeded,
)

START = date(2026, 1, 1)


class ModelLot:
    def __init__(self, key: str, points: int, expires_on: date | None) -> None:
        self.key = key
        self.left = points
        self.expires_on = expires_on


class PointsMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.account = PointsAccount.open(CustomerId("alice"))
        self.day = START
        self.lots: list[ModelLot] = []
        self.spends: dict[str, int] = {}  # order -> points spent, less returned
        self.counter = 0
        self.last_reward: str | None = None

    @property
    def at(self) -> datetime:
        return datetime.combine(self.day, time(12), tzinfo=UTC)

    def model_expire(self, day: date) -> int:
        gone = 0
        for lot in self.lots:
            if lot.expires_on is not None and lot.expires_on <= day and lot.left:
                gone += lot.left
                lot.left = 0
        return gone

    def model_balance(self) -> int:
        return sum(lot.left for lot in self.lots)

    @rule(points=st.integers(1, 500), lasts=st.one_of(st.none(), st.integers(1, 30)))
    def earn(self, points: int, lasts: int | None) -> None:
        self.counter += 1
        expires_on = None if lasts is None else self.day + timedelta(days=lasts)
        entry = self.account.earn(points, "task", f"t{self.counter}", expires_on, self.at)
        self.last_reward = f"t{self.counter}"
        self.model_expire(self.day)
        self.lots.append(ModelLot(entry.key, points, expires_on))

    @rule()
    def earn_again(self) -> None:
        """A replay of the last reward earns nothing."""
        if self.last_reward is None:
            return
        before = self.account.balance
        first = self.account.entry(f"earned:task:{self.last_reward}")
        assert first is not None
        lot = self.account.lots[first.key]
        again = self.account.earn(first.points, "task", self.last_reward, lot.expires_on, self.at)
        assert again == first
        assert self.account.balance == before

    @rule(points=st.integers(1, 800))
    def spend(self, points: int) -> None:
        self.counter += 1
        order = f"o{self.counter}"
        available = sum(
            lot.left for lot in self.lots if lot.expires_on is None or lot.expires_on > self.day
        )
        if points > available:
            entries = list(self.account.entries)
            with pytest.raises(InsufficientPoints) as raised:
                self.account.spend(points, order, self.at)
            assert (raised.value.balance, raised.value.asked) == (available, points)
            assert self.account.entries == entries  # nothing changed
            return
        self.account.spend(points, order, self.at)
        self.model_expire(self.day)
        wanted = points
        ordered = sorted(
            self.lots, key=lambda lot: (lot.expires_on is None, lot.expires_on or date.max)
        )
        for lot in ordered:
            taken = min(wanted, lot.left)
            lot.left -= taken
            wanted -= taken
        assert wanted == 0
        self.spends[order] = points

    @precondition(lambda self: bool(self.spends))
    @rule(data=st.data(), whole=st.booleans())
    def give_back(self, data: st.DataObject, whole: bool) -> None:
        order = data.draw(st.sampled_from(sorted(self.spends)))
        left = self.spends[order]
        self.counter += 1
        if left == 0:
            with pytest.raises(PointsReturnExceeded):
                self.account.give_back(order, 1, f"r{self.counter}", self.at)
            return
        points = left if whole else data.draw(st.integers(1, left))
        self.account.give_back(order, points, f"r{self.counter}", self.at)
        self.spends[order] = left - points
        # the points go back to the lots the spend drew on: find them from the entry
        returned = self.account.entries[-1]
        if returned.kind is PointsEntryKind.EXPIRED:  # a lapsed lot got them back and lost them
            returned = next(
                e for e in reversed(self.account.entries) if e.kind is PointsEntryKind.RETURNED
            )
        by_key = {lot.key: lot for lot in self.lots}
        for key, given in returned.draws:
            by_key[key].left += given
        self.model_expire(self.day)

    @rule(days=st.integers(1, 10))
    def pass_days(self, days: int) -> None:
        self.day += timedelta(days=days)

    @rule()
    def expire(self) -> None:
        gone = self.model_expire(self.day)
        expired = self.account.expire(self.day, self.at)
        assert -sum(entry.points for entry in expired) == gone
        assert self.account.expire(self.day, self.at) == []  # a second run finds nothing

    @invariant()
    def holds_what_the_model_holds(self) -> None:
        account = self.account
        assert account.balance == sum(entry.points for entry in account.entries)
        assert account.balance == self.model_balance()
        assert account.balance >= 0
        assert {lot.key: lot.left for lot in self.lots} == {
            key: lot.remaining for key, lot in account.lots.items()
        }

    @invariant()
    def every_point_is_traceable(self) -> None:
        traced: dict[str, int] = dict.fromkeys(self.account.lots, 0)
        for entry in self.account.entries:
            assert sum(points for _, points in entry.draws) == abs(entry.points)
            sign = 1 if entry.points > 0 else -1
            for key, points in entry.draws:
                assert points > 0
                traced[key] += sign * points
        for key, lot in self.account.lots.items():
            assert traced[key] == lot.remaining
            assert 0 <= lot.remaining <= lot.earned

    @invariant()
    def returns_never_exceed_spends(self) -> None:
        for order, left in self.spends.items():
            assert self.account.spent_on(order) == left >= 0


TestPointsAccount = PointsMachine.TestCase
TestPointsAccount.settings = settings(
    max_examples=150, stateful_step_count=30, suppress_health_check=[HealthCheck.too_slow]
)
