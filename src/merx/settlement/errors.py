"""The settlement context's errors, each under one family of :mod:`merx.errors`.

Messages name the merchant, order, line or withdrawal and the offending value. The
ledger's own errors (an unbalanced entry, an unknown account...) are ``merx.ledger``'s.
"""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, NotFound, OutcomeUnknown, ValidationError

# -- clearing --------------------------------------------------------------------------


class InvalidRate(ValidationError):
    """A commission or fee rate is not an exact decimal between 0 and 1."""


class InvalidSale(ValidationError):
    """A sold line is malformed: a negative amount, discounts beyond the amount, a SKU twice."""


class UnknownLine(NotFound):
    """The order has no line for this SKU."""


class RefundExceedsPaid(BusinessRuleViolation):
    """A refund would take a line's refunds beyond what the customer paid for it."""


# -- settling merchants ----------------------------------------------------------------


class OrderNotCompleted(BusinessRuleViolation):
    """The order is not completed yet, so its money is not the merchant's to settle."""


class AlreadySettled(BusinessRuleViolation):
    """The merchant's part of this order was already settled (by a run or an advance)."""


class NothingToSettle(BusinessRuleViolation):
    """No completed order of the merchant is due on this date."""


class InsufficientBalance(BusinessRuleViolation):
    """An account holds less than a withdrawal or a spend asks for."""


class WithdrawalLimitExceeded(BusinessRuleViolation):
    """A withdrawal is below the minimum, above the maximum, or beyond the daily limit."""


class WithdrawalDenied(BusinessRuleViolation):
    """The withdrawal risk screen denied a withdrawal: nothing was reserved or paid."""


class BalancesOutstanding(BusinessRuleViolation):
    """A merchant cannot be settled finally or closed while money is still owed either way."""


# -- the Payout port -------------------------------------------------------------------


class PayoutTimeout(OutcomeUnknown):
    """The payout channel did not answer in time: the money may or may not have left."""


class UnknownPayout(NotFound):
    """The payout channel has no payment under this idempotency key (it never received it)."""
