"""Sales restrictions: who may buy a SKU, where, and how many.

A SKU carries one :class:`SalesRestrictions` value; :meth:`SalesRestrictions.check` is the
pure rule, and ``Sku.check_purchase`` (what placing an order calls with what it knows about
the customer and the line) applies it to a SKU on sale.
"""

from __future__ import annotations

import attrs

from merx.catalog.errors import (
    NewUsersOnly,
    PurchaseLimitExceeded,
    RestrictedRegion,
    VerificationRequired,
)
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

    def check(
        self,
        sku_id: str,
        *,
        region: str | None,
        quantity: int,
        already_bought: int,
        customer_new_user: bool,
        customer_verified: bool,
    ) -> None:
        """Raise if this customer may not buy ``quantity`` more units of ``sku_id``.

        Checked in this order, the first failure wins: the quantity is a positive whole
        number, the region (:class:`RestrictedRegion`; ``None`` = unknown, refused when
        regions are restricted), new users only (:class:`NewUsersOnly`), verification
        (:class:`VerificationRequired`), then the per-customer limit counting the units
        ``already_bought`` (:class:`PurchaseLimitExceeded`).
        """
        require_quantity(quantity)
        if isinstance(already_bought, bool) or not isinstance(already_bought, int):
            raise ValidationError(f"already_bought must be a whole number, got {already_bought!r}")
        if already_bought < 0:
            raise ValidationError(f"already_bought must not be negative, got {already_bought}")
        if not self.sells_to(region):
            raise RestrictedRegion(
                f"SKU {sku_id!r} is sold only to {sorted(self.regions)}, not to {region!r}"
            )
        if self.new_users_only and not customer_new_user:
            raise NewUsersOnly(f"SKU {sku_id!r} is for new users only")
        if self.verification_required and not customer_verified:
            raise VerificationRequired(f"SKU {sku_id!r} needs a verified identity/age")
        limit = self.limit_per_customer
        if limit is not None and already_bought + quantity > limit:
            raise PurchaseLimitExceeded(sku_id, limit, already_bought, quantity)
