"""Every stored aggregate and every event of merx survives its document: written by its
context's serde and read back equal, after a simulated day of trade that leaves them in
every state."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from merx.app import MemoryApp
from merx.app.documents import documents
from merx.errors import UnknownDocumentKind
from merx.kernel.events import DomainEvent

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import simulate


@pytest.fixture(scope="module")
def day() -> simulate.World:
    world = simulate.World(300, seed=5)
    world.build()
    simulate.Day(world, simulate.JOURNEYS).run(300, lambda done: None)
    return world


def test_every_stored_aggregate_round_trips(day: simulate.World) -> None:
    known = documents()
    seen = 0
    assert isinstance(day.app, MemoryApp)
    for kind, rows in day.app.store.tables.items():
        assert known.knows(kind), f"{kind.__name__} has no document"
        for _, snapshot in list(rows.values())[:50]:
            data = json.loads(json.dumps(known.write(snapshot)))
            back = known.read(kind, data)
            back.version = snapshot.version
            assert back == snapshot
            seen += 1
    assert seen > 100


def test_every_event_of_the_day_round_trips(day: simulate.World) -> None:
    known = documents()
    events: list[DomainEvent] = list(day.app.events.events)
    assert len({type(event) for event in events}) > 40
    for event in events:
        name = known.name_of(type(event))
        assert known.read_event(name, json.loads(json.dumps(known.write(event)))) == event


def test_names_are_context_and_class() -> None:
    from merx.orders import Order, OrderPaid

    assert documents().name_of(Order) == "orders.Order"
    assert documents().name_of(OrderPaid) == "orders.OrderPaid"


def test_an_unknown_kind_is_refused() -> None:
    class Stranger:
        pass

    with pytest.raises(UnknownDocumentKind):
        documents().name_of(Stranger)
    with pytest.raises(UnknownDocumentKind):
        documents().read_event("orders.Nothing", {})
    with pytest.raises(UnknownDocumentKind):
        documents().write(Stranger())


def test_a_class_its_module_does_not_hold_is_no_event() -> None:
    """attrs replaces each event class with a slotted one; the first lingers among
    ``DomainEvent.__subclasses__()`` until the collector runs, and must not count twice."""
    from merx.app.documents import _events
    from merx.orders import OrderPaid

    stale = type("OrderPaid", (DomainEvent,), {"__module__": OrderPaid.__module__})
    assert stale in DomainEvent.__subclasses__()
    assert [cls for cls in _events("orders") if cls.__name__ == "OrderPaid"] == [OrderPaid]
