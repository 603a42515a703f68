"""Single-product direct reduction: ``off`` each unit, or each unit sold at ``price``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import attrs

from merx.kernel.money import Money
from merx.pricing.errors import InvalidPromotion
from merx.pricing.model import Effect, Level, Promotion, check_non_negative, minor_or_none


class DirectRule:
    """A lower unit price: ``off`` taken from it (not below zero), or capped at ``price``."""

    __slots__ = ("off", "price")
    effect: ClassVar[Effect] = Effect.UNIT_PRICE

    def __init__(self, off: int | None, price: int | None) -> None:
        self.off = off
        self.price = price

    def unit_price_after(self, unit_price: int) -> int:
        if self.off is not None:
            return max(unit_price - self.off, 0)
        assert self.price is not None
        return min(unit_price, self.price)


@attrs.frozen(kw_only=True, cache_hash=True)
class DirectReduction(Promotion):
    """Single-product direct reduction: ``off`` each unit, or sell each unit at ``price``."""

    kind: ClassVar[str] = "direct"
    stage: ClassVar[int] = 0
    off: Money | None = None
    price: Money | None = None

    def _check(self) -> None:
        if (self.off is None) == (self.price is None):
            raise InvalidPromotion(f"{self.id}: a direct reduction needs exactly one of off, price")
        check_non_negative(self.id, "off", self.off)
        check_non_negative(self.id, "price", self.price)

    def amounts(self) -> Iterator[Money]:
        return (money for money in (self.off, self.price) if money is not None)

    @property
    def level(self) -> Level:
        return "item"

    def rule(self) -> DirectRule:
        return DirectRule(minor_or_none(self.off), minor_or_none(self.price))
