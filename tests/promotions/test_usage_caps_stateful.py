"""Usage caps under interleaved placements, payments and cancellations across several open
units of work, against a reference model.

As in ``test_budgets_stateful``: each rule stages one operation in a fresh unit of work and
leaves it open; another rule commits or drops one. Every change saves the campaign, so a
unit of work commits only if nothing was committed since it loaded (``ConcurrencyError``,
nothing written). The business day only moves forward. Always: the live orders never
exceed ``max_uses``; no customer holds more than ``per_user_limit`` (a once-per-customer
campaign is never used twice) nor more than ``per_user_per_day`` on one day; a release
gives its use back; the quote's read (``usage_counts``) refuses exactly what placement
refuses; the stored ledger, reservations and customers' uses equal the model.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, ClassVar

import attrs
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from merx.adapters.memory import MemoryUnitOfWork
from merx.errors import ConcurrencyError, IdempotencyConflict, IllegalTransition, MerxError
from merx.kernel.ids import CustomerId, OrderId
from merx.promotions import (
    BudgetLimits,
    PerUserLimitReached,
    PromotionUsage,
    UnknownReservation,
    UsageCapReached,
    consume_for_order,
    release_for_order,
    reserve_for_order,
    usage_counts,
)
from merx.promotions.budgets import CampaignUse, campaign_use_id
from tests.promotions.world import cny, direct, make_world

SHANGHAI = timezone(timedelta(hours=8))
FIRST_DAY = datetime(2026, 6, 2, 9, 0, tzinfo=SHANGHAI)
ORDERS = tuple(f"o{n}" for n in range(8))
CUSTOMERS = ("alice", "bob", "carol")


@attrs.define
class Held:
    customer: str
    day: date
    state: str = "reserved"


@attrs.define
class Pending:
    uow: MemoryUnitOfWork
    loaded_at: int  # the number of committed changes when it loaded
    apply: Any  # the change to the model once committed; None for a no-op


class CapsMachine(RuleBasedStateMachine):
    limits: ClassVar[BudgetLimits]

    def __init__(self) -> None:
        super().__init__()
        self.world = make_world()
        self.world.active(direct("U"), limits=self.limits)
        self.model: dict[str, Held] = {}
        self.last_day: dict[str, date] = {}  # each customer's latest placement's day
        self.now = FIRST_DAY
        self.commits = 0
        self.open: list[Pending] = []

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

        uow = MemoryUnitOfWork(self.world.store)
        counts = usage_counts(uow, CustomerId(customer), self.now, ["U"])
        refused: MerxError | None
        try:
            reserve_for_order(
                uow, OrderId(order), CustomerId(customer), {"U": cny("1.00")}, at=self.now
            )
        except MerxError as error:
            refused = error
        else:
            refused = None
        if held is None:  # what the quote reads agrees with what placement refuses
            assert ("U" in counts.reached) == (expected is not None), (counts, expected)
        if expected is None:
            assert refused is None, f"unexpected {refused!r}"
        else:
            assert isinstance(refused, expected), f"expected {expected}, got {refused!r}"
            event(f"refused: {expected.__name__}")
            return
        self.open.append(Pending(uow, self.commits, apply))

    @rule(order=st.sampled_from(ORDERS), paid=st.booleans())
    def stage_settle(self, order: str, paid: bool) -> None:
        held = self.model.get(order)
        target = "consumed" if paid else "released"
        expected: type[Exception] | None = None
        apply: Any = None
        if held is None:
            expected = UnknownReservation
        elif held.state == target:
            pass  # a replay: nothing to write
        elif held.state != "reserved":
            expected = IllegalTransition
        else:

            def apply() -> None:
                self.model[order].state = target

        uow = MemoryUnitOfWork(self.world.store)
        settle = consume_for_order if paid else release_for_order
        refused: MerxError | None
        try:
            settle(uow, OrderId(order), ["U"])
        except MerxError as error:
            refused = error
        else:
            refused = None
        if expected is None:
            assert refused is None, f"unexpected {refused!r}"
        else:
            assert isinstance(refused, expected), f"expected {expected}, got {refused!r}"
            return
        self.open.append(Pending(uow, self.commits, apply))

    # -- committing ------------------------------------------------------------------

    @precondition(lambda self: self.open)
    @rule(data=st.data())
    def commit_one(self, data: st.DataObject) -> None:
        pending = self.open.pop(data.draw(st.integers(0, len(self.open) - 1)))
        if pending.apply is None:
            pending.uow.commit()  # nothing staged: nothing to lose
            return
        if pending.loaded_at != self.commits:
            try:
                pending.uow.commit()
            except ConcurrencyError:
                event("stale unit of work refused")
                return
            raise AssertionError("a stale unit of work committed")
        pending.uow.commit()
        pending.apply()
        self.commits += 1

    @precondition(lambda self: self.open)
    @rule(data=st.data())
    def drop_one(self, data: st.DataObject) -> None:
        pending = self.open.pop(data.draw(st.integers(0, len(self.open) - 1)))
        pending.uow.rollback()

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
