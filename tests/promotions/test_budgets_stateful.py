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
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from merx.adapters.memory import MemoryUnitOfWork
from merx.errors import IdempotencyConflict
from merx.kernel.ids import CustomerId, OrderId
from merx.promotions import (
    BudgetExhausted,
    BudgetLimits,
    PerUserLimitReached,
    PromotionUsage,
    reserve_for_order,
)
from merx.promotions.budgets import CampaignUse, campaign_use_id
from tests.promotions.staged import ORDERS, StagedMachine
from tests.promotions.world import cny, direct

BUDGET_MINOR = 10_000
PER_USER = 2
CUSTOMERS = ("alice", "bob", "carol")


@attrs.define
class Held:
    customer: str
    amount_minor: int
    state: str = "reserved"


class BudgetMachine(StagedMachine):
    CAMPAIGN = "B"

    def __init__(self) -> None:
        super().__init__()
        limits = BudgetLimits(total_discount=cny("100.00"), per_user_limit=PER_USER)
        self.world.active(direct("B"), limits=limits)
        self.model: dict[str, Held] = {}

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

        self.stage(
            lambda uow: reserve_for_order(
                uow, OrderId(order), CustomerId(customer), {"B": cny_minor(amount_minor)}
            ),
            expected,
            apply,
        )

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
