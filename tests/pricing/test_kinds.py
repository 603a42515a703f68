"""Promotion kinds are classes behind the rule protocols: a kind written here, outside
merx, is priced exactly through the registry alone (no edit to the engine)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx.kernel.money import Money
from merx.pricing import (
    KINDS,
    CartLine,
    Customer,
    Effect,
    GiftItem,
    InvalidPromotion,
    Level,
    Promotion,
    RejectionCode,
    Scope,
    Taken,
    ThresholdOff,
    Tier,
    UnknownPromotionKind,
    engine,
    exhaustive_quote,
    quote,
    quote_from_dict,
)
from tests.pricing.strategies import AT, CURRENCY, pricing_inputs


class UnitRebateRule:
    """``per_unit`` off each unit on the promotion's lines, never more than the base."""

    effect: ClassVar[Effect] = Effect.BASE
    gift: GiftItem | None = None

    def __init__(self, per_unit: int) -> None:
        self.per_unit = per_unit

    def discount(self, base: int, quantity: int) -> int:
        return min(self.per_unit * quantity, base)

    def reached(self, base: int, quantity: int) -> bool:
        return quantity > 0

    def upper(self, base: int, quantity: int) -> int:
        return self.discount(base, quantity)

    def hint(self, base: int) -> int | None:
        return None


@attrs.frozen(kw_only=True, cache_hash=True)
class UnitRebate(Promotion):
    """A store rebate per unit bought (a toy kind on a base)."""

    kind: ClassVar[str] = "unit_rebate"
    merchant: str
    per_unit: Money

    def amounts(self) -> Iterator[Money]:
        return iter((self.per_unit,))

    @property
    def level(self) -> Level:
        return "store"

    @property
    def store(self) -> str | None:
        return self.merchant

    def rule(self) -> UnitRebateRule:
        return UnitRebateRule(self.per_unit.minor)


class CheapestFreeGroups:
    """Units of the lines, dearest first (ties in cart order), in groups of ``size``: the
    last unit of each whole group is free."""

    def __init__(self, lines: tuple[int, ...], size: int) -> None:
        self.lines = lines
        self.size = size

    def take(self, free: Sequence[int], units: Sequence[int]) -> Taken | RejectionCode:
        pool = sorted(
            ((units[i], i) for i in self.lines for _ in range(free[i])),
            key=lambda unit: (-unit[0], unit[1]),
        )
        groups = len(pool) // self.size
        if groups == 0:
            return "threshold_not_reached"
        shares: dict[int, int] = {}
        used: dict[int, int] = {}
        for g in range(groups):
            group = pool[g * self.size : (g + 1) * self.size]
            for _, i in group:
                used[i] = used.get(i, 0) + 1
            price, i = group[-1]
            shares[i] = shares.get(i, 0) + price
        if not sum(shares.values()):
            return "no_discount"
        return Taken(sum(shares.values()), tuple(sorted(shares.items())), tuple(used.items()))


class CheapestFreeRule:
    effect: ClassVar[Effect] = Effect.UNIT_GROUPS

    def __init__(self, size: int) -> None:
        self.size = size

    def bind(self, cart: Sequence[CartLine], eligible: Sequence[int]) -> CheapestFreeGroups:
        return CheapestFreeGroups(tuple(eligible), self.size)


@attrs.frozen(kw_only=True, cache_hash=True)
class CheapestFree(Promotion):
    """Buy ``size``, the cheapest of each group free (a toy multibuy on units)."""

    kind: ClassVar[str] = "cheapest_free"
    size: int

    def _check(self) -> None:
        if not isinstance(self.size, int) or isinstance(self.size, bool) or self.size < 2:
            raise InvalidPromotion(f"{self.id}: size must be a whole number >= 2")

    @property
    def level(self) -> Level:
        return "item"

    def rule(self) -> CheapestFreeRule:
        return CheapestFreeRule(self.size)


TOYS = KINDS.with_kind(UnitRebate).with_kind(CheapestFree)


def yuan(amount: str) -> Money:
    return Money.of(amount, CURRENCY)


def test_a_kind_added_through_the_registry_prices_exactly_from_json() -> None:
    case: dict[str, Any] = {
        "currency": CURRENCY,
        "at": AT.isoformat(),
        "customer": {"id": "u1", "new_user": False},
        "lines": [
            {"sku": "A", "merchant": "m1", "category": "c", "unit_price": "50.00", "quantity": 2},
            {"sku": "B", "merchant": "m1", "category": "c", "unit_price": "30.00", "quantity": 1},
            {"sku": "C", "merchant": "m2", "category": "c", "unit_price": "20.00", "quantity": 3},
        ],
        "promotions": [
            {"kind": "cheapest_free", "id": "X3", "size": 3, "scope": {"merchants": ["m1"]}},
            {"kind": "unit_rebate", "id": "R", "merchant": "m2", "per_unit": "1.50"},
            {"kind": "threshold_off", "id": "T", "tiers": [{"min_amount": "150", "off": "10"}]},
        ],
    }
    with pytest.raises(UnknownPromotionKind):
        quote_from_dict(case)  # the default registry does not know the toys
    result = quote_from_dict(case, TOYS)
    # A, A, B in one group: B (30.00) free; m2 gets 3 x 1.50 off; then 10.00 off 155.50
    # split by the line amounts 100.00 / 0.00 / 55.50 (largest remainder)
    assert result["applied"] == ["R", "T", "X3"]
    assert result["payable"] == "145.50"
    assert result["lines"] == {"A": "93.57", "B": "0.00", "C": "51.93"}
    assert result["discount"] == "44.50"
    assert result["cost"] == {"m2": "4.50", "platform": "40.00"}


def test_the_engine_prices_any_kind_without_the_registry() -> None:
    lines = [CartLine("A", "m1", "c", yuan("10.00"), 4), CartLine("B", "m1", "c", yuan("7.00"), 2)]
    promotions: list[Promotion] = [CheapestFree(id="X", size=3)]
    result = quote(lines, promotions, [], Customer("u1"), AT)
    # units 10, 10, 10 | 10, 7, 7: one 10.00 and one 7.00 free
    assert result.payable == yuan("37.00")
    assert result.line("A").amount == yuan("30.00")
    assert result.line("B").amount == yuan("7.00")


@settings(max_examples=40, deadline=None)
@given(
    inputs=pricing_inputs(max_candidates=7), size=st.integers(2, 4), per_unit=st.integers(1, 500)
)
def test_toy_kinds_agree_with_the_exhaustive_oracle(inputs: Any, size: int, per_unit: int) -> None:
    lines, promotions, wallet, customer, method = inputs
    merchant = lines[0].merchant
    toys: list[Promotion] = [
        CheapestFree(id="zz-free", size=size, group="toy"),
        UnitRebate(
            id="zz-rebate", merchant=merchant, per_unit=Money.from_minor(per_unit, CURRENCY)
        ),
        CheapestFree(
            id="zz-free-2", size=size + 1, scope=Scope(merchants=(merchant,)), group="toy"
        ),
    ]
    everything = [*promotions, *toys]
    fast = quote(lines, everything, wallet, customer, AT, method)
    assert fast == exhaustive_quote(lines, everything, wallet, customer, AT, method)


def test_a_unit_kind_runs_at_item_level_only() -> None:
    @attrs.frozen(kw_only=True, cache_hash=True)
    class LateGroups(CheapestFree):
        kind: ClassVar[str] = "late_groups"

        @property
        def level(self) -> Level:
            return "platform"

    lines = [CartLine("A", "m1", "c", yuan("10.00"), 3)]
    with pytest.raises(InvalidPromotion, match="item level"):
        quote(lines, [LateGroups(id="L", size=2)], [], Customer("u1"), AT)


def test_the_registry_refuses_what_is_not_a_kind() -> None:
    with pytest.raises(InvalidPromotion, match="distinct names"):
        KINDS.with_kind(UnitRebate).with_kind(UnitRebate)
    with pytest.raises(InvalidPromotion, match="subclass of Promotion"):
        KINDS.with_kind(Tier)  # type: ignore[arg-type]

    class Undecorated(ThresholdOff):
        kind: ClassVar[str] = "undecorated"

    with pytest.raises(InvalidPromotion, match="attrs class"):
        KINDS.with_kind(Undecorated)
    assert KINDS.names() == (
        "direct",
        "bundle",
        "threshold_off",
        "threshold_percent",
        "gift",
        "coupon",
        "payment_off",
        "multibuy",
        "free_shipping",
        "freight_coupon",
    )


def test_the_engine_keeps_its_prepared_terms_outside_the_definition() -> None:
    promotion = ThresholdOff(id="T", tiers=(Tier(yuan("10.00"), yuan("1.00")),))
    again = ThresholdOff(id="T", tiers=(Tier(yuan("10.00"), yuan("1.00")),))
    cart = [CartLine("A", "m1", "c", yuan("20.00"), 1)]
    quote(cart, [promotion], [], Customer("u1"), AT)
    hits = engine._prepare.cache_info().hits
    assert quote(cart, [again], [], Customer("u1"), AT).payable == yuan("19.00")
    assert engine._prepare.cache_info().hits == hits + 1  # an equal definition: one entry
    assert "_prepared" not in {field.name for field in attrs.fields(ThresholdOff)}
    assert promotion == again
