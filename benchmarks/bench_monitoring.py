"""Monitoring: one ``EvaluateAlarms`` over many alarm rules with four weeks of hourly
values behind them (a third thresholds, a third week ratios, a third z-scores over a day),
and rendering the day's report page, on one core, in memory.

Run: ``python benchmarks/bench_monitoring.py [alarms] [weeks]``. Figures are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from merx.adapters.memory import FixedClock, MemoryMetricSource
from merx.app import build_memory_app, register_monitoring
from merx.monitoring import (
    AlarmLine,
    AlarmRule,
    Bar,
    Condition,
    DailyReport,
    Direction,
    EvaluateAlarms,
    Figure,
    SaveAlarmRule,
    render_report,
)

START = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
CONDITIONS = (Condition.THRESHOLD, Condition.WEEK_RATIO, Condition.Z_SCORE)


def run(alarms: int, weeks: int) -> tuple[float, float, float]:  # float-ok: seconds
    """Seconds to evaluate every alarm once (first evaluation, then a second hour), and
    to render a report of 24-hour charts; the evaluation's figures are printed."""
    hours = weeks * 7 * 24
    metrics = MemoryMetricSource()
    rng = random.Random(1)
    for m in range(alarms):
        for h in range(hours + 1):
            metrics.put(f"m{m}", "hour", START + h * HOUR, Decimal(rng.randint(900, 1100)))
    clock = FixedClock(START + hours * HOUR)
    app = build_memory_app(clock=clock)
    register_monitoring(app.bus, clock=clock, metrics=metrics, messenger=app.messenger)
    for m in range(alarms):
        condition = CONDITIONS[m % 3]
        bound = {"threshold": "950", "week_ratio": "0.9", "z_score": "2"}[condition.value]
        rule = AlarmRule(
            f"a{m}",
            f"m{m}",
            condition,
            Direction.BELOW,
            Decimal(bound),
            ("ops@merx.test",),
            window=24 if condition is Condition.Z_SCORE else 1,
        )
        app.handle(SaveAlarmRule(rule))
    started = time.perf_counter()
    first = app.handle(EvaluateAlarms())
    first_s = time.perf_counter() - started
    clock.advance(HOUR)
    started = time.perf_counter()
    second = app.handle(EvaluateAlarms())
    second_s = time.perf_counter() - started
    print(
        f"{alarms} alarms, {hours} hours each: first evaluation {first_s * 1000:.1f} ms "
        f"({len(first.judged)} judged, {len(first.fired)} fired, {first.delivered} notices); "
        f"next hour {second_s * 1000:.1f} ms ({len(second.judged)} judged)"
    )
    bars = tuple(Bar(f"{h:02d}h", Decimal(rng.randint(0, 100))) for h in range(24))
    report = DailyReport(
        "bench",
        START.date(),
        clock.now(),
        (Figure("orders", "1,000"),),
        hourly=bars,
        funnel=bars[:3],
        refund_bars=bars[:4],
        settlement=bars[:6],
        credit=bars[:3],
        alarms=tuple(AlarmLine(f"a{m}", "rule", "warning", "ok", ()) for m in range(alarms)),
        watched=bars,
    )
    started = time.perf_counter()
    page = render_report(report)
    render_s = time.perf_counter() - started
    print(f"report page: {len(page):,} characters in {render_s * 1000:.1f} ms")
    return first_s, second_s, render_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("alarms", type=int, nargs="?", default=50)
    parser.add_argument("weeks", type=int, nargs="?", default=4)
    args = parser.parse_args()
    run(args.alarms, args.weeks)


if __name__ == "__main__":
    main()
