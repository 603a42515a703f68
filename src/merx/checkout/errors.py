"""The checkout context's errors, each under one family of :mod:`merx.errors`."""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, NotFound


class EmptySelection(BusinessRuleViolation):
    """Nothing in the cart is selected for checkout."""


class NotInCart(NotFound):
    """The SKU is not in the customer's cart."""


class OrderLimitExceeded(BusinessRuleViolation):
    """A cart line or an order is beyond one of the shop's :class:`OrderLimits`.

    ``limit`` names which (``"units_per_line"``, ``"units_per_order"`` or
    ``"amount_per_order"``), ``value`` is what was asked and ``maximum`` what is allowed.
    """

    def __init__(self, limit: str, value: object, maximum: object, what: str) -> None:
        super().__init__(f"{what}: {value} is above the {limit} limit of {maximum}")
        self.limit = limit
        self.value = value
        self.maximum = maximum


class NoFreightTemplate(NotFound):
    """The seller has no freight template from that origin."""
