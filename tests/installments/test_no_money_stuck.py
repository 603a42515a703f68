"""Issue 14, "No money stuck": a bill paid in full settles every line, a bill's status
follows its lines, a payoff charges interest only to its day. Worked numbers in comments."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merx import installments
from merx.credit import PlanId
from merx.installments import Bill, BillState, Component, PlanState
from merx.installments.bills import bill_id, billing_until
from merx.kernel.bus import Command
from merx.kernel.errors import MerxError
from merx.kernel.ids import OrderId
from merx.kernel.money import Money
from merx.schedules import InstallmentTerms, div_half_up
from tests.credit.world import ALICE, CreditWorld, cny, make_world
from tests.installments.test_plan import open_plan
from tests.schedules.strategies import installment_terms


def _two_plans_billed(world: CreditWorld) -> tuple[Bill, PlanId, PlanId]:
    """Alice (statement day 1, grade B: flat fee 0.6 % a period) buys 3,000 over 3 months
    on 5 February and 1,200 over 6 months on 20 February; the bill of 1 March lists the
    first installment of each."""
    world.go_to(date(2026, 2, 5))
    world.open_account()
    first = world.buy("3000.00", 3)  # 1,000.00 + 18.00 fee a month, due the 5th
    world.go_to(date(2026, 2, 20))
    second = world.buy("1200.00", 6, order="ord-2")  # 200.00 + 7.20 fee, due the 20th
    world.go_to(date(2026, 3, 1))
    assert world.handle(installments.RunBills()).bills == 1
    return world.get(Bill, bill_id(ALICE, date(2026, 3, 1))), first, second


def test_two_plan_bill_paid_on_its_due_date_settles_every_line_not_a_later_installment(
    world: CreditWorld,
) -> None:
    bill, first, second = _two_plans_billed(world)
    # lines: first plan's 5 March installment  1,000.00 + 18.00 = 1,018.00
    #        second plan's 20 March installment   200.00 +  7.20 =   207.20
    # total 1,018.00 + 207.20 = 1,225.20, due on the earliest line's date, 5 March
    assert [line.total for line in bill.lines] == [cny("1018.00"), cny("207.20")]
    assert bill.total == cny("1225.20")
    assert bill.due_date == date(2026, 3, 5)
    world.go_to(bill.due_date)
    paid = world.handle(installments.RepayCredit(ALICE, bill.total))
    # 1,018.00 to the first plan's billed line, 207.20 to the second's, nothing held and
    # nothing to the first plan's March installment
    assert [(p, a.applied) for p, a in paid.allocations] == [
        (first, cny("1018.00")),
        (second, cny("207.20")),
    ]
    assert paid.held.is_zero()
    assert paid.bills_paid == (bill.id,)
    assert world.get(Bill, bill.id).status is BillState.PAID
    assert world.plan(second).installments[0].settled
    assert world.plan(first).installments[1].paid_principal == 0
    # no penalty after the second line's due date: nothing of it is overdue
    world.go_to(date(2026, 4, 1))
    world.handle(installments.RunBills())
    assert all(row.penalty == 0 for row in world.plan(second).installments)


@pytest.mark.parametrize("how", ["plan repayment", "payoff", "refund"])
def test_bill_status_follows_its_lines_whatever_paid_them(world: CreditWorld, how: str) -> None:
    world.go_to(date(2026, 2, 5))
    world.open_account()
    plan_id = world.buy("3000.00", 3)
    world.go_to(date(2026, 3, 1))
    world.handle(installments.RunBills())
    bill = world.get(Bill, bill_id(ALICE, date(2026, 3, 1)))
    assert bill.total == cny("1018.00")
    world.go_to(date(2026, 3, 3))
    if how == "plan repayment":
        world.handle(installments.RepayInstallmentPlan(plan_id, cny("1018.00")))
    elif how == "payoff":
        world.handle(installments.PayOffInstallmentPlan(plan_id, cny("3000.00")))
    else:
        world.handle(installments.RefundInstallmentOrder(ALICE, OrderId("ord-1"), cny("3000.00")))
    assert world.plan(plan_id).installments[0].settled
    assert world.get(Bill, bill.id).status is BillState.PAID
    assert bill.id not in world.account().open_bills


def test_payoff_the_day_after_an_early_installment_charges_no_interest_past_the_payoff_day() -> (
    None
):
    # 10,000.00 at 12 % a year over 12 months from 31 January: 888.49 a month; the first
    # row (31 Jan -> 28 Feb, 28 days) is interest 100.00 + principal 788.49
    plan = open_plan()
    first = plan.installments[0]
    assert (first.interest, first.principal, first.period_days) == (10000, 78849, 28)
    # paid in full early, on 10 February: the whole 100.00 of interest is paid
    plan.repay(cny("888.49"), date(2026, 2, 10))
    assert first.due > date(2026, 2, 11)
    quote = plan.payoff_quote(date(2026, 2, 11))
    # paid off the next day, 11 February: 11 of the 28 days have run, so the interest
    # earned is 100.00 x 11 / 28 = 39.2857 -> 39.29; the 100.00 - 39.29 = 60.71 paid for
    # days after the payoff is credited back against the principal still owed:
    # 10,000.00 - 788.49 = 9,211.51 owed, less 60.71 = 9,150.80 to pay
    assert quote.total == cny("9150.80")
    assert quote.principal == cny("9150.80")
    assert quote.interest_credited == cny("60.71")
    allocation = plan.pay_off(quote.total, date(2026, 2, 11))
    assert allocation.unapplied.is_zero()
    assert plan.status is PlanState.PAID_OFF
    assert plan.total_paid(installments.Component.INTEREST) == cny("39.29")
    assert plan.total_paid(installments.Component.PRINCIPAL) == cny("10000.00")
    # the cash paid: 888.49 + 9,150.80 = 10,039.29 = 10,000.00 principal + 39.29 interest
    assert cny("888.49") + quote.total == cny("10000.00") + cny("39.29")
    assert plan.outstanding == Money.zero("CNY")


# -- laws ----------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    statement_day=st.integers(1, 28),
    purchases=st.lists(
        st.tuples(st.integers(0, 40), st.integers(300, 3000), st.sampled_from([3, 6])),
        min_size=1,
        max_size=3,
    ),
    pay_after=st.integers(0, 40),
)
def test_a_bill_paid_in_full_by_its_due_date_leaves_no_billed_line_unpaid(
    statement_day: int, purchases: list[tuple[int, int, int]], pay_after: int
) -> None:
    world = make_world()
    world.open_account(statement_day=statement_day, limit="20000")
    plans = []
    for number, (days, principal, term) in enumerate(purchases):
        world.later(days)
        plans.append(world.buy(f"{principal}.00", term, order=f"ord-{number}"))
    # the first statement day after the last purchase
    on = world.today + timedelta(days=1)
    while billing_until(statement_day, on) is None:
        on += timedelta(days=1)
    world.go_to(on)
    world.handle(installments.RunBills())
    bill = world.get(Bill, bill_id(ALICE, on))
    world.go_to(min(on + timedelta(days=pay_after), bill.due_date))
    paid = world.handle(installments.RepayCredit(ALICE, bill.total))
    assert paid.held.is_zero()
    assert bill.id in paid.bills_paid
    for line in bill.lines:
        assert world.plan(line.plan_id).installments[line.number - 1].settled, line
    assert world.get(Bill, bill.id).status is BillState.PAID
    assert world.account().open_bills == []


def _bill_follows_its_lines(world: CreditWorld, bill: Bill) -> None:
    def line_settled(plan_id: PlanId, number: int) -> bool:
        plan = world.plan(plan_id)
        return not plan.status.is_open or plan.installments[number - 1].settled

    settled = all(line_settled(line.plan_id, line.number) for line in bill.lines)
    assert (bill.status is BillState.PAID) == settled, bill
    assert (bill.id in world.account().open_bills) == (not settled)


def _next_first(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["repay credit", "repay plan", "pay off", "refund", "prepay"]),
            st.integers(0, 40),
            st.integers(1, 2500),
            st.booleans(),
        ),
        max_size=8,
    )
)
def test_the_status_of_a_bill_is_a_function_of_its_lines(
    steps: list[tuple[str, int, int, bool]],
) -> None:
    world = make_world()
    world.open_account(statement_day=1)
    plans = [world.buy("3000.00", 3), world.buy("1200.00", 6, order="ord-2")]
    bills: list[str] = []
    for how, days, whole, second in steps:
        target = world.today + timedelta(days=days)
        while (first := _next_first(world.today)) <= target:  # every statement day billed
            world.go_to(first)
            if world.handle(installments.RunBills()).bills:
                bills.append(bill_id(ALICE, first))
        world.go_to(target)
        plan_id = plans[second]
        amount = cny(f"{whole}.00")
        commands: dict[str, Command[Any]] = {
            "repay credit": installments.RepayCredit(ALICE, amount),
            "repay plan": installments.RepayInstallmentPlan(plan_id, amount),
            "pay off": installments.PayOffInstallmentPlan(plan_id, amount + cny("3000.00")),
            "refund": installments.RefundInstallmentOrder(
                ALICE, OrderId("ord-2" if second else "ord-1"), amount
            ),
            "prepay": installments.PrepayInstallmentPlan(plan_id, amount),
        }
        with contextlib.suppress(MerxError):
            world.handle(commands[how])
        for key in bills:
            _bill_follows_its_lines(world, world.get(Bill, key))


@given(
    installment_terms(),
    st.lists(st.tuples(st.integers(0, 40), st.integers(1, 300_000)), max_size=6),
    st.integers(0, 60),
)
def test_interest_charged_on_payoff_never_exceeds_interest_accrued_to_the_payoff_day(
    terms: InstallmentTerms, repayments: list[tuple[int, int]], wait: int
) -> None:
    plan = open_plan(terms)
    rows = list(plan.installments)  # as scheduled
    cash = 0
    on = terms.start
    for days, minor in repayments:  # early, on time or late, never a payoff
        on += timedelta(days=days)
        if plan.status is not PlanState.ACTIVE:
            break
        cash += minor - plan.repay(Money.from_minor(minor, "CNY"), on).unapplied.minor
    if plan.status is not PlanState.ACTIVE:
        return
    payday = plan.last_transaction_on + timedelta(days=wait)
    quote = plan.payoff_quote(payday)
    allocation = plan.pay_off(quote.total, payday)
    cash += quote.total.minor - allocation.unapplied.minor
    # interest accrued to the payoff day: every row due by then in full, the running
    # period's pro rata by days (half up), nothing for periods not begun
    accrued = 0
    for row in rows:
        if row.due <= payday:
            accrued += row.interest
        elif row.period_start < payday:
            accrued += div_half_up(row.interest * (payday - row.period_start).days, row.period_days)
    assert plan.total_paid(Component.INTEREST).minor <= accrued
    # and every unit of cash taken is in a component: none stuck, none made up
    taken = sum(plan.total_paid(c).minor for c in Component)
    assert cash == taken
    assert plan.total_paid(Component.PRINCIPAL) == terms.principal
