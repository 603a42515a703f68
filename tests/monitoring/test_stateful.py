"""A hypothesis state machine: an alarm evaluated hour after hour over readings that
breach, are healthy or are missing, with the messenger sometimes down, against a
reference model of the life cycle. Notifications == transitions: every fire and recover
is told once to each recipient (queued until the messenger takes it), nothing else is."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from merx.monitoring import Alarm, AlarmStatus, EvaluateAlarms, SaveAlarmRule
from tests.monitoring.world import METRIC, T0, low_rate, monitored

HOUR = timedelta(hours=1)
RECIPIENTS = ("ops@example.test", "oncall@example.test")


class AlarmMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app, self.metrics = monitored()
        self.app.handle(SaveAlarmRule(low_rate()))
        self.hour = 0
        # the reference model
        self.status = AlarmStatus.OK
        self.incidents = 0
        self.told: list[str] = []  # every notice a transition owes, in order
        self.last_judged = -1
        self.failures = 0  # deliveries the messenger was told to fail, in all

    @rule(
        reading=st.sampled_from(["breach", "healthy", "missing"]),
        down=st.integers(min_value=0, max_value=3),
    )
    def next_hour(self, reading: str, down: int) -> None:
        bucket = T0 + self.hour * HOUR
        if reading != "missing":
            rate = Decimal("0.5") if reading == "breach" else Decimal("0.99")
            self.metrics.put(METRIC, "hour", bucket, rate)
        self.hour += 1
        self.app.clock.set(T0 + self.hour * HOUR + timedelta(minutes=1))
        if down:
            self.app.messenger.fail_next(down)
            self.failures += down
        self.app.handle(EvaluateAlarms())
        if reading == "missing":
            return
        self.last_judged = self.hour - 1
        breached = reading == "breach"
        if breached and self.status is not AlarmStatus.FIRING:
            self.status, self.incidents = AlarmStatus.FIRING, self.incidents + 1
            self._owe("fire")
        elif not breached and self.status is AlarmStatus.FIRING:
            self.status = AlarmStatus.RECOVERED
            self._owe("recover")
        elif not breached and self.status is AlarmStatus.RECOVERED:
            self.status = AlarmStatus.OK

    @rule()
    def evaluate_again(self) -> None:
        """The host's scheduler runs twice in the hour: no new bucket, no new notice."""
        self.app.clock.advance(timedelta(seconds=30))
        self.app.handle(EvaluateAlarms())

    def _owe(self, what: str) -> None:
        self.told.extend(f"alarm/pay-rate/{self.incidents}/{what}/{r}" for r in RECIPIENTS)

    @invariant()
    def agrees_with_the_model(self) -> None:
        alarm = self.app.get(Alarm, "pay-rate")
        assert alarm.status is self.status
        assert len(alarm.incidents) == self.incidents
        delivered = [d.touch_id for d in self.app.messenger.delivered]
        queued = [n.touch_id for n in alarm.outbox]
        assert delivered + queued == self.told  # each owed notice: sent once, or still queued
        if self.last_judged >= 0:
            assert alarm.last_bucket == T0 + self.last_judged * HOUR

    def teardown(self) -> None:
        for _ in range(self.failures + 1):  # the messenger is up once its failures are spent
            self.app.handle(EvaluateAlarms())
        assert [d.touch_id for d in self.app.messenger.delivered] == self.told


AlarmMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
TestAlarmLifeCycle = AlarmMachine.TestCase
