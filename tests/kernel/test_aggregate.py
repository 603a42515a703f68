"""Aggregate cloning: a clone equals its original and shares no mutable part with it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.aggregate import Aggregate, clone_attrs, flat_field, snapshot_copy
from merx.kernel.events import DomainEvent

if TYPE_CHECKING:  # unknown at run time: the class using it copies by looking at values
    from decimal import Context


class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@attrs.frozen
class Point:
    x: int
    y: int


@attrs.frozen
class Moved(DomainEvent):
    to: Point


@attrs.define
class Tally:
    """A mutable attrs object held by an aggregate: cloned field by field."""

    hits: int = 0
    tags: list[str] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class Everything(Aggregate):
    """One field per way of copying it."""

    id: str
    # shared: immutable by declaration
    colour: Colour = Colour.RED
    origin: Point = Point(0, 0)
    at: datetime | None = None
    path: tuple[Point, ...] = ()
    labels: frozenset[str] = frozenset()
    # one container copy, by metadata
    log: list[str] = flat_field(list)
    # one container copy, by declared item types
    index: dict[str, int] = attrs.field(factory=dict)
    points: dict[str, Point] = attrs.field(factory=dict)
    specs: Mapping[str, str] = attrs.field(factory=dict)
    maybe: list[int] | None = None
    seen: set[str] = attrs.field(factory=set)
    # cloned: a mutable attrs object
    tally: Tally = attrs.field(factory=Tally)
    # looked at: mutable items, or nothing declared
    tallies: dict[str, Tally] = attrs.field(factory=dict)
    grid: list[list[int]] = attrs.field(factory=list)
    anything: Any = None


def everything() -> Everything:
    thing = Everything(
        id="e1",
        colour=Colour.BLUE,
        origin=Point(1, 2),
        at=datetime(2024, 1, 1),
        path=(Point(1, 1), Point(2, 2)),
        labels=frozenset({"a", "b"}),
        log=["placed"],
        index={"a": 1},
        points={"p": Point(3, 4)},
        specs={"colour": "red"},
        maybe=[1, 2],
        seen={"x"},
        tally=Tally(1, ["t"]),
        tallies={"a": Tally(2, ["u"])},
        grid=[[1, 2], [3]],
        anything={"k": [1, {"deep": [2]}]},
    )
    thing.record(Moved(Point(5, 6)))
    return thing


def state(aggregate: Aggregate) -> dict[str, Any]:
    """Every field, nested objects included (``==`` skips version and events)."""
    return attrs.asdict(aggregate)


def test_a_clone_equals_its_original_and_shares_its_immutable_values() -> None:
    original = everything()
    copied = original.clone()
    assert type(copied) is Everything
    assert copied == original
    assert state(copied) == state(original)
    for name in ("id", "colour", "origin", "at", "path", "labels"):
        assert getattr(copied, name) is getattr(original, name), name
    # a flat copy shares the immutable items, a look copies the mutable ones
    assert copied.points["p"] is original.points["p"]
    assert copied.pending_events[0] is original.pending_events[0]
    assert copied.tallies["a"] is not original.tallies["a"]
    assert copied.grid[0] is not original.grid[0]


#: A change to each mutable part of :func:`everything`, by the field's way of copying.
MUTATIONS: dict[str, Callable[[Everything], object]] = {
    "flat-events": lambda e: e.pending_events.append(Moved(Point(0, 0))),
    "flat-log": lambda e: e.log.append("paid"),
    "typed-dict": lambda e: e.index.update(b=2),
    "typed-dict-of-frozen": lambda e: e.points.update(q=Point(0, 0)),
    "typed-mapping": lambda e: e.specs.update(size="XL"),  # type: ignore[attr-defined]
    "typed-optional-list": lambda e: e.maybe.append(3),  # type: ignore[union-attr]
    "typed-set": lambda e: e.seen.add("y"),
    "nested": lambda e: setattr(e.tally, "hits", 99),
    "nested-list": lambda e: e.tally.tags.append("v"),
    "look-dict": lambda e: e.tallies.update(b=Tally()),
    "look-dict-item": lambda e: setattr(e.tallies["a"], "hits", 99),
    "look-dict-item-list": lambda e: e.tallies["a"].tags.append("w"),
    "look-list": lambda e: e.grid.append([4]),
    "look-list-item": lambda e: e.grid[0].append(9),
    "look-any": lambda e: e.anything["k"].append(3),
    "look-any-deep": lambda e: e.anything["k"][1]["deep"].append(3),
}


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_changing_a_clone_leaves_the_original_alone(mutate: Callable[[Everything], None]) -> None:
    original = everything()
    copied = original.clone()
    mutate(copied)
    assert state(original) == state(everything())
    assert state(copied) != state(original)


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_changing_the_original_leaves_a_clone_alone(mutate: Callable[[Everything], None]) -> None:
    original = everything()
    copied = original.clone()
    mutate(original)
    assert state(copied) == state(everything())


def test_optional_containers_holding_none_stay_none() -> None:
    original = Everything(id="e2")
    copied = original.clone()
    assert copied.maybe is None
    assert copied.anything is None
    assert state(copied) == state(original)


def test_a_container_subclass_keeps_its_type() -> None:
    original = Everything(id="e3", index=defaultdict(int, a=1))
    copied = original.clone()
    assert type(copied.index) is defaultdict
    assert copied.index is not original.index
    copied.index["b"] += 1
    assert dict(original.index) == {"a": 1}


converted: list[object] = []


def _recorded(value: list[str]) -> list[str]:
    converted.append(value)
    return list(value)


@attrs.define(kw_only=True)
class Converted(Aggregate):
    """Its converter makes attrs give it a ``__setattr__``: cloning must not run it."""

    id: str
    tags: list[str] = attrs.field(factory=list, converter=_recorded)
    tally: Tally = attrs.field(factory=Tally)


def test_cloning_bypasses_a_classes_own_setattr() -> None:
    original = Converted(id="c1", tags=["a"], tally=Tally(1, ["t"]))
    converted.clear()
    copied = original.clone()
    assert not converted
    assert copied == original
    copied.tags.append("b")
    copied.tally.tags.append("u")
    assert original == Converted(id="c1", tags=["a"], tally=Tally(1, ["t"]))


@attrs.define(kw_only=True)
class Unresolved(Aggregate):
    """Its hints cannot be resolved at run time: its values are looked at instead."""

    id: str
    contexts: list[Context] = attrs.field(factory=list)
    index: dict[str, int] = attrs.field(factory=dict)
    tally: Tally = attrs.field(factory=Tally)
    events: list[str] = flat_field(list)


def test_a_class_with_unresolvable_hints_is_cloned_by_looking_at_values() -> None:
    original = Unresolved(id="u1", index={"a": 1}, tally=Tally(1, ["t"]), events=["e"])
    copied = original.clone()
    assert copied == original
    assert copied.id is original.id
    copied.index["b"] = 2
    copied.tally.tags.append("u")
    copied.events.append("f")
    assert original == Unresolved(id="u1", index={"a": 1}, tally=Tally(1, ["t"]), events=["e"])


def test_a_mutable_attrs_object_is_cloned_on_its_own() -> None:
    original = Tally(1, ["t"])
    copied = clone_attrs(original)
    assert copied == original
    assert copied.tags is not original.tags
    assert snapshot_copy(original) == original


# -- any nesting -------------------------------------------------------------------------

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=3),
    st.sampled_from(Colour),
    st.builds(Point, st.integers(), st.integers()),
)
nested = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=2), inner, max_size=3),
        st.sets(st.integers(), max_size=3),
        st.frozensets(st.text(max_size=2), max_size=3),
        st.builds(Tally, st.integers(), st.lists(st.text(max_size=2), max_size=2)),
    ),
    max_leaves=12,
)


@attrs.define(kw_only=True)
class Bag(Aggregate):
    id: str
    anything: Any = None
    table: dict[str, Any] = attrs.field(factory=dict)
    tallies: dict[str, Tally] = attrs.field(factory=dict)
    ints: list[int] = attrs.field(factory=list)
    maybe: set[int] | None = None


def mutable_parts(value: Any) -> list[Any]:
    """Every mutable object reachable from ``value``, ``value`` included."""
    found: list[Any] = []
    if isinstance(value, list | dict | set | Tally | Aggregate):
        found.append(value)
    if isinstance(value, dict):
        for item in value.values():
            found += mutable_parts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            found += mutable_parts(item)
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            found += mutable_parts(getattr(value, field.name))
    return found


@given(
    anything=nested,
    table=st.dictionaries(st.text(max_size=2), nested, max_size=3),
    tallies=st.dictionaries(
        st.text(max_size=2), st.builds(Tally, st.integers(), st.lists(st.text(max_size=2)))
    ),
    ints=st.lists(st.integers(), max_size=4),
    maybe=st.none() | st.sets(st.integers(), max_size=3),
)
def test_a_clone_of_any_nesting_is_equal_and_shares_nothing_mutable(
    anything: Any,
    table: dict[str, Any],
    tallies: dict[str, Tally],
    ints: list[int],
    maybe: set[int] | None,
) -> None:
    original = Bag(id="b", anything=anything, table=table, tallies=tallies, ints=ints, maybe=maybe)
    copied = original.clone()
    assert copied == original
    assert state(copied) == state(original)
    original_ids = {id(part) for part in mutable_parts(original)}
    assert original_ids.isdisjoint(id(part) for part in mutable_parts(copied))
