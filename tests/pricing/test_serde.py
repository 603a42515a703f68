"""The converter: the spec's JSON shape in, typed errors for anything malformed."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given

from merx.errors import InvalidAmount, MerxError, UnknownCurrency
from merx.kernel.money import Money
from merx.pricing import (
    CartLine,
    Coupon,
    Customer,
    FreightRule,
    FreightTemplate,
    FundingShare,
    InvalidLineQuantity,
    InvalidPromotion,
    MalformedPricingInput,
    Promotion,
    Range,
    ThresholdOff,
    Tier,
    UnknownPromotionKind,
    quote_from_dict,
)
from merx.pricing.serde import converter_for, structure, unstructure
from tests.pricing.strategies import cart_lines, freight_templates

CASE: dict[str, Any] = {
    "name": "ignored",
    "currency": "CNY",
    "at": "2026-06-18T10:00:00+08:00",
    "customer": {"id": "u1", "new_user": False},
    "payment_method": None,
    "lines": [
        {"sku": "A", "merchant": "m1", "category": "c", "unit_price": "150.00", "quantity": 2}
    ],
    "promotions": [
        {
            "id": "T",
            "kind": "threshold_off",
            "merchant": "m1",
            "tiers": [{"min_amount": "200.00", "off": "20.00"}],
            "funded_by": {"platform": 1, "m1": "3"},
        }
    ],
    "wallet": [{"id": "C", "kind": "coupon", "level": "platform", "off": "5.00"}],
    "expect": {},
}


def test_a_case_quotes_to_the_expect_shape() -> None:
    assert quote_from_dict(CASE) == {
        "payable": "275.00",
        "discount": "25.00",
        "applied": ["C", "T"],
        "lines": {"A": "275.00"},
        "cost": {"m1": "15.00", "platform": "10.00"},
        "gifts": {},
        "hints": {},
        "freight": {},
        "tax": {"A": "0.00"},
    }


def _broken(path: list[str | int], value: Any) -> dict[str, Any]:
    case = copy.deepcopy(CASE)
    target: Any = case
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return case


@pytest.mark.parametrize(
    ("path", "value", "error"),
    [
        (["lines", 0, "quantity"], 0, InvalidLineQuantity),
        (["lines", 0, "quantity"], 1.5, MalformedPricingInput),
        (["lines", 0, "quantity"], True, MalformedPricingInput),
        (["lines", 0, "quantity"], "2", MalformedPricingInput),
        (["lines", 0, "unit_price"], 150.0, InvalidAmount),
        (["lines", 0, "unit_price"], "1.001", InvalidAmount),
        (["lines", 0, "sku"], KeyError, MalformedPricingInput),
        (["lines"], "A", MalformedPricingInput),
        (["promotions", 0, "kind"], "mystery", UnknownPromotionKind),
        (["promotions", 0, "tiers", 0, "off"], -1, InvalidPromotion),
        (["promotions", 0, "surprise"], 1, MalformedPricingInput),
        (["promotions", 0, "funded_by"], {"platform": 0.5}, MalformedPricingInput),
        (["wallet", 0, "percent_off"], "120", InvalidPromotion),
        (["at"], "2026-06-18T10:00:00", MalformedPricingInput),
        (["at"], "yesterday", MalformedPricingInput),
        (["currency"], "XXX", UnknownCurrency),
        (["customer"], KeyError, MalformedPricingInput),
    ],
)
def test_malformed_input_raises_a_typed_error(
    path: list[str | int], value: Any, error: type[MerxError]
) -> None:
    with pytest.raises(error):
        quote_from_dict(_broken(path, value))


def test_promotions_write_the_one_money_shape_and_read_the_spec_shorthand() -> None:
    converter = converter_for("CNY")
    promotion: Promotion = ThresholdOff(
        id="T",
        tiers=(Tier(Money.of("300", "CNY"), Money.of("40", "CNY")),),
        repeat=True,
        funded_by=(FundingShare("platform", Decimal(1)),),
    )
    written = converter.unstructure(promotion, Promotion)
    assert written == {
        "kind": "threshold_off",
        "id": "T",
        "tiers": [
            {
                "min_amount": {"amount": "300.00", "currency": "CNY"},
                "off": {"amount": "40.00", "currency": "CNY"},
            }
        ],
        "repeat": True,
        "funded_by": {"platform": "1"},
    }
    assert written == unstructure(promotion)  # the same with or without a case currency
    shorthand = {**written, "tiers": [{"min_amount": "300.00", "off": "40.00"}]}
    assert structure(shorthand, Promotion, "CNY") == promotion
    assert structure(written, Promotion) == promotion
    with pytest.raises(MalformedPricingInput):  # a bare amount needs the case's currency
        structure(shorthand, Promotion)
    coupon = Coupon(id="C", level="store", merchant="m1", off=Money.of("5", "CNY"))
    data = converter.unstructure(coupon, Promotion)
    assert data["level"] == "store"
    assert structure(data, Promotion, "CNY") == coupon
    assert structure(data, Coupon) == coupon
    with pytest.raises(MalformedPricingInput):  # a coupon is not a threshold
        structure(data, ThresholdOff)


@given(freight_templates(), cart_lines())
def test_templates_lines_and_ranges_round_trip_through_json(
    templates: tuple[FreightTemplate, ...], lines: tuple[CartLine, ...]
) -> None:
    for value, kind in [
        *[(template, FreightTemplate) for template in templates],
        *[(line, CartLine) for line in lines],
        (Range(skus=("A",), brands=("acme",), exclude_skus=("X",)), Range),
        (Customer("u1", used={"P": 2}), Customer),
    ]:
        data = json.loads(json.dumps(unstructure(value)))
        assert structure(data, kind) == value


def test_a_template_with_an_unknown_basis_or_a_float_fee_is_refused() -> None:
    data = unstructure(
        FreightTemplate("m1", "piece", (FreightRule(("*",), 1, cny_(1), 1, cny_(1)),))
    )
    with pytest.raises(MerxError):
        structure({**data, "basis": "crate"}, FreightTemplate)
    data["rules"][0]["first_fee"] = {"amount": 1.5, "currency": "CNY"}
    with pytest.raises(MerxError):
        structure(data, FreightTemplate)


def cny_(units: int) -> Money:
    return Money.of(units, "CNY")
