"""The catalog's errors, each under one family of :mod:`merx.errors`.

Catch a family (``except BusinessRuleViolation``) or the precise case; messages name the
SKU, SPU or category and the offending value.
"""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, NotFound, ValidationError
from merx.kernel.money import Money

# -- life cycle ------------------------------------------------------------------------


class NotListed(BusinessRuleViolation):
    """The SKU is not on sale."""


# -- taxonomy and specifications -------------------------------------------------------


class UnknownCategory(NotFound):
    """No category with this id is in the category tree."""


class CategoryCycle(BusinessRuleViolation):
    """Moving a category under itself or under one of its descendants."""


class InvalidSpecs(ValidationError):
    """A SKU's specification values do not name exactly one value of each SPU axis."""


class SpecCombinationTaken(BusinessRuleViolation):
    """Another SKU of the SPU already has this combination of specification values."""


# -- placement -------------------------------------------------------------------------


class PlacementOverlap(BusinessRuleViolation):
    """The SKU already has a placement in this slot for an overlapping time window."""


class UnknownPlacement(NotFound):
    """The SKU has no placement in this slot starting at this instant."""


# -- profit control --------------------------------------------------------------------


class CostNotApplicable(BusinessRuleViolation):
    """A purchase cost was set on a SKU the platform does not buy (a merchant's own goods)."""


class BelowCost(BusinessRuleViolation):
    """A price under the minimum the profit policy allows over the purchase cost."""

    def __init__(self, sku_id: str, price: Money, minimum: Money, cost: Money) -> None:
        super().__init__(
            f"SKU {sku_id!r}: price {price} is below the minimum {minimum} "
            f"(cost {cost} plus the required margin); give an override reason to sell anyway"
        )
        self.sku_id = sku_id
        self.price = price
        self.minimum = minimum
        self.cost = cost


# -- sales restrictions ----------------------------------------------------------------


class RestrictedRegion(BusinessRuleViolation):
    """The SKU is not sold to the customer's region."""


class PurchaseLimitExceeded(BusinessRuleViolation):
    """The customer would buy more units than the SKU's per-customer limit."""

    def __init__(self, sku_id: str, limit: int, already_bought: int, quantity: int) -> None:
        super().__init__(
            f"SKU {sku_id!r} is limited to {limit} per customer: already bought "
            f"{already_bought}, asked for {quantity} more"
        )
        self.sku_id = sku_id
        self.limit = limit
        self.already_bought = already_bought
        self.quantity = quantity


class NewUsersOnly(BusinessRuleViolation):
    """The SKU is sold to new users only, and the customer is not one."""


class VerificationRequired(BusinessRuleViolation):
    """The SKU needs an identity/age-verified customer, and the customer is not verified."""
