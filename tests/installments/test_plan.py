"""The installment plan with worked numbers: payoff, prepayment, late penalty, refund."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.credit import PlanId
from merx.installments import (
    BackdatedTransaction,
    Component,
    InstallmentPlan,
    PaymentDueFirst,
    PayoffShortfall,
    PlanState,
    PrepaymentMode,
    PrepaymentTooLarge,
    ProductSettings,
    RefundExceedsPrincipal,
    TransactionType,
)
from merx.installments.plan import PayoffFees
from merx.kernel.errors import IllegalTransition, MerxError
from merx.kernel.ids import CustomerId, OrderId
from merx.kernel.money import Money
from merx.schedules import InstallmentTerms, ScheduleMethod, build_schedule
from tests.schedules.strategies import installment_terms


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def open_plan(
    terms: InstallmentTerms | None = None, product: ProductSettings | None = None
) -> InstallmentPlan:
    terms = terms or InstallmentTerms(
        cny("10000.00"),
        12,
        ScheduleMethod.EQUAL_INSTALLMENT,
        date(2026, 1, 31),
        annual_rate=Decimal("0.12"),
    )
    plan = InstallmentPlan.open(
        PlanId("plan-1"),
        CustomerId("alice"),
        OrderId("ord-1"),
        build_schedule(terms),
        product=product or ProductSettings(),
    )
    plan.activate("platform")
    return plan


def pay_on_time(plan: InstallmentPlan, count: int) -> None:
    for row in plan.installments[:count]:
        plan.repay(Money.from_minor(row.owed_total, "CNY"), row.due)


def test_paying_off_on_the_fourth_due_date_takes_7686_91() -> None:
    plan = open_plan()
    pay_on_time(plan, 3)
    fourth = plan.installments[3].due
    quote = plan.payoff_quote(fourth)
    assert quote.total == cny("7686.91")
    assert (quote.principal, quote.interest) == (cny("7610.80"), cny("76.11"))
    allocation = plan.pay_off(cny("7700.00"), fourth)
    assert allocation.unapplied == cny("13.09")
    assert plan.status is PlanState.PAID_OFF
    assert plan.outstanding.is_zero()


def test_paying_off_mid_period_charges_interest_only_to_the_day() -> None:
    plan = open_plan()
    pay_on_time(plan, 3)
    row = plan.installments[3]  # 30 April -> 31 May: 31 days, 76.11 interest
    quote = plan.payoff_quote(row.period_start + timedelta(days=10))
    assert quote.interest == cny("76.11").scale(Decimal(10) / Decimal(31))
    assert quote.principal == cny("7610.80")


def test_prepaying_3000_after_the_third_installment_lowers_it_to_538_27() -> None:
    plan = open_plan()
    pay_on_time(plan, 3)
    allocation = plan.prepay(cny("3000.00"), plan.installments[2].due)
    assert allocation.principal == cny("3000.00")
    assert allocation.interest.is_zero()
    assert plan.outstanding_principal == cny("4610.80")
    rest = plan.installments[3:]
    assert len(rest) == 9
    assert Money.from_minor(rest[0].owed_total, "CNY") == cny("538.27")
    assert all(r.principal + r.interest == 53827 for r in rest[1:-1])
    assert sum(r.principal - r.paid_principal for r in rest) == 461080


def test_prepaying_with_reduce_term_keeps_the_installment_and_ends_earlier() -> None:
    plan = open_plan()
    pay_on_time(plan, 3)
    plan.prepay(cny("3000.00"), plan.installments[2].due, PrepaymentMode.REDUCE_TERM)
    rest = plan.installments[3:]
    assert len(rest) < 9
    assert all(r.principal + r.interest == 88849 for r in rest[1:-1])
    assert plan.outstanding_principal == cny("4610.80")


def test_prepaying_while_an_installment_is_due_is_refused_without_a_trace() -> None:
    plan = open_plan()
    before = copy.deepcopy(plan)
    with pytest.raises(PaymentDueFirst):
        plan.prepay(cny("1000.00"), plan.installments[0].due)
    with pytest.raises(PrepaymentTooLarge):
        plan.prepay(cny("10100.00"), date(2026, 2, 1))
    assert plan == before


def test_500_paid_ten_days_late_pays_penalty_4_44_then_interest_then_395_56() -> None:
    plan = open_plan()
    allocation = plan.repay(cny("500.00"), plan.installments[0].due + timedelta(days=10))
    assert allocation.penalty == cny("4.44")
    assert allocation.fee.is_zero()
    assert allocation.interest == cny("100.00")
    assert allocation.principal == cny("395.56")


def test_penalties_do_not_compound() -> None:
    plan = open_plan()
    due = plan.installments[0].due
    plan.accrue_penalties(due + timedelta(days=10))
    plan.accrue_penalties(due + timedelta(days=20))
    # 888.49 x 0.05 % x 10 days, twice: never on the penalty itself
    assert plan.installments[0].penalty == 444 * 2


def test_a_merchant_refund_may_allocate_differently_from_a_customer_repayment() -> None:
    plan = open_plan()
    late = plan.installments[0].due + timedelta(days=10)
    allocation = plan.repay(cny("500.00"), late, TransactionType.REFUND)
    assert allocation.principal == cny("500.00")
    assert allocation.penalty.is_zero()


def test_full_refund_after_three_of_six_flat_fee_installments() -> None:
    terms = InstallmentTerms(
        cny("6000.00"),
        6,
        ScheduleMethod.FLAT_FEE,
        date(2026, 3, 15),
        period_fee_rate=Decimal("0.006"),
    )
    plan = open_plan(terms)
    pay_on_time(plan, 3)
    outcome = plan.refund(cny("6000.00"), plan.installments[2].due + timedelta(days=3))
    assert outcome.allocation.principal == cny("3000.00")
    assert outcome.cancelled_fee == cny("108.00")
    assert outcome.overpayment == cny("3000.00")
    assert outcome.closed
    assert plan.status is PlanState.CLOSED
    assert plan.outstanding.is_zero()


def test_a_partial_refund_pays_principal_down_and_keeps_the_plan() -> None:
    plan = open_plan()
    outcome = plan.refund(cny("4000.00"), date(2026, 2, 10))
    assert outcome.allocation.principal == cny("4000.00")
    assert not outcome.closed
    assert plan.outstanding_principal == cny("6000.00")
    with pytest.raises(RefundExceedsPrincipal):
        plan.refund(cny("6000.01"), date(2026, 2, 10))


def test_payoff_can_charge_future_fees_by_product_setting() -> None:
    terms = InstallmentTerms(
        cny("6000.00"),
        6,
        ScheduleMethod.FLAT_FEE,
        date(2026, 3, 15),
        period_fee_rate=Decimal("0.006"),
    )
    waive = open_plan(terms).payoff_quote(date(2026, 3, 20))
    charge = open_plan(terms, ProductSettings(payoff_fees=PayoffFees.CHARGE)).payoff_quote(
        date(2026, 3, 20)
    )
    assert waive.total == cny("6000.00")
    assert waive.waived_fee == cny("216.00")
    assert charge.total == cny("6216.00")


def test_guards() -> None:
    plan = open_plan()
    plan.repay(cny("10.00"), date(2026, 2, 10))
    with pytest.raises(BackdatedTransaction):
        plan.repay(cny("10.00"), date(2026, 2, 9))
    with pytest.raises(PayoffShortfall):
        plan.pay_off(cny("1.00"), date(2026, 2, 10))
    with pytest.raises(IllegalTransition):
        plan.activate("again")


def _reach_a_state(plan: InstallmentPlan, steps: list[tuple[str, int, int]]) -> None:
    """Drive ``plan`` with repayments, prepayments and late days; refusals are ignored."""
    on = plan.terms.start
    for kind, days, cents in steps:
        on += timedelta(days=days)
        amount = Money.from_minor(cents, "CNY")
        try:
            if kind == "repay":
                plan.repay(amount, on)
            elif kind == "prepay":
                plan.prepay(amount, on)
            else:
                plan.refund(amount, on)
        except MerxError:
            continue
        if plan.status is not PlanState.ACTIVE:
            return


@given(
    installment_terms(),
    st.lists(
        st.tuples(
            st.sampled_from(["repay", "repay", "prepay", "refund"]),
            st.integers(0, 45),
            st.integers(1, 500_000),
        ),
        max_size=8,
    ),
    st.integers(0, 60),
)
def test_a_plan_paid_off_from_any_state_closes_at_exactly_zero(
    terms: InstallmentTerms, steps: list[tuple[str, int, int]], wait: int
) -> None:
    plan = open_plan(terms)
    _reach_a_state(plan, steps)
    if plan.status is not PlanState.ACTIVE:
        return
    on = plan.last_transaction_on + timedelta(days=wait)
    quote = plan.payoff_quote(on)
    allocation = plan.pay_off(quote.total, on)
    assert allocation.unapplied.is_zero()
    assert plan.status.value == "paid_off"
    assert plan.outstanding.is_zero()
    assert plan.total_paid(Component.PRINCIPAL) == terms.principal
    assert plan.outstanding_principal.is_zero()
