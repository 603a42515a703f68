"""Values expire after their tag's time-to-live: a subject's values read at any instant
are those of a reference model that keeps, per tag, the last value pushed and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from merx.tags import (
    DataSource,
    Subject,
    SubjectTags,
    TagDefinition,
    TagKind,
    TagSpec,
    TagStatus,
    TagValue,
    ValueKind,
    ValueType,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
TTLS = {"a": timedelta(hours=1), "b": timedelta(days=1), "c": None}
DEFINITIONS = {
    name: TagDefinition(
        spec=TagSpec(
            name=name,
            kind=TagKind.USER,
            value_type=ValueType(ValueKind.NUMBER),
            source=DataSource.PUSHED,
            ttl=ttl,
        ),
        status=TagStatus.ONLINE,
    )
    for name, ttl in TTLS.items()
}

pushes = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=3 * 60),  # minutes after the previous push
        st.dictionaries(st.sampled_from(sorted(TTLS)), st.integers(0, 9), min_size=1),
    ),
    max_size=12,
)


#: minutes after the last push: often a TTL's edge
reads = st.one_of(
    st.sampled_from([0, 59, 60, 61, 24 * 60 - 1, 24 * 60, 24 * 60 + 1]),
    st.integers(min_value=0, max_value=2 * 24 * 60),
)


@given(history=pushes, read_after=reads)
def test_a_value_reads_until_its_ttl_runs_out_from_its_last_push(
    history: list[tuple[int, dict[str, int]]], read_after: int
) -> None:
    held = SubjectTags.of(Subject.user("bo"))
    reference: dict[str, tuple[int, datetime]] = {}
    at = T0
    for minutes, values in history:
        at += timedelta(minutes=minutes)
        held.set_values(values, DEFINITIONS, DataSource.PUSHED, at)
        reference.update((name, (value, at)) for name, value in values.items())
    read_at = at + timedelta(minutes=read_after)
    expected: dict[str, TagValue] = {}
    for name, (value, pushed_at) in reference.items():
        ttl = TTLS[name]
        if ttl is None or read_at - pushed_at < ttl:
            expected[name] = Decimal(value)  # an int is stored as a Decimal
    assert held.values_at(read_at) == expected
