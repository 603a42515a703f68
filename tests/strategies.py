"""Shared hypothesis strategies. Context-specific ones live beside their tests."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from merx.kernel.money import MINOR_DIGITS, Money

currencies = st.sampled_from(sorted(MINOR_DIGITS))


def money(
    currency: str = "CNY", min_minor: int = -(10**9), max_minor: int = 10**9
) -> st.SearchStrategy[Money]:
    """Amounts of ``currency`` between the given minor-unit bounds."""
    return st.integers(min_minor, max_minor).map(lambda units: Money.from_minor(units, currency))


def positive_money(currency: str = "CNY", max_minor: int = 10**8) -> st.SearchStrategy[Money]:
    return money(currency, 1, max_minor)


def any_money() -> st.SearchStrategy[Money]:
    """Amounts in any known currency."""
    return currencies.flatmap(money)


ratios = st.lists(
    st.one_of(
        st.integers(0, 10**6),
        st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False).map(Decimal),
    ),
    min_size=1,
    max_size=12,
).filter(lambda rs: any(r > 0 for r in rs))
