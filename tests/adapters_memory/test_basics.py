"""The small in-memory adapters: SequentialIds, FixedClock and EventLog."""

from __future__ import annotations

from collections import Counter as Multiset
from datetime import UTC, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.adapters.memory import EventLog, FixedClock, SequentialIds
from merx.kernel.clock import Clock
from merx.kernel.errors import ValidationError
from merx.kernel.events import DomainEvent, EventPublisher
from merx.kernel.ids import IdSource

START = datetime(2024, 11, 11, 0, 0, tzinfo=UTC)
SHANGHAI = timezone(timedelta(hours=8))


# -- SequentialIds -----------------------------------------------------------------------


def test_sequential_ids_count_per_prefix() -> None:
    ids: IdSource = SequentialIds()
    assert ids.next_id("ord") == "ord-000001"
    assert ids.next_id("ord") == "ord-000002"
    assert ids.next_id("pay") == "pay-000001"
    assert ids.next_id("ord") == "ord-000003"


def test_sequential_ids_are_reproducible_per_instance() -> None:
    first, second = SequentialIds(), SequentialIds()
    assert [first.next_id("x") for _ in range(3)] == [second.next_id("x") for _ in range(3)]


@given(st.lists(st.sampled_from(["ord", "pay", "shp", "a"]), max_size=60))
def test_sequential_ids_never_repeat(prefixes: list[str]) -> None:
    ids = SequentialIds()
    minted = [ids.next_id(p) for p in prefixes]
    assert len(set(minted)) == len(minted)
    seen: Multiset[str] = Multiset()
    for prefix, minted_id in zip(prefixes, minted, strict=True):
        seen[prefix] += 1
        assert minted_id == f"{prefix}-{seen[prefix]:06d}"


@given(
    st.lists(st.sampled_from(["ord", "pay", "shp", "a"]), max_size=60),
    st.integers(min_value=0, max_value=60),
)
def test_a_source_continued_from_counters_mints_what_one_source_would(
    prefixes: list[str], cut: int
) -> None:
    whole = SequentialIds()
    expected = [whole.next_id(p) for p in prefixes]
    first = SequentialIds()
    minted = [first.next_id(p) for p in prefixes[:cut]]
    second = SequentialIds()
    second.continue_from(first.counters())  # what a stopped run kept in its store
    minted += [second.next_id(p) for p in prefixes[cut:]]
    assert minted == expected
    assert second.counters() == whole.counters()


def test_continuing_is_for_a_fresh_source_and_checks_the_counters() -> None:
    ids = SequentialIds()
    ids.next_id("ord")
    with pytest.raises(ValidationError, match="minted ids already"):
        ids.continue_from({"ord": 5})
    for bad in ({"ord": -1}, {"ord": True}, {"": 3}, {"ord": "7"}):
        with pytest.raises(ValidationError):
            SequentialIds().continue_from(bad)  # type: ignore[arg-type]


# -- FixedClock --------------------------------------------------------------------------


def test_fixed_clock_stands_still() -> None:
    clock: Clock = FixedClock(START)
    assert clock.now() == START
    assert clock.now() == START


def test_advance_moves_forward_and_returns_the_new_instant() -> None:
    clock = FixedClock(START)
    assert clock.advance(timedelta(hours=2)) == START + timedelta(hours=2)
    assert clock.now() == START + timedelta(hours=2)
    assert clock.advance(timedelta(0)) == START + timedelta(hours=2)


def test_advance_refuses_moving_backward_and_changes_nothing() -> None:
    clock = FixedClock(START)
    with pytest.raises(ValidationError, match="backward"):
        clock.advance(timedelta(seconds=-1))
    assert clock.now() == START


def test_set_jumps_forward_or_stays() -> None:
    clock = FixedClock(START)
    later = START + timedelta(days=3)
    clock.set(later)
    assert clock.now() == later
    clock.set(later)  # the same instant is not moving backward
    assert clock.now() == later
    same_instant_elsewhere = later.astimezone(SHANGHAI)
    clock.set(same_instant_elsewhere)
    assert clock.now() == later


def test_set_refuses_moving_backward_and_changes_nothing() -> None:
    clock = FixedClock(START)
    with pytest.raises(ValidationError, match="back"):
        clock.set(START - timedelta(microseconds=1))
    assert clock.now() == START
    with pytest.raises(ValidationError):
        clock.set(START.astimezone(SHANGHAI) - timedelta(seconds=1))
    assert clock.now() == START


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2024, 11, 11, 0, 0)  # naive on purpose
    with pytest.raises(ValidationError, match="no timezone"):
        FixedClock(naive)
    clock = FixedClock(START)
    with pytest.raises(ValidationError, match="no timezone"):
        clock.set(naive + timedelta(days=1))
    assert clock.now() == START


@given(st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400))))
def test_advancing_accumulates_and_never_goes_back(steps: list[timedelta]) -> None:
    clock = FixedClock(START)
    previous = clock.now()
    for step in steps:
        now = clock.advance(step)
        assert now >= previous
        assert now == clock.now()
        previous = now
    assert clock.now() == START + sum(steps, timedelta(0))


# -- EventLog ----------------------------------------------------------------------------


@attrs.frozen
class Placed(DomainEvent):
    order_id: str


@attrs.frozen
class PlacedAgain(Placed):
    pass


@attrs.frozen
class Paid(DomainEvent):
    order_id: str


def test_event_log_keeps_every_event_in_order() -> None:
    log = EventLog()
    publisher: EventPublisher = log
    publisher.publish([Placed("o1"), Paid("o1")])
    publisher.publish([])
    publisher.publish((Placed("o2"),))
    assert log.events == [Placed("o1"), Paid("o1"), Placed("o2")]


def test_event_log_filters_by_kind_including_subclasses() -> None:
    log = EventLog()
    log.publish([Placed("o1"), Paid("o1"), PlacedAgain("o2")])
    assert log.of(Paid) == [Paid("o1")]
    assert log.of(Placed) == [Placed("o1"), PlacedAgain("o2")]
    assert log.of(PlacedAgain) == [PlacedAgain("o2")]
    assert log.of(DomainEvent) == log.events


def test_event_names_are_the_class_names() -> None:
    assert Placed("o1").name == "Placed"
    assert PlacedAgain("o1").name == "PlacedAgain"
