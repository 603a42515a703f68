"""The orders context's errors, each under one family of :mod:`merx.errors`."""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation


class QuoteChanged(BusinessRuleViolation):
    """The cart no longer costs what the customer was shown: re-quote and confirm."""


class UnknownSeller(BusinessRuleViolation):
    """A SKU names a seller that is neither the platform nor an onboarded merchant."""


class PaymentInFlight(BusinessRuleViolation):
    """A payment attempt for the order has not settled yet: sync it before anything else."""


class ClaimExceedsOrder(BusinessRuleViolation):
    """An after-sale asks for more units than the order has left to claim."""
