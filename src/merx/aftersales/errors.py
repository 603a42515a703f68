"""The after-sales context's errors, each under one family of :mod:`merx.errors`.

Claiming more units than an order has left is the order's own
:class:`merx.orders.ClaimExceedsOrder`; a reviewer who may not act is
:class:`merx.errors.Unauthorized`; a step the case's table does not allow is
:class:`merx.errors.IllegalTransition`.
"""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation


class NotEligible(BusinessRuleViolation):
    """The order is not in a state (or window) this kind of after-sale applies to."""


class RefundDenied(BusinessRuleViolation):
    """The refund screen (risk control) denied a refund: no case opened, nothing paid."""


class RefundHeld(BusinessRuleViolation):
    """A refund waits for a risk review: it may go on once the review approves it."""
