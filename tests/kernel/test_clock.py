"""The business date: ``today(clock)`` is the date of the clock's instant in its own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.adapters.memory import FixedClock
from merx.kernel.clock import today
from merx.kernel.errors import ValidationError
from merx.kernel.validation import business_date

SHANGHAI = timezone(timedelta(hours=8))


def test_today_is_the_date_in_the_instants_own_zone_not_utc() -> None:
    late_evening = datetime(2026, 1, 31, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC
    assert today(FixedClock(late_evening)) == date(2026, 1, 31)
    early_morning = datetime(2026, 2, 1, 0, 30, tzinfo=SHANGHAI)  # still 31 Jan in UTC
    assert today(FixedClock(early_morning)) == date(2026, 2, 1)
    assert early_morning.astimezone(UTC).date() == date(2026, 1, 31)


class _NaiveClock:
    def now(self) -> datetime:
        return datetime(2026, 1, 31, 10, 0)  # a broken adapter: no zone


def test_a_clock_without_a_zone_is_refused() -> None:
    with pytest.raises(ValidationError):
        today(_NaiveClock())


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, SHANGHAI, timezone(timedelta(hours=-11))]),
    )
)
def test_today_follows_the_business_date_rule(instant: datetime) -> None:
    assert today(FixedClock(instant)) == business_date(instant) == instant.date()
