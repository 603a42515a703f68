"""A merx with monitoring wired to an in-memory metric source, for the monitoring tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from merx.adapters.memory import FixedClock, MemoryMetricSource
from merx.app import MemoryApp, build_memory_app, register_monitoring
from merx.monitoring import AlarmRule, Condition, Direction, Grain

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
METRIC = "payment_success_rate"


def monitored(clock: FixedClock | None = None) -> tuple[MemoryApp, MemoryMetricSource]:
    metrics = MemoryMetricSource([METRIC, "orders"])
    app = build_memory_app(clock=clock or FixedClock(T0))
    register_monitoring(app.bus, clock=app.clock, metrics=metrics, messenger=app.messenger)
    return app, metrics


def low_rate(
    alarm_id: str = "pay-rate", bound: str = "0.9", window: int = 1, **extra: object
) -> AlarmRule:
    fields: dict[str, object] = {
        "alarm_id": alarm_id,
        "metric": METRIC,
        "condition": Condition.THRESHOLD,
        "direction": Direction.BELOW,
        "bound": Decimal(bound),
        "recipients": ("ops@example.test", "oncall@example.test"),
        "grain": Grain.HOUR,
        "window": window,
    }
    fields.update(extra)
    return AlarmRule(**fields)  # type: ignore[arg-type]
