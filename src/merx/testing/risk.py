"""The contracts of the answer-only ports: ``TransactionRisk`` and ``ChannelHealth``
(:mod:`merx.payments.ports`), ``CreditScorer`` (:mod:`merx.credit.ports`).

Run one against an adapter by subclassing its suite and providing its fixture, a factory
of fresh adapters: :class:`TransactionRiskContract` asks for ``make_risk``,
:class:`CreditScorerContract` for ``make_scorer``, :class:`ChannelHealthContract` for
``make_health``. These ports only answer, so they need no test hooks::

    class TestRiskService(TransactionRiskContract):
        @pytest.fixture
        def make_risk(self) -> Callable[[], TransactionRisk]:
            return lambda: RiskServiceClient(sandbox_credentials())

``TransactionRisk``: ``assess`` is a query (asked again, it answers the same and changes
nothing) and ``verify`` answers the same for the same proof. ``CreditScorer``: the same
facts give the same assessment; an approved one has a positive limit in the income's
currency and offers at least one term; a declined one says why; ``check_purchase`` is a
query and a refusal says why. ``ChannelHealth``: a plain, repeatable yes or no.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from merx.credit import CreditScorer, ScoringFacts
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money
from merx.payments import AuthFactor, ChannelHealth, TransactionRisk
from merx.payments.ports import RiskVerdict

CHANNELS = st.sampled_from(["alipay", "wechat_pay", "bank_card", "installments"])
AMOUNTS = st.integers(1, 10_000_000).map(lambda minor: Money.from_minor(minor, "CNY"))
FACTS = st.builds(
    ScoringFacts,
    customer_id=st.just(CustomerId("c1")),
    age_years=st.integers(0, 90),
    monthly_income=st.integers(0, 10_000_000).map(lambda m: Money.from_minor(m, "CNY")),
    months_on_platform=st.integers(0, 120),
    late_payments_last_year=st.integers(0, 12),
    existing_debt=st.integers(0, 50_000_000).map(lambda m: Money.from_minor(m, "CNY")),
)


class TransactionRiskContract:
    """The contract of a ``TransactionRisk`` adapter. Subclass it under a name pytest
    collects and provide the fixture ``make_risk`` (``Callable[[], TransactionRisk]``)."""

    def test_risk_assessment_is_a_query(self, make_risk: Callable[[], TransactionRisk]) -> None:
        @given(
            customer=st.sampled_from(["amy", "ben"]),
            amount=AMOUNTS,
            channel=CHANNELS,
            method=st.sampled_from(["balance", "bank_card", "6 months"]),
        )
        def check(customer: str, amount: Money, channel: str, method: str) -> None:
            risk = make_risk()
            answers = [
                risk.assess(
                    customer_id=customer,
                    parent_id="p1",
                    amount=amount,
                    channel=channel,
                    method=method,
                )
                for _ in range(2)
            ]
            first = answers[0]
            assert answers[1] == first
            assert (first.factor is not None) == (first.verdict is RiskVerdict.AUTHENTICATE)
            assert first.verdict is not RiskVerdict.DENY or first.reason

        check()

    def test_verifying_a_proof_answers_the_same_when_asked_again(
        self, make_risk: Callable[[], TransactionRisk]
    ) -> None:
        @given(factor=st.sampled_from(AuthFactor), proof=st.text(max_size=12))
        def check(factor: AuthFactor, proof: str) -> None:
            risk = make_risk()
            first = risk.verify(payment_id="pay-1", factor=factor, proof=proof)
            assert risk.verify(payment_id="pay-1", factor=factor, proof=proof) is first

        check()


class CreditScorerContract:
    """The contract of a ``CreditScorer`` adapter. Subclass it under a name pytest
    collects and provide the fixture ``make_scorer`` (``Callable[[], CreditScorer]``)."""

    def test_an_assessment_depends_on_the_facts_alone_and_is_coherent(
        self, make_scorer: Callable[[], CreditScorer]
    ) -> None:
        @given(facts=FACTS)
        def check(facts: ScoringFacts) -> None:
            scorer = make_scorer()
            first = scorer.assess(facts)
            assert scorer.assess(facts) == first
            assert first.limit.currency == facts.monthly_income.currency
            if first.approved:
                assert first.limit.is_positive()
                assert first.pricing.offers
            else:
                assert first.reasons
                assert first.limit.is_zero()

        check()

    def test_a_purchase_check_is_a_query_and_a_refusal_says_why(
        self, make_scorer: Callable[[], CreditScorer]
    ) -> None:
        @given(principal=AMOUNTS, term=st.sampled_from([3, 6, 12]))
        def check(principal: Money, term: int) -> None:
            scorer = make_scorer()
            first = scorer.check_purchase(CustomerId("c1"), principal, term)
            assert scorer.check_purchase(CustomerId("c1"), principal, term) == first
            assert first.approved or first.reason

        check()


class ChannelHealthContract:
    """The contract of a ``ChannelHealth`` adapter. Subclass it under a name pytest
    collects and provide the fixture ``make_health`` (``Callable[[], ChannelHealth]``)."""

    def test_channel_health_is_a_repeatable_yes_or_no(
        self, make_health: Callable[[], ChannelHealth]
    ) -> None:
        @given(channel=CHANNELS)
        def check(channel: str) -> None:
            health = make_health()
            first = health.is_available(channel)
            assert isinstance(first, bool)
            assert health.is_available(channel) is first

        check()
