"""Examples for issue 15 in the engine: ranges, multibuy, freight templates, free shipping,
freight coupons, usage caps and tax per line."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from merx.kernel.money import Money
from merx.pricing import (
    Bundle,
    BundleItem,
    CartLine,
    Coupon,
    Customer,
    DirectReduction,
    FreeShipping,
    FreightCoupon,
    FreightRule,
    FreightTemplate,
    GiftItem,
    GiftPromotion,
    InvalidCart,
    InvalidFreightTemplate,
    InvalidPromotion,
    Multibuy,
    PaymentOff,
    PercentTier,
    Promotion,
    PromotionCurrencyMismatch,
    Quote,
    QuoteLine,
    Range,
    Scope,
    SellerFreight,
    ThresholdOff,
    ThresholdPercent,
    Tier,
    UndeliverableDestination,
    UnknownRange,
    exhaustive_quote,
    quote,
)
from tests.pricing.strategies import AT

USER = Customer("u1")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def line(sku: str, price: str, quantity: int = 1, merchant: str = "m1", **more: Any) -> CartLine:
    return CartLine(sku, merchant, more.pop("category", "shirt"), cny(price), quantity, **more)


def priced(
    lines: list[CartLine],
    promotions: list[Promotion],
    wallet: list[Promotion] | None = None,
    customer: Customer = USER,
    method: str | None = None,
    **extras: Any,
) -> Quote:
    result = quote(lines, promotions, wallet or [], customer, AT, method, **extras)
    oracle = exhaustive_quote(lines, promotions, wallet or [], customer, AT, method, **extras)
    assert result == oracle
    return result


def by_piece(seller: str = "m1", **terms: Any) -> FreightTemplate:
    """10.00 for the first piece, 5.00 each further one; Shanghai 6.00 + 2.00."""
    rules = (
        FreightRule(("Shanghai",), 1, cny("6.00"), 1, cny("2.00")),
        FreightRule(("*",), 1, cny("10.00"), 1, cny("5.00")),
    )
    return FreightTemplate(seller, terms.pop("basis", "piece"), rules, **terms)


def fees(result: Quote) -> dict[str, str]:
    return {seller.seller: str(seller.fee.amount) for seller in result.freight}


# -- ranges ------------------------------------------------------------------------------


def test_a_range_is_the_union_of_its_includes_minus_its_exclusions() -> None:
    shirts = Range(categories=("shirt",), brands=("acme",), skus=("K",), exclude_skus=("X",))
    assert shirts.contains(line("A", "1"))
    assert shirts.contains(line("B", "1", category="shoe", brand="acme"))
    assert shirts.contains(line("K", "1", category="shoe"))
    assert not shirts.contains(line("X", "1"))
    assert not shirts.contains(line("C", "1", category="shoe", brand="other"))
    scope = Scope(range="shirts", merchants=("m2",))
    assert not scope.matches(line("A", "1"), {"shirts": shirts})  # the other keys still apply
    assert scope.matches(line("A", "1", merchant="m2"), {"shirts": shirts})


def test_an_unknown_range_is_a_typed_error_even_out_of_force() -> None:
    lapsed = ThresholdOff(
        id="T", scope=Scope(range="none"), tiers=(Tier(cny("1"), cny("1")),), ends_at=AT
    )
    with pytest.raises(UnknownRange):
        quote([line("A", "10")], [lapsed], [], USER, AT)
    with pytest.raises(UnknownRange):
        Scope(range="none").matches(line("A", "1"))


# -- multibuy ----------------------------------------------------------------------------


def test_three_for_two_frees_the_cheapest_of_each_group_of_three() -> None:
    three_for_two = Multibuy(id="M", buy=3, pay=2)
    result = priced(
        [line("A", "100.00", 2), line("B", "80.00"), line("C", "60.00"), line("D", "50.00", 2)],
        [three_for_two],
    )
    # dearest first: A A B | C D D -> B and the last D are free
    assert result.line("B").amount == cny("0.00")
    assert result.line("D").amount == cny("50.00")
    assert result.discount == cny("130.00")


def test_multibuy_splits_its_rounded_discount_over_the_discounted_lines_only() -> None:
    third_off = Multibuy(id="M", buy=2, pay=1, percent_off=Decimal("33.33"))
    result = priced(
        [line("A", "10.00", 1), line("B", "10.00", 1), line("C", "10.01", 2)], [third_off]
    )
    # C C | A B: the second C and B are discounted: (10.01 + 10.00) * 33.33% = 6.669 -> 6.67
    discounted = {ln.sku: ln.discount for ln in result.lines}
    assert discounted["A"] == cny("0")
    assert discounted["B"] + discounted["C"] == cny("6.67")
    assert discounted["C"] == cny("3.34")  # the larger weight takes the remainder


def test_units_a_bundle_used_are_not_in_a_multibuy_group() -> None:
    bundle = Bundle(id="B", items=(BundleItem("A", 1), BundleItem("B", 1)), price=cny("15.00"))
    two_for_one = Multibuy(id="M", buy=2, pay=1)
    result = priced([line("A", "10.00", 2), line("B", "10.00", 1)], [bundle, two_for_one])
    # the bundle takes A+B (5.00 off); one A is left, no whole pair
    assert result.applied == ("B",)
    assert {r.promotion_id: r.code for r in result.rejections} == {"M": "no_whole_set"}


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"buy": 1, "pay": 0}, "buy"),
        ({"buy": 2, "pay": 2}, "fewer units"),
        ({"buy": 3, "pay": -1}, "pay"),
        ({"buy": 2, "pay": 1, "percent_off": Decimal(0)}, "percent_off"),
        ({"buy": True, "pay": 0}, "buy"),
    ],
)
def test_a_malformed_multibuy_is_refused(terms: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidPromotion, match=message):
        Multibuy(id="M", **terms)


# -- freight -----------------------------------------------------------------------------


def test_freight_takes_the_first_rule_naming_the_destination_else_the_first_star() -> None:
    cart = [line("A", "50.00", 3)]
    assert fees(priced(cart, [], destination="Shanghai", freight=(by_piece(),))) == {"m1": "10.00"}
    assert fees(priced(cart, [], destination="Beijing", freight=(by_piece(),))) == {"m1": "20.00"}
    # a seller without a template ships free and is not listed
    assert priced(cart, [], destination="Beijing", freight=(by_piece("m9"),)).freight == ()


def test_extra_units_round_up_to_whole_steps() -> None:
    rule = FreightRule(("*",), 1000, cny("8.00"), 500, cny("3.00"))
    assert [rule.fee_minor(units) for units in (0, 1000, 1001, 1500, 1501)] == [
        800,
        800,
        1100,
        1100,
        1400,
    ]


def test_no_destination_an_undeliverable_one_or_no_rule_for_it_is_a_typed_error() -> None:
    cart = [line("A", "50.00")]
    with pytest.raises(UndeliverableDestination):
        quote(cart, [], [], USER, AT, freight=(by_piece(),))
    with pytest.raises(UndeliverableDestination, match="Xinjiang"):
        quote(cart, [], [], USER, AT, destination="Xinjiang",
              freight=(by_piece(undeliverable=("Xinjiang",)),))  # fmt: skip
    only_shanghai = FreightTemplate("m1", "piece", (by_piece().rules[0],))
    with pytest.raises(UndeliverableDestination):
        quote(cart, [], [], USER, AT, destination="Beijing", freight=(only_shanghai,))


def test_a_weight_or_volume_template_needs_the_lines_measure() -> None:
    with pytest.raises(InvalidCart, match="weight_g"):
        quote([line("A", "5")], [], [], USER, AT, destination="X",
              freight=(by_piece(basis="weight"),))  # fmt: skip
    result = priced([line("A", "5.00", 2, volume_cm3=1)], [], destination="X",
                    freight=(by_piece(basis="volume"),))  # fmt: skip
    assert fees(result) == {"m1": "15.00"}  # 2 cm3: first 1, one more step


@pytest.mark.parametrize(
    "build",
    [
        lambda: FreightTemplate("m1", "piece", ()),
        lambda: FreightTemplate("m1", "crate", by_piece().rules),  # type: ignore[arg-type]
        lambda: FreightRule(("*",), 0, cny("1"), 1, cny("1")),
        lambda: FreightRule(("*",), 1, cny("-1"), 1, cny("1")),
        lambda: FreightRule((), 1, cny("1"), 1, cny("1")),
        lambda: by_piece(free_over_pieces=0),
        lambda: by_piece(free_over=Money.of("1", "USD")),
    ],
)
def test_a_malformed_template_is_refused(build: Any) -> None:
    with pytest.raises(InvalidFreightTemplate):
        build()


def test_templates_are_one_per_seller_and_origin_and_in_the_cart_currency() -> None:
    with pytest.raises(InvalidFreightTemplate, match="one freight template"):
        quote([line("A", "1")], [], [], USER, AT, destination="X", freight=(by_piece(), by_piece()))
    usd = FreightTemplate(
        "m1", "piece", (FreightRule(("*",), 1, Money.of("1", "USD"), 1, Money.of("1", "USD")),)
    )
    with pytest.raises(PromotionCurrencyMismatch):
        quote([line("A", "1")], [], [], USER, AT, destination="X", freight=(usd,))


def test_free_over_looks_at_the_goods_after_the_platform_level_not_the_payment_level() -> None:
    cart = [line("A", "100.00")]
    template = by_piece(free_over=cny("100.00"))
    card = PaymentOff(id="PAY", payment_method="card", off=cny("10.00"))
    result = priced(cart, [card], method="card", destination="X", freight=(template,))
    assert fees(result) == {"m1": "0.00"}
    assert result.payable == cny("90.00")
    assert result.freight == (SellerFreight("m1", cny("0.00"), None, cny("10.00")),)
    platform = ThresholdOff(id="T", tiers=(Tier(cny("50"), cny("1.00")),))
    charged = priced(cart, [platform], destination="X", freight=(template,))
    assert fees(charged) == {"m1": "10.00"}  # an automatic promotion in force is not dropped


def test_free_shipping_waives_the_fee_for_its_funders_and_only_then_applies() -> None:
    cart = [line("A", "60.00", 2), line("B", "30.00", merchant="m2")]
    free = FreeShipping(id="F", min_amount=cny("100.00"), funded_by=None)
    result = priced(cart, [free], destination="X", freight=(by_piece(), by_piece("m2")))
    # m1's lines alone reach 100: the platform promotion measures all its lines (150)
    assert fees(result) == {"m1": "0.00", "m2": "0.00"}
    assert result.applied == ("F",)
    assert [(c.party, str(c.amount.amount)) for c in result.cost] == [("platform", "25.00")]
    assert result.discount == cny("0")
    store = FreeShipping(id="S", merchant="m2")
    nothing = priced([line("A", "60.00")], [store], destination="X", freight=(by_piece(),))
    assert nothing.applied == ()
    assert {r.promotion_id: r.code for r in nothing.rejections} == {"S": "no_eligible_lines"}
    no_templates = priced([line("A", "120.00")], [free])
    assert {r.promotion_id: r.code for r in no_templates.rejections} == {"F": "no_freight"}


def test_the_first_free_shipping_in_pipeline_order_waives_a_fee() -> None:
    low = FreeShipping(id="A-low", priority=0)
    high = FreeShipping(id="Z-high", priority=5)
    result = priced([line("A", "10.00")], [low, high], destination="X", freight=(by_piece(),))
    assert result.applied == ("Z-high",)
    assert result.freight[0].waived_by == "Z-high"
    assert {r.promotion_id: r.code for r in result.rejections} == {"A-low": "no_freight"}


def test_a_platform_freight_coupon_takes_from_the_sellers_in_cart_order() -> None:
    cart = [line("A", "10.00", merchant="m2"), line("B", "10.00")]
    coupon = FreightCoupon(id="FC", off=cny("12.00"))
    result = priced(cart, [], [coupon], destination="X", freight=(by_piece(), by_piece("m2")))
    assert fees(result) == {"m2": "0.00", "m1": "8.00"}
    assert result.payable == cny("28.00")
    assert [str(c.amount.amount) for c in result.cost] == ["12.00"]
    assert (
        FreightCoupon(id="F2", merchant="m1", off=cny("1")).slot()
        != Coupon(id="C", merchant="m1", off=cny("1")).slot()
    )


# -- usage caps --------------------------------------------------------------------------


def test_a_promotion_at_its_cap_is_not_a_candidate_and_says_why() -> None:
    once = ThresholdOff(id="T", tiers=(Tier(cny("10"), cny("5")),), per_customer_limit=1)
    rare = DirectReduction(id="D", off=cny("1"), global_limit=3)
    used = Customer("u1", used={"T": 1})
    result = priced([line("A", "50.00")], [once, rare], customer=used, usage={"D": 3})
    assert result.applied == ()
    codes = {r.promotion_id: (r.code, r.text) for r in result.rejections}
    assert codes == {
        "T": ("usage_cap", "used 1 of 1 times by this customer"),
        "D": ("usage_cap", "used 3 of 3 times in all"),
    }
    assert priced([line("A", "50.00")], [once, rare], usage={"D": 2}).applied == ("D", "T")


def test_a_promotion_the_host_names_capped_is_rejected_with_the_hosts_reason() -> None:
    """A cap the engine cannot count (one per day, one per order) comes named in ``capped``:
    the promotion is not a candidate, its rival applies, and the host's reason comes first."""
    big = DirectReduction(id="BIG", off=cny("5"), group="g", per_customer_limit=1)
    small = DirectReduction(id="SMALL", off=cny("1"), group="g")
    cart = [line("A", "50.00")]
    assert priced(cart, [big, small]).applied == ("BIG",)
    why = "per_user_per_day: used 1 of 1 times by this customer on 2026-06-02"
    result = priced(cart, [big, small], capped={"BIG": why, "elsewhere": "max_uses: 1 of 1"})
    assert result.applied == ("SMALL",)
    assert [(r.promotion_id, r.code, r.text) for r in result.rejections] == [
        ("BIG", "usage_cap", why)
    ]
    both = priced(cart, [big, small], customer=Customer("u1", used={"BIG": 1}), capped={"BIG": why})
    assert [r.text for r in both.rejections] == [why]  # the host's reason first


@pytest.mark.parametrize("capped", [{"BIG": ""}, {"BIG": 1}, {3: "why"}, ["BIG"]])
def test_capped_names_promotions_with_a_reason(capped: Any) -> None:
    with pytest.raises(InvalidCart, match="capped"):
        quote([line("A", "1")], [], [], USER, AT, capped=capped)


@pytest.mark.parametrize("limit", [0, -1, True, 1.5])
def test_a_cap_is_a_positive_whole_number(limit: object) -> None:
    with pytest.raises(InvalidPromotion, match="limit"):
        DirectReduction(id="D", off=cny("1"), per_customer_limit=limit)  # type: ignore[arg-type]


def test_usage_counts_are_whole_numbers() -> None:
    with pytest.raises(InvalidCart):
        Customer("u1", used={"T": -1})
    with pytest.raises(InvalidCart):
        quote([line("A", "1")], [], [], USER, AT, usage={"T": "1"})  # type: ignore[dict-item]


# -- tax ---------------------------------------------------------------------------------


def test_inclusive_tax_is_taken_from_each_line_after_discounts_rounded_half_up() -> None:
    off = ThresholdOff(id="T", tiers=(Tier(cny("100"), cny("0.50")),))
    result = priced([line("A", "100.50", tax_rate=Decimal("0.13")), line("B", "1.00")], [off])
    a = result.line("A")
    # 100.50 - 0.50 * 100.50/101.50 (0.50) = 100.00; 100.00 * 0.13 / 1.13 = 11.504 -> 11.50
    assert (a.amount, a.tax, a.tax_rate) == (cny("100.00"), cny("11.50"), Decimal("0.13"))
    assert result.line("B").tax == cny("0")
    assert result.tax == cny("11.50")
    assert result.payable == cny("101.00")  # inclusive: the tax is inside


def test_exclusive_tax_is_added_on_top_and_counts_in_the_choice() -> None:
    cheap_rate = line("A", "100.00", tax_rate=Decimal("0.00"))
    dear_rate = line("B", "100.00", merchant="m2", tax_rate=Decimal("0.13"))
    on_a = Coupon(id="CA", level="store", merchant="m1", off=cny("10.00"), group="g")
    on_b = Coupon(id="CB", level="store", merchant="m2", off=cny("10.00"), group="g")
    result = priced([cheap_rate, dear_rate], [], [on_a, on_b], tax_mode="exclusive")
    # 10 off the taxed line saves 11.30, off the untaxed one 10.00
    assert result.applied == ("CB",)
    assert result.line("B").tax == cny("11.70")
    assert result.payable == cny("201.70")


@pytest.mark.parametrize("rate", [Decimal(1), Decimal("-0.1"), 0.13, Decimal("NaN")])
def test_a_tax_rate_is_a_decimal_from_zero_below_one(rate: object) -> None:
    with pytest.raises(InvalidCart, match="tax_rate"):
        line("A", "1", tax_rate=rate)


def test_a_quote_line_built_without_tax_has_none() -> None:
    built = QuoteLine("A", "m1", "shirt", cny("1"), 1, cny("1"))
    assert (built.tax, built.tax_rate) == (cny("0"), Decimal(0))
    assert SellerFreight("m1", cny("2")).template_fee == cny("2")
    assert SellerFreight("m1", cny("2"), "F", cny("3")).template_fee == cny("5")


def test_a_fee_no_selection_changes_leaves_the_choice_as_it_was() -> None:
    """Regression: the fixed freight once entered the root bound of a search whose keys
    leave it out, so a tie was settled differently with a template than without."""
    cart = [line("A", "0.00", 2), line("B", "100.00")]
    automatic: list[Promotion] = [
        DirectReduction(id="P0", excludes=("P3", "P7"), off=cny("12.00")),
        GiftPromotion(id="P3", min_amount=cny("0"), gift=GiftItem("CASE", 1)),
        DirectReduction(id="P4", scope=Scope(merchants=()), group="g1", price=cny("0")),
        ThresholdPercent(id="P7", group="g1", tiers=(PercentTier(Decimal(5), min_quantity=0),)),
    ]
    wallet: list[Promotion] = [Coupon(id="C0", group="g1", merchant="m2", off=cny("44.00"))]
    template = FreightTemplate("m1", "piece", (FreightRule(("*",), 1, cny("14.00"), 1, cny("0")),))
    plain = priced(cart, automatic, wallet)
    shipped = priced(cart, automatic, wallet, destination="X", freight=(template,))
    assert shipped.selected == plain.selected == ("C0", "P0")
    assert shipped.payable == plain.payable + cny("14.00")
