"""Examples for every promotion kind and every pricing and choice rule."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from merx.kernel.money import Money
from merx.pricing import (
    Bundle,
    BundleItem,
    CartLine,
    Coupon,
    Customer,
    DirectReduction,
    FundingShare,
    GiftItem,
    GiftPromotion,
    InvalidCart,
    InvalidPromotion,
    PaymentOff,
    PercentTier,
    Promotion,
    PromotionCurrencyMismatch,
    Quote,
    Scope,
    ThresholdOff,
    ThresholdPercent,
    Tier,
    exhaustive_quote,
    quote,
)
from tests.pricing.strategies import AT

USER = Customer("u1")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def line(
    sku: str, price: str, quantity: int = 1, merchant: str = "m1", category: str = "phone"
) -> CartLine:
    return CartLine(sku, merchant, category, cny(price), quantity)


def priced(
    lines: list[CartLine],
    promotions: list[Promotion],
    wallet: list[Promotion] | None = None,
    customer: Customer = USER,
    method: str | None = None,
) -> Quote:
    result = quote(lines, promotions, wallet or [], customer, AT, method)
    assert result == exhaustive_quote(lines, promotions, wallet or [], customer, AT, method)
    return result


def amounts(result: Quote) -> dict[str, str]:
    return {q.sku: str(q.amount.amount) for q in result.lines}


# -- item level --------------------------------------------------------------------------


def test_direct_off_and_price_and_the_lowest_price_wins_on_a_line() -> None:
    lines = [line("A", "100.00", 2), line("B", "30.00")]
    off = DirectReduction(id="OFF", off=cny("15.00"))
    price = DirectReduction(id="PRICE", scope=Scope(skus=("A",)), price=cny("80.00"))
    result = priced(lines, [off, price])
    assert amounts(result) == {"A": "160.00", "B": "15.00"}
    assert result.applied == ("OFF", "PRICE")
    assert result.line("A").allocations[0].promotion_id == "PRICE"


def test_a_direct_never_takes_a_line_below_zero_and_a_higher_price_gives_nothing() -> None:
    result = priced([line("A", "10.00")], [DirectReduction(id="D", off=cny("25.00"))])
    assert result.payable == cny("0.00")
    result = priced([line("A", "10.00")], [DirectReduction(id="D", price=cny("12.00"))])
    assert result.applied == ()
    assert result.rejections[0].code == "no_discount"


def test_an_outbid_direct_says_so() -> None:
    lines = [line("A", "100.00")]
    result = priced(
        lines, [DirectReduction(id="D1", off=cny("5.00")), DirectReduction(id="D2", off=cny("9"))]
    )
    assert result.applied == ("D2",)
    assert {(r.promotion_id, r.code) for r in result.rejections} == {("D1", "outbid")}


def test_bundle_uses_whole_sets_and_current_unit_prices() -> None:
    lines = [line("A", "59.90", 2), line("B", "39.90")]
    bundle = Bundle(id="B1", items=(BundleItem("A", 1), BundleItem("B", 1)), price=cny("79.90"))
    direct = DirectReduction(id="D", scope=Scope(skus=("B",)), off=cny("10.00"))
    result = priced(lines, [bundle, direct])
    # B costs 29.90 after the direct: one set 59.90 + 29.90 - 79.90 = 9.90
    assert result.discount == cny("19.90")
    assert result.promotions[1].discount == cny("9.90")


def test_a_unit_sits_in_one_bundle_set_only() -> None:
    lines = [line("A", "50.00"), line("B", "50.00"), line("C", "50.00")]
    first = Bundle(id="AB", items=(BundleItem("A", 1), BundleItem("B", 1)), price=cny("80"))
    second = Bundle(id="BC", items=(BundleItem("B", 1), BundleItem("C", 1)), price=cny("70"))
    result = priced(lines, [first, second])
    assert result.applied == ("AB",)
    assert {r.promotion_id: r.code for r in result.rejections} == {"BC": "no_whole_set"}


# -- thresholds --------------------------------------------------------------------------


def test_threshold_tiers_repeat_and_cap() -> None:
    lines = [line("A", "350.00", 3)]  # 1050
    every = ThresholdOff(
        id="E", merchant="m1", tiers=(Tier(cny("300"), cny("40")),), repeat=True, cap=cny("100")
    )
    result = priced(lines, [every])
    assert result.discount == cny("100.00")  # 3 x 40 capped at 100
    assert result.hints[0].amount == cny("150.00")  # next whole multiple: 1200
    tiers = ThresholdOff(id="T", tiers=(Tier(cny("1000"), cny("90")), Tier(cny("500"), cny("30"))))
    assert priced(lines, [tiers]).discount == cny("90.00")


def test_threshold_percent_by_amount_and_by_quantity() -> None:
    lines = [line("A", "33.33"), line("B", "66.67")]
    five = PercentTier(Decimal(5), min_amount=cny("50"))
    ten = PercentTier(Decimal(10), min_amount=cny("100"))
    by_amount = ThresholdPercent(id="PA", tiers=(five, ten))
    assert priced(lines, [by_amount]).discount == cny("10.00")
    by_quantity = ThresholdPercent(id="PQ", tiers=(PercentTier(Decimal(20), min_quantity=3),))
    result = priced(lines, [by_quantity])
    assert result.applied == ()
    assert result.rejections[0].code == "threshold_not_reached"
    assert result.hints == ()  # quantity tiers give no amount hint


def test_store_thresholds_only_see_their_merchant_and_scope() -> None:
    lines = [line("A", "150.00", merchant="m1"), line("B", "150.00", merchant="m2")]
    store = ThresholdOff(id="S", merchant="m1", tiers=(Tier(cny("200"), cny("20")),))
    scoped = ThresholdOff(
        id="P", scope=Scope(categories=("shirt",)), tiers=(Tier(cny("0"), cny("5")),)
    )
    result = priced(lines, [store, scoped])
    assert result.applied == ()
    assert {h.promotion_id: h.amount for h in result.hints} == {"S": cny("50.00")}
    assert {r.promotion_id: r.code for r in result.rejections}["P"] == "no_eligible_lines"


def test_gift_at_the_threshold() -> None:
    gift = GiftPromotion(id="G", min_amount=cny("100"), gift=GiftItem("CASE", 2))
    result = priced([line("A", "100.00")], [gift])
    assert result.applied == ("G",)
    assert [(g.sku, g.quantity) for g in result.gifts] == [("CASE", 2)]
    assert result.discount == cny("0.00")
    assert priced([line("A", "99.99")], [gift]).gifts == ()


# -- coupons and payment -----------------------------------------------------------------


def test_coupons_fixed_with_minimum_and_percent_with_max_off() -> None:
    lines = [line("A", "300.00")]
    fixed = Coupon(id="F", level="store", merchant="m1", off=cny("30"), min_amount=cny("300"))
    percent = Coupon(id="P", level="platform", percent_off=Decimal(20), max_off=cny("50"))
    result = priced(lines, [], [fixed, percent])
    # store coupon first: 270, then 20% = 54 capped at 50
    assert result.payable == cny("220.00")
    assert result.applied == ("F", "P")
    assert {c.party: c.amount for c in result.cost} == {"m1": cny("30"), "platform": cny("50")}


def test_one_coupon_per_store_and_one_at_platform_level() -> None:
    lines = [line("A", "100.00")]
    wallet: list[Promotion] = [
        Coupon(id="S1", merchant="m1", off=cny("5")),
        Coupon(id="S2", merchant="m1", off=cny("8")),
        Coupon(id="P1", off=cny("3")),
        Coupon(id="P2", off=cny("4")),
    ]
    assert priced(lines, [], wallet).applied == ("P2", "S2")


def test_new_user_only_coupons() -> None:
    coupon = Coupon(id="N", off=cny("20"), new_user_only=True)
    assert priced([line("A", "50")], [], [coupon]).applied == ()
    newcomer = Customer("u2", new_user=True)
    assert priced([line("A", "50")], [], [coupon], customer=newcomer).applied == ("N",)


def test_payment_off_needs_the_method() -> None:
    pay = PaymentOff(id="PAY", payment_method="card", off=cny("10"), min_amount=cny("50"))
    assert priced([line("A", "60")], [pay], method="card").payable == cny("50.00")
    result = priced([line("A", "60")], [pay], method="cash")
    assert result.applied == ()
    assert result.rejections[0].code == "payment_method"


# -- choice ------------------------------------------------------------------------------


def test_group_members_conflict_and_the_best_for_the_user_wins() -> None:
    lines = [line("A", "100.00"), line("B", "50.00")]
    x = ThresholdPercent(
        id="X", merchant="m1", group="g", tiers=(PercentTier(Decimal(20), min_amount=cny("100")),)
    )
    y = ThresholdOff(id="Y", merchant="m1", group="g", tiers=(Tier(cny("150"), cny("35")),))
    c = Coupon(id="C", off=cny("10"), min_amount=cny("120"))
    result = priced(lines, [x, y], [c])
    assert result.applied == ("C", "X")
    assert result.payable == cny("110.00")
    assert {r.promotion_id: r.code for r in result.rejections} == {"Y": "not_chosen"}


def test_an_automatic_promotion_cannot_be_left_out_unless_something_chosen_excludes_it() -> None:
    lines = [line("A", "100.00")]
    # S makes the total smaller, which loses the bigger platform threshold; S must still apply
    store = ThresholdOff(id="S", merchant="m1", tiers=(Tier(cny("0"), cny("1")),))
    platform = ThresholdOff(id="P", tiers=(Tier(cny("100"), cny("30")),))
    assert priced(lines, [store, platform]).payable == cny("99.00")
    # a coupon that excludes S can push it out
    coupon = Coupon(id="C", off=cny("0.50"), excludes=("S",))
    result = priced(lines, [store, platform], [coupon])
    assert result.applied == ("C", "P")
    assert result.payable == cny("69.50")


def test_ties_keep_the_coupon_then_fewest_promotions_then_smallest_ids() -> None:
    lines = [line("A", "100.00")]
    pay = PaymentOff(id="PAY", payment_method="card", off=cny("10"), min_amount=cny("100"))
    coupon = Coupon(id="C", merchant="m1", off=cny("10"), min_amount=cny("100"))
    assert priced(lines, [pay], [coupon], method="card").applied == ("PAY",)
    a = DirectReduction(id="b", group="g", off=cny("10"))
    b = DirectReduction(id="a", group="g", off=cny("10"))
    assert priced(lines, [a, b]).applied == ("a",)


def test_priority_orders_promotions_within_a_level() -> None:
    lines = [line("A", "100.00")]
    percent = ThresholdPercent(id="A1", tiers=(PercentTier(Decimal(10), min_amount=cny("0")),))
    fixed = ThresholdOff(id="Z9", tiers=(Tier(cny("0"), cny("10")),), priority=1)
    # Z9 runs first: 100 - 10 = 90, then 10% = 9
    assert priced(lines, [percent, fixed]).payable == cny("81.00")


def test_time_window_is_half_open() -> None:
    lines = [line("A", "100.00")]
    starts = ThresholdOff(id="S", tiers=(Tier(cny("0"), cny("1")),), starts_at=AT)
    ended = ThresholdOff(id="E", tiers=(Tier(cny("0"), cny("2")),), ends_at=AT)
    later = ThresholdOff(
        id="L", tiers=(Tier(cny("0"), cny("4")),), starts_at=AT + timedelta(seconds=1)
    )
    result = priced(lines, [starts, ended, later])
    assert result.applied == ("S",)
    assert {r.promotion_id for r in result.rejections if r.code == "not_in_force"} == {"E", "L"}


# -- money -------------------------------------------------------------------------------


def test_allocation_by_largest_remainder_and_funding_split_ties_to_the_first_party() -> None:
    lines = [line("A", "1.00"), line("B", "1.00"), line("C", "1.00")]
    shared = (FundingShare("m1", Decimal(1)), FundingShare("platform", Decimal(1)))
    promo = ThresholdOff(id="T", tiers=(Tier(cny("0"), cny("0.05")),), funded_by=shared)
    result = priced(lines, [promo])
    assert amounts(result) == {"A": "0.98", "B": "0.98", "C": "0.99"}
    assert [(f.party, f.amount) for f in result.promotions[0].funding] == [
        ("m1", cny("0.03")),
        ("platform", cny("0.02")),
    ]


def test_percent_rounds_once_half_up() -> None:
    percent = ThresholdPercent(id="P", tiers=(PercentTier(Decimal(10), min_quantity=1),))
    assert priced([line("A", "0.25")], [percent]).discount == cny("0.03")


def test_a_refund_of_some_units_returns_their_exact_net() -> None:
    lines = [line("A", "10.00", 3)]
    promo = ThresholdOff(id="T", tiers=(Tier(cny("0"), cny("1.00")),))
    priced_line = priced(lines, [promo]).line("A")
    assert priced_line.amount == cny("29.00")
    assert [priced_line.net_of(1, after=k) for k in range(3)] == [
        cny("9.67"),
        cny("9.66"),
        cny("9.67"),
    ]
    assert priced_line.allocation_of("T", 2) == cny("0.67")
    with pytest.raises(InvalidCart):
        priced_line.net_of(4)


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: ThresholdPercent(id="P", tiers=(PercentTier(Decimal(0), min_quantity=1),)),
        lambda: Coupon(id="C", percent_off=Decimal("100.5")),
        lambda: Coupon(id="C", off=cny("1"), percent_off=Decimal(5)),
        lambda: Coupon(id="C", level="store", off=cny("1")),
        lambda: DirectReduction(id="D", off=cny("-1")),
        lambda: DirectReduction(id="D"),
        lambda: ThresholdOff(id="T", tiers=()),
        lambda: ThresholdOff(id="T", tiers=(Tier(cny("1"), cny("1")),) * 2),
        lambda: ThresholdOff(id="T", tiers=(Tier(cny("0"), cny("1")),), repeat=True),
        lambda: Bundle(id="B", items=(BundleItem("A", 1), BundleItem("A", 1)), price=cny("1")),
        lambda: BundleItem("A", 0),
        lambda: GiftItem("A", 0),
        lambda: DirectReduction(id="D", off=cny("1"), excludes=("D",)),
        lambda: DirectReduction(id="D", off=cny("1"), starts_at=AT, ends_at=AT),
        lambda: DirectReduction(id="D", off=cny("1"), funded_by=(FundingShare("p", Decimal(0)),)),
        lambda: ThresholdOff(id="T", tiers=(Tier(cny("1"), Money.of("1", "USD")),)),
    ],
)
def test_malformed_definitions_are_refused_when_built(build: object) -> None:
    with pytest.raises(InvalidPromotion):
        build()  # type: ignore[operator]


def test_malformed_quote_inputs_are_refused_before_pricing() -> None:
    direct = DirectReduction(id="D", off=Money.of("1", "USD"))
    with pytest.raises(PromotionCurrencyMismatch):
        quote([line("A", "1")], [direct], [], USER, AT)
    with pytest.raises(InvalidCart):
        quote([], [], [], USER, AT)
    with pytest.raises(InvalidCart):
        quote([line("A", "1"), line("A", "2")], [], [], USER, AT)
    with pytest.raises(InvalidCart):
        quote([line("A", "1")], [], [], USER, AT.replace(tzinfo=None))
    with pytest.raises(InvalidPromotion):
        quote([line("A", "1")], [], [DirectReduction(id="D", off=cny("1"))], USER, AT)
    twice = DirectReduction(id="D", off=cny("1"))
    with pytest.raises(InvalidPromotion):
        quote([line("A", "1")], [twice, twice], [], USER, AT)
    with pytest.raises(InvalidCart):
        line("A", "1", 0)
