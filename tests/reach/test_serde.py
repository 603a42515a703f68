"""Every reach aggregate, in the states a day of reach leaves it, survives its converter:
to JSON text and back, equal to itself; malformed data is refused."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from merx import people, reach
from merx.errors import ValidationError
from merx.kernel.ids import CustomerId, MerchantId
from merx.reach import Receipt
from merx.reach import serde as reach_serde

from .conftest import World, buy, stock_shop


def test_every_reach_aggregate_round_trips(world: World) -> None:
    app = world.app
    stock_shop(app)
    world.person("amy", 1)
    world.person("bob", 2)
    app.handle(people.GrantConsent(CustomerId("amy"), people.Channel.PUSH, "app"))
    app.handle(reach.SetReachTimeZone(CustomerId("bob"), "Europe/Paris"))
    app.handle(reach.FollowStore(CustomerId("amy"), MerchantId("mer-1")))
    world.sms_campaign()
    app.handle(reach.RunReachCampaign("lapsed", "d1"))
    app.handle(reach.RecordReceipt("lapsed/d1/amy", Receipt.CLICKED))
    world.clock.advance(timedelta(hours=1))
    buy(app, "amy")
    app.handle(reach.SaveTemplate("t-in", reach.ReachChannel.INBOX, "hello {customer_name}", {}))
    app.handle(
        reach.DefineReachCampaign(
            "hello", reach.ReachChannel.INBOX, "t-in", reach.Trigger(reach.TriggerKind.ONCE)
        )
    )
    app.handle(reach.ActivateReachCampaign("hello"))
    app.handle(reach.RunReachCampaign("hello"))
    seen: set[type[Any]] = set()
    for kind, rows in app.store.tables.items():
        if kind not in reach_serde.AGGREGATES:
            continue
        for _, snapshot in rows.values():
            text = json.dumps(reach_serde.unstructure(snapshot))
            assert reach_serde.structure(json.loads(text), kind) == snapshot
            seen.add(kind)
    assert seen == set(reach_serde.AGGREGATES)


def test_malformed_data_is_refused() -> None:
    with pytest.raises(ValidationError):
        reach_serde.structure({"id": "t", "channel": "fax", "body": "x"}, reach.Template)
