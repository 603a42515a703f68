"""A points account against a simple model: earn, spend, give back, expire, interleaved.

The model keeps lots as plain lists and spends from them the documented way (the
earliest day of expiry first, never-expiring lots last, ties in the order earned); after
every step the account must hold what the model holds, never a negative, its balance the
sum of its entries, and every point traceable: each lot's points left are what its
entries say (earned, less what spends and expiries drew, plus what returns gave back).

As a store keeps it: after each step the entries the account made go to a dict of
records (the account's ``lookup``), and the account itself goes through its serde, so
only its balance, open lots and entry count carry over from one step to the next.
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
    PointsEntry,
    PointsEntryKind,
    PointsReturnExceeded,
)
from merx.points import serde as points_serde

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
        self.records: dict[str, PointsEntry] = {}  # the stored entries, by key
        self.entries: list[PointsEntry] = []  # in the order made
        self.day = START
        self.lots: list[ModelLot] = []
        self.spends: dict[str, int] = {}  # order -> points spent, less returned
        self.counter = 0
        self.last_reward: str | None = None

    def store(self) -> None:
        """What a unit of work does: the entries made become records, and the account is
        written and read back (its document holds no entry)."""
        for entry in self.account.take_appended():
            assert entry.key not in self.records  # an entry is appended once, never changed
            assert entry.seq == len(self.entries)
            self.records[entry.key] = entry
            self.entries.append(entry)
        document = points_serde.unstructure(self.account)
        assert "appended" not in document
        assert "entries" not in document
        self.account = points_serde.structure(document, PointsAccount)

    def lookup(self, key: str) -> PointsEntry | None:
        return self.records.get(key)

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
        entry = self.account.earn(
            points, "task", f"t{self.counter}", expires_on, self.at, lookup=self.lookup
        )
        self.store()
        self.last_reward = f"t{self.counter}"
        self.model_expire(self.day)
        self.lots.append(ModelLot(entry.key, points, expires_on))

    @rule()
    def earn_again(self) -> None:
        """A replay of the last reward earns nothing."""
        if self.last_reward is None:
            return
        before = self.account.balance
        first = self.records[f"earned:task:{self.last_reward}"]
        again = self.account.earn(
            first.points, "task", self.last_reward, first.expires_on, self.at, lookup=self.lookup
        )
        assert again == first
        assert self.account.balance == before
        assert self.account.appended == []

    @rule(points=st.integers(1, 800))
    def spend(self, points: int) -> None:
        self.counter += 1
        order = f"o{self.counter}"
        available = sum(
            lot.left for lot in self.lots if lot.expires_on is None or lot.expires_on > self.day
        )
        if points > available:
            before = points_serde.unstructure(self.account)
            with pytest.raises(InsufficientPoints) as raised:
                self.account.spend(points, order, self.at, lookup=self.lookup)
            assert (raised.value.balance, raised.value.asked) == (available, points)
            assert points_serde.unstructure(self.account) == before  # nothing changed
            assert self.account.appended == []
            return
        self.account.spend(points, order, self.at, lookup=self.lookup)
        self.store()
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
                self.account.give_back(order, 1, f"r{self.counter}", self.at, lookup=self.lookup)
            return
        points = left if whole else data.draw(st.integers(1, left))
        returned = self.account.give_back(
            order, points, f"r{self.counter}", self.at, lookup=self.lookup
        )
        self.store()
        again = self.account.give_back(
            order, points, f"r{self.counter}", self.at, lookup=self.lookup
        )
        assert again == returned  # the same cause again: the first return, nothing more
        assert self.account.appended == []
        self.spends[order] = left - points
        # the points go back to the lots the spend drew on: find them from the entry
        by_key = {lot.key: lot for lot in self.lots}
        for key, given in returned.draws:
            by_key[key].left += given
        self.model_expire(self.day)

    @precondition(lambda self: bool(self.spends))
    @rule(data=st.data(), payable=st.integers(1, 2_000), share=st.integers(1, 2_000))
    def give_back_part(self, data: st.DataObject, payable: int, share: int) -> None:
        """A refund of money without units (goodwill): ``spent * part / payable`` rounded
        down, capped by what is left, once per refund."""
        order = data.draw(st.sampled_from(sorted(self.spends)))
        part = min(share, payable)
        self.counter += 1
        spent = -self.records[f"spent:{order}"].points
        left = self.spends[order]
        back = self.account.give_back_part(
            order, part, payable, f"g{self.counter}", self.at, lookup=self.lookup
        )
        self.store()
        expected = min(spent * part // payable, left)
        assert (0 if back is None else back.points) == expected
        if back is None:
            return
        again = self.account.give_back_part(
            order, part, payable, f"g{self.counter}", self.at, lookup=self.lookup
        )
        assert again == back  # once per refund
        assert self.account.appended == []
        self.spends[order] = left - back.points
        by_key = {lot.key: lot for lot in self.lots}
        for key, given in back.draws:
            by_key[key].left += given
        self.model_expire(self.day)

    @rule(days=st.integers(1, 10))
    def pass_days(self, days: int) -> None:
        self.day += timedelta(days=days)

    @rule()
    def expire(self) -> None:
        gone = self.model_expire(self.day)
        expired = self.account.expire(self.day, self.at)
        self.store()
        assert -sum(entry.points for entry in expired) == gone
        assert self.account.expire(self.day, self.at) == []  # a second run finds nothing

    @invariant()
    def holds_what_the_model_holds(self) -> None:
        account = self.account
        assert account.balance == sum(entry.points for entry in self.entries)
        assert account.balance == self.model_balance()
        assert account.balance >= 0
        assert account.entry_count == len(self.entries)
        # the account holds the open lots only: those the model has points left in
        assert {lot.key: lot.left for lot in self.lots if lot.left} == {
            key: lot.remaining for key, lot in account.lots.items()
        }

    @invariant()
    def every_point_is_traceable(self) -> None:
        traced: dict[str, int] = {}
        for entry in self.entries:
            assert sum(points for _, points in entry.draws) == abs(entry.points)
            sign = 1 if entry.points > 0 else -1
            for key, points in entry.draws:
                assert points > 0
                assert self.records[key].kind is PointsEntryKind.EARNED  # a lot is an earning
                traced[key] = traced.get(key, 0) + sign * points
        for key, points in traced.items():
            lot = self.account.lots.get(key)
            assert points == (0 if lot is None else lot.remaining)
            assert 0 <= points <= self.records[key].points
        for lot in self.account.lots.values():
            assert 0 < lot.remaining <= lot.earned

    @invariant()
    def returns_never_exceed_spends(self) -> None:
        for order, left in self.spends.items():
            assert self.account.spent_on(order, self.lookup) == left >= 0


TestPointsAccount = PointsMachine.TestCase
TestPointsAccount.settings = settings(
    max_examples=150, stateful_step_count=30, suppress_health_check=[HealthCheck.too_slow]
)
