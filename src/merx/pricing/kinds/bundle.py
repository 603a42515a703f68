"""Bundle: a set of items sold together at ``price`` per whole set."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar

import attrs

from merx.kernel.money import Money, split_minor
from merx.pricing.errors import InvalidPromotion
from merx.pricing.model import (
    CartLine,
    Effect,
    Level,
    Promotion,
    RejectionCode,
    Taken,
    check_count,
    check_non_negative,
)


@attrs.frozen
class BundleItem:
    """``quantity`` units of ``sku`` in one bundle set."""

    sku: str
    quantity: int

    def __attrs_post_init__(self) -> None:
        check_count(f"bundle item {self.sku!r}", "quantity", self.quantity, 1)


class BundleSets:
    """A bundle on one cart: its items as ``(line, units per set)``, in line order (none
    when the cart lacks an item)."""

    __slots__ = ("items", "lines", "price")

    def __init__(self, items: tuple[tuple[int, int], ...], price: int) -> None:
        self.items = items
        self.lines = tuple(i for i, _ in items)
        self.price = price

    def take(self, free: Sequence[int], units: Sequence[int]) -> Taken | RejectionCode:
        """Every whole set the free units make; each set's discount split over its units
        by their unit prices (largest remainder)."""
        items = self.items
        sets = min((free[i] // quantity for i, quantity in items), default=0)
        weights = [units[i] for i, quantity in items for _ in range(quantity)]
        per_set = sum(weights) - self.price
        if sets == 0:
            return "no_whole_set"
        if per_set <= 0:
            return "no_discount"
        unit_shares = split_minor(per_set, weights)
        shares: list[tuple[int, int]] = []
        position = 0
        for i, quantity in items:
            shares.append((i, sets * sum(unit_shares[position : position + quantity])))
            position += quantity
        used = tuple((i, sets * quantity) for i, quantity in items)
        return Taken(sets * per_set, tuple(shares), used)


class BundleRule:
    """A bundle's items and set price, in minor units."""

    __slots__ = ("items", "price")
    effect: ClassVar[Effect] = Effect.UNIT_GROUPS

    def __init__(self, items: tuple[tuple[str, int], ...], price: int) -> None:
        self.items = items
        self.price = price

    def bind(self, cart: Sequence[CartLine], eligible: Sequence[int]) -> BundleSets:
        by_sku = {cart[i].sku: i for i in eligible}
        if not all(sku in by_sku for sku, _ in self.items):
            return BundleSets((), self.price)
        return BundleSets(
            tuple(sorted((by_sku[sku], quantity) for sku, quantity in self.items)), self.price
        )


@attrs.frozen(kw_only=True, cache_hash=True)
class Bundle(Promotion):
    """A set of items sold together at ``price`` per whole set."""

    kind: ClassVar[str] = "bundle"
    stage: ClassVar[int] = 1
    items: tuple[BundleItem, ...]
    price: Money

    def _check(self) -> None:
        skus = [item.sku for item in self.items]
        if not skus or len(set(skus)) != len(skus):
            raise InvalidPromotion(f"{self.id}: a bundle needs distinct items, got {skus}")
        check_non_negative(self.id, "price", self.price)

    def amounts(self) -> Iterator[Money]:
        return iter((self.price,))

    @property
    def level(self) -> Level:
        return "item"

    def rule(self) -> BundleRule:
        return BundleRule(tuple((item.sku, item.quantity) for item in self.items), self.price.minor)
