"""The checkout context's errors, each under one family of :mod:`merx.errors`."""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, NotFound


class EmptySelection(BusinessRuleViolation):
    """Nothing in the cart is selected for checkout."""


class NotInCart(NotFound):
    """The SKU is not in the customer's cart."""
