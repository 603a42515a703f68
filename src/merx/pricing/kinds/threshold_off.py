"""Full reduction: the highest tier the base reaches, or ``off`` per whole ``min_amount``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import attrs

from merx.kernel.money import Money
from merx.pricing.errors import InvalidPromotion, PromotionCurrencyMismatch
from merx.pricing.model import (
    Effect,
    GiftItem,
    MerchantPromotion,
    check_non_negative,
    last_reached,
    minor_or_none,
    next_tier,
)


@attrs.frozen
class Tier:
    """A full-reduction step: ``off`` once the base reaches ``min_amount``."""

    min_amount: Money
    off: Money

    def __attrs_post_init__(self) -> None:
        check_non_negative("tier", "min_amount", self.min_amount)
        check_non_negative("tier", "off", self.off)
        if self.min_amount.currency != self.off.currency:
            raise PromotionCurrencyMismatch(f"tier mixes {self.min_amount} and {self.off}")


class ThresholdOffRule:
    """Tiers as ``(minimum, off)`` sorted by minimum, in minor units."""

    __slots__ = ("best", "cap", "repeat", "steps")
    effect: ClassVar[Effect] = Effect.BASE
    gift: GiftItem | None = None

    def __init__(self, steps: tuple[tuple[int, int], ...], repeat: bool, cap: int | None) -> None:
        self.steps = steps
        self.repeat = repeat
        self.cap = cap
        best = 0
        offs: list[tuple[int, int]] = []  # (minimum, best capped off up to it)
        for minimum, off in steps:
            best = max(best, off if cap is None else min(off, cap))
            offs.append((minimum, best))
        self.best = tuple(offs)

    def discount(self, base: int, quantity: int) -> int:
        reached = None
        for step in self.steps:
            if base >= step[0]:
                reached = step
        if reached is None:
            return 0
        off = reached[1] * (base // reached[0]) if self.repeat else reached[1]
        if self.cap is not None:
            off = min(off, self.cap)
        return min(off, base)

    def reached(self, base: int, quantity: int) -> bool:
        return base >= self.steps[0][0]

    def upper(self, base: int, quantity: int) -> int:
        if self.repeat:  # the discount itself only grows with the base
            return self.discount(base, quantity)
        best = last_reached(self.best, base)
        return 0 if best is None else min(best, base)

    def hint(self, base: int) -> int | None:
        if self.repeat:
            step = self.steps[0][0]
            return (base // step + 1) * step - base
        return next_tier((minimum for minimum, _ in self.steps), base)


@attrs.frozen(kw_only=True, cache_hash=True)
class ThresholdOff(MerchantPromotion):
    """Full reduction: the highest tier the base reaches, or ``off`` per whole ``min_amount``."""

    kind: ClassVar[str] = "threshold_off"
    tiers: tuple[Tier, ...]
    repeat: bool = False
    cap: Money | None = None

    def _check(self) -> None:
        minimums = [tier.min_amount for tier in self.tiers]
        if not minimums or len(set(minimums)) != len(minimums):
            raise InvalidPromotion(f"{self.id}: tiers need distinct minimums, got {minimums}")
        if self.repeat and (len(self.tiers) != 1 or not self.tiers[0].min_amount.is_positive()):
            raise InvalidPromotion(f"{self.id}: repeat needs exactly one tier with a minimum > 0")
        check_non_negative(self.id, "cap", self.cap)

    def amounts(self) -> Iterator[Money]:
        for tier in self.tiers:
            yield tier.min_amount
            yield tier.off
        if self.cap is not None:
            yield self.cap

    def rule(self) -> ThresholdOffRule:
        steps = tuple(sorted((tier.min_amount.minor, tier.off.minor) for tier in self.tiers))
        return ThresholdOffRule(steps, self.repeat, minor_or_none(self.cap))
