"""Alarms survive their document: any alarm a sequence of readings leaves (firing or not,
incidents open or closed, notices queued) is written by the context's serde and read back
equal; malformed data is refused."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.errors import ValidationError
from merx.monitoring import Alarm, AlarmFired, Condition, Direction, Reading, Severity
from merx.monitoring import serde as monitoring_serde
from merx.reach import ReachChannel
from tests.monitoring.world import T0, low_rate

HOUR = timedelta(hours=1)

rules = st.builds(
    low_rate,
    alarm_id=st.text(alphabet="abc-/", min_size=1, max_size=8).filter(str.strip),
    bound=st.sampled_from(["0.9", "2", "0.75"]),
    window=st.integers(min_value=3, max_value=30),
    condition=st.sampled_from(Condition),
    direction=st.sampled_from(Direction),
    severity=st.sampled_from(Severity),
    channel=st.sampled_from([ReachChannel.SMS, ReachChannel.PUSH, ReachChannel.EMAIL]),
)


@given(rule=rules, breaches=st.lists(st.booleans(), max_size=12), delivered=st.integers(0, 3))
def test_any_alarm_round_trips(rule: object, breaches: list[bool], delivered: int) -> None:
    alarm = Alarm.define(rule, T0)  # type: ignore[arg-type]
    for n, breached in enumerate(breaches):
        value = Decimal("0.5") if breached else Decimal("0.99")
        alarm.observe(Reading(T0 + n * HOUR, value, value, breached, "why"), T0 + (n + 1) * HOUR)
    for notice in alarm.outbox[:delivered]:
        alarm.delivered(notice.touch_id)
    alarm.pull_events()
    data = json.loads(json.dumps(monitoring_serde.unstructure(alarm)))
    back = monitoring_serde.structure(data, Alarm)
    back.version = alarm.version
    assert back == alarm


def test_an_event_round_trips_and_malformed_data_is_refused() -> None:
    event = AlarmFired("a", 1, Severity.CRITICAL, T0, Decimal("0.71"), T0 + HOUR)
    data = json.loads(json.dumps(monitoring_serde.converter.unstructure(event)))
    assert data["value"] == "0.71"
    assert monitoring_serde.converter.structure(data, AlarmFired) == event
    written = monitoring_serde.unstructure(Alarm.define(low_rate(), T0))
    written["rule"]["bound"] = 0.9
    with pytest.raises(ValidationError):
        monitoring_serde.structure(written, Alarm)
