"""Decisions wired into the cashier, through ``app.handle``: the installment terms offered
(``checkout.installment_offer``) and the transaction authentication
(``payment.authentication``). No scenario, a failed or switched-off one: today's behaviour."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

from merx import checkout, credit, orders, payments
from merx.adapters.memory import MemoryTagCatalog
from merx.app import MemoryApp, build_memory_app
from merx.decisions import (
    Access,
    Output,
    Permission,
    PublishScenario,
    Reason,
    SaveScenarioDraft,
    ScenarioDefinition,
    Strategy,
    SwitchScenario,
    ValueType,
    parse_rule,
)
from merx.payments import AuthFactor
from merx.payments.ports import RiskDecision
from tests.decisions.world import TagValuesThatFail

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_installments as j4

OFFER = "checkout.installment_offer"
AUTH = "payment.authentication"


def app_with_tags(new_user: object = True) -> tuple[MemoryApp, TagValuesThatFail]:
    catalog = MemoryTagCatalog()
    catalog.define("new_user", ValueType.BOOL)
    values = TagValuesThatFail()
    values.set(j4.MEI, {"new_user": new_user})
    return build_memory_app(tag_catalog=catalog, tag_values=values), values


def publish(app: MemoryApp, key: str, caller: str, newcomer: Output, default: Output) -> None:
    definition = ScenarioDefinition(
        inputs=(),
        callers=(Permission(caller, {Access.API}),),
        strategies=(Strategy("newcomers", parse_rule("new_user = true"), newcomer),),
        default=default,
    )
    app.handle(SaveScenarioDraft(key, definition))
    app.handle(PublishScenario(key))


def placed(app: MemoryApp) -> orders.PlacedOrder:
    j4.set_up(app, lambda line: None)
    j4.apply_for_credit(app, lambda line: None)
    app.handle(checkout.AddToCart(j4.MEI, j4.PHONE, 1))
    return app.handle(orders.PlaceOrder(j4.MEI))


def pay(app: MemoryApp, order: orders.PlacedOrder, months: int) -> payments.PaymentOutcome:
    return app.handle(payments.PayByInstallments(order.parent_id, months))


# -- checkout.installment_offer ------------------------------------------------------------


def test_the_offer_decision_narrows_the_terms_and_a_term_outside_it_changes_nothing() -> None:
    app, _ = app_with_tags()
    publish(app, OFFER, "checkout", Output("short", materials=("3", "6")), Output("all"))
    order = placed(app)
    before = copy.deepcopy(app.store.tables)
    with pytest.raises(credit.TermNotAllowed, match=r"offered: \[3, 6\]"):
        pay(app, order, 12)
    assert app.store.tables == before
    assert pay(app, order, 6).status is payments.PaymentStatus.SUCCEEDED


def test_an_offer_default_without_terms_offers_every_term_of_the_grade() -> None:
    app, _ = app_with_tags(new_user=False)
    publish(app, OFFER, "checkout", Output("short", materials=("3",)), Output("all"))
    assert app.decide(OFFER, j4.MEI, caller="checkout").reason is Reason.DEFAULT
    assert pay(app, placed(app), 12).status is payments.PaymentStatus.SUCCEEDED


def test_without_an_offer_scenario_every_term_of_the_grade_is_offered() -> None:
    app, _ = app_with_tags()
    assert pay(app, placed(app), 24).status is payments.PaymentStatus.SUCCEEDED


@pytest.mark.parametrize("broken", ["switched off", "tag service down"])
def test_a_failed_offer_decision_falls_back_to_every_term(broken: str) -> None:
    app, values = app_with_tags()
    publish(
        app, OFFER, "checkout", Output("short", materials=("3",)), Output("none", materials=("1",))
    )
    if broken == "switched off":
        app.handle(SwitchScenario(OFFER, False))
        reason = Reason.DISABLED
    else:
        values.down = True
        reason = Reason.ERROR
    assert app.decide(OFFER, j4.MEI, caller="checkout").reason is reason
    assert pay(app, placed(app), 12).status is payments.PaymentStatus.SUCCEEDED


def test_a_customer_with_no_tag_value_gets_the_scenarios_default_offer() -> None:
    app, values = app_with_tags()
    publish(
        app,
        OFFER,
        "checkout",
        Output("short", materials=("3",)),
        Output("no_long", materials=("3", "6")),
    )
    values.values[j4.MEI] = {}  # the rule does not hold: the operator's default applies
    assert app.decide(OFFER, j4.MEI, caller="checkout").reason is Reason.DEFAULT
    order = placed(app)
    with pytest.raises(credit.TermNotAllowed):
        pay(app, order, 12)
    assert pay(app, order, 6).status is payments.PaymentStatus.SUCCEEDED


def test_offer_materials_that_are_not_months_offer_every_term() -> None:
    app, _ = app_with_tags()
    publish(app, OFFER, "checkout", Output("short", materials=("three",)), Output("all"))
    assert pay(app, placed(app), 12).status is payments.PaymentStatus.SUCCEEDED


# -- payment.authentication ----------------------------------------------------------------


def test_the_authentication_decision_asks_new_users_for_an_sms_code() -> None:
    app, _ = app_with_tags()
    publish(app, AUTH, "payments", Output("sms"), Output("none"))
    order = placed(app)
    waiting = pay(app, order, 6)
    assert waiting.status is payments.PaymentStatus.AWAITING_AUTHENTICATION
    with pytest.raises(payments.WrongAuthenticationFactor):
        app.handle(payments.AuthenticateTransaction(waiting.payment_id, AuthFactor.FACE, "x"))
    done = app.handle(
        payments.AuthenticateTransaction(waiting.payment_id, AuthFactor.SMS, "000000")
    )
    assert done.status is payments.PaymentStatus.SUCCEEDED


def test_the_authentication_decision_none_lets_the_payment_through() -> None:
    app, _ = app_with_tags()
    publish(app, AUTH, "payments", Output("none"), Output("sms"))
    order = placed(app)
    app.risk.decide_next(RiskDecision.authenticate(AuthFactor.PASSWORD, "card"))
    assert pay(app, order, 6).status is payments.PaymentStatus.SUCCEEDED


def test_risk_control_denial_stands_whatever_the_authentication_decision() -> None:
    app, _ = app_with_tags()
    publish(app, AUTH, "payments", Output("none"), Output("none"))
    order = placed(app)
    app.risk.deny_customer(j4.MEI, "device on the fraud list")
    before = copy.deepcopy(app.store.tables)
    with pytest.raises(payments.PaymentDenied, match="fraud list"):
        pay(app, order, 6)
    assert app.store.tables == before


@pytest.mark.parametrize("configured", [False, True])
def test_without_an_authentication_decision_risk_control_decides(configured: bool) -> None:
    app, values = app_with_tags()
    if configured:  # a scenario whose decision fails: the tag service is down
        publish(app, AUTH, "payments", Output("none"), Output("none"))
        values.down = True
        assert app.decide(AUTH, j4.MEI, caller="payments").reason is Reason.ERROR
    order = placed(app)
    app.risk.decide_next(RiskDecision.authenticate(AuthFactor.PASSWORD, "card"))
    assert pay(app, order, 6).status is payments.PaymentStatus.AWAITING_AUTHENTICATION
    assert app.risk.assessments[-1].decision.factor is AuthFactor.PASSWORD


def test_an_authentication_variant_that_is_no_factor_keeps_risk_controls_answer() -> None:
    app, _ = app_with_tags()
    publish(app, AUTH, "payments", Output("retina"), Output("none"))
    assert pay(app, placed(app), 6).status is payments.PaymentStatus.SUCCEEDED


def test_a_caller_the_scenario_does_not_permit_keeps_todays_behaviour() -> None:
    app, _ = app_with_tags()
    publish(app, AUTH, "risk-desk", Output("sms"), Output("sms"))
    assert pay(app, placed(app), 6).status is payments.PaymentStatus.SUCCEEDED
