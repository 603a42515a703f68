"""The rules that used to sit in credit's services, now in the model: each records its
event, and each refusal leaves the aggregates exactly as they were."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from merx import credit
from merx.credit import (
    BillIssued,
    ConsentMissing,
    CreditAccount,
    CreditAccountOpened,
    CreditApplication,
    CreditApplicationApproved,
    CreditApplicationRejected,
    CreditApplicationSubmitted,
    CreditDeclined,
    CreditLimitChanged,
    CreditLimitRestored,
    Identity,
    InstallmentPlan,
    InstallmentPlanCancelled,
    OverpaymentHeld,
    PlanId,
    PlanState,
    ProductSettings,
    RiskAssessment,
    RiskCheck,
    ScoringFacts,
)
from merx.credit.bills import billing_until
from merx.credit.limits import ApplicationState, Consent, PurchaseTerms
from merx.credit.repayment import close_statement, repay_customer, repay_plan
from merx.kernel.errors import (
    AlreadyExists,
    IllegalTransition,
    InvalidAmount,
    NotFound,
    ValidationError,
)
from merx.kernel.ids import CustomerId, OrderId
from merx.kernel.money import Money
from merx.schedules import (
    FeePayer,
    GradePricing,
    InstallmentTerms,
    ScheduleMethod,
    TermOffer,
    build_schedule,
)
from tests.credit.world import CreditWorld

ALICE = CustomerId("alice")
START = date(2026, 1, 31)
FLAT = ScheduleMethod.FLAT_FEE
PRICING = GradePricing(
    "B", (TermOffer(6, FLAT, Decimal("0.006")), TermOffer(3, FLAT, Decimal("0.006")))
)
RICHER = GradePricing("A", (TermOffer(12, FLAT, Decimal("0.005")),))


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def facts(customer: CustomerId = ALICE) -> ScoringFacts:
    return ScoringFacts(customer, 30, cny("12000.00"), 12, 0, cny("0"))


def application() -> CreditApplication:
    consent = Consent(True, datetime(2026, 1, 31, 10, tzinfo=UTC), "v1")
    return CreditApplication.submit(
        "capp-1", ALICE, Identity("Alice Li", "1101", "138"), consent, facts()
    )


def assessment(approved: bool = True, limit: str = "10000", grade: str = "B") -> RiskAssessment:
    pricing = PRICING if grade == "B" else RICHER
    return RiskAssessment(approved, grade, 100, cny(limit), pricing, () if approved else ("low",))


def account(limit: str = "10000.00") -> CreditAccount:
    opened = CreditAccount.open(ALICE, "B", PRICING, cny(limit))
    opened.pull_events()
    return opened


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
    acc.draw(
        plan_id,
        OrderId(order),
        cny(principal),
        3,
        on=start,
        payload=PurchaseTerms(cny(principal), 3, "customer", None),
    )
    plan.pull_events()
    acc.pull_events()
    return plan


# -- applications ------------------------------------------------------------------------


def test_facts_about_someone_else_refuse_the_application() -> None:
    consent = Consent(True, datetime(2026, 1, 31, 10, tzinfo=UTC), "v1")
    with pytest.raises(ValidationError, match="scoring facts are about"):
        CreditApplication.submit(
            "capp-1", ALICE, Identity("A", "1", "1"), consent, facts(CustomerId("bob"))
        )
    with pytest.raises(ConsentMissing):  # consent is checked first, as before
        CreditApplication.submit(
            "capp-1", ALICE, Identity("A", "1", "1"), Consent(False, consent.at, "v1"), facts()
        )


def test_an_approved_application_opens_the_account() -> None:
    app = application()
    opened = app.decide(assessment(), statement_day=5)
    assert opened is not None
    assert (opened.grade, opened.base_limit, opened.statement_day) == ("B", cny("10000"), 5)
    assert [type(e) for e in app.pull_events()] == [
        CreditApplicationSubmitted,
        CreditApplicationApproved,
    ]
    assert [type(e) for e in opened.pull_events()] == [CreditAccountOpened]


def test_a_rejected_application_opens_nothing() -> None:
    app = application()
    assert app.decide(assessment(approved=False)) is None
    assert app.status is ApplicationState.REJECTED
    assert app.reasons == ("low",)
    assert isinstance(app.pending_events[-1], CreditApplicationRejected)


def test_an_application_refused_by_a_bad_statement_day_stays_submitted() -> None:
    app = application()
    before = copy.deepcopy(app)
    with pytest.raises(ValidationError):
        app.decide(assessment(), statement_day=32)
    assert app == before
    assert app.pending_events == before.pending_events
    app.decide(assessment())
    with pytest.raises(IllegalTransition):  # decided once
        app.decide(assessment())


# -- the account -------------------------------------------------------------------------


def test_a_reassessment_earning_more_regrades_and_raises_the_limit() -> None:
    acc = account()
    assert acc.reassess(assessment(limit="20000", grade="A"))
    assert (acc.grade, acc.pricing, acc.base_limit) == ("A", RICHER, cny("20000"))
    assert acc.pull_events() == [CreditLimitChanged(ALICE, cny("20000"), "reassessed as grade A")]


@pytest.mark.parametrize(("approved", "limit"), [(True, "10000"), (True, "5000"), (False, "20000")])
def test_a_reassessment_earning_no_more_changes_nothing(approved: bool, limit: str) -> None:
    acc = account()
    before = copy.deepcopy(acc)
    assert not acc.reassess(assessment(approved, limit, grade="A"))
    assert acc == before
    assert acc.pending_events == []


def test_a_declined_risk_check_refuses_the_purchase_and_changes_nothing() -> None:
    acc = account()
    before = copy.deepcopy(acc)
    acc.admit(OrderId("o1"), cny("100.00"), RiskCheck(True))
    with pytest.raises(CreditDeclined, match="new device"):
        acc.admit(OrderId("o1"), cny("100.00"), RiskCheck(False, "new device"))
    assert acc == before
    assert acc.pending_events == []


def test_options_list_every_term_priced_and_whether_the_limit_covers_it() -> None:
    acc = account("1000.00")
    options = acc.options(cny("1200.00"), START)
    assert [o.offer.term_months for o in options] == [3, 6]
    assert not any(o.within_limit for o in options)
    assert all(o.schedule.terms.start == START for o in options)
    free = acc.options(cny("600.00"), START, fee_payer=FeePayer.MERCHANT)
    assert all(o.within_limit and o.schedule.total_fee.is_zero() for o in free)


def test_following_a_plan_restores_exactly_the_principal_it_repaid() -> None:
    acc = account()
    plan = plan_for(acc)
    before = plan.outstanding_principal_minor
    row = plan.installments[0]
    plan.repay(Money.from_minor(row.owed_total, "CNY"), row.due)
    acc.follow(plan, before)
    assert acc.position(row.due).used == cny("2000.00")
    assert acc.pull_events() == [CreditLimitRestored(ALICE, plan.id, cny("1000.00"))]
    assert plan.id in acc.open_plans


def test_the_plan_of_an_order_is_found_or_refused() -> None:
    acc = account()
    plan = plan_for(acc)
    assert acc.plan_of(OrderId("o1")) == plan.id
    with pytest.raises(NotFound):
        acc.plan_of(OrderId("o2"))


def test_bills_open_and_close_on_the_account_once() -> None:
    acc = account()
    acc.bill_issued("bill:alice:2026-03-01")
    before = copy.deepcopy(acc)
    with pytest.raises(AlreadyExists):
        acc.bill_issued("bill:alice:2026-03-01")
    with pytest.raises(NotFound):
        acc.bill_settled("bill:alice:2026-04-01")
    assert acc == before
    acc.bill_settled("bill:alice:2026-03-01")
    assert acc.open_bills == []


# -- plans -------------------------------------------------------------------------------


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


# -- repayment across the account and its plans ---------------------------------------


def test_a_repayment_holds_what_the_plan_does_not_need() -> None:
    acc = account()
    plan = plan_for(acc)
    allocation = repay_plan(acc, plan, cny("5000.00"), date(2026, 2, 10))
    assert allocation.unapplied.is_positive()
    assert acc.credit == allocation.unapplied
    assert OverpaymentHeld(ALICE, allocation.unapplied) in acc.pending_events


@pytest.mark.parametrize("amount", [Money.of("0", "CNY"), Money.of("10", "USD")])
def test_a_bad_repayment_across_plans_changes_nothing(amount: Money) -> None:
    acc = account()
    plan = plan_for(acc)
    acc_before, plan_before = copy.deepcopy(acc), copy.deepcopy(plan)
    with pytest.raises(InvalidAmount):
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


# -- through the bus: a replay saves nothing ----------------------------------------------


def test_a_replayed_activation_saves_nothing(world: CreditWorld) -> None:
    world.open_account()
    plan_id = world.buy("300.00", 3)
    before = copy.deepcopy(world.store.tables)
    world.handle(credit.ActivateInstallmentPlan(plan_id, world.plan(plan_id).funder_id or ""))
    assert world.store.tables == before  # versions included: nothing was saved


def test_reassessing_through_the_bus_records_the_limit_change(world: CreditWorld) -> None:
    world.open_account(limit="1000")
    richer = ScoringFacts(ALICE, 40, cny("19000.00"), 36, 0, cny("0"))
    limit = world.handle(credit.ReassessCredit(ALICE, richer))
    assert limit > cny("1000")
    assert world.events.of(CreditLimitChanged)[-1] == CreditLimitChanged(
        ALICE, limit, "reassessed as grade A"
    )
