"""In-memory :class:`~merx.credit.ports.CreditScorer`: a documented scorecard.

Points, summed (:data:`SCORECARD`):

==========================  ====================================================
age (years)                 under 18: declined; 18-24: 10; 25-34: 25; 35-54: 30; 55+: 20
monthly income              < 3,000: 5; < 8,000: 20; < 20,000: 35; else 45
months on the platform      < 6: 0; < 24: 10; else 20
late payments, last year    0: 25; 1-2: 10; 3+: -20
debt / yearly income        < 20 %: 10; <= 50 %: 0; > 50 %: -15
==========================  ====================================================

Grade by score: A >= 110, B >= 90, C >= 70, D >= 50, else E (declined). The limit is the
monthly income times the grade's multiple, capped (A: 5x up to 50,000; B: 4x up to
20,000; C: 3x up to 10,000; D: 1x up to 3,000), in whole currency units (rounded down).
Pricing per grade (:data:`PRICING`): the terms allowed and the fee per period (flat fee)
or the annual rate (equal installment for the long A-grade term).

Test hooks: :meth:`MemoryCreditScorer.flag` makes every purchase check of a customer
fail (a risk event), :meth:`MemoryCreditScorer.clear` lifts it.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import Final

from merx.credit.ports import RiskAssessment, RiskCheck, ScoringFacts
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money
from merx.schedules import GradePricing, ScheduleMethod, TermOffer

_FLAT = ScheduleMethod.FLAT_FEE


def _flat(grade: str, fee: str, terms: tuple[int, ...]) -> GradePricing:
    return GradePricing(grade, tuple(TermOffer(t, _FLAT, Decimal(fee)) for t in terms))


PRICING: Final[dict[str, GradePricing]] = {
    "A": GradePricing(
        "A",
        (
            *(TermOffer(t, _FLAT, Decimal("0.005")) for t in (3, 6, 9, 12)),
            TermOffer(24, ScheduleMethod.EQUAL_INSTALLMENT, Decimal("0.10")),
        ),
    ),
    "B": _flat("B", "0.006", (3, 6, 9, 12)),
    "C": _flat("C", "0.0075", (3, 6, 9)),
    "D": _flat("D", "0.009", (3, 6)),
    "E": GradePricing("E", ()),
}

#: grade -> (income multiple, cap in whole currency units)
LIMITS: Final[dict[str, tuple[int, int]]] = {
    "A": (5, 50_000),
    "B": (4, 20_000),
    "C": (3, 10_000),
    "D": (1, 3_000),
    "E": (0, 0),
}

GRADES: Final = (("A", 110), ("B", 90), ("C", 70), ("D", 50))


def _band(value: Decimal, bands: tuple[tuple[Decimal, int], ...], top: int) -> int:
    for bound, points in bands:
        if value < bound:
            return points
    return top


def score(facts: ScoringFacts) -> int:
    """The scorecard's points for ``facts`` (see the module docstring)."""
    age = facts.age_years
    if age < 25:
        points = 10
    elif age < 35:
        points = 25
    elif age < 55:
        points = 30
    else:
        points = 20
    income = facts.monthly_income.amount
    points += _band(income, ((Decimal(3000), 5), (Decimal(8000), 20), (Decimal(20000), 35)), 45)
    points += _band(Decimal(facts.months_on_platform), ((Decimal(6), 0), (Decimal(24), 10)), 20)
    late = facts.late_payments_last_year
    points += 25 if late == 0 else 10 if late <= 2 else -20
    yearly = income * 12
    ratio = facts.existing_debt.amount / yearly if yearly else Decimal(1)
    points += 10 if ratio < Decimal("0.2") else 0 if ratio <= Decimal("0.5") else -15
    return points


class MemoryCreditScorer:
    """The scorecard above, with risk flags scriptable by tests."""

    def __init__(self) -> None:
        self.flags: dict[CustomerId, str] = {}

    def assess(self, facts: ScoringFacts) -> RiskAssessment:
        currency = facts.monthly_income.currency
        if facts.age_years < 18:
            return RiskAssessment(False, "E", 0, Money.zero(currency), PRICING["E"], ("under 18",))
        points = score(facts)
        grade = next((g for g, floor in GRADES if points >= floor), "E")
        multiple, cap = LIMITS[grade]
        income_units = facts.monthly_income.amount.to_integral_value(rounding=ROUND_FLOOR)
        limit = Money.of(min(int(income_units) * multiple, cap), currency)
        if grade == "E" or not limit.is_positive():
            return RiskAssessment(
                False, "E", points, Money.zero(currency), PRICING["E"], (f"score {points}",)
            )
        return RiskAssessment(True, grade, points, limit, PRICING[grade])

    def check_purchase(
        self, customer_id: CustomerId, principal: Money, term_months: int
    ) -> RiskCheck:
        reason = self.flags.get(customer_id)
        return RiskCheck(reason is None, reason)

    # -- test hooks --------------------------------------------------------------------

    def flag(self, customer_id: CustomerId, reason: str) -> None:
        self.flags[customer_id] = reason

    def clear(self, customer_id: CustomerId) -> None:
        self.flags.pop(customer_id, None)
