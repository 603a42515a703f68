"""The errors of the schedules context, each under a family of :mod:`merx.kernel.errors`."""

from __future__ import annotations

from merx.kernel.errors import ValidationError


class InvalidPlan(ValidationError):
    """A plan cannot be scheduled: bad method, rate, term, principal or start date."""
