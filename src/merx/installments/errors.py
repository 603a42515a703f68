"""Every error of the installments context, each under a family of :mod:`merx.kernel.errors`.

A purchase the account refuses raises credit's errors (:class:`~merx.credit.LimitExceeded`,
:class:`~merx.credit.AccountFrozen`, ...); a plan that cannot be scheduled is the
schedules context's :class:`~merx.schedules.InvalidPlan`.
"""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, ValidationError


class BackdatedTransaction(ValidationError):
    """A transaction is dated before the plan's start or before its last transaction."""


class PaymentDueFirst(BusinessRuleViolation):
    """A prepayment was asked while installments are due: pay them first."""


class PrepaymentNotAllowed(BusinessRuleViolation):
    """A prepayment cannot be applied now (the current installment is partly paid)."""


class PrepaymentTooLarge(BusinessRuleViolation):
    """A prepayment would pay the whole principal: pay the plan off instead."""


class PayoffShortfall(BusinessRuleViolation):
    """The amount given to pay a plan off is less than the payoff amount."""


class RefundExceedsPrincipal(BusinessRuleViolation):
    """A refund is larger than what is left of the plan's principal to refund."""
