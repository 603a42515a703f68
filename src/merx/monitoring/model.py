"""Alarm rules on metrics, and the alarms that watch them.

A rule (:class:`AlarmRule`) reads one metric at one grain (an hour or a day) and judges
the latest *complete* bucket before the evaluation's instant (at 10:20 with an hourly
grain: the bucket 09:00-10:00) with one of three conditions:

* ``THRESHOLD``: the value is above (or below) ``bound``; with ``window`` > 1, the last
  ``window`` buckets must all be, so a single noisy bucket does not fire;
* ``WEEK_RATIO``: the value divided by the value of the same bucket a week earlier is
  above (or below) ``bound`` (``0.7``: down by more than 30%), over ``window`` buckets;
* ``Z_SCORE``: the value's distance from the mean of the ``window`` buckets before it, in
  standard deviations (population), is above ``bound`` (direction ``ABOVE``) or below
  ``-bound`` (``BELOW``).

A bucket the source has no value for is never guessed: the alarm keeps its state.

An :class:`Alarm` is a rule with its life cycle (``ALARM_FLOW``): ``ok`` until a breach
fires it, ``firing`` (one incident open; a breach again changes nothing: the alarm
notifies once), ``recovered`` when a healthy bucket follows (the incident is closed; the
alarm notifies once more), and ``ok`` again after a further healthy bucket (no message).
Each notification is queued on the alarm (its ``outbox``) in the same change as the
transition, and leaves it once the messenger took it: a notice is sent once per
recipient, however often the alarms are evaluated.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.clock import require_aware
from merx.kernel.events import DomainEvent
from merx.kernel.state import StateMachine
from merx.monitoring.errors import InvalidAlarmRule
from merx.reach import ReachChannel

#: The longest window a rule may look back over, in buckets (four weeks of hours).
MAX_WINDOW = 672
#: Z-scores and ratios are shown and compared at this many decimal places (half even).
SCORE_PLACES = Decimal("0.0001")
WEEK = timedelta(days=7)


class Condition(enum.Enum):
    """How a rule judges a bucket (see the module docstring)."""

    THRESHOLD = "threshold"
    WEEK_RATIO = "week_ratio"
    Z_SCORE = "z_score"


class Direction(enum.Enum):
    """Which side of the bound is a breach."""

    ABOVE = "above"
    BELOW = "below"


class Grain(enum.Enum):
    """The size of a metric's bucket."""

    HOUR = "hour"
    DAY = "day"

    @property
    def step(self) -> timedelta:
        return timedelta(hours=1) if self is Grain.HOUR else timedelta(days=1)

    def floor(self, at: datetime) -> datetime:
        """The start of the bucket ``at`` falls in (in ``at``'s own time zone)."""
        hour = at.replace(minute=0, second=0, microsecond=0)
        return hour if self is Grain.HOUR else hour.replace(hour=0)

    def last_complete(self, at: datetime) -> datetime:
        """The start of the latest bucket that ended at or before ``at``."""
        return self.floor(at) - self.step


class Severity(enum.Enum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@attrs.frozen
class AlarmRule:
    """What one alarm watches and whom it tells. ``bound`` is a ``Decimal`` (a threshold
    in the metric's unit, a ratio, or a number of standard deviations); ``recipients`` are
    operators' addresses on ``channel``, passed to the messenger as given."""

    alarm_id: str
    metric: str
    condition: Condition
    direction: Direction
    bound: Decimal
    recipients: tuple[str, ...]
    grain: Grain = Grain.HOUR
    window: int = 1
    severity: Severity = Severity.WARNING
    channel: ReachChannel = ReachChannel.EMAIL

    def check(self) -> AlarmRule:
        """Refuse a malformed rule (:class:`InvalidAlarmRule`, naming the field); else the
        rule itself."""
        name = self.alarm_id
        if not isinstance(name, str) or not name.strip():
            raise InvalidAlarmRule(name, "alarm id", name, "is not a non-empty text")
        if not isinstance(self.metric, str) or not self.metric.strip():
            raise InvalidAlarmRule(name, "metric", self.metric, "is not a non-empty text")
        for field, value, kind in (
            ("condition", self.condition, Condition),
            ("direction", self.direction, Direction),
            ("grain", self.grain, Grain),
            ("severity", self.severity, Severity),
            ("channel", self.channel, ReachChannel),
        ):
            if not isinstance(value, kind):
                raise InvalidAlarmRule(name, field, value, f"is not a {kind.__name__}")
        if self.channel is ReachChannel.INBOX:
            raise InvalidAlarmRule(
                name, "channel", "inbox", "is customers' own: use sms, push or email"
            )
        bound = self.bound
        if not isinstance(bound, Decimal) or not bound.is_finite():
            raise InvalidAlarmRule(name, "bound", bound, "is not a finite Decimal")
        if self.condition is not Condition.THRESHOLD and bound <= 0:
            raise InvalidAlarmRule(
                name, "bound", bound, f"must be positive for {self.condition.value}"
            )
        window = self.window
        if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= MAX_WINDOW:
            raise InvalidAlarmRule(
                name, "window", window, f"is not a whole number in 1..{MAX_WINDOW}"
            )
        if self.condition is Condition.Z_SCORE and window < 3:
            raise InvalidAlarmRule(
                name, "window", window, "must be at least 3 buckets for a z-score"
            )
        if not isinstance(self.recipients, tuple) or not self.recipients:
            raise InvalidAlarmRule(name, "recipients", self.recipients, "must be a non-empty tuple")
        for recipient in self.recipients:
            if not isinstance(recipient, str) or not recipient.strip():
                raise InvalidAlarmRule(name, "recipient", recipient, "is not a non-empty text")
        if len(set(self.recipients)) != len(self.recipients):
            raise InvalidAlarmRule(name, "recipients", self.recipients, "name someone twice")
        return self

    def span(self, bucket: datetime) -> tuple[datetime, datetime]:
        """The buckets ``[start, end)`` judging ``bucket`` needs from the metric source."""
        step = self.grain.step
        end = bucket + step
        if self.condition is Condition.THRESHOLD:
            return bucket - (self.window - 1) * step, end
        if self.condition is Condition.WEEK_RATIO:
            return bucket - (self.window - 1) * step - WEEK, end
        return bucket - self.window * step, end

    def judge(self, bucket: datetime, values: Mapping[datetime, Decimal]) -> Reading:
        """The reading of ``bucket`` given the source's ``values`` over :meth:`span`."""
        value = values.get(bucket)
        if value is None:
            return Reading(bucket, None, None, False, "no value for the bucket")
        step = self.grain.step
        if self.condition is Condition.Z_SCORE:
            history = [
                values[b] for k in range(1, self.window + 1) if (b := bucket - k * step) in values
            ]
            return _z_reading(self, bucket, value, history)
        scores: list[Decimal] = []
        for k in range(self.window):
            at = bucket - k * step
            seen = values.get(at)
            if seen is None:
                return Reading(bucket, value, None, False, f"no value for {at.isoformat()}")
            if self.condition is Condition.THRESHOLD:
                scores.append(seen)
                continue
            before = values.get(at - WEEK)
            if before is None or before == 0:
                return Reading(
                    bucket, value, None, False, f"no value a week before {at.isoformat()}"
                )
            scores.append(_score(seen / before))
        breached = all(self._breaches(score) for score in scores)
        what = "value" if self.condition is Condition.THRESHOLD else "ratio to a week before"
        return Reading(
            bucket,
            value,
            scores[0],
            breached,
            f"{what} {scores[0]} {self.direction.value} {self.bound}: {'yes' if breached else 'no'}"
            + (f" (over {self.window} buckets)" if self.window > 1 else ""),
        )

    def _breaches(self, score: Decimal) -> bool:
        return score > self.bound if self.direction is Direction.ABOVE else score < self.bound


def _score(value: Decimal) -> Decimal:
    return value.quantize(SCORE_PLACES)


def _z_reading(
    rule: AlarmRule, bucket: datetime, value: Decimal, history: list[Decimal]
) -> Reading:
    """A z-score of ``value`` against ``history`` (at least 3 buckets); with no spread, any
    difference from the mean breaches on its side."""
    if len(history) < 3:
        return Reading(bucket, value, None, False, f"{len(history)} buckets of history, 3 needed")
    mean = sum(history, Decimal(0)) / len(history)
    spread = (sum(((x - mean) ** 2 for x in history), Decimal(0)) / len(history)).sqrt()
    if spread == 0:
        breached = value > mean if rule.direction is Direction.ABOVE else value < mean
        return Reading(
            bucket, value, None, breached, f"history flat at {_score(mean)}; value {value}"
        )
    try:
        z = _score((value - mean) / spread)
    except InvalidOperation:  # pragma: no cover - a finite quotient always quantizes
        return Reading(bucket, value, None, False, "z-score out of range")
    breached = z > rule.bound if rule.direction is Direction.ABOVE else z < -rule.bound
    return Reading(
        bucket,
        value,
        z,
        breached,
        f"z-score {z} over {len(history)} buckets (mean {_score(mean)}), "
        f"{rule.direction.value} {'' if rule.direction is Direction.ABOVE else '-'}{rule.bound}: "
        f"{'yes' if breached else 'no'}",
    )


@attrs.frozen
class Reading:
    """What one evaluation saw: the bucket, its value (``None``: the source had none),
    the score compared (the value, the ratio or the z-score; ``None`` when it could not be
    computed), whether it breached, and why, in words."""

    bucket: datetime
    value: Decimal | None
    score: Decimal | None
    breached: bool
    explanation: str


class AlarmStatus(enum.Enum):
    OK = "ok"
    FIRING = "firing"
    RECOVERED = "recovered"


#: The alarm's life cycle; ``fire`` and ``recover`` notify, ``settle`` does not.
ALARM_FLOW: StateMachine[AlarmStatus] = StateMachine(
    "alarm",
    [
        ((AlarmStatus.OK, AlarmStatus.RECOVERED), "fire", AlarmStatus.FIRING),
        (AlarmStatus.FIRING, "recover", AlarmStatus.RECOVERED),
        (AlarmStatus.RECOVERED, "settle", AlarmStatus.OK),
    ],
)
#: The transitions that send a notice to every recipient.
NOTIFYING = frozenset({"fire", "recover"})


@attrs.frozen
class Incident:
    """One firing of an alarm: numbered from 1, opened by the bucket that fired it, closed
    (``closed_at`` set) by the bucket that recovered it."""

    number: int
    opened_at: datetime
    bucket: datetime
    value: Decimal
    explanation: str
    closed_at: datetime | None = None
    recovered_bucket: datetime | None = None
    recovered_value: Decimal | None = None


@attrs.frozen
class AlarmNotice:
    """A message waiting for the messenger: ``touch_id`` is its idempotency key
    (``alarm/<id>/<incident>/<fire|recover>/<recipient>``)."""

    touch_id: str
    channel: ReachChannel
    recipient: str
    body: str


@attrs.frozen
class AlarmRuleSaved(DomainEvent):
    alarm_id: str
    at: datetime


@attrs.frozen
class AlarmFired(DomainEvent):
    alarm_id: str
    incident: int
    severity: Severity
    bucket: datetime
    value: Decimal
    at: datetime


@attrs.frozen
class AlarmRecovered(DomainEvent):
    alarm_id: str
    incident: int
    bucket: datetime
    value: Decimal
    at: datetime


@attrs.frozen
class AlarmSettled(DomainEvent):
    alarm_id: str
    at: datetime


@attrs.define
class Alarm(Aggregate):
    """A rule, its status, its incidents (oldest first) and its undelivered notices."""

    id: str
    rule: AlarmRule
    status: AlarmStatus = AlarmStatus.OK
    incidents: list[Incident] = flat_field(list)
    outbox: list[AlarmNotice] = flat_field(list)
    last_bucket: datetime | None = None
    last_reading: Reading | None = None

    @classmethod
    def define(cls, rule: AlarmRule, at: datetime) -> Alarm:
        rule.check()
        require_aware(at)
        alarm = cls(id=rule.alarm_id, rule=rule)
        alarm.record(AlarmRuleSaved(rule.alarm_id, at))
        return alarm

    def revise(self, rule: AlarmRule, at: datetime) -> bool:
        """Replace the rule (its status and incidents stay); ``False`` for the same rule."""
        rule.check()
        if rule.alarm_id != self.id:
            raise InvalidAlarmRule(rule.alarm_id, "alarm id", rule.alarm_id, f"is not {self.id!r}")
        if rule == self.rule:
            return False
        self.rule = rule
        self.record(AlarmRuleSaved(self.id, at))
        return True

    def due(self, bucket: datetime) -> bool:
        """Whether ``bucket`` is newer than the last bucket judged."""
        return self.last_bucket is None or bucket > self.last_bucket

    def observe(self, reading: Reading, at: datetime) -> str | None:
        """Take one reading: the transition it made (``None``: none). A bucket judged
        already, or one with no value, changes nothing."""
        if not self.due(reading.bucket) or reading.value is None:
            return None
        command = self._command_for(reading.breached)
        self.last_bucket, self.last_reading = reading.bucket, reading
        if command is None:
            return None
        value = reading.value
        if command == "fire":
            number = len(self.incidents) + 1
            ALARM_FLOW.move(
                self,
                command,
                AlarmFired(self.id, number, self.rule.severity, reading.bucket, value, at),
            )
            self.incidents.append(Incident(number, at, reading.bucket, value, reading.explanation))
            self._queue(
                "fire", f"[{self.rule.severity.value}] {self.id} firing: {reading.explanation}"
            )
        elif command == "recover":
            incident = self.incidents[-1]
            ALARM_FLOW.move(
                self, command, AlarmRecovered(self.id, incident.number, reading.bucket, value, at)
            )
            self.incidents[-1] = attrs.evolve(
                incident, closed_at=at, recovered_bucket=reading.bucket, recovered_value=value
            )
            self._queue("recover", f"{self.id} recovered: {reading.explanation}")
        else:
            ALARM_FLOW.move(self, command, AlarmSettled(self.id, at))
        return command

    def delivered(self, touch_id: str) -> None:
        """The messenger took the notice ``touch_id``: it leaves the outbox."""
        self.outbox = [notice for notice in self.outbox if notice.touch_id != touch_id]

    def _command_for(self, breached: bool) -> str | None:
        if breached:
            return "fire" if self.status is not AlarmStatus.FIRING else None
        if self.status is AlarmStatus.FIRING:
            return "recover"
        return "settle" if self.status is AlarmStatus.RECOVERED else None

    def _queue(self, what: str, body: str) -> None:
        number = self.incidents[-1].number
        for recipient in self.rule.recipients:
            touch = f"alarm/{self.id}/{number}/{what}/{recipient}"
            self.outbox.append(AlarmNotice(touch, self.rule.channel, recipient, body))
