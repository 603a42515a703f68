"""The inventory context's errors, each under one family of :mod:`merx.errors`."""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation


class OutOfStock(BusinessRuleViolation):
    """Fewer units are available than asked for."""


class NoFirmLock(BusinessRuleViolation):
    """Stock can leave only for an order holding a firm (paid) lock on it."""


class OutOfDeliveryRange(BusinessRuleViolation):
    """No active warehouse delivers to the address's region."""
