"""Usage caps under interleaved placements, payments and cancellations across several open
units of work, against a reference model.

As in ``test_budgets_stateful`` (the frame is :mod:`tests.promotions.staged`): each rule
stages one operation in a fresh unit of work and leaves it open; another rule commits or
drops one. The business day only moves forward. Always: the live orders never
exceed ``max_uses``; no customer holds more than ``per_user_limit`` (a once-per-customer
campaign is never used twice) nor more than ``per_user_per_day`` on one day; a release
gives its use back; the quote's read (``usage_counts``) refuses exactly what placement
refuses; the stored ledger, reservations and customers' uses equal the model.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, ClassVar

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from merx.adapters.memory import MemoryUnitOfWork
from merx.errors import IdempotencyConflict
from merx.kernel.ids import CustomerId, OrderId
from merx.promotions import (
    BudgetLimits,
    PerUserLimitReached,
    PromotionUsage,
    UsageCapReached,
    reserve_for_order,
    usage_counts,
)
from merx.promotions.budgets import CampaignUse, campaign_use_id
from tests.promotions.staged import ORDERS, StagedMachine
from tests.promotions.world import cny, direct

SHANGHAI = timezone(timedelta(hours=8))
FIRST_DAY = datetime(2026, 6, 2, 9, 0, tzinfo=SHANGHAI)
CUSTOMERS = ("alice", "bob", "carol")


@attrs.define
class Held:
    customer: str
    day: date
    state: str = "reserved"


class CapsMachine(StagedMachine):
    CAMPAIGN = "U"
    limits: ClassVar[BudgetLimits]

    def __init__(self) -> None:
        super().__init__()
        self.world.active(direct("U"), limits=self.limits)
        self.model: dict[str, Held] = {}
        self.last_day: dict[str, date] = {}  # each customer's latest placement's day
        self.now = FIRST_DAY

    # -- the model -------------------------------------------------------------------

    def _live(self, customer: str | None = None, day: date | None = None) -> int:
        return sum(
            1
            for h in self.model.values()
            if h.state != "released" and customer in {None, h.customer} and day in {None, h.day}
        )

    def _refusal(self, customer: str, day: date) -> type[Exception] | None:
        """What placement refuses, in the order the ledger checks."""
        limits = self.limits
        if limits.per_user_limit is not None and self._live(customer) >= limits.per_user_limit:
            return PerUserLimitReached
        per_day = limits.per_user_per_day
        if per_day is not None and self._live(customer, day) >= per_day:
            return UsageCapReached
        if limits.max_uses is not None and self._live() >= limits.max_uses:
            return UsageCapReached
        return None

    # -- time ------------------------------------------------------------------------

    @rule(hours=st.sampled_from([1, 5, 24]))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    # -- staging ---------------------------------------------------------------------

    @rule(order=st.sampled_from(ORDERS), customer=st.sampled_from(CUSTOMERS))
    def stage_reserve(self, order: str, customer: str) -> None:
        day = self.now.date()
        held = self.model.get(order)
        expected: type[Exception] | None = None
        apply: Any = None
        if held is not None:
            if held.customer != customer:
                expected = IdempotencyConflict
        else:
            expected = self._refusal(customer, day)
            if expected is None:

                def apply() -> None:
                    self.model[order] = Held(customer, day)
                    self.last_day[customer] = day

        with MemoryUnitOfWork(self.world.store) as uow:
            counts = usage_counts(uow, CustomerId(customer), self.now, ["U"])
        if held is None:  # what the quote reads agrees with what placement refuses
            assert ("U" in counts.reached) == (expected is not None), (counts, expected)
        self.stage(
            lambda uow: reserve_for_order(
                uow, OrderId(order), CustomerId(customer), {"U": cny("1.00")}, at=self.now
            ),
            expected,
            apply,
        )

    # -- invariants ------------------------------------------------------------------

    @invariant()
    def caps_hold_and_the_store_equals_the_model(self) -> None:
        limits = self.limits
        ledger = self.world.campaign("U").ledger
        assert ledger.uses_reserved == sum(h.state == "reserved" for h in self.model.values())
        assert ledger.uses_consumed == sum(h.state == "consumed" for h in self.model.values())
        assert limits.max_uses is None or ledger.uses() <= limits.max_uses
        with MemoryUnitOfWork(self.world.store) as uow:
            usages = [uow.repo(PromotionUsage).find(order) for order in ORDERS]
            uses = {c: uow.repo(CampaignUse).find(campaign_use_id("U", c)) for c in CUSTOMERS}
        stored = {
            u.id: (r.customer_id, r.day, r.state.value)
            for u in usages
            if u is not None
            for r in [u.reservation("U")]
        }
        assert stored == {o: (h.customer, h.day, h.state) for o, h in self.model.items()}
        for customer, use in uses.items():
            live = self._live(customer)
            assert limits.per_user_limit is None or live <= limits.per_user_limit
            assert (use.live if use else 0) == live
            last = self.last_day.get(customer)
            days = {
                h.day: self._live(customer, h.day)
                for h in self.model.values()
                if h.customer == customer and last is not None and h.day >= last - timedelta(1)
            }
            assert (use.days if use else {}) == {d: n for d, n in days.items() if n}
            if limits.per_user_per_day is not None:
                assert all(n <= limits.per_user_per_day for n in days.values())


class OncePerCustomer(CapsMachine):
    limits = BudgetLimits(per_user_limit=1, max_uses=2)


class TwicePerDay(CapsMachine):
    limits = BudgetLimits(per_user_per_day=2, per_user_limit=3, max_uses=5)


for machine in (OncePerCustomer, TwicePerDay):
    machine.TestCase.settings = settings(max_examples=80, stateful_step_count=40, deadline=None)
TestOncePerCustomer = OncePerCustomer.TestCase
TestTwicePerDay = TwicePerDay.TestCase
