"""Every error of the credit context, each under a family of :mod:`merx.kernel.errors`.

A plan's errors are :mod:`merx.installments.errors`; a plan that cannot be scheduled is
the schedules context's :class:`~merx.schedules.InvalidPlan`.
"""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, NotFound, ValidationError


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
