"""Every stored aggregate of the customers, people, checkout, orders, payments, fulfillment
and after-sales contexts survives its converter: to JSON text and back, equal to itself, after
a simulated day of trade that leaves them in every state; malformed data is refused with
a ``ValidationError``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from merx.aftersales import serde as aftersales_serde
from merx.app import MemoryApp
from merx.checkout import serde as checkout_serde
from merx.customers import serde as customers_serde
from merx.errors import ValidationError
from merx.fulfillment import serde as fulfillment_serde
from merx.orders import serde as orders_serde
from merx.payments import serde as payments_serde
from merx.people import serde as people_serde
from tests.checkout.test_freight import marketplace
from tests.orders.test_presale import presale_journey
from tests.people.test_simulated_day import people_journey

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import simulate

CONVERTERS: dict[str, ModuleType] = {
    "customers": customers_serde,
    "people": people_serde,
    "checkout": checkout_serde,
    "orders": orders_serde,
    "payments": payments_serde,
    "fulfillment": fulfillment_serde,
    "aftersales": aftersales_serde,
}


@pytest.fixture(scope="module")
def stored() -> dict[type[Any], list[Any]]:
    world = simulate.World(400, seed=9)
    world.build()
    simulate.Day(world, simulate.JOURNEYS).run(400, lambda done: None)
    assert isinstance(world.app, MemoryApp)
    found: dict[type[Any], list[Any]] = {
        kind: [snapshot for _, snapshot in rows.values()]
        for kind, rows in world.app.store.tables.items()
    }
    freight, _, _ = marketplace()  # the simulation has no presale, freight nor people
    for app in (presale_journey(), freight, people_journey()):
        assert isinstance(app, MemoryApp)
        for kind, rows in app.store.tables.items():
            found.setdefault(kind, []).extend(snapshot for _, snapshot in rows.values())
    return found


@pytest.mark.parametrize("name", list(CONVERTERS))
def test_every_aggregate_round_trips_through_json(
    stored: dict[type[Any], list[Any]], name: str
) -> None:
    serde = CONVERTERS[name]
    for kind in serde.AGGREGATES:
        found = stored.get(kind, [])
        assert found, f"the simulation stored no {kind.__name__}"
        for aggregate in found:
            text = json.dumps(serde.unstructure(aggregate))
            back = serde.structure(json.loads(text), kind)
            assert back == aggregate
            assert back.id == aggregate.id


@pytest.mark.parametrize("name", list(CONVERTERS))
def test_malformed_data_is_refused(stored: dict[type[Any], list[Any]], name: str) -> None:
    serde = CONVERTERS[name]
    for kind in serde.AGGREGATES:
        data = serde.unstructure(stored[kind][0])
        with pytest.raises(ValidationError):
            serde.structure({**data, "id": None, next(iter(data)): {"not": "valid"}}, kind)
        with pytest.raises(ValidationError):
            serde.structure("not a dict", kind)
