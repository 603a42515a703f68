"""The Clock port: the only way merx learns the time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from merx.kernel.errors import ValidationError


class Clock(Protocol):
    """Port: the current instant, always timezone-aware."""

    def now(self) -> datetime: ...


def require_aware(instant: datetime, what: str = "instant") -> datetime:
    """Refuse naive datetimes: an instant without a zone is ambiguous for windows and bills."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValidationError(f"{what} {instant.isoformat()} has no timezone")
    return instant


def today(clock: Clock) -> date:
    """The business date now: the calendar date of the clock's instant in its own zone
    (the rule of :func:`merx.kernel.validation.business_date`)."""
    return require_aware(clock.now(), "the clock's instant").date()
