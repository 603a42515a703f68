"""Hypothesis strategies for carts and promotions: small numbers so thresholds bite often."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

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
    FundingShare,
    GiftItem,
    GiftPromotion,
    Multibuy,
    PaymentOff,
    PercentTier,
    Promotion,
    Scope,
    ThresholdOff,
    ThresholdPercent,
    Tier,
)

CURRENCY = "CNY"
AT = datetime(2026, 6, 18, 2, 0, tzinfo=UTC)
SKUS = ("A", "B", "C", "D", "E", "F")
MERCHANTS = ("m1", "m2", "m3")
CATEGORIES = ("phone", "shirt")
METHODS = ("card", "wallet")
REGIONS = ("Beijing", "Shanghai", "Xinjiang")
TAX_RATES = (Decimal(0), Decimal("0.06"), Decimal("0.09"), Decimal("0.13"))

Draw = Callable[[st.SearchStrategy[Any]], Any]


def cny(minor: int) -> Money:
    return Money.from_minor(minor, CURRENCY)


def amounts(low: int = 0, high: int = 30_000) -> st.SearchStrategy[Money]:
    """Amounts on a coarse grid (whole yuan, some cents) so that ties happen."""
    return st.one_of(
        st.integers(low // 100, high // 100).map(lambda y: cny(y * 100)),
        st.integers(low, high).map(cny),
    )


percents = st.one_of(
    st.sampled_from([Decimal(5), Decimal(10), Decimal("12.5"), Decimal(20), Decimal(100)]),
    st.integers(1, 100).map(Decimal),
)


@st.composite
def cart_lines(draw: Draw, max_lines: int = 6) -> tuple[CartLine, ...]:
    skus = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=max_lines, unique=True))
    return tuple(
        CartLine(
            sku,
            draw(st.sampled_from(MERCHANTS)),
            draw(st.sampled_from(CATEGORIES)),
            draw(amounts(0, 10_000)),
            draw(st.integers(1, 4)),
            weight_g=draw(st.integers(0, 1_500)),
            volume_cm3=draw(st.integers(0, 3_000)),
            tax_rate=draw(st.sampled_from(TAX_RATES)),
        )
        for sku in skus
    )


@st.composite
def scopes(draw: Draw) -> Scope:
    def maybe(values: tuple[str, ...]) -> tuple[str, ...] | None:
        chosen: tuple[str, ...] | None = draw(
            st.none() | st.lists(st.sampled_from(values), max_size=3, unique=True).map(tuple)
        )
        return chosen

    if draw(st.integers(0, 2)):
        return Scope()
    return Scope(skus=maybe(SKUS), merchants=maybe(MERCHANTS), categories=maybe(CATEGORIES))


@st.composite
def common_terms(draw: Draw, promotion_id: str, ids: tuple[str, ...]) -> dict[str, Any]:
    others = [other for other in ids if other != promotion_id]
    excludes: list[str] = []
    if others and draw(st.booleans()):
        excludes = draw(st.lists(st.sampled_from(others), max_size=2, unique=True))
    terms: dict[str, Any] = {
        "id": promotion_id,
        "scope": draw(scopes()),
        "group": draw(st.sampled_from([None, None, "g1", "g2"])),
        "excludes": tuple(excludes),
        "priority": draw(st.sampled_from([0, 0, 1, -1])),
    }
    if draw(st.integers(0, 5)) == 0:
        terms[draw(st.sampled_from(["per_customer_limit", "global_limit"]))] = draw(
            st.integers(1, 2)
        )
    if draw(st.integers(0, 3)) == 0:
        terms["funded_by"] = (
            FundingShare("platform", Decimal(draw(st.integers(0, 3)))),
            FundingShare("m1", Decimal(draw(st.integers(1, 3)))),
        )
    window = draw(st.integers(0, 5))
    if window == 0:
        terms["ends_at"] = AT  # just ended: not in force
    elif window == 1:
        terms["starts_at"] = AT - timedelta(days=1)
        terms["ends_at"] = AT + timedelta(seconds=1)
    return terms


def _merchant(draw: Draw) -> str | None:
    merchant: str | None = draw(st.sampled_from([None, *MERCHANTS]))
    return merchant


@st.composite
def promotions(draw: Draw, promotion_id: str, ids: tuple[str, ...]) -> Promotion:
    """One automatic promotion of any kind."""
    terms = draw(common_terms(promotion_id, ids))
    kind = draw(
        st.sampled_from(
            [
                "direct",
                "bundle",
                "threshold_off",
                "threshold_percent",
                "gift",
                "payment_off",
                "multibuy",
                "free_shipping",
            ]
        )
    )
    if kind == "multibuy":
        buy = draw(st.integers(2, 4))
        return Multibuy(
            **terms,
            buy=buy,
            pay=draw(st.integers(0, buy - 1)),
            percent_off=draw(st.sampled_from([Decimal(100), Decimal(50), Decimal(30)])),
        )
    if kind == "free_shipping":
        return FreeShipping(
            **terms, merchant=_merchant(draw), min_amount=draw(st.none() | amounts(0, 20_000))
        )
    if kind == "direct":
        if draw(st.booleans()):
            return DirectReduction(**terms, off=draw(amounts(0, 5_000)))
        return DirectReduction(**terms, price=draw(amounts(0, 10_000)))
    if kind == "bundle":
        skus = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=3, unique=True))
        items = tuple(BundleItem(sku, draw(st.integers(1, 2))) for sku in skus)
        return Bundle(**terms, items=items, price=draw(amounts(0, 20_000)))
    if kind == "threshold_off":
        if draw(st.booleans()):
            tier = Tier(draw(amounts(100, 20_000)), draw(amounts(0, 5_000)))
            cap = draw(st.none() | amounts(0, 10_000))
            return ThresholdOff(
                **terms, merchant=_merchant(draw), tiers=(tier,), repeat=True, cap=cap
            )
        minimums = draw(st.lists(amounts(0, 30_000), min_size=1, max_size=3, unique=True))
        tiers = tuple(Tier(m, draw(amounts(0, 6_000))) for m in minimums)
        return ThresholdOff(**terms, merchant=_merchant(draw), tiers=tiers)
    if kind == "threshold_percent":
        if draw(st.booleans()):
            counts = draw(st.lists(st.integers(0, 8), min_size=1, max_size=3, unique=True))
            ptiers = tuple(PercentTier(draw(percents), min_quantity=n) for n in counts)
        else:
            minimums = draw(st.lists(amounts(0, 30_000), min_size=1, max_size=3, unique=True))
            ptiers = tuple(PercentTier(draw(percents), min_amount=m) for m in minimums)
        return ThresholdPercent(**terms, merchant=_merchant(draw), tiers=ptiers)
    if kind == "gift":
        gift = GiftItem(draw(st.sampled_from(["CASE", "BAG"])), draw(st.integers(1, 2)))
        return GiftPromotion(
            **terms, merchant=_merchant(draw), min_amount=draw(amounts(0, 20_000)), gift=gift
        )
    return PaymentOff(
        **terms,
        payment_method=draw(st.sampled_from(METHODS)),
        off=draw(amounts(0, 5_000)),
        min_amount=draw(st.none() | amounts(0, 20_000)),
    )


@st.composite
def coupons(draw: Draw, coupon_id: str, ids: tuple[str, ...]) -> Promotion:
    terms = draw(common_terms(coupon_id, ids))
    merchant = _merchant(draw)
    if draw(st.integers(0, 4)) == 0:
        return FreightCoupon(
            **terms,
            merchant=merchant,
            off=draw(amounts(0, 2_000)),
            min_amount=draw(st.none() | amounts(0, 20_000)),
        )
    level = draw(st.sampled_from([None, "store" if merchant else "platform"]))
    min_amount = draw(st.none() | amounts(0, 20_000))
    if draw(st.booleans()):
        return Coupon(
            **terms,
            level=level,
            merchant=merchant,
            off=draw(amounts(0, 5_000)),
            min_amount=min_amount,
            new_user_only=draw(st.booleans()),
        )
    return Coupon(
        **terms,
        level=level,
        merchant=merchant,
        percent_off=draw(percents),
        max_off=draw(st.none() | amounts(0, 5_000)),
        min_amount=min_amount,
        new_user_only=draw(st.booleans()),
    )


@st.composite
def pricing_inputs(
    draw: Draw, max_lines: int = 6, max_candidates: int = 10
) -> tuple[tuple[CartLine, ...], list[Promotion], list[Promotion], Customer, str | None]:
    """A cart, automatic promotions, a wallet, a customer and a payment method."""
    lines = draw(cart_lines(max_lines))
    total = draw(st.integers(0, max_candidates))
    n_coupons = draw(st.integers(0, total))
    promotion_ids = tuple(f"P{k}" for k in range(total - n_coupons))
    coupon_ids = tuple(f"C{k}" for k in range(n_coupons))
    ids = promotion_ids + coupon_ids
    automatic: list[Promotion] = [draw(promotions(pid, ids)) for pid in promotion_ids]
    wallet: list[Promotion] = [draw(coupons(cid, ids)) for cid in coupon_ids]
    used = {pid: draw(st.integers(0, 2)) for pid in ids if draw(st.integers(0, 3)) == 0}
    customer = Customer("u1", new_user=draw(st.booleans()), used=used)
    method: str | None = draw(st.sampled_from([None, *METHODS]))
    return lines, automatic, wallet, customer, method


def any_promotion() -> st.SearchStrategy[Promotion]:
    """A single promotion or coupon of any kind (for round-trip tests)."""
    ids = ("X1", "X2", "X3")
    return st.one_of(promotions("X0", ids), coupons("X0", ids).map(lambda c: c))


@st.composite
def freight_templates(draw: Draw) -> tuple[FreightTemplate, ...]:
    """Templates for some of the merchants: any basis, a region rule and a ``"*"`` rule,
    sometimes free over an amount or a number of pieces; never undeliverable."""
    templates: list[FreightTemplate] = []
    for merchant in draw(st.lists(st.sampled_from(MERCHANTS), max_size=3, unique=True)):
        step = st.integers(1, 1_000)
        rules = (
            FreightRule(
                (draw(st.sampled_from(REGIONS)),),
                draw(step),
                draw(amounts(0, 2_000)),
                draw(step),
                draw(amounts(0, 800)),
            ),
            FreightRule(
                ("*",), draw(step), draw(amounts(0, 2_000)), draw(step), draw(amounts(0, 800))
            ),
        )
        templates.append(
            FreightTemplate(
                merchant,
                draw(st.sampled_from(["piece", "weight", "volume"])),
                rules,
                free_over=draw(st.none() | amounts(0, 20_000)),
                free_over_pieces=draw(st.none() | st.integers(1, 8)),
            )
        )
    return tuple(templates)


@st.composite
def quote_extras(draw: Draw, ids: tuple[str, ...]) -> dict[str, Any]:
    """The keyword inputs of issue 15: destination, freight, usage counts, tax mode."""
    return {
        "destination": draw(st.sampled_from(REGIONS)),
        "freight": draw(freight_templates()),
        "usage": {pid: draw(st.integers(0, 2)) for pid in ids if draw(st.booleans())},
        "tax_mode": draw(st.sampled_from(["inclusive", "exclusive"])),
    }
