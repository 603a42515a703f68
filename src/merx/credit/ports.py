"""Ports of the credit context: the risk engine that grades customers and checks purchases.

A :class:`CreditScorer` turns what a customer declared and what the platform knows
(:class:`ScoringFacts`) into a :class:`RiskAssessment`: a grade, a limit and the grade's
pricing. At payment it checks each installment purchase in real time
(:meth:`CreditScorer.check_purchase`): the customer's risk may have changed since the
limit was granted. The in-memory adapter is a documented scorecard
(``merx.adapters.memory.scorer``).
"""

from __future__ import annotations

from typing import Protocol

import attrs

from merx.kernel.errors import ValidationError
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money
from merx.schedules import GradePricing


@attrs.frozen
class ScoringFacts:
    """What a scorecard scores: declared by the customer or known to the platform."""

    customer_id: CustomerId
    age_years: int
    monthly_income: Money
    months_on_platform: int
    late_payments_last_year: int
    existing_debt: Money

    def __attrs_post_init__(self) -> None:
        for name in ("age_years", "months_on_platform", "late_payments_last_year"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationError(f"{name} must be a whole number >= 0, not {value!r}")
        for name in ("monthly_income", "existing_debt"):
            value = getattr(self, name)
            if not isinstance(value, Money) or value.is_negative():
                raise ValidationError(f"{name} must be a Money >= 0, not {value!r}")


@attrs.frozen
class RiskAssessment:
    """A grade, the limit it earns and its pricing; ``approved`` False declines credit."""

    approved: bool
    grade: str
    score: int
    limit: Money
    pricing: GradePricing
    reasons: tuple[str, ...] = ()


@attrs.frozen
class RiskCheck:
    """The real-time decision on one installment purchase."""

    approved: bool
    reason: str | None = None


class CreditScorer(Protocol):
    """Port: the risk engine."""

    def assess(self, facts: ScoringFacts) -> RiskAssessment:
        """Grade a customer: the grade, the limit and the pricing of the grade."""
        ...

    def check_purchase(
        self, customer_id: CustomerId, principal: Money, term_months: int
    ) -> RiskCheck:
        """May this customer buy ``principal`` over ``term_months`` now?"""
        ...
