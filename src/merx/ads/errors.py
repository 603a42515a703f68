"""Errors of the search ads context."""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, ValidationError


class InvalidAdCampaign(ValidationError):
    """An ad campaign cannot be defined so: no SKU or keyword, a bid or budget not above
    zero, amounts in two currencies, a daily budget below one click's bid."""


class AdNotShowing(BusinessRuleViolation):
    """A click names a campaign that is paused, or a SKU the campaign does not advertise."""


class DailyBudgetSpent(BusinessRuleViolation):
    """The campaign's daily budget cannot pay one more click today."""
