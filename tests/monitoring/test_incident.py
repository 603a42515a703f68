"""The injected incident: a day traded hour by hour, alipay failing 30% of its payments
from 10:00 to 11:00; the alarm on its success rate fires for that hour, once, and
recovers after, once; the operators are told each time; the day's report shows it.

The alarm reads the data system's metrics: the day's events ingested into a facts store,
``payment_success_rate[channel=alipay]`` answered by ``merx.data.metric_series``.
"""

from __future__ import annotations

import io
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from merx.monitoring import Alarm, AlarmStatus

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import monitored
import simulate
from resumable import Progress


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> tuple[monitored.Watch, Path]:
    path = tmp_path_factory.mktemp("report") / "report.html"
    options = simulate.parse(
        ["--store", "memory", "--days", "1", "--incident", "--report", str(path), "--quiet"]
    )
    outcome = simulate.simulate(options, Progress(io.StringIO(), quiet=True))
    assert outcome.report["checks"]["ok"] is True
    assert outcome.watch is not None
    return outcome.watch, path


def test_the_alarm_fires_for_the_incident_hour_and_recovers_after(
    day: tuple[monitored.Watch, Path],
) -> None:
    watch, _ = day
    alarm = watch.app.get(Alarm, "alipay-success-rate")
    (incident,) = alarm.incidents
    ten = simulate.START + timedelta(hours=simulate.INCIDENT_HOUR)
    assert incident.bucket == ten
    assert incident.opened_at == ten + timedelta(hours=1)  # judged as the hour ends
    assert incident.recovered_bucket == ten + timedelta(hours=1)
    assert incident.value < alarm.rule.bound < incident.recovered_value  # type: ignore[operator]
    assert alarm.status is AlarmStatus.OK
    told = [(m.touch_id, m.recipient) for m in watch.app.messenger.delivered]
    assert told == [
        (f"alarm/alipay-success-rate/1/{what}/{to}", to)
        for what in ("fire", "recover")
        for to in monitored.OPERATORS
    ]
    rates = {bar.label: bar.value for bar in watch.watched()}
    assert sum(1 for rate in rates.values() if rate < alarm.rule.bound) == 1


def test_the_day_s_report_shows_the_alarm(day: tuple[monitored.Watch, Path]) -> None:
    _, path = day
    html = path.read_text(encoding="utf-8")
    for anchor in ("metrics", "funnel", "refunds", "settlement", "credit", "alarms"):
        assert f'<section id="{anchor}">' in html
    assert html.count("<svg") == 6
    assert "alipay-success-rate" in html
    assert "recovered 2026-01-01 12:00" in html
    assert "http" not in html
