"""The orders context's errors, each under one family of :mod:`merx.errors`."""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, NotFound


class QuoteChanged(BusinessRuleViolation):
    """The cart no longer costs what the customer was shown: re-quote and confirm."""


class UnknownSeller(BusinessRuleViolation):
    """A SKU names a seller that is neither the platform nor an onboarded merchant."""


class PaymentInFlight(BusinessRuleViolation):
    """A payment attempt for the order has not settled yet: sync it before anything else."""


class ClaimExceedsOrder(BusinessRuleViolation):
    """An after-sale asks for more units than the order has left to claim."""


class UnknownPresale(NotFound):
    """No pre-sale listing, or no pre-sale order, has this id."""


class BalanceNotOpen(BusinessRuleViolation):
    """A pre-sale's balance is placed outside its window ``[balance_starts, balance_ends)``."""


class BalanceAlreadyPaid(BusinessRuleViolation):
    """A pre-sale order's balance was paid already: it is not paid twice."""


class DepositNotRefundable(BusinessRuleViolation):
    """The pre-sale forfeits an unpaid balance's deposit: cancelling does not refund it."""
