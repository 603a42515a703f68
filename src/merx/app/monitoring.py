"""Wiring of ``merx.monitoring``: its two commands, bound to a clock, a metric source and
the messenger alarms notify through.

A merx built by ``build_memory_app`` or ``build_app`` does not register them yet: a host
(or a test, or the simulation) calls :func:`register_monitoring` on ``app.bus`` with its
:class:`~merx.monitoring.MetricSource`: :func:`facts_metrics` reads the data system's
metrics from a facts store (``merx.data``).
"""

from __future__ import annotations

from functools import partial

from merx import data, monitoring
from merx.adapters.facts_metrics import FactsMetricSource
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


def facts_metrics(store: data.FactStore) -> monitoring.MetricSource:
    """Alarm rules reading the data system's metrics from ``store``: a name of
    :data:`merx.data.METRICS`, or ``name[dimension=value]`` for one value of a breakdown
    (:class:`merx.adapters.facts_metrics.FactsMetricSource`)."""
    return FactsMetricSource(store)
