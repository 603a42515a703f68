"""Alarm rules: validated at save, and each condition judged on worked cases and laws."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx import monitoring
from merx.monitoring import AlarmRule, Condition, Direction, Grain, InvalidAlarmRule
from merx.reach import ReachChannel
from tests.monitoring.world import T0, low_rate

HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"alarm_id": " "}, "alarm id"),
        ({"metric": ""}, "metric"),
        ({"bound": 0.9}, "bound"),
        ({"bound": Decimal("NaN")}, "bound"),
        ({"window": 0}, "window"),
        ({"window": True}, "window"),
        ({"window": 10_000}, "window"),
        ({"recipients": ()}, "recipients"),
        ({"recipients": ("a@x", "a@x")}, "recipients"),
        ({"recipients": ("a@x", "")}, "recipient"),
        ({"channel": ReachChannel.INBOX}, "channel"),
        ({"grain": "hour"}, "grain"),
        ({"condition": Condition.Z_SCORE, "window": 2}, "window"),
        ({"condition": Condition.WEEK_RATIO, "bound": Decimal(0)}, "bound"),
    ],
)
def test_a_malformed_rule_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    rule = attrs.evolve(low_rate(), **change)
    with pytest.raises(InvalidAlarmRule) as refused:
        rule.check()
    assert refused.value.field == field
    assert repr(refused.value.value) in str(refused.value)


def values(start: int, *xs: str, grain: Grain = Grain.HOUR) -> dict[datetime, Decimal]:
    return {T0 + (start + n) * grain.step: Decimal(x) for n, x in enumerate(xs)}


def test_a_threshold_fires_below_its_bound_only_when_every_bucket_of_the_window_is() -> None:
    rule = low_rate(window=2)
    bucket = T0 + 5 * HOUR
    assert rule.span(bucket) == (T0 + 4 * HOUR, T0 + 6 * HOUR)
    assert rule.judge(bucket, values(4, "0.85", "0.80")).breached
    assert not rule.judge(bucket, values(4, "0.95", "0.80")).breached
    reading = rule.judge(bucket, values(5, "0.80"))
    assert (reading.value, reading.breached) == (Decimal("0.80"), False)  # 04:00 unknown
    assert rule.judge(bucket, {}).value is None


def test_a_week_ratio_compares_the_same_hour_a_week_before() -> None:
    rule = low_rate(condition=Condition.WEEK_RATIO, bound="0.7")
    bucket = T0 + timedelta(days=7, hours=10)
    week_before = T0 + timedelta(hours=10)
    assert rule.span(bucket) == (week_before, bucket + HOUR)
    down = rule.judge(bucket, {bucket: Decimal(60), week_before: Decimal(100)})
    assert (down.score, down.breached) == (Decimal("0.6000"), True)
    assert not rule.judge(bucket, {bucket: Decimal(80), week_before: Decimal(100)}).breached
    assert rule.judge(bucket, {bucket: Decimal(80), week_before: Decimal(0)}).score is None


def test_a_z_score_is_measured_against_the_window_before_the_bucket() -> None:
    rule = low_rate(condition=Condition.Z_SCORE, bound="3", window=4)
    bucket = T0 + 4 * HOUR
    assert rule.span(bucket) == (T0, bucket + HOUR)
    calm = values(0, "10", "12", "10", "12", "11")
    assert rule.judge(bucket, calm).score == Decimal(0)
    drop = rule.judge(bucket, values(0, "10", "12", "10", "12", "5"))
    assert (drop.score, drop.breached) == (Decimal("-6.0000"), True)
    assert not attrs.evolve(rule, direction=Direction.ABOVE).judge(bucket, drop_values()).breached
    assert rule.judge(bucket, values(2, "10", "12", "5")).score is None  # 2 buckets of history
    flat = rule.judge(bucket, values(0, "10", "10", "10", "10", "9"))
    assert (flat.score, flat.breached) == (None, True)


def drop_values() -> dict[datetime, Decimal]:
    return values(0, "10", "12", "10", "12", "5")


finite = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False)


@given(value=finite, bound=finite, direction=st.sampled_from(Direction))
def test_a_threshold_breaches_exactly_on_its_side_of_the_bound(
    value: Decimal, bound: Decimal, direction: Direction
) -> None:
    rule = attrs.evolve(low_rate(), bound=bound, direction=direction)
    breached = rule.judge(T0, {T0: value}).breached
    assert breached == (value > bound if direction is Direction.ABOVE else value < bound)


@given(
    history=st.lists(finite, min_size=3, max_size=12),
    value=finite,
    scale=st.decimals(min_value="0.5", max_value=20, places=1),
    shift=finite,
)
def test_a_z_score_does_not_change_when_the_metric_is_scaled_and_shifted(
    history: list[Decimal], value: Decimal, scale: Decimal, shift: Decimal
) -> None:
    rule = low_rate(condition=Condition.Z_SCORE, bound="2", window=len(history))
    bucket = T0 + len(history) * HOUR
    plain = {T0 + n * HOUR: x for n, x in enumerate([*history, value])}
    moved = {at: x * scale + shift for at, x in plain.items()}
    first, second = rule.judge(bucket, plain), rule.judge(bucket, moved)
    assert first.breached == second.breached
    if first.score is not None and second.score is not None:
        assert abs(first.score - second.score) <= Decimal("0.0002")


@given(
    now=st.datetimes(
        min_value=T0.replace(tzinfo=None), max_value=T0.replace(tzinfo=None, year=2030)
    ),
    grain=st.sampled_from(Grain),
)
def test_the_bucket_judged_is_the_latest_complete_one(now: object, grain: Grain) -> None:
    at = now.replace(tzinfo=T0.tzinfo)  # type: ignore[attr-defined]
    bucket = grain.last_complete(at)
    assert bucket + grain.step <= at < bucket + 2 * grain.step


def test_the_public_rule_is_a_frozen_value() -> None:
    assert attrs.has(monitoring.AlarmRule)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        low_rate().bound = Decimal(1)  # type: ignore[misc]
    assert isinstance(low_rate(), AlarmRule)
