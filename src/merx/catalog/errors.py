"""The catalog's errors, each under one family of :mod:`merx.errors`.

Catch a family (``except BusinessRuleViolation``) or the precise case; messages name the
SKU and the offending value. Errors that carry structured fields are attrs exceptions
(``auto_exc``): the fields are declared once and the message is rendered from them.
"""

from __future__ import annotations

import attrs

from merx.kernel.errors import BusinessRuleViolation, NotFound, ValidationError
from merx.kernel.money import Money

# -- life cycle and specifications -----------------------------------------------------


class NotListed(BusinessRuleViolation):
    """The SKU is not on sale."""


class InvalidSpecs(ValidationError):
    """Specification values that do not name exactly one value of each SPU axis (or a
    SKU with specs but no SPU)."""


class InvalidShipping(ValidationError):
    """A weight or volume per unit that is not a whole number >= 1 (nor ``None``)."""


# -- placement -------------------------------------------------------------------------


class PlacementOverlap(BusinessRuleViolation):
    """The SKU already has a placement in this slot for an overlapping time window."""


class UnknownPlacement(NotFound):
    """The SKU has no placement in this slot starting at this instant."""


# -- profit control --------------------------------------------------------------------


class CostNotApplicable(BusinessRuleViolation):
    """A purchase cost was set on a SKU the platform does not buy (a merchant's own goods)."""


@attrs.define(auto_exc=True)
class BelowCost(BusinessRuleViolation):
    """A price under the minimum the profit policy allows over the purchase cost."""

    sku_id: str
    price: Money
    minimum: Money
    cost: Money

    def __str__(self) -> str:
        return (
            f"SKU {self.sku_id!r}: price {self.price} is below the minimum {self.minimum} "
            f"(cost {self.cost} plus the required margin); give an override reason to sell anyway"
        )


# -- sales restrictions ----------------------------------------------------------------


class RestrictedRegion(BusinessRuleViolation):
    """The SKU is not sold to the customer's region."""


@attrs.define(auto_exc=True)
class PurchaseLimitExceeded(BusinessRuleViolation):
    """The customer would buy more units than the SKU's per-customer limit."""

    sku_id: str
    limit: int
    already_bought: int
    quantity: int

    def __str__(self) -> str:
        return (
            f"SKU {self.sku_id!r} is limited to {self.limit} per customer: already bought "
            f"{self.already_bought}, asked for {self.quantity} more"
        )


class NewUsersOnly(BusinessRuleViolation):
    """The SKU is sold to new users only, and the customer is not one."""


class VerificationRequired(BusinessRuleViolation):
    """The SKU needs an identity/age-verified customer, and the customer is not verified."""


# -- tax -------------------------------------------------------------------------------


class InvalidTaxRate(ValidationError):
    """A tax rate that is not a ``Decimal`` with ``0 <= rate < 1``."""
