"""Coupon: ``off`` (from ``min_amount``) or ``percent_off`` up to ``max_off``, held in the
customer's wallet; at store level for ``merchant``, or at platform level."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import ClassVar, Literal, TypeAlias

import attrs

from merx.kernel.money import Money
from merx.pricing.errors import InvalidPromotion
from merx.pricing.model import (
    Customer,
    Effect,
    GiftItem,
    MerchantPromotion,
    RejectionCode,
    check_non_negative,
    check_percent,
    minor_or_none,
    percent_of,
)

CouponLevel: TypeAlias = Literal["store", "platform"]


class OffRule:
    """From ``min_amount`` on: ``off``, or ``percent`` of the base up to ``max_off`` (minor
    units). Coupons and payment reductions price this way."""

    __slots__ = ("max_off", "min_amount", "off", "percent")
    effect: ClassVar[Effect] = Effect.BASE
    gift: GiftItem | None = None

    def __init__(
        self, min_amount: int, off: int | None, percent: Decimal | None, max_off: int | None
    ) -> None:
        self.min_amount = min_amount
        self.off = off
        self.percent = percent
        self.max_off = max_off

    def discount(self, base: int, quantity: int) -> int:
        if base < self.min_amount:
            return 0
        if self.off is not None:
            return min(self.off, base)
        assert self.percent is not None
        off = percent_of(base, self.percent)
        if self.max_off is not None:
            off = min(off, self.max_off)
        return min(off, base)

    def reached(self, base: int, quantity: int) -> bool:
        return base >= self.min_amount

    def upper(self, base: int, quantity: int) -> int:
        return self.discount(base, quantity)  # it only grows with the base

    def hint(self, base: int) -> int | None:
        return None


@attrs.frozen(kw_only=True, cache_hash=True)
class Coupon(MerchantPromotion):
    """A coupon the customer holds: ``off`` (from ``min_amount``) or ``percent_off`` up to
    ``max_off``; at store level for ``merchant``, or at platform level."""

    kind: ClassVar[str] = "coupon"
    stage: ClassVar[int] = 3
    coupon: ClassVar[bool] = True
    level_name: CouponLevel | None = attrs.field(default=None, alias="level")
    off: Money | None = None
    percent_off: Decimal | None = None
    max_off: Money | None = None
    min_amount: Money | None = None
    new_user_only: bool = False

    def _check(self) -> None:
        if (self.off is None) == (self.percent_off is None):
            raise InvalidPromotion(f"{self.id}: a coupon needs exactly one of off, percent_off")
        if self.percent_off is not None:
            check_percent(self.id, self.percent_off)
        elif self.max_off is not None:
            raise InvalidPromotion(f"{self.id}: max_off only goes with percent_off")
        if self.level_name == "store" and self.merchant is None:
            raise InvalidPromotion(f"{self.id}: a store coupon needs a merchant")
        if self.level_name == "platform" and self.merchant is not None:
            raise InvalidPromotion(f"{self.id}: a platform coupon has no merchant")
        for name, amount in (("off", self.off), ("max_off", self.max_off)):
            check_non_negative(self.id, name, amount)
        check_non_negative(self.id, "min_amount", self.min_amount)
        if not isinstance(self.new_user_only, bool):
            raise InvalidPromotion(f"{self.id}: new_user_only must be a bool")

    def amounts(self) -> Iterator[Money]:
        return (m for m in (self.off, self.max_off, self.min_amount) if m is not None)

    def rule(self) -> OffRule:
        min_amount = 0 if self.min_amount is None else self.min_amount.minor
        return OffRule(
            min_amount, minor_or_none(self.off), self.percent_off, minor_or_none(self.max_off)
        )

    def rejection_for(
        self, customer: Customer, payment_method: str | None
    ) -> tuple[RejectionCode, str] | None:
        if self.new_user_only and not customer.new_user:
            return ("new_user_only", "for new users only")
        return None

    def slot(self) -> tuple[str, ...] | None:
        """One coupon per store, one at platform level."""
        return ("coupon", self.level, self.store or "")
