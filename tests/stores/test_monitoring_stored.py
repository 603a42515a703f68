"""Alarms in a database (SQLite, and PostgreSQL when one is at hand): the rule, the
status, the incidents and a notice the messenger could not take survive a restart; the
evaluation after it goes on from the last bucket judged, and tells nobody twice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from merx.adapters.memory import FixedClock, MemoryMetricSource
from merx.app import StoredApp, build_app, register_monitoring
from merx.errors import NotFound
from merx.monitoring import Alarm, AlarmStatus, EvaluateAlarms, InvalidAlarmRule, SaveAlarmRule
from tests.monitoring.world import METRIC, T0, low_rate
from tests.stores.test_stored_app import Storage

HOUR = timedelta(hours=1)


def opened(storage: Storage, clock: FixedClock, metrics: MemoryMetricSource) -> StoredApp:
    app = build_app(storage.open(), clock=clock, relay_owner="ops")
    register_monitoring(app.bus, clock=clock, metrics=metrics, messenger=app.messenger)
    return app


def test_alarms_survive_a_restart(storage: Storage) -> None:
    clock = FixedClock(T0)
    metrics = MemoryMetricSource([METRIC])
    app = opened(storage, clock, metrics)
    with pytest.raises(InvalidAlarmRule):
        app.handle(SaveAlarmRule(low_rate(recipients=())))
    with pytest.raises(NotFound):
        app.get(Alarm, "pay-rate")
    app.handle(SaveAlarmRule(low_rate()))
    metrics.put(METRIC, "hour", T0, Decimal("0.5"))
    clock.set(T0 + HOUR)
    app.messenger.fail_next(1)
    fired = app.handle(EvaluateAlarms())
    assert (fired.fired, fired.delivered, fired.undelivered) == (("pay-rate",), 0, 2)
    app.close()

    again = opened(storage, clock, metrics)
    assert again.handle(SaveAlarmRule(low_rate())) is False
    alarm = again.get(Alarm, "pay-rate")
    assert alarm.status is AlarmStatus.FIRING
    assert [i.value for i in alarm.incidents] == [Decimal("0.5")]
    assert len(alarm.outbox) == 2
    retried = again.handle(EvaluateAlarms())  # the same bucket: only the queued notices
    assert (retried.judged, retried.delivered) == ((), 2)
    metrics.put(METRIC, "hour", T0 + HOUR, Decimal("0.99"))
    clock.set(T0 + 2 * HOUR)
    assert again.handle(EvaluateAlarms()).recovered == ("pay-rate",)
    assert [m.touch_id.rsplit("/", 2)[1] for m in again.messenger.delivered] == [
        "fire",
        "fire",
        "recover",
        "recover",
    ]
    alarm = again.get(Alarm, "pay-rate")
    assert alarm.status is AlarmStatus.RECOVERED
    assert alarm.incidents[0].recovered_bucket == T0 + HOUR
    assert alarm.outbox == []
    again.close()
