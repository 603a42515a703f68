"""The rules that used to sit in credit's services, now in the model: each records its
event, and each refusal leaves the aggregates exactly as they were. The rules tying a
plan to credit's account are :mod:`merx.installments.repayment`."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from merx import installments
from merx.credit import CreditAccount, CreditLimitRestored, OverpaymentHeld, PlanId
from merx.installments import (
    BillIssued,
    InstallmentPlan,
    InstallmentPlanCancelled,
    PlanState,
    ProductSettings,
)
from merx.installments.bills import billing_until
from merx.installments.repayment import close_statement, follow_plan, repay_customer, repay_plan
from merx.kernel.errors import CurrencyMismatch, IllegalTransition, InvalidAmount, MerxError
from merx.kernel.ids import OrderId
from merx.kernel.money import Money
from merx.schedules import InstallmentTerms, ScheduleMethod, build_schedule
from tests.credit.world import ALICE, CreditWorld, cny
from tests.credit.world import fresh_account as account

START = date(2026, 1, 31)
FLAT = ScheduleMethod.FLAT_FEE


def plan_for(
    acc: CreditAccount, principal: str = "3000.00", order: str = "o1", start: date = START
) -> InstallmentPlan:
    """An active 3-month flat-fee plan from ``start`` that drew on ``acc``."""
    terms = InstallmentTerms(cny(principal), 3, FLAT, start, period_fee_rate=Decimal("0.006"))
    plan_id = PlanId(f"plan-{order}")
    plan = InstallmentPlan.open(
        plan_id, ALICE, OrderId(order), build_schedule(terms), product=ProductSettings()
    )
    plan.activate("platform")
    acc.draw(plan_id, OrderId(order), cny(principal), 3, on=start)
    plan.pull_events()
    acc.pull_events()
    return plan


# -- the account follows its plans -----------------------------------------------------


def test_following_a_plan_restores_exactly_the_principal_it_repaid() -> None:
    acc = account()
    plan = plan_for(acc)
    before = plan.outstanding_principal_minor
    row = plan.installments[0]
    plan.repay(Money.from_minor(row.owed_total, "CNY"), row.due)
    follow_plan(acc, plan, before)
    assert acc.position(row.due).used == cny("2000.00")
    assert acc.pull_events() == [CreditLimitRestored(ALICE, plan.id, cny("1000.00"))]
    assert plan.id in acc.open_plans


# -- plans -----------------------------------------------------------------------------


def test_a_replayed_activation_or_cancellation_records_nothing() -> None:
    acc = account()
    plan = plan_for(acc)
    assert not plan.activate("platform")
    assert plan.pending_events == []
    with pytest.raises(IllegalTransition):
        plan.activate("another funder")
    terms = InstallmentTerms(cny("300.00"), 3, FLAT, START, period_fee_rate=Decimal("0.006"))
    pending = InstallmentPlan.open(
        PlanId("p2"), ALICE, OrderId("o2"), build_schedule(terms), product=ProductSettings()
    )
    pending.pull_events()
    assert pending.cancel("no funder")
    assert [type(e) for e in pending.pull_events()] == [InstallmentPlanCancelled]
    assert not pending.cancel("no funder")
    assert pending.pending_events == []
    assert pending.status is PlanState.CANCELLED


# -- repayment across the account and its plans ----------------------------------------


def test_a_repayment_holds_what_the_plan_does_not_need() -> None:
    acc = account()
    plan = plan_for(acc)
    allocation = repay_plan(acc, plan, cny("5000.00"), date(2026, 2, 10))
    assert allocation.unapplied.is_positive()
    assert acc.credit == allocation.unapplied
    assert OverpaymentHeld(ALICE, allocation.unapplied) in acc.pending_events


@pytest.mark.parametrize(
    ("amount", "error"),
    [(Money.of("0", "CNY"), InvalidAmount), (Money.of("10", "USD"), CurrencyMismatch)],
)
def test_a_bad_repayment_across_plans_changes_nothing(
    amount: Money, error: type[MerxError]
) -> None:
    acc = account()
    plan = plan_for(acc)
    acc_before, plan_before = copy.deepcopy(acc), copy.deepcopy(plan)
    with pytest.raises(error):
        repay_customer(acc, [plan], amount, date(2026, 2, 28))
    assert (acc, plan) == (acc_before, plan_before)
    assert acc.pending_events == plan.pending_events == []


def test_a_repayment_across_plans_pays_the_oldest_due_first() -> None:
    acc = account()
    later = plan_for(acc, "1200.00", order="o0", start=date(2026, 2, 10))  # due 10 Mar
    first = plan_for(acc, "3000.00", order="o1")  # due 28 Feb
    on = first.installments[0].due
    allocations, held = repay_customer(acc, [later, first], cny("1018.00"), on)
    assert [plan_id for plan_id, _ in allocations] == [first.id]
    assert held.is_zero()
    assert first.installments[0].settled


def test_the_statement_day_applies_held_credit_then_bills_and_opens_the_bill() -> None:
    acc = account()
    plan = plan_for(acc)
    acc.hold(cny("100.00"))
    acc.pull_events()
    on = date(2026, 2, 27)
    bill, applied, changed = close_statement(acc, [plan], on, date(2026, 3, 27))
    assert applied == cny("100.00")
    assert changed == [plan]
    assert bill is not None
    assert acc.open_bills == [bill.id]
    assert isinstance(bill.pending_events[0], BillIssued)
    assert bill.total == cny("918.00")  # 1,018.00 due on 28 Feb less the 100.00 held


def test_a_statement_day_bills_on_its_day_clamped_to_the_month_end() -> None:
    assert billing_until(31, date(2026, 2, 28)) == date(2026, 3, 31)
    assert billing_until(15, date(2026, 2, 28)) is None
    assert billing_until(1, date(2026, 3, 1)) == date(2026, 4, 1)


# -- through the bus: a replay saves nothing -------------------------------------------


def test_a_replayed_activation_saves_nothing(world: CreditWorld) -> None:
    world.open_account()
    plan_id = world.buy("300.00", 3)
    before = copy.deepcopy(world.store.tables)
    world.handle(installments.ActivateInstallmentPlan(plan_id, world.plan(plan_id).funder_id or ""))
    assert world.store.tables == before  # versions included: nothing was saved
