"""Profit control: no sale below cost x (1 + minimum margin) without a recorded reason."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.catalog import (
    BelowCost,
    CostNotApplicable,
    MarginBreached,
    PriceChanged,
    ProfitPolicy,
    PurchaseCostSet,
    Sku,
    SkuListed,
)
from merx.errors import BusinessRuleViolation, CurrencyMismatch, ValidationError
from merx.kernel.ids import MerchantId
from merx.kernel.money import Money
from tests.catalog.strategies import cny_money, margins
from tests.catalog.test_sku import cny, make

FIVE_PERCENT = ProfitPolicy(Decimal("0.05"))


def costed(price: str = "105.00", cost: str = "100.00") -> Sku:
    sku = make(price=cny(price))
    sku.set_cost(cny(cost), policy=FIVE_PERCENT, reference="contract-1")
    sku.pull_events()
    return sku


def test_policy_values() -> None:
    assert FIVE_PERCENT.minimum_price(cny("100.00")) == cny("105.00")
    assert FIVE_PERCENT.minimum_price(cny("0.10")) == cny("0.11")  # 0.105 rounds half up
    assert ProfitPolicy(Decimal("0.05")).minimum_price(cny("0.09")) == cny("0.09")  # 0.0945
    for bad in (0.05, Decimal("-0.01"), Decimal("NaN"), "0.05", True):
        with pytest.raises(ValidationError):
            ProfitPolicy(bad)  # type: ignore[arg-type]


def test_listing_at_the_minimum_is_allowed() -> None:
    sku = costed(price="105.00")
    sku.list(policy=FIVE_PERCENT)
    assert sku.pull_events() == [SkuListed(sku.id, None)]


def test_listing_under_the_minimum_is_refused() -> None:
    sku = costed(price="104.99")
    with pytest.raises(BelowCost, match=r"104\.99 CNY is below the minimum 105\.00 CNY") as caught:
        sku.list(policy=FIVE_PERCENT)
    assert isinstance(caught.value, BusinessRuleViolation)
    assert (caught.value.minimum, caught.value.cost) == (cny("105.00"), cny("100.00"))
    assert not sku.on_sale
    assert sku.pull_events() == []


def test_an_override_reason_is_recorded_only_when_used() -> None:
    low = costed(price="80.00")
    low.list(policy=FIVE_PERCENT, override_reason="clearance of last season")
    assert low.pull_events() == [SkuListed(low.id, "clearance of last season")]
    fine = costed(price="200.00")
    fine.list(policy=FIVE_PERCENT, override_reason="not needed")
    assert fine.pull_events() == [SkuListed(fine.id, None)]
    with pytest.raises(ValidationError, match="blank"):
        costed(price="80.00").list(policy=FIVE_PERCENT, override_reason=" ")


def test_the_price_floor_for_promotions() -> None:
    assert costed().price_floor(FIVE_PERCENT) == cny("105.00")
    assert make().price_floor(FIVE_PERCENT) is None


def test_without_a_cost_there_is_nothing_to_control() -> None:
    sku = make(price=cny("0.01"))
    sku.list(policy=ProfitPolicy(Decimal(10)))
    assert sku.on_sale


def test_a_price_cut_below_the_minimum_on_a_listed_sku_is_refused() -> None:
    sku = costed(price="150.00")
    sku.list(policy=FIVE_PERCENT)
    sku.pull_events()
    with pytest.raises(BelowCost):
        sku.change_price(cny("104.99"), policy=FIVE_PERCENT)
    assert sku.price == cny("150.00")
    assert sku.pull_events() == []
    sku.change_price(cny("99.00"), policy=FIVE_PERCENT, override_reason="loss leader")
    assert sku.pull_events() == [PriceChanged(sku.id, cny("150.00"), cny("99.00"), "loss leader")]


def test_a_draft_may_be_priced_low_but_not_listed() -> None:
    sku = costed(price="150.00")
    sku.change_price(cny("50.00"), policy=FIVE_PERCENT)
    with pytest.raises(BelowCost):
        sku.list(policy=FIVE_PERCENT)


def test_a_new_cost_never_delists_but_flags_a_breached_margin() -> None:
    sku = costed(price="105.00")
    sku.list(policy=FIVE_PERCENT)
    sku.pull_events()
    sku.set_cost(cny("101.00"), policy=FIVE_PERCENT, reference="contract-2")
    assert sku.on_sale
    assert sku.pull_events() == [
        PurchaseCostSet(sku.id, cny("100.00"), cny("101.00"), "contract-2"),
        MarginBreached(sku.id, cny("105.00"), cny("106.05")),
    ]


@pytest.mark.parametrize(
    ("overrides", "cost", "error"),
    [
        ({"merchant": MerchantId("m-shop")}, cny("1.00"), CostNotApplicable),
        ({}, Money.of("1.00", "USD"), CurrencyMismatch),
        ({}, cny("-1.00"), ValidationError),
    ],
)
def test_cost_rules(overrides: dict[str, Any], cost: Money, error: type[Exception]) -> None:
    sku = make(**overrides)
    with pytest.raises(error):
        sku.set_cost(cost, policy=FIVE_PERCENT)
    assert sku.cost is None


@given(
    cost=cny_money(0, 10**7),
    margin=margins,
    price=cny_money(1, 3 * 10**7),
)
def test_listing_is_allowed_iff_price_reaches_the_rounded_threshold(
    cost: Money, margin: Decimal, price: Money
) -> None:
    threshold = (cost.amount * (1 + margin)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    sku = make(price=price)
    policy = ProfitPolicy(margin)
    sku.set_cost(cost, policy=policy)
    if price.amount >= threshold:
        sku.list(policy=policy)
        assert sku.on_sale
    else:
        with pytest.raises(BelowCost) as refused:
            sku.list(policy=policy)
        assert refused.value.minimum.amount == threshold
        assert not sku.on_sale


@given(cost=cny_money(0, 10**7), margin=margins, price=cny_money(1, 3 * 10**7), data=st.data())
def test_an_override_always_lists_and_is_kept_iff_it_was_needed(
    cost: Money, margin: Decimal, price: Money, data: st.DataObject
) -> None:
    policy = ProfitPolicy(margin)
    sku = make(price=price)
    sku.set_cost(cost, policy=policy)
    sku.pull_events()
    reason = data.draw(st.sampled_from(["clearance", "price match"]))
    sku.list(policy=policy, override_reason=reason)
    (listed,) = sku.pull_events()
    assert isinstance(listed, SkuListed)
    assert (listed.override_reason is not None) == (price < policy.minimum_price(cost))
