"""Full discount: ``percent_off`` of the base at the highest tier reached."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import ClassVar

import attrs

from merx.kernel.money import Money
from merx.pricing.errors import InvalidPromotion
from merx.pricing.model import (
    Effect,
    GiftItem,
    MerchantPromotion,
    check_count,
    check_non_negative,
    check_percent,
    last_reached,
    next_tier,
    percent_of,
)


@attrs.frozen
class PercentTier:
    """A full-discount step: ``percent_off`` once the base reaches an amount or a quantity."""

    percent_off: Decimal
    min_amount: Money | None = None
    min_quantity: int | None = None

    def __attrs_post_init__(self) -> None:
        check_percent("percent tier", self.percent_off)
        if (self.min_amount is None) == (self.min_quantity is None):
            raise InvalidPromotion(
                "percent tier needs exactly one of min_amount and min_quantity, "
                f"got {self.min_amount} and {self.min_quantity}"
            )
        check_non_negative("percent tier", "min_amount", self.min_amount)
        if self.min_quantity is not None:
            check_count("percent tier", "min_quantity", self.min_quantity, 0)

    @property
    def minimum(self) -> int:
        """The tier's minimum: a quantity, or an amount in minor units."""
        if self.min_quantity is not None:
            return self.min_quantity
        assert self.min_amount is not None
        return self.min_amount.minor


class ThresholdPercentRule:
    """Tiers as ``(minimum, percent)`` sorted by minimum: minor units of the base, or units
    on the promotion's lines (``by_quantity``)."""

    __slots__ = ("best", "by_quantity", "percents")
    effect: ClassVar[Effect] = Effect.BASE
    gift: GiftItem | None = None

    def __init__(self, percents: tuple[tuple[int, Decimal], ...], by_quantity: bool) -> None:
        self.percents = percents
        self.by_quantity = by_quantity
        top: Decimal | None = None
        best: list[tuple[int, Decimal]] = []  # (minimum, best percent up to it)
        for minimum, percent in percents:
            top = percent if top is None else max(top, percent)
            best.append((minimum, top))
        self.best = tuple(best)

    def discount(self, base: int, quantity: int) -> int:
        percent = last_reached(self.percents, quantity if self.by_quantity else base)
        return 0 if percent is None else min(percent_of(base, percent), base)

    def reached(self, base: int, quantity: int) -> bool:
        return (quantity if self.by_quantity else base) >= self.percents[0][0]

    def upper(self, base: int, quantity: int) -> int:
        if self.by_quantity:  # the quantity is fixed: the discount only grows with the base
            return self.discount(base, quantity)
        best = last_reached(self.best, base)
        return 0 if best is None else min(percent_of(base, best), base)

    def hint(self, base: int) -> int | None:
        if self.by_quantity:
            return None
        return next_tier((minimum for minimum, _ in self.percents), base)


@attrs.frozen(kw_only=True, cache_hash=True)
class ThresholdPercent(MerchantPromotion):
    """Full discount: ``percent_off`` of the base at the highest tier reached."""

    kind: ClassVar[str] = "threshold_percent"
    tiers: tuple[PercentTier, ...]

    def _check(self) -> None:
        by_amount = [tier.min_amount for tier in self.tiers if tier.min_amount is not None]
        by_quantity = [tier.min_quantity for tier in self.tiers if tier.min_quantity is not None]
        if not self.tiers or (by_amount and by_quantity):
            raise InvalidPromotion(f"{self.id}: tiers must all use min_amount or all min_quantity")
        minimums: list[object] = [*by_amount, *by_quantity]
        if len(set(minimums)) != len(minimums):
            raise InvalidPromotion(f"{self.id}: tiers need distinct minimums, got {minimums}")

    def amounts(self) -> Iterator[Money]:
        return (tier.min_amount for tier in self.tiers if tier.min_amount is not None)

    @property
    def by_quantity(self) -> bool:
        return self.tiers[0].min_quantity is not None

    def rule(self) -> ThresholdPercentRule:
        percents = sorted((tier.minimum, tier.percent_off) for tier in self.tiers)
        return ThresholdPercentRule(tuple(percents), self.by_quantity)
