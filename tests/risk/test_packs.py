"""The built-in rule packs on worked cases: each pack catches its pattern and lets the
ordinary case through, and every decision explains which rules fired with which values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import attrs
import pytest

from merx import risk
from merx.app.risk import install_risk_rules
from merx.payments import AuthFactor
from tests.risk.world import A, Asker, advance, cny, risky_app

DENY, REVIEW, ALLOW = risk.Outcome.DENY, risk.Outcome.REVIEW, risk.Outcome.ALLOW


def link_ring(asker: Asker, buyers: list[str], device: str) -> None:
    for buyer in buyers:
        asker.app.handle(risk.LinkIdentity(buyer, risk.KeyKind.DEVICE, device))


# -- anti-order-brushing ------------------------------------------------------------------------


def test_a_brushing_ring_of_five_linked_buyers_is_caught() -> None:
    asker = Asker(risky_app())
    ring = [f"buyer{i}" for i in range(1, 6)]
    link_ring(asker, ring, "dev-ring")
    outcomes = [
        asker.transaction(A.ORDER, buyer, "19.90", counterparty="shop-m").outcome for buyer in ring
    ]
    assert outcomes == [ALLOW, ALLOW, REVIEW, REVIEW, REVIEW]
    last = asker.transaction(A.ORDER, "buyer1", "19.90", counterparty="shop-m")
    assert last.fired == (
        risk.FiredRule(
            "brushing_linked_buyers", REVIEW, None, (("merchant_linked_buyers_24h", "5"),)
        ),
    )
    assert last.case_id == last.decision_id


def test_a_normal_returning_customer_is_not_caught() -> None:
    asker = Asker(risky_app())
    for _ in range(8):  # the same customer, from their own phone, again and again
        decided = asker.transaction(
            A.ORDER, "loyal", "199.00", counterparty="shop-m", device="dev-loyal"
        )
        assert decided.outcome is ALLOW
        assert decided.fired == ()
        advance(asker.app, timedelta(days=2))


def test_buyers_of_other_merchants_or_a_day_apart_are_no_ring() -> None:
    asker = Asker(risky_app())
    ring = [f"b{i}" for i in range(5)]
    link_ring(asker, ring, "dev")
    for i, buyer in enumerate(ring):  # five shops: no merchant sees a group
        assert asker.transaction(A.ORDER, buyer, "9.90", counterparty=f"m{i}").outcome is ALLOW
    for buyer in ring:  # one shop, a day apart each
        advance(asker.app, timedelta(days=1, seconds=1))
        assert asker.transaction(A.ORDER, buyer, "9.90", counterparty="m").outcome is ALLOW


def test_a_buyer_linked_to_the_merchant_is_a_self_purchase() -> None:
    asker = Asker(risky_app())
    asker.app.handle(risk.LinkIdentity("merchant-7", risk.KeyKind.PHONE, "digest-of-phone"))
    asker.app.handle(risk.LinkIdentity("alt-account", risk.KeyKind.PHONE, "digest-of-phone"))
    decided = asker.transaction(A.ORDER, "alt-account", "88.00", counterparty="merchant-7")
    assert decided.outcome is DENY
    assert decided.fired[0].values == (("self_purchase", "true"),)
    assert (
        asker.transaction(A.ORDER, "stranger", "88.00", counterparty="merchant-7").outcome is ALLOW
    )


def test_a_merchant_whose_orders_are_never_really_delivered_is_reviewed() -> None:
    asker = Asker(risky_app())
    for n in range(5):
        asker.app.handle(risk.NoteDelivery("m-empty", f"o{n}", tracked=False))
        asker.app.handle(risk.NoteDelivery("m-empty", f"o{n}", tracked=False))  # once each
        asker.app.handle(risk.NoteDelivery("m-good", f"o{n}", tracked=True))
    assert asker.transaction(A.ORDER, "c", "10.00", counterparty="m-good").outcome is ALLOW
    decided = asker.transaction(A.ORDER, "c", "10.00", counterparty="m-empty")
    assert decided.rules == ("brushing_untracked",)
    assert decided.fired[0].values == (("merchant_untracked_30d", "5"),)


# -- anti-money-laundering -------------------------------------------------------------------


def test_structured_payments_just_under_the_threshold_are_caught() -> None:
    asker = Asker(risky_app())
    first = [asker.transaction(A.PAYMENT, "mule", "49000.00").outcome for _ in range(2)]
    third = asker.transaction(A.PAYMENT, "mule", "48500.00")
    assert first == [ALLOW, ALLOW]
    assert third.outcome is REVIEW
    assert third.fired[0] == risk.FiredRule(
        "aml_structured", REVIEW, None, (("near_threshold_24h", "3"),)
    )


def test_ordinary_payments_and_payments_spread_over_days_are_not_structured() -> None:
    asker = Asker(risky_app())
    for _ in range(5):
        assert asker.transaction(A.PAYMENT, "shopper", "3000.00").outcome is ALLOW
    for _ in range(5):
        assert asker.transaction(A.PAYMENT, "saver", "49000.00").outcome is ALLOW
        advance(asker.app, timedelta(days=1))


def test_a_large_payment_is_reviewed_with_its_amount_in_the_explanation() -> None:
    decided = Asker(risky_app()).transaction(A.PAYMENT, "big", "50000.00")
    assert decided.outcome is REVIEW
    assert decided.fired[0].values == (("amount", "50000.00"),)


def test_a_merchant_withdrawing_what_it_just_received_is_reviewed() -> None:
    asker = Asker(risky_app())
    for n in range(4):
        asker.transaction(A.PAYMENT, f"payer{n}", "4000.00", counterparty="m-wash")
    decided = asker.transaction(A.WITHDRAWAL, "m-wash", "15000.00")
    assert decided.outcome is REVIEW
    assert dict(decided.fired[0].values) == {"inflow_share_pct": "93", "inflow_24h": "16000.00"}
    advance(asker.app, timedelta(days=1))
    assert asker.transaction(A.WITHDRAWAL, "m-wash", "1000.00").outcome is ALLOW


def test_many_small_payments_from_many_payers_to_one_merchant_are_reviewed() -> None:
    asker = Asker(risky_app())
    outcomes = [
        asker.transaction(A.PAYMENT, f"p{n}", "9.99", counterparty="m-fan").outcome
        for n in range(20)
    ]
    assert outcomes[:19] == [ALLOW] * 19
    assert outcomes[19] is REVIEW


# -- anti-wool-pulling ------------------------------------------------------------------------


def test_a_new_users_single_claim_is_allowed() -> None:
    asker = Asker(risky_app())
    decided = asker.transaction(A.COUPON_CLAIM, "newbie", campaign="c-new", device="dev-n")
    assert decided.outcome is ALLOW
    assert decided.fired == ()


def test_coupon_farming_from_one_device_is_caught() -> None:
    asker = Asker(risky_app())
    outcomes = [
        asker.transaction(A.COUPON_CLAIM, f"farm{n}", campaign=f"c{n}", device="dev-farm").outcome
        for n in range(6)
    ]
    assert outcomes == [ALLOW] * 4 + [DENY] * 2


def test_a_new_user_coupon_claimed_by_a_linked_account_is_denied() -> None:
    asker = Asker(risky_app())
    asker.app.handle(risk.LinkIdentity("first", risk.KeyKind.CARD, "card-digest"))
    asker.app.handle(risk.LinkIdentity("second", risk.KeyKind.CARD, "card-digest"))
    assert asker.transaction(A.COUPON_CLAIM, "first", campaign="newcomer").outcome is ALLOW
    again = asker.transaction(A.COUPON_CLAIM, "second", campaign="newcomer")
    assert again.outcome is DENY
    assert again.fired[0].values == (("linked_claims", "1"),)
    assert asker.transaction(A.COUPON_CLAIM, "second", campaign="other").outcome is ALLOW


def test_refunds_again_and_again_after_coupons_are_reviewed() -> None:
    asker = Asker(risky_app())
    asker.transaction(A.COUPON_CLAIM, "wool", campaign="c1")
    outcomes = [asker.transaction(A.REFUND, "wool", "30.00").outcome for _ in range(3)]
    assert outcomes == [ALLOW, ALLOW, REVIEW]
    assert [asker.transaction(A.REFUND, "plain", "30.00").outcome for _ in range(3)] == [ALLOW] * 3


# -- user control ---------------------------------------------------------------------------


def test_one_device_registering_many_accounts_is_denied() -> None:
    asker = Asker(risky_app())
    outcomes = [
        asker.user(A.REGISTER, f"acct{n}", device="dev-farm", ip_digest="ip-1").outcome
        for n in range(4)
    ]
    assert outcomes == [ALLOW, ALLOW, DENY, DENY]
    with asker.app.unit_of_work() as uow:
        assert risk.linked_accounts_of(uow, "acct0") == {"acct1", "acct2", "acct3"}


def test_sms_code_abuse_by_phone_is_denied_and_ends_with_the_hour() -> None:
    asker = Asker(risky_app())
    outcomes = [asker.user(A.SMS_CODE, "u", phone_digest="ph-1").outcome for _ in range(7)]
    assert outcomes == [ALLOW] * 5 + [DENY] * 2
    advance(asker.app, timedelta(hours=1))
    assert asker.user(A.SMS_CODE, "u", phone_digest="ph-1").outcome is ALLOW


def test_a_login_burst_is_challenged_by_sms() -> None:
    asker = Asker(risky_app())
    decided = [asker.user(A.LOGIN, f"v{n}", device="dev-x") for n in range(10)]
    assert decided[8].outcome is ALLOW
    assert (decided[9].outcome, decided[9].factor) == (risk.Outcome.CHALLENGE, AuthFactor.SMS)


# -- lists -------------------------------------------------------------------------------------


def test_lists_black_denies_white_allows_grey_is_a_fact() -> None:
    asker = Asker(risky_app())
    app = asker.app
    app.handle(risk.ListKey(risk.KeyKind.DEVICE, "dev-bad", risk.ListColor.BLACK, "stolen"))
    decided = asker.user(A.LOGIN, "anyone", device="dev-bad")
    assert (decided.outcome, decided.rules) == (DENY, ("list_black_device",))
    app.handle(risk.ListKey(risk.KeyKind.ACCOUNT, "vip", risk.ListColor.WHITE, "checked"))
    white = asker.transaction(A.PAYMENT, "vip", "90000.00")  # the rules it overrode, listed
    assert (white.outcome, white.rules) == (ALLOW, ("list_white", "aml_large_amount"))
    app.handle(risk.ListKey(risk.KeyKind.ACCOUNT, "grey", risk.ListColor.GREY, "disputes"))
    decided = asker.user(A.LOGIN, "grey")
    assert (decided.outcome, decided.factor) == (risk.Outcome.CHALLENGE, AuthFactor.FACE)
    app.handle(risk.UnlistKey(risk.KeyKind.ACCOUNT, "grey"))
    assert asker.user(A.LOGIN, "grey").outcome is ALLOW


# -- versions, idempotency, events -------------------------------------------------------------


def test_an_edited_pack_is_a_new_version_and_decisions_name_it() -> None:
    app = risky_app()
    asker = Asker(app)
    assert asker.transaction(A.PAYMENT, "p", "30000.00").version == 1
    stricter = [
        attrs.evolve(rule, when="context.amount >= 20000")
        if rule.id == "aml_large_amount"
        else rule
        for rule in risk.standard_rules()
        if rule.action is A.PAYMENT
    ]
    assert install_risk_rules(app, stricter) == {A.PAYMENT: 2}
    decided = asker.transaction(A.PAYMENT, "p", "30000.00")
    assert (decided.outcome, decided.version) == (REVIEW, 2)


def test_a_decision_asked_twice_answers_the_same_and_counts_once() -> None:
    app = risky_app()
    command = risk.AssessTransaction("pay-1", A.PAYMENT, "twice", cny("49000.00"))
    first = app.handle(command)
    assert app.handle(command) == first
    with app.unit_of_work() as uow:
        key = uow.repo(risk.RiskKey).get("account:twice")
        assert [tick.counter for tick in key.ticks] == ["payment_out", "near_threshold"]
    other = risk.AssessTransaction("pay-1", A.PAYMENT, "twice", cny("1.00"))
    with pytest.raises(risk.AssessmentConflict):
        app.handle(other)


def test_each_decision_publishes_risk_decided_without_personal_data() -> None:
    app = risky_app()
    Asker(app).user(A.SMS_CODE, "someone", phone_digest="ph-digest", ip_digest="ip-digest")
    decided = [e for e in app.events.events if isinstance(e, risk.RiskDecided)]
    assert len(decided) == 1
    text = repr(decided[0])
    assert "someone" not in text
    assert "ph-digest" not in text
    assert "ip-digest" not in text
    assert decided[0].action == "sms_code"
    assert decided[0].outcome is ALLOW


def test_no_scenario_allows_and_lists_still_apply() -> None:
    app = risky_app(rules=())
    asker = Asker(app)
    decided = asker.transaction(A.PAYMENT, "x", "999999.00")
    assert (decided.outcome, decided.version, decided.fired) == (ALLOW, None, ())
    app.handle(risk.ListKey(risk.KeyKind.ACCOUNT, "x", risk.ListColor.BLACK, "fraud ring"))
    assert asker.transaction(A.PAYMENT, "x", "1.00").outcome is DENY


def test_bad_input_is_refused_and_changes_nothing() -> None:
    app = risky_app()
    asker = Asker(app)
    bad: list[Callable[[], object]] = [
        lambda: asker.transaction(A.PAYMENT, "x"),  # no amount
        lambda: asker.transaction(A.COUPON_CLAIM, "x"),  # no campaign
        lambda: asker.user(A.PAYMENT, "x"),  # not a user action
        lambda: asker.transaction(A.LOGIN, "x", "1.00"),  # a user action
        lambda: asker.transaction(A.PAYMENT, " ", "1.00"),  # no account
    ]
    for refused in bad:
        with pytest.raises(risk.InvalidRiskInput):
            refused()
    with app.unit_of_work() as uow:
        assert list(uow.repo(risk.RiskKey).ids()) == []
