"""Tax rates per SKU, the category defaults and the two modes, with worked numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx import catalog
from merx.catalog import InvalidTaxRate, TaxMode, TaxPolicy
from merx.kernel.ids import PLATFORM, SkuId
from merx.kernel.money import Money
from tests.catalog.conftest import CatalogApp

TEA = SkuId("tea")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


@pytest.mark.parametrize(
    ("mode", "amount", "rate", "tax"),
    [
        (TaxMode.INCLUSIVE, "113.00", "0.13", "13.00"),  # 113 * 0.13 / 1.13
        (TaxMode.INCLUSIVE, "10.00", "0.06", "0.57"),  # 0.5660... rounds up
        (TaxMode.INCLUSIVE, "0.21", "0.05", "0.01"),  # 0.0100 exactly
        (TaxMode.EXCLUSIVE, "100.00", "0.13", "13.00"),
        (TaxMode.EXCLUSIVE, "0.10", "0.05", "0.01"),  # 0.005: half up
        (TaxMode.EXCLUSIVE, "0.09", "0.05", "0.00"),  # 0.0045: down
        (TaxMode.INCLUSIVE, "99.99", "0", "0.00"),
    ],
)
def test_a_lines_tax_is_rounded_half_up_once(
    mode: TaxMode, amount: str, rate: str, tax: str
) -> None:
    assert mode.tax_on(cny(amount), Decimal(rate)) == cny(tax)


def test_only_exclusive_tax_adds_to_the_payable() -> None:
    assert TaxMode.EXCLUSIVE.added(cny("1.30")) == cny("1.30")
    assert TaxMode.INCLUSIVE.added(cny("1.30")) == cny("0")


@given(
    minor=st.integers(0, 10**9),
    rate_pct=st.integers(0, 99),
)
def test_inclusive_tax_is_the_nearest_cent_of_the_exact_share(minor: int, rate_pct: int) -> None:
    amount = Money.from_minor(minor, "CNY")
    rate = Decimal(rate_pct) / 100
    tax = TaxMode.INCLUSIVE.tax_on(amount, rate)
    exact = amount.amount * rate / (1 + rate)
    assert abs(tax.amount - exact) <= Decimal("0.005")
    assert Money.zero("CNY") <= tax <= amount


def test_the_skus_own_rate_then_its_category_then_the_default() -> None:
    policy = TaxPolicy(category_rates={"books": Decimal("0.09")}, default_rate=Decimal("0.13"))
    assert policy.rate_for(Decimal("0.06"), "books") == Decimal("0.06")
    assert policy.rate_for(None, "books") == Decimal("0.09")
    assert policy.rate_for(None, "phones") == Decimal("0.13")
    assert catalog.INCLUSIVE.rate_for(None, "phones") == Decimal(0)
    assert catalog.INCLUSIVE.mode is TaxMode.INCLUSIVE


@pytest.mark.parametrize("rate", [Decimal("1"), Decimal("-0.01"), Decimal("NaN"), 0.13, "0.13"])
def test_a_rate_outside_0_to_1_is_refused(rate: object) -> None:
    with pytest.raises(InvalidTaxRate):
        TaxPolicy(default_rate=rate)  # type: ignore[arg-type]
    with pytest.raises(InvalidTaxRate):
        TaxPolicy(category_rates={"books": rate})  # type: ignore[dict-item]


def test_set_tax_rate_on_a_sku(app: CatalogApp) -> None:
    app.handle(catalog.CreateSku(TEA, "Tea", PLATFORM, "food", cny("10.90")))
    app.handle(catalog.SetTaxRate(TEA, Decimal("0.09")))
    assert app.get(catalog.Sku, TEA).tax_rate == Decimal("0.09")
    assert app.last(catalog.TaxRateSet) == catalog.TaxRateSet(TEA, None, Decimal("0.09"))
    app.handle(catalog.SetTaxRate(TEA, None))
    assert app.get(catalog.Sku, TEA).tax_rate is None


def test_a_bad_tax_rate_changes_nothing(app: CatalogApp) -> None:
    app.handle(catalog.CreateSku(TEA, "Tea", PLATFORM, "food", cny("10.90")))
    app.handle(catalog.SetTaxRate(TEA, Decimal("0.09")))
    with pytest.raises(InvalidTaxRate):
        app.handle(catalog.SetTaxRate(TEA, Decimal("1.5")))
    assert app.get(catalog.Sku, TEA).tax_rate == Decimal("0.09")
