"""A coupon claim screened by ``risk.coupon_claim`` before it is committed: anything but
ALLOW refuses it (a claim cannot wait for a person), nothing claimed; without the
scenario, or with risk control off, claims go on as before."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import customers, promotions, risk
from merx.app import MemoryApp
from merx.kernel.ids import CustomerId
from tests.play.world import coupon_campaign
from tests.risk.world import A, risky_app

REVIEW_ALL = risk.RiskRule(
    "every_claim", A.COUPON_CLAIM, "context.linked_claims >= 0", risk.Outcome.REVIEW
)


def claims_app(rules: tuple[risk.RiskRule, ...], *, on: bool = True) -> tuple[MemoryApp, str]:
    app = risky_app(rules, risk_control=on)
    campaign = coupon_campaign(app, "NEWCOMER", stock=10)
    for who in ("pa", "qi"):  # one phone, two accounts
        app.handle(customers.RegisterCustomer(CustomerId(who), who, "13900000009"))
    return app, campaign


def claim(app: MemoryApp, who: str, campaign: str) -> str:
    return app.handle(promotions.ClaimCoupon(CustomerId(who), campaign))


def promotions_state(app: MemoryApp) -> dict[Any, Any]:
    return copy.deepcopy(
        {k: v for k, v in app.store.tables.items() if k.__module__.startswith("merx.promotions")}
    )


def test_a_claim_by_a_linked_account_is_refused_and_claims_nothing() -> None:
    app, campaign = claims_app(risk.anti_wool_pulling())
    first = claim(app, "pa", campaign)
    before = promotions_state(app)
    with pytest.raises(promotions.ClaimDenied, match="wool_linked_claims"):
        claim(app, "qi", campaign)
    assert promotions_state(app) == before
    with app.unit_of_work() as uow:
        assert uow.repo(promotions.Wallet).find("qi") is None
        assert list(uow.repo(promotions.Wallet).get("pa").coupons) == [first]
        decisions = uow.repo(risk.RiskKey).get("account:qi").decisions
    assert [(d.decision_id, d.outcome) for d in decisions] == [
        ("claim:NEWCOMER#2", risk.Outcome.DENY)
    ]


def test_a_reviewed_claim_is_refused_and_its_case_kept_for_the_record() -> None:
    app, campaign = claims_app((REVIEW_ALL,))
    with pytest.raises(promotions.ClaimDenied, match="every_claim"):
        claim(app, "pa", campaign)
    with app.unit_of_work() as uow:
        assert uow.repo(promotions.Wallet).find("pa") is None
        case = uow.repo(risk.ReviewCase).get("claim:NEWCOMER#1")
    assert case.status is risk.ReviewStatus.OPEN
    app.handle(risk.DecideReview(case.id, risk.ReviewOutcome.APPROVE, "auditor"))
    with app.unit_of_work() as uow:  # an approval claims nothing: the customer claims again
        assert uow.repo(promotions.Wallet).find("pa") is None


def test_an_allowed_claim_is_decided_once_not_again_after_the_fact() -> None:
    app, campaign = claims_app(risk.anti_wool_pulling())
    coupon = claim(app, "pa", campaign)
    with app.unit_of_work() as uow:
        held = uow.repo(risk.RiskKey).get("account:pa")
        assert [(d.decision_id, d.outcome) for d in held.decisions] == [
            (f"claim:{coupon}", risk.Outcome.ALLOW)
        ]
        assert len(held.ticks) == 1
        assert list(uow.repo(promotions.Wallet).get("pa").coupons) == [coupon]


@pytest.mark.parametrize("on", [True, False])
def test_without_the_scenario_or_with_risk_control_off_claims_go_on(on: bool) -> None:
    rules = () if on else risk.anti_wool_pulling()
    app, campaign = claims_app(rules, on=on)
    claim(app, "pa", campaign)
    claim(app, "qi", campaign)
    with app.unit_of_work() as uow:
        assert uow.repo(promotions.Wallet).get("qi").coupons
        if not on:
            assert list(uow.repo(risk.RiskKey).ids()) == []


@settings(max_examples=10, deadline=None)
@given(claims=st.integers(min_value=1, max_value=4))
def test_a_denied_claim_changes_no_coupon_stock_or_wallet(claims: int) -> None:
    deny = risk.RiskRule(
        "no_claims", A.COUPON_CLAIM, "context.linked_claims >= 0", risk.Outcome.DENY
    )
    app, campaign = claims_app((deny,))
    before = promotions_state(app)
    for _ in range(claims):
        with pytest.raises(promotions.ClaimDenied):
            claim(app, "pa", campaign)
    assert promotions_state(app) == before
