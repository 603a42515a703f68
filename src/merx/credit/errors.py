"""Every error of the credit context, each under a family of :mod:`merx.kernel.errors`.

A plan that cannot be scheduled is the schedules context's
:class:`~merx.schedules.InvalidPlan`.
"""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, NotFound, ValidationError

# -- applications and the limit ----------------------------------------------------------


class ConsentMissing(ValidationError):
    """A credit application lacks the customer's consent to the credit check."""


class CreditDeclined(BusinessRuleViolation):
    """The risk assessment or the real-time risk check refused credit."""


class AccountFrozen(BusinessRuleViolation):
    """The credit account is frozen after a risk event: no purchase draws on it."""


class LimitExceeded(BusinessRuleViolation):
    """A purchase is larger than the limit available to it."""


class TermNotAllowed(BusinessRuleViolation):
    """The customer's grade does not offer installments over this term."""


class UnknownDraw(NotFound):
    """The account has no draw for this plan."""


# -- plans -------------------------------------------------------------------------------


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
