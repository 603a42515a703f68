"""Monitoring: alarm rules on metrics, evaluated on the host's schedule, notifying
operators through reach's messenger; and the day's report as one HTML page.

See docs/monitoring.md. The context reads metrics only through its
:class:`MetricSource` port (the data system answers it), and sends through
:class:`merx.reach.Messenger`.
"""

from merx.monitoring.errors import InvalidAlarmRule, UnknownMetric
from merx.monitoring.model import (
    Alarm,
    AlarmFired,
    AlarmNotice,
    AlarmRecovered,
    AlarmRule,
    AlarmRuleSaved,
    AlarmSettled,
    AlarmStatus,
    Condition,
    Direction,
    Grain,
    Incident,
    Reading,
    Severity,
)
from merx.monitoring.ports import MetricSource
from merx.monitoring.report import AlarmLine, Bar, DailyReport, Figure, render_report
from merx.monitoring.services import AlarmEvaluation, EvaluateAlarms, SaveAlarmRule

__all__ = [
    "Alarm",
    "AlarmEvaluation",
    "AlarmFired",
    "AlarmLine",
    "AlarmNotice",
    "AlarmRecovered",
    "AlarmRule",
    "AlarmRuleSaved",
    "AlarmSettled",
    "AlarmStatus",
    "Bar",
    "Condition",
    "DailyReport",
    "Direction",
    "EvaluateAlarms",
    "Figure",
    "Grain",
    "Incident",
    "InvalidAlarmRule",
    "MetricSource",
    "Reading",
    "SaveAlarmRule",
    "Severity",
    "UnknownMetric",
    "render_report",
]
