"""The rules that used to sit in credit's services, now in the model: each records its
event, and each refusal leaves the aggregates exactly as they were."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from merx import credit
from merx.credit import (
    ConsentMissing,
    CreditAccountOpened,
    CreditApplication,
    CreditApplicationApproved,
    CreditApplicationRejected,
    CreditApplicationSubmitted,
    CreditDeclined,
    CreditLimitChanged,
    PlanId,
    RiskAssessment,
    RiskCheck,
    ScoringFacts,
    SealedIdentity,
)
from merx.credit.limits import ApplicationState, Consent
from merx.kernel.errors import (
    AlreadyExists,
    IdempotencyConflict,
    IllegalTransition,
    NotFound,
    ValidationError,
)
from merx.kernel.ids import CustomerId, OrderId
from merx.kernel.vault import Sealed
from merx.schedules import FeePayer, GradePricing, ScheduleMethod, TermOffer
from tests.credit.world import ALICE, GRADE_B, CreditWorld, cny
from tests.credit.world import fresh_account as account

SEALED = SealedIdentity(
    Sealed("vt-name-1", "A****"), Sealed("vt-id_card-2", "1101"), Sealed("vt-phone-3", "138")
)

START = date(2026, 1, 31)
RICHER = GradePricing("A", (TermOffer(12, ScheduleMethod.FLAT_FEE, Decimal("0.005")),))


def facts(customer: CustomerId = ALICE) -> ScoringFacts:
    return ScoringFacts(customer, 30, cny("12000.00"), 12, 0, cny("0"))


def application() -> CreditApplication:
    consent = Consent(True, datetime(2026, 1, 31, 10, tzinfo=UTC), "v1")
    return CreditApplication.submit("capp-1", ALICE, SEALED, consent, facts())


def assessment(approved: bool = True, limit: str = "10000", grade: str = "B") -> RiskAssessment:
    pricing = GRADE_B if grade == "B" else RICHER
    return RiskAssessment(approved, grade, 100, cny(limit), pricing, () if approved else ("low",))


# -- applications ----------------------------------------------------------------------


def test_facts_about_someone_else_refuse_the_application() -> None:
    consent = Consent(True, datetime(2026, 1, 31, 10, tzinfo=UTC), "v1")
    with pytest.raises(ValidationError, match="scoring facts are about"):
        CreditApplication.submit("capp-1", ALICE, SEALED, consent, facts(CustomerId("bob")))
    with pytest.raises(ConsentMissing):  # consent is checked first, as before
        CreditApplication.submit("capp-1", ALICE, SEALED, Consent(False, consent.at, "v1"), facts())


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


# -- the account -----------------------------------------------------------------------


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


def test_a_purchase_asked_again_with_the_same_terms_is_a_replay_of_its_plan() -> None:
    acc = account()
    principal = cny("3000.00")
    assert acc.replayed_purchase(OrderId("o1"), principal, 3) is None
    acc.draw(PlanId("plan-o1"), OrderId("o1"), principal, 3, on=START, fee_payer=FeePayer.MERCHANT)
    assert acc.replayed_purchase(OrderId("o1"), principal, 3, FeePayer.MERCHANT) == "plan-o1"
    before = copy.deepcopy(acc)
    with pytest.raises(IdempotencyConflict):
        acc.replayed_purchase(OrderId("o1"), principal, 3)  # the customer pays now
    with pytest.raises(IdempotencyConflict):
        acc.replayed_purchase(OrderId("o1"), principal, 3, FeePayer.MERCHANT, "campaign:618")
    assert acc == before


def test_the_plan_of_an_order_is_found_or_refused() -> None:
    acc = account()
    acc.draw(PlanId("plan-o1"), OrderId("o1"), cny("3000.00"), 3, on=START)
    assert acc.plan_of(OrderId("o1")) == PlanId("plan-o1")
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


# -- through the bus -------------------------------------------------------------------


def test_reassessing_through_the_bus_records_the_limit_change(world: CreditWorld) -> None:
    world.open_account(limit="1000")
    richer = ScoringFacts(ALICE, 40, cny("19000.00"), 36, 0, cny("0"))
    limit = world.handle(credit.ReassessCredit(ALICE, richer))
    assert limit > cny("1000")
    assert world.events.of(CreditLimitChanged)[-1] == CreditLimitChanged(
        ALICE, limit, "reassessed as grade A"
    )
