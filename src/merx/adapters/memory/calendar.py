"""In-memory business calendar (:class:`merx.installments.BusinessCalendar`).

By default every day is a working day, so due dates stay where the schedule puts them
(the spec's schedules); tests and hosts close weekdays or single days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from merx.kernel.errors import ValidationError


class MemoryBusinessCalendar:
    """Working days unless a weekday is closed every week (0 = Monday .. 6 = Sunday) or a
    day is a holiday."""

    def __init__(self, days_off: Iterable[int] = (), holidays: Iterable[date] = ()) -> None:
        self._days_off: set[int] = set()
        self._holidays: set[date] = set()
        for weekday in days_off:
            self.close_weekday(weekday)
        for day in holidays:
            self.close(day)

    def close_weekday(self, weekday: int) -> None:
        """Make ``weekday`` (0 = Monday .. 6 = Sunday) a day off every week."""
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValidationError(f"a weekday is 0 (Monday) .. 6 (Sunday), not {weekday!r}")
        if len(self._days_off | {weekday}) == 7:
            raise ValidationError("a calendar needs at least one working weekday")
        self._days_off.add(weekday)

    def close(self, day: date) -> None:
        """Make ``day`` a holiday."""
        if not isinstance(day, date):
            raise ValidationError(f"a holiday is a date, not {day!r}")
        self._holidays.add(day)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in self._days_off and day not in self._holidays
