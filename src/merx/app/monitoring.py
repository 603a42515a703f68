"""Wiring of ``merx.monitoring``: its two commands, bound to a clock, a metric source and
the messenger alarms notify through.

A merx built by ``build_memory_app`` or ``build_app`` does not register them yet: a host
(or a test, or the simulation) calls :func:`register_monitoring` on ``app.bus`` with its
:class:`~merx.monitoring.MetricSource` (an adapter over the data system's metrics).
"""

from __future__ import annotations

from functools import partial

from merx import monitoring
from merx.kernel.bus import MessageBus
from merx.kernel.clock import Clock
from merx.monitoring import services as monitoring_services
from merx.reach import Messenger


def register_monitoring(
    bus: MessageBus, *, clock: Clock, metrics: monitoring.MetricSource, messenger: Messenger
) -> None:
    """``SaveAlarmRule`` and ``EvaluateAlarms`` on ``bus``."""
    bus.register(
        monitoring.SaveAlarmRule,
        partial(monitoring_services.save_alarm_rule, clock=clock, metrics=metrics),
    )
    bus.register(
        monitoring.EvaluateAlarms,
        partial(
            monitoring_services.evaluate_alarms, clock=clock, metrics=metrics, messenger=messenger
        ),
    )
