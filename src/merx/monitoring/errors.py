"""The monitoring context's errors, each under one family of :mod:`merx.errors`."""

from __future__ import annotations

from merx.kernel.errors import ValidationError


class InvalidAlarmRule(ValidationError):
    """An alarm rule is malformed: a field is missing, of the wrong type or out of range
    (the message names the field and the value). Nothing is saved."""

    def __init__(self, alarm_id: object, field: str, value: object, why: str) -> None:
        super().__init__(f"alarm rule {alarm_id!r}: {field} {value!r} {why}")
        self.alarm_id = alarm_id
        self.field = field
        self.value = value


class UnknownMetric(ValidationError):
    """An alarm rule names a metric the metric source does not know. Nothing is saved."""

    def __init__(self, alarm_id: str, metric: str) -> None:
        super().__init__(f"alarm rule {alarm_id!r}: no metric {metric!r} at the metric source")
        self.alarm_id = alarm_id
        self.metric = metric
