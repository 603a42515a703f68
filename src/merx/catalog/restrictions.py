"""Sales restrictions: who may buy a SKU, where, and how many.

A SKU carries one :class:`SalesRestrictions` value; ``Sku.check_purchase`` is the rule
placing an order calls with what it knows about the customer and the line.
"""

from __future__ import annotations

import attrs

from merx.kernel.errors import InvalidQuantity, ValidationError
from merx.kernel.quantity import require_quantity


def _regions(value: frozenset[str] | set[str] | tuple[str, ...]) -> frozenset[str]:
    regions = frozenset(value)
    for region in regions:
        if not isinstance(region, str) or not region.strip():
            raise ValidationError(f"a region must be a non-empty string, got {region!r}")
    return regions


@attrs.frozen
class SalesRestrictions:
    """Who may buy: the default restricts nothing.

    * ``regions``: the regions the SKU is sold to, matched exactly against the delivery
      region (empty = everywhere);
    * ``limit_per_customer``: the most units one customer may buy (``None`` = no limit);
      the caller decides over which period it counts ``already_bought``;
    * ``new_users_only``: only customers who have not completed an order yet;
    * ``verification_required``: only customers whose identity/age was verified.
    """

    regions: frozenset[str] = attrs.field(default=frozenset(), converter=_regions)
    limit_per_customer: int | None = None
    new_users_only: bool = False
    verification_required: bool = False

    def __attrs_post_init__(self) -> None:
        if self.limit_per_customer is not None:
            try:
                require_quantity(self.limit_per_customer, "limit_per_customer")
            except InvalidQuantity as error:
                raise ValidationError(str(error)) from None

    @property
    def unrestricted(self) -> bool:
        return self == SalesRestrictions()

    def sells_to(self, region: str | None) -> bool:
        return not self.regions or region in self.regions
