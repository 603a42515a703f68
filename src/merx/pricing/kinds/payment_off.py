"""Payment instant reduction: ``off`` from ``min_amount`` when paying by ``payment_method``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import attrs

from merx.kernel.money import Money
from merx.pricing.errors import InvalidPromotion
from merx.pricing.kinds.coupon import OffRule
from merx.pricing.model import Customer, Level, Promotion, RejectionCode, check_non_negative


@attrs.frozen(kw_only=True, cache_hash=True)
class PaymentOff(Promotion):
    """Payment instant reduction: ``off`` from ``min_amount`` when paying by ``payment_method``."""

    kind: ClassVar[str] = "payment_off"
    payment_method: str
    off: Money
    min_amount: Money | None = None

    def _check(self) -> None:
        if not isinstance(self.payment_method, str) or not self.payment_method:
            raise InvalidPromotion(f"{self.id}: payment_method must be a non-empty string")
        check_non_negative(self.id, "off", self.off)
        check_non_negative(self.id, "min_amount", self.min_amount)

    def amounts(self) -> Iterator[Money]:
        return (m for m in (self.off, self.min_amount) if m is not None)

    @property
    def level(self) -> Level:
        return "payment"

    def rule(self) -> OffRule:
        min_amount = 0 if self.min_amount is None else self.min_amount.minor
        return OffRule(min_amount, self.off.minor, None, None)

    def rejection_for(
        self, customer: Customer, payment_method: str | None
    ) -> tuple[RejectionCode, str] | None:
        if self.payment_method != payment_method:
            return ("payment_method", f"for {self.payment_method} payments")
        return None
