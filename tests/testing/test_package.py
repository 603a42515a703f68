"""The package of contract suites itself: its test aggregates survive merx's own
converter (what a database harness builds from them), and every suite module is
registered for pytest's assertion rewriting."""

from __future__ import annotations

import json
import pkgutil

from hypothesis import given
from hypothesis import strategies as st

import merx.testing
from merx.kernel.serde import make_converter
from merx.testing.store import (
    AGGREGATES,
    EVENTS,
    Counter,
    CounterIncremented,
    CounterOpened,
    Tally,
)

names = st.text(min_size=1, max_size=8)


@given(
    aggregate=st.one_of(
        st.builds(Counter, id=names, count=st.integers(), tags=st.lists(names)),
        st.builds(Tally, id=names, total=st.integers()),
    ),
    version=st.integers(0, 10**6),
)
def test_the_suite_aggregates_round_trip_through_a_converter_made_for_them(
    aggregate: Counter | Tally, version: int
) -> None:
    converter = make_converter(AGGREGATES)
    aggregate.version = version
    aggregate.record(CounterIncremented(aggregate.id, 1))

    data = json.loads(json.dumps(converter.unstructure(aggregate)))

    assert "pending_events" not in data  # events leave through the unit of work
    assert data["version"] == version
    back = converter.structure(data, type(aggregate))
    assert back == aggregate
    assert (back.version, back.pending_events) == (version, [])


@given(counter_id=names, count=st.integers())
def test_the_suite_events_round_trip(counter_id: str, count: int) -> None:
    converter = make_converter(AGGREGATES)
    recorded = (CounterOpened(counter_id), CounterIncremented(counter_id, count))
    assert {type(event) for event in recorded} == set(EVENTS)
    for event in recorded:
        data = json.loads(json.dumps(converter.unstructure(event)))
        assert converter.structure(data, type(event)) == event


def test_every_suite_module_is_registered_for_assertion_rewriting() -> None:
    modules = {module.name for module in pkgutil.iter_modules(merx.testing.__path__)}
    assert set(merx.testing.SUITES) == modules
