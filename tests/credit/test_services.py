"""Credit through the bus: applications, checkout options, purchases, bills, refunds."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from merx import credit
from merx.adapters.memory.scorer import score
from merx.credit import (
    Bill,
    BillState,
    Consent,
    ConsentMissing,
    CreditDeclined,
    Identity,
    LimitExceeded,
    PlanState,
    ScoringFacts,
)
from merx.kernel.ids import CustomerId, OrderId
from merx.schedules import FeePayer
from tests.credit.world import ALICE, CreditWorld, cny


def test_an_application_without_consent_is_refused(world: CreditWorld) -> None:
    facts = ScoringFacts(ALICE, 30, cny("12000.00"), 12, 0, cny("0"))
    with pytest.raises(ConsentMissing):
        world.handle(
            credit.ApplyForCredit(
                ALICE,
                Identity("Alice Li", "1101", "138"),
                Consent(False, world.clock.now(), "v1"),
                facts,
            )
        )


def test_the_scorecard_grades_and_prices(world: CreditWorld) -> None:
    facts = ScoringFacts(ALICE, 30, cny("12000.00"), 12, 0, cny("0"))
    assert score(facts) == 25 + 35 + 10 + 25 + 10
    decision = world.handle(
        credit.ApplyForCredit(
            ALICE,
            Identity("Alice Li", "1101", "138"),
            Consent(True, world.clock.now(), "v1"),
            facts,
        )
    )
    assert (decision.approved, decision.grade, decision.limit) == (True, "B", cny("20000"))
    young = ScoringFacts(CustomerId("bob"), 17, cny("1000.00"), 0, 0, cny("0"))
    rejected = world.handle(
        credit.ApplyForCredit(
            CustomerId("bob"),
            Identity("Bob", "1", "1"),
            Consent(True, world.clock.now(), "v1"),
            young,
        )
    )
    assert not rejected.approved


def test_checkout_lists_every_term_the_grade_offers(world: CreditWorld) -> None:
    world.open_account()
    with world.bus._uow_factory() as uow:  # a query, no command
        options = credit.installment_options(uow, ALICE, cny("3000.00"), clock=world.clock)
    assert [o.offer.term_months for o in options] == [3, 6, 9, 12]
    assert all(o.within_limit for o in options)
    assert all(o.schedule.apr > 0 for o in options)


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


def test_the_real_time_risk_check_can_decline_without_a_trace(world: CreditWorld) -> None:
    world.open_account()
    world.scorer.flag(ALICE, "risk event: new device")
    before = copy.deepcopy(world.store.tables)
    with pytest.raises(CreditDeclined):
        world.buy("100.00", 3)
    with pytest.raises(LimitExceeded):
        world.buy("10000.01", 3, order="ord-2")
    assert world.store.tables == before


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
        world.handle(credit.RepayInstallmentPlan(plan_id, cny("1036.00")))
    assert world.account().position(world.today).available == cny("7000.00")
    world.later(2)
    outcome = world.handle(credit.RefundInstallmentOrder(ALICE, OrderId("ord-1"), cny("6000.00")))
    assert outcome.overpayment == cny("3000.00")
    assert outcome.cancelled_fee == cny("108.00")
    assert world.plan(plan_id).status is PlanState.CLOSED
    account = world.account()
    assert account.position(world.today).available == cny("10000.00")
    assert account.open_plans == []


def test_overpayment_is_held_and_refundable(world: CreditWorld) -> None:
    world.open_account()
    plan_id = world.buy("3000.00", 3)
    allocation = world.handle(credit.RepayInstallmentPlan(plan_id, cny("2000.00")))
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
    run = world.handle(credit.RunBills())
    assert run.bills == 1
    bill = world.get(Bill, credit.bills.bill_id(ALICE, date(2026, 3, 1)))
    assert {line.plan_id for line in bill.lines} == {first, second}
    assert world.handle(credit.RunBills()).bills == 0  # a replay bills nobody twice
    repayment = world.handle(credit.RepayCredit(ALICE, bill.total))
    assert repayment.held.is_zero()
    assert repayment.bills_paid == (bill.id,)
    assert world.get(Bill, bill.id).status is BillState.PAID


def test_a_frozen_account_takes_no_purchase(world: CreditWorld) -> None:
    world.open_account()
    world.handle(credit.FreezeCreditAccount(ALICE, "stolen phone reported"))
    with pytest.raises(credit.AccountFrozen):
        world.buy("100.00", 3)
    world.handle(credit.UnfreezeCreditAccount(ALICE))
    world.buy("100.00", 3)
