"""Hypothesis strategies for schedules: plan terms of every method."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from merx.kernel.money import Money
from merx.schedules import InstallmentTerms, ScheduleMethod

starts = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))
terms_months = st.sampled_from([1, 3, 6, 9, 12, 18, 24, 36])
annual_rates = st.decimals(min_value=0, max_value=Decimal("0.36"), places=4)
fee_rates = st.decimals(min_value=0, max_value=Decimal("0.02"), places=4)


@st.composite
def installment_terms(draw: st.DrawFn, currency: str = "CNY") -> InstallmentTerms:
    method = draw(st.sampled_from(ScheduleMethod))
    months = draw(terms_months)
    # at least one yuan per installment: smaller plans cannot be split over the term
    principal = Money.from_minor(draw(st.integers(100 * months, 10**8)), currency)
    if method.charges_interest:
        return InstallmentTerms(
            principal, months, method, draw(starts), annual_rate=draw(annual_rates)
        )
    return InstallmentTerms(
        principal, months, method, draw(starts), period_fee_rate=draw(fee_rates)
    )
