"""Interleaved reservations, consumptions and releases across several open units of work,
checked against a reference model of the budget.

Each rule stages one operation in a fresh unit of work (loading the committed state) and
leaves it open; another rule commits or drops an open one. The model predicts each stage
(refused with which error, a no-op replay, or staged) and each commit: a unit of work that
staged a change commits only if nothing was committed since it loaded (the campaign's
version moved: ``ConcurrencyError``, nothing written). Always: reserved + consumed <= the
budget, and the stored ledger, the orders' reservations and the customers' uses equal the
model.
"""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from merx.adapters.memory import MemoryUnitOfWork
from merx.errors import ConcurrencyError, IdempotencyConflict, IllegalTransition, MerxError
from merx.kernel.ids import CustomerId, OrderId
from merx.promotions import (
    BudgetExhausted,
    BudgetLimits,
    PerUserLimitReached,
    PromotionUsage,
    UnknownReservation,
    consume_for_order,
    release_for_order,
    reserve_for_order,
)
from merx.promotions.budgets import CampaignUse, campaign_use_id
from tests.promotions.world import cny, direct, make_world

BUDGET_MINOR = 10_000
PER_USER = 2
ORDERS = tuple(f"o{n}" for n in range(8))
CUSTOMERS = ("alice", "bob", "carol")


@attrs.define
class Held:
    customer: str
    amount_minor: int
    state: str = "reserved"


@attrs.define
class Pending:
    uow: MemoryUnitOfWork
    loaded_at: int  # the number of committed changes when it loaded
    apply: Any  # the change to the model once committed; None for a no-op


class BudgetMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world = make_world()
        limits = BudgetLimits(total_discount=cny("100.00"), per_user_limit=PER_USER)
        self.world.active(direct("B"), limits=limits)
        self.model: dict[str, Held] = {}
        self.commits = 0
        self.open: list[Pending] = []

    # -- the model -------------------------------------------------------------------

    def _sum(self, state: str) -> int:
        return sum(h.amount_minor for h in self.model.values() if h.state == state)

    def _uses(self, customer: str) -> int:
        return sum(
            1 for h in self.model.values() if h.customer == customer and h.state != "released"
        )

    # -- staging ---------------------------------------------------------------------

    @rule(
        order=st.sampled_from(ORDERS),
        customer=st.sampled_from(CUSTOMERS),
        amount_minor=st.integers(0, 4_000),
    )
    def stage_reserve(self, order: str, customer: str, amount_minor: int) -> None:
        held = self.model.get(order)
        expected: type[Exception] | None = None
        apply: Any = None
        if held is not None:
            if (held.customer, held.amount_minor) != (customer, amount_minor):
                expected = IdempotencyConflict
        elif self._sum("reserved") + self._sum("consumed") + amount_minor > BUDGET_MINOR:
            expected = BudgetExhausted
        elif self._uses(customer) >= PER_USER:
            expected = PerUserLimitReached
        else:

            def apply() -> None:
                self.model[order] = Held(customer, amount_minor)

        uow = MemoryUnitOfWork(self.world.store)
        refused: MerxError | None
        try:
            reserve_for_order(
                uow, OrderId(order), CustomerId(customer), {"B": cny_minor(amount_minor)}
            )
        except MerxError as error:
            refused = error
        else:
            refused = None
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
            settle(uow, OrderId(order), ["B"])
        except MerxError as error:
            refused = error
        else:
            refused = None
        if expected is None:
            assert refused is None, f"unexpected {refused!r}"
        else:
            assert isinstance(refused, expected), f"expected {expected}, got {refused!r}"
            event(f"refused: {expected.__name__}")
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
        event("change committed")

    @precondition(lambda self: self.open)
    @rule(data=st.data())
    def drop_one(self, data: st.DataObject) -> None:
        pending = self.open.pop(data.draw(st.integers(0, len(self.open) - 1)))
        pending.uow.rollback()

    # -- invariants ------------------------------------------------------------------

    @invariant()
    def never_overspent_and_equal_to_the_model(self) -> None:
        book = self.world.campaign("B").ledger
        assert book.reserved.minor + book.consumed.minor <= BUDGET_MINOR
        assert book.reserved.minor == self._sum("reserved")
        assert book.consumed.minor == self._sum("consumed")
        with MemoryUnitOfWork(self.world.store) as uow:
            usages = [uow.repo(PromotionUsage).find(order) for order in ORDERS]
            uses = [uow.repo(CampaignUse).find(campaign_use_id("B", c)) for c in CUSTOMERS]
        stored = {
            usage.id: (r.customer_id, r.amount.minor, r.state.value)
            for usage in usages
            if usage is not None
            for r in [usage.reservation("B")]
        }
        assert stored == {o: (h.customer, h.amount_minor, h.state) for o, h in self.model.items()}
        live = {c: self._uses(c) for c in CUSTOMERS if self._uses(c)}
        assert {use.customer_id: use.live for use in uses if use and use.live} == live
        assert all(use.live <= PER_USER for use in uses if use)


def cny_minor(minor: int) -> Any:
    return cny(f"{minor // 100}.{minor % 100:02d}")


BudgetMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=40, deadline=None)
TestBudgetMachine = BudgetMachine.TestCase
