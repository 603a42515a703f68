"""Pricing: the terms a risk grade may buy, and an offer priced into a schedule.

A :class:`GradePricing` is a grade's price list, one :class:`TermOffer` per term allowed.
:func:`price_plan` turns an offer into the customer's schedule and, for an interest-free
plan (the merchant or the platform pays, :class:`FeePayer`), the payer's cost: the
interest and fees of the priced schedule, while the customer's schedule charges nothing.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import attrs

from merx.kernel.errors import ValidationError
from merx.kernel.money import Money
from merx.schedules.errors import InvalidPlan
from merx.schedules.model import (
    InstallmentTerms,
    Schedule,
    ScheduleMethod,
    build_schedule,
    require_term,
)


class FeePayer(enum.Enum):
    CUSTOMER = "customer"
    MERCHANT = "merchant"  # interest-free for the customer, paid by the merchant
    PLATFORM = "platform"  # interest-free for the customer, paid by the platform


@attrs.frozen
class TermOffer:
    """Installments over ``term_months`` by ``method`` at ``rate`` (an annual rate for the
    interest methods, a fee rate per period for ``flat_fee``)."""

    term_months: int
    method: ScheduleMethod
    rate: Decimal

    def __attrs_post_init__(self) -> None:
        require_term(self.term_months)
        if not isinstance(self.method, ScheduleMethod):
            raise InvalidPlan(f"method must be a ScheduleMethod, not {self.method!r}")
        if not isinstance(self.rate, Decimal) or not self.rate.is_finite() or self.rate < 0:
            raise InvalidPlan(f"rate must be a Decimal >= 0, not {self.rate!r}")

    def terms(self, principal: Money, start: date) -> InstallmentTerms:
        """``principal`` from ``start`` on this offer."""
        interest = self.method.charges_interest
        return InstallmentTerms(
            principal=principal,
            term_months=self.term_months,
            method=self.method,
            start=start,
            annual_rate=self.rate if interest else Decimal(0),
            period_fee_rate=Decimal(0) if interest else self.rate,
        )


@attrs.frozen
class GradePricing:
    """What a risk grade may buy: one offer per term allowed."""

    grade: str
    offers: tuple[TermOffer, ...]

    def __attrs_post_init__(self) -> None:
        terms = [offer.term_months for offer in self.offers]
        if len(set(terms)) != len(terms):
            raise ValidationError(f"grade {self.grade!r} prices a term twice: {terms}")

    @property
    def terms_allowed(self) -> tuple[int, ...]:
        return tuple(sorted(offer.term_months for offer in self.offers))

    def offer_for(self, term_months: int) -> TermOffer | None:
        """The offer for ``term_months``; ``None`` when the grade does not offer the term
        (whether that refuses a purchase is the credit context's rule)."""
        for offer in self.offers:
            if offer.term_months == term_months:
                return offer
        return None


def price_plan(
    offer: TermOffer, principal: Money, start: date, fee_payer: FeePayer
) -> tuple[Schedule, Money]:
    """The customer's schedule for ``offer`` and what a merchant or the platform pays.

    For an interest-free plan the customer's schedule charges nothing and the payer's cost
    is the interest and fees of the priced schedule."""
    terms = offer.terms(principal, start)
    priced = build_schedule(terms)
    if fee_payer is FeePayer.CUSTOMER:
        return priced, Money.zero(principal.currency)
    return build_schedule(terms.free_of_charge()), priced.total_cost
