"""Installments through the bus: purchases, refunds, held overpayment, monthly bills."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from merx import credit, installments
from merx.installments import Bill, BillState, PlanState
from merx.installments.bills import bill_id
from merx.kernel.ids import OrderId
from merx.schedules import FeePayer
from tests.credit.world import ALICE, CreditWorld, cny


def test_an_installment_purchase_deducts_the_limit_and_a_replay_does_not(
    world: CreditWorld,
) -> None:
    world.open_account()
    plan_id = world.buy("4000.00", 6)
    assert world.plan(plan_id).status is PlanState.ACTIVE
    assert world.account().position(world.today).available == cny("6000.00")
    again = world.buy("4000.00", 6)
    assert again == plan_id
    assert world.account().position(world.today).available == cny("6000.00")


def test_an_interest_free_plan_records_the_payers_cost(world: CreditWorld) -> None:
    world.open_account()
    plan_id = world.buy("6000.00", 6, fee_payer=FeePayer.MERCHANT)
    plan = world.plan(plan_id)
    assert plan.schedule.total_fee.is_zero()
    assert plan.schedule.apr == 0
    assert plan.payer_cost == cny("216.00")  # grade B: 0.6 % x 6 x 6,000


def test_full_refund_after_three_of_six_restores_the_limit_and_returns_3000(
    world: CreditWorld,
) -> None:
    world.open_account()  # grade B: 0.6 % a period
    plan_id = world.buy("6000.00", 6)
    plan = world.plan(plan_id)
    assert plan.terms.period_fee_rate == Decimal("0.006")
    for row in plan.installments[:3]:
        world.go_to(row.due)
        world.handle(installments.RepayInstallmentPlan(plan_id, cny("1036.00")))
    assert world.account().position(world.today).available == cny("7000.00")
    world.later(2)
    outcome = world.handle(
        installments.RefundInstallmentOrder(ALICE, OrderId("ord-1"), cny("6000.00"))
    )
    assert outcome.overpayment == cny("3000.00")
    assert outcome.cancelled_fee == cny("108.00")
    assert world.plan(plan_id).status is PlanState.CLOSED
    account = world.account()
    assert account.position(world.today).available == cny("10000.00")
    assert account.open_plans == []


def test_overpayment_is_held_and_refundable(world: CreditWorld) -> None:
    world.open_account()
    plan_id = world.buy("3000.00", 3)
    allocation = world.handle(installments.RepayInstallmentPlan(plan_id, cny("2000.00")))
    assert allocation.unapplied == cny("2000.00") - allocation.applied
    assert world.account().credit == allocation.unapplied
    refunded = world.handle(credit.RefundHeldCredit(ALICE))
    assert refunded == allocation.unapplied
    assert world.account().credit.is_zero()


def test_a_monthly_bill_combines_every_plan_and_is_paid_by_one_repayment(
    world: CreditWorld,
) -> None:
    world.open_account()
    first = world.buy("3000.00", 3)
    world.go_to(date(2026, 2, 10))
    second = world.buy("1200.00", 6, order="ord-2")
    world.go_to(date(2026, 3, 1))
    run = world.handle(installments.RunBills())
    assert run.bills == 1
    bill = world.get(Bill, bill_id(ALICE, date(2026, 3, 1)))
    assert {line.plan_id for line in bill.lines} == {first, second}
    assert world.handle(installments.RunBills()).bills == 0  # a replay bills nobody twice
    repayment = world.handle(installments.RepayCredit(ALICE, bill.total))
    assert repayment.held.is_zero()
    assert repayment.bills_paid == (bill.id,)
    assert world.get(Bill, bill.id).status is BillState.PAID
