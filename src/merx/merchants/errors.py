"""The merchants context's errors, each under one family of :mod:`merx.errors`.

The qualification review's errors (an expired or missing document, an incomplete review)
are :mod:`merx.qualification`'s, shared with suppliers.
"""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, Unauthorized


class NotYourMerchant(Unauthorized):
    """A merchant acted on another merchant's record (its profile, orders or money)."""


class MerchantNotActive(BusinessRuleViolation):
    """The merchant is not trading (still onboarding, suspended, closing or closed)."""


class EmptyGoodsScope(BusinessRuleViolation):
    """An application names no category to sell in."""


class OutsideGoodsScope(BusinessRuleViolation):
    """A category is outside the merchant's approved goods scope."""


class OnboardingIncomplete(BusinessRuleViolation):
    """The store cannot open yet: no clearing account, or the deposit is short."""


class DepositShort(BusinessRuleViolation):
    """The deposit held is below the required deposit."""


class InsufficientDeposit(BusinessRuleViolation):
    """A deduction exceeds the deposit held."""


class DepositStillHeld(BusinessRuleViolation):
    """The merchant cannot be closed while it still holds a deposit (release it first)."""
