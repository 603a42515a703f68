"""Free shipping (包邮) and the freight coupon: they take freight off the sellers of their
eligible lines, not money off the lines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import attrs

from merx.kernel.money import Money
from merx.pricing.model import Effect, MerchantPromotion, check_non_negative


class WaiverRule:
    """Once the goods of the eligible lines reach ``min_amount``: all the freight of their
    sellers (``off`` is ``None``), or up to ``off`` of it (minor units)."""

    __slots__ = ("min_amount", "off")
    effect: ClassVar[Effect] = Effect.FREIGHT

    def __init__(self, min_amount: int, off: int | None) -> None:
        self.min_amount = min_amount
        self.off = off


@attrs.frozen(kw_only=True, cache_hash=True)
class FreeShipping(MerchantPromotion):
    """Waives the freight of every seller with an eligible line once the eligible lines'
    goods (after the platform level) reach ``min_amount``; a store's own when
    ``merchant`` is set."""

    kind: ClassVar[str] = "free_shipping"
    min_amount: Money | None = None

    def _check(self) -> None:
        check_non_negative(self.id, "min_amount", self.min_amount)

    def amounts(self) -> Iterator[Money]:
        return iter(() if self.min_amount is None else (self.min_amount,))

    def rule(self) -> WaiverRule:
        return WaiverRule(0 if self.min_amount is None else self.min_amount.minor, None)


@attrs.frozen(kw_only=True, cache_hash=True)
class FreightCoupon(MerchantPromotion):
    """A coupon that takes up to ``off`` off the freight (a store's, with ``merchant``;
    else the sellers of its eligible lines, in cart order) once the eligible lines' goods
    reach ``min_amount``. One per store and one at platform level, beside goods coupons."""

    kind: ClassVar[str] = "freight_coupon"
    stage: ClassVar[int] = 3
    coupon: ClassVar[bool] = True
    off: Money
    min_amount: Money | None = None

    def _check(self) -> None:
        check_non_negative(self.id, "off", self.off)
        check_non_negative(self.id, "min_amount", self.min_amount)

    def amounts(self) -> Iterator[Money]:
        return (m for m in (self.off, self.min_amount) if m is not None)

    def rule(self) -> WaiverRule:
        return WaiverRule(0 if self.min_amount is None else self.min_amount.minor, self.off.minor)

    def slot(self) -> tuple[str, ...] | None:
        """One freight coupon per store, one at platform level."""
        return ("freight_coupon", self.level, self.store or "")
