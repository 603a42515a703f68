"""Contracts of the answer-only ports, run against every adapter listed.

``TransactionRisk``: ``assess`` is a query (asked again, it answers the same and changes
nothing) and ``verify`` answers the same for the same proof. ``CreditScorer``: the same
facts give the same assessment; an approved one has a positive limit in the income's
currency and offers at least one term; a declined one says why; ``check_purchase`` is a
query and a refusal says why. ``ChannelHealth``: a plain, repeatable yes or no.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.adapters.memory import MemoryChannelHealth, MemoryCreditScorer, MemoryTransactionRisk
from merx.adapters.memory.risk import RiskRules
from merx.credit import CreditScorer
from merx.credit.ports import ScoringFacts
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money
from merx.payments import AuthFactor, ChannelHealth, TransactionRisk
from merx.payments.ports import RiskVerdict

#: Every adapter of each port: a real adapter (or a sandbox) adds its factory here.
RISK_ADAPTERS: dict[str, Callable[[], TransactionRisk]] = {
    "memory-standard": lambda: MemoryTransactionRisk(RiskRules.standard()),
    "memory-open": MemoryTransactionRisk,
}
SCORER_ADAPTERS: dict[str, Callable[[], CreditScorer]] = {"memory": MemoryCreditScorer}
HEALTH_ADAPTERS: dict[str, Callable[[], ChannelHealth]] = {
    "memory": MemoryChannelHealth,
    "memory-down": lambda: MemoryChannelHealth(down=["bank_card"]),
}

CHANNELS = st.sampled_from(["alipay", "wechat_pay", "bank_card", "installments"])
AMOUNTS = st.integers(1, 10_000_000).map(lambda minor: Money.from_minor(minor, "CNY"))


@pytest.mark.parametrize("make", RISK_ADAPTERS.values(), ids=list(RISK_ADAPTERS))
@given(
    customer=st.sampled_from(["amy", "ben"]),
    amount=AMOUNTS,
    channel=CHANNELS,
    method=st.sampled_from(["balance", "bank_card", "6 months"]),
)
def test_risk_assessment_is_a_query(
    make: Callable[[], TransactionRisk], customer: str, amount: Money, channel: str, method: str
) -> None:
    risk = make()
    answers = [
        risk.assess(
            customer_id=customer, parent_id="p1", amount=amount, channel=channel, method=method
        )
        for _ in range(2)
    ]
    first = answers[0]
    assert answers[1] == first
    assert (first.factor is not None) == (first.verdict is RiskVerdict.AUTHENTICATE)
    assert first.verdict is not RiskVerdict.DENY or first.reason


@pytest.mark.parametrize("make", RISK_ADAPTERS.values(), ids=list(RISK_ADAPTERS))
@given(factor=st.sampled_from(AuthFactor), proof=st.text(max_size=12))
def test_verifying_a_proof_answers_the_same_when_asked_again(
    make: Callable[[], TransactionRisk], factor: AuthFactor, proof: str
) -> None:
    risk = make()
    first = risk.verify(payment_id="pay-1", factor=factor, proof=proof)
    assert risk.verify(payment_id="pay-1", factor=factor, proof=proof) is first


FACTS = st.builds(
    ScoringFacts,
    customer_id=st.just(CustomerId("c1")),
    age_years=st.integers(0, 90),
    monthly_income=st.integers(0, 10_000_000).map(lambda m: Money.from_minor(m, "CNY")),
    months_on_platform=st.integers(0, 120),
    late_payments_last_year=st.integers(0, 12),
    existing_debt=st.integers(0, 50_000_000).map(lambda m: Money.from_minor(m, "CNY")),
)


@pytest.mark.parametrize("make", SCORER_ADAPTERS.values(), ids=list(SCORER_ADAPTERS))
@given(facts=FACTS)
def test_an_assessment_depends_on_the_facts_alone_and_is_coherent(
    make: Callable[[], CreditScorer], facts: ScoringFacts
) -> None:
    scorer = make()
    first = scorer.assess(facts)
    assert scorer.assess(facts) == first
    assert first.limit.currency == facts.monthly_income.currency
    if first.approved:
        assert first.limit.is_positive()
        assert first.pricing.offers
    else:
        assert first.reasons
        assert first.limit.is_zero()


@pytest.mark.parametrize("make", SCORER_ADAPTERS.values(), ids=list(SCORER_ADAPTERS))
@given(principal=AMOUNTS, term=st.sampled_from([3, 6, 12]))
def test_a_purchase_check_is_a_query_and_a_refusal_says_why(
    make: Callable[[], CreditScorer], principal: Money, term: int
) -> None:
    scorer = make()
    first = scorer.check_purchase(CustomerId("c1"), principal, term)
    assert scorer.check_purchase(CustomerId("c1"), principal, term) == first
    assert first.approved or first.reason


@pytest.mark.parametrize("make", HEALTH_ADAPTERS.values(), ids=list(HEALTH_ADAPTERS))
@given(channel=CHANNELS)
def test_channel_health_is_a_repeatable_yes_or_no(
    make: Callable[[], ChannelHealth], channel: str
) -> None:
    health = make()
    first = health.is_available(channel)
    assert isinstance(first, bool)
    assert health.is_available(channel) is first
