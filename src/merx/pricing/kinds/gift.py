"""Gift: a free article once the base reaches ``min_amount``; no money changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import attrs

from merx.kernel.money import Money
from merx.pricing.model import (
    Effect,
    GiftItem,
    MerchantPromotion,
    check_non_negative,
)


class GiftRule:
    """Grants ``gift`` once the base reaches ``min_amount`` (minor units)."""

    __slots__ = ("gift", "min_amount")
    effect: ClassVar[Effect] = Effect.BASE

    def __init__(self, min_amount: int, gift: GiftItem) -> None:
        self.min_amount = min_amount
        self.gift: GiftItem | None = gift

    def discount(self, base: int, quantity: int) -> int:
        return 0

    def reached(self, base: int, quantity: int) -> bool:
        return base >= self.min_amount

    def upper(self, base: int, quantity: int) -> int:
        return 0

    def hint(self, base: int) -> int | None:
        return None


@attrs.frozen(kw_only=True, cache_hash=True)
class GiftPromotion(MerchantPromotion):
    """A free article once the base reaches ``min_amount``; no money changes."""

    kind: ClassVar[str] = "gift"
    min_amount: Money
    gift: GiftItem

    def _check(self) -> None:
        check_non_negative(self.id, "min_amount", self.min_amount)

    def amounts(self) -> Iterator[Money]:
        return iter((self.min_amount,))

    def rule(self) -> GiftRule:
        return GiftRule(self.min_amount.minor, self.gift)
