"""Profit control: a SKU is not sold under its purchase cost plus a minimum margin.

``ProfitPolicy(min_margin=Decimal("0.05"))`` means "at least 5 % over cost": the lowest
allowed price is ``cost x (1 + min_margin)`` rounded half up to the currency's minor unit.
Where the purchase cost is unknown (a marketplace merchant's goods, a SKU not yet
contracted) there is nothing to control. An operator may sell below the minimum on
purpose (a loss leader, a clearance) by giving an *override reason*, which the event
records.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

import attrs

from merx.catalog.errors import BelowCost
from merx.kernel.errors import ValidationError
from merx.kernel.money import Money


@attrs.frozen
class ProfitPolicy:
    """The minimum margin over purchase cost, as a fraction (``0.05`` = 5 %)."""

    min_margin: Decimal

    def __attrs_post_init__(self) -> None:
        margin: object = self.min_margin
        if isinstance(margin, bool) or not isinstance(margin, (Decimal, int)):
            raise ValidationError(
                f"min_margin must be an exact Decimal, not {type(margin).__name__} {margin!r}"
            )
        exact = Decimal(margin)
        if not exact.is_finite() or exact < 0:
            raise ValidationError(f"min_margin must be a finite fraction >= 0, got {margin!r}")
        object.__setattr__(self, "min_margin", exact)

    def minimum_price(self, cost: Money) -> Money:
        """``cost x (1 + min_margin)``, rounded half up to the minor unit."""
        return cost.scale(1 + self.min_margin)

    def allows(self, price: Money, cost: Money | None) -> bool:
        return cost is None or price >= self.minimum_price(cost)

    def check(
        self, sku_id: str, price: Money, cost: Money | None, override_reason: str | None
    ) -> str | None:
        """Raise :class:`BelowCost` if ``price`` is too low and no override is given.

        Returns the override reason that was *used* (``None`` when the price passes on its
        own), so the event records an override only where one mattered.
        """
        if override_reason is not None and not override_reason.strip():
            raise ValidationError(f"SKU {sku_id!r}: an override reason must not be blank")
        if cost is None or self.allows(price, cost):
            return None
        if override_reason is None:
            raise BelowCost(sku_id, price, self.minimum_price(cost), cost)
        return override_reason


#: Never below cost, no margin required: the floor used where no policy was configured.
AT_COST: Final = ProfitPolicy(Decimal(0))
