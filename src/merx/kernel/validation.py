"""Small checks every context makes of the values it is given."""

from __future__ import annotations

from datetime import date, datetime

from merx.kernel.clock import require_aware
from merx.kernel.errors import ValidationError


def require_text(value: object, what: str) -> str:
    """``value`` if it is a string with something other than blanks in it."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{what} must be a non-empty string, not {value!r}")
    return value


def require_date(value: object, what: str, error: type[ValidationError] = ValidationError) -> date:
    """A calendar date. A ``datetime`` (a subclass of ``date``) is refused: an instant where
    a day is meant would compare wrongly with dates."""
    if type(value) is not date:
        raise error(f"{what} must be a date (not a datetime), got {value!r}")
    return value


def business_date(at: datetime) -> date:
    """The calendar date of a timezone-aware instant, in its own zone."""
    return require_aware(at, "time of the command").date()
