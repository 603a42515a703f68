"""Saving alarm rules and evaluating them: fire once, recover once, settle; notices
delivered once per recipient, retried when the messenger is down."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from merx import monitoring
from merx.errors import NotFound
from merx.monitoring import Alarm, AlarmStatus, EvaluateAlarms, SaveAlarmRule
from tests.monitoring.world import METRIC, T0, low_rate, monitored

HOUR = timedelta(hours=1)


def test_a_rule_is_checked_before_anything_is_saved() -> None:
    app, _ = monitored()
    with pytest.raises(monitoring.InvalidAlarmRule):
        app.handle(SaveAlarmRule(low_rate(window=0)))
    with pytest.raises(monitoring.UnknownMetric):
        app.handle(SaveAlarmRule(low_rate(metric="no_such_metric")))
    with pytest.raises(NotFound):
        app.get(Alarm, "pay-rate")
    assert app.handle(SaveAlarmRule(low_rate())) is True
    assert app.handle(SaveAlarmRule(low_rate())) is False  # the same rule: nothing changes
    assert app.handle(SaveAlarmRule(low_rate(bound="0.8"))) is True
    assert app.get(Alarm, "pay-rate").rule.bound == Decimal("0.8")
    saved = [e for e in app.events.events if isinstance(e, monitoring.AlarmRuleSaved)]
    assert len(saved) == 2


def test_an_alarm_fires_once_recovers_once_then_settles() -> None:
    app, metrics = monitored()
    app.handle(SaveAlarmRule(low_rate()))
    rates = ["0.97", "0.70", "0.60", "0.96", "0.97", "0.50"]
    statuses, fired, recovered = [], [], []
    for n, rate in enumerate(rates):
        metrics.put(METRIC, "hour", T0 + n * HOUR, Decimal(rate))
        app.clock.set(T0 + (n + 1) * HOUR + timedelta(minutes=5))
        result = app.handle(EvaluateAlarms())
        again = app.handle(EvaluateAlarms())  # the same bucket: nothing more
        assert again.judged == ()
        assert again.delivered == 0
        statuses.append(app.get(Alarm, "pay-rate").status)
        fired.append(result.fired)
        recovered.append(result.recovered)
    assert statuses == [
        AlarmStatus.OK,
        AlarmStatus.FIRING,
        AlarmStatus.FIRING,
        AlarmStatus.RECOVERED,
        AlarmStatus.OK,
        AlarmStatus.FIRING,
    ]
    assert fired == [(), ("pay-rate",), (), (), (), ("pay-rate",)]
    assert recovered == [(), (), (), ("pay-rate",), (), ()]
    touches = [d.touch_id for d in app.messenger.delivered]
    assert touches == [
        "alarm/pay-rate/1/fire/ops@example.test",
        "alarm/pay-rate/1/fire/oncall@example.test",
        "alarm/pay-rate/1/recover/ops@example.test",
        "alarm/pay-rate/1/recover/oncall@example.test",
        "alarm/pay-rate/2/fire/ops@example.test",
        "alarm/pay-rate/2/fire/oncall@example.test",
    ]
    alarm = app.get(Alarm, "pay-rate")
    first, second = alarm.incidents
    assert (first.bucket, first.value, first.recovered_bucket) == (
        T0 + HOUR,
        Decimal("0.70"),
        T0 + 3 * HOUR,
    )
    assert second.closed_at is None
    assert alarm.outbox == []
    assert "0.70 below 0.9" in app.messenger.delivered[0].body


def test_a_bucket_with_no_value_keeps_the_state() -> None:
    app, metrics = monitored()
    app.handle(SaveAlarmRule(low_rate()))
    metrics.put(METRIC, "hour", T0, Decimal("0.5"))
    app.clock.set(T0 + HOUR)
    app.handle(EvaluateAlarms())
    app.clock.set(T0 + 2 * HOUR)  # no value for 01:00
    result = app.handle(EvaluateAlarms())
    assert result.judged == ()
    assert app.get(Alarm, "pay-rate").status is AlarmStatus.FIRING


def test_a_notice_the_messenger_could_not_take_is_sent_by_the_next_evaluation() -> None:
    app, metrics = monitored()
    app.handle(SaveAlarmRule(low_rate()))
    metrics.put(METRIC, "hour", T0, Decimal("0.5"))
    app.clock.set(T0 + HOUR)
    app.messenger.fail_next(1)
    first = app.handle(EvaluateAlarms())
    assert (first.fired, first.delivered, first.undelivered) == (("pay-rate",), 0, 2)
    assert len(app.get(Alarm, "pay-rate").outbox) == 2
    second = app.handle(EvaluateAlarms())
    assert (second.fired, second.delivered, second.undelivered) == ((), 2, 0)
    assert len(app.messenger.delivered) == 2
    assert app.get(Alarm, "pay-rate").outbox == []


def test_a_revised_rule_keeps_the_alarm_s_state_and_incidents() -> None:
    app, metrics = monitored()
    app.handle(SaveAlarmRule(low_rate()))
    metrics.put(METRIC, "hour", T0, Decimal("0.5"))
    app.clock.set(T0 + HOUR)
    app.handle(EvaluateAlarms())
    app.handle(SaveAlarmRule(low_rate(bound="0.4")))
    alarm = app.get(Alarm, "pay-rate")
    assert alarm.status is AlarmStatus.FIRING
    assert len(alarm.incidents) == 1
    assert alarm.last_reading is not None
    assert alarm.last_reading.bucket == T0
