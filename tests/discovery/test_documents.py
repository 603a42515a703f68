"""Every document of the behaviour, recommendation and ads contexts survives the app's
documents (what the stores write): to JSON text and back, equal to itself; malformed data
is refused with a ``ValidationError``."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from merx import ads, behaviour, recommendation
from merx.adapters.memory import MemoryStore
from merx.app import MemoryApp, build_memory_app
from merx.app.documents import documents
from merx.behaviour import BehaviourKind, TrackBehaviour
from merx.errors import ValidationError
from merx.kernel.ids import CustomerId
from tests.discovery.world import buy, cny, shop

KINDS = {
    "behaviour": (behaviour.CustomerTrail, behaviour.BehaviourDay),
    "ads": (ads.AdCampaign,),
    "recommendation": (recommendation.VariationTally,),
}


def traded() -> MemoryApp:
    app = build_memory_app()
    leaf, _ = shop(app)
    buy(app, "ann", "tea-1", "cup-1")
    app.handle(recommendation.SetSkuRating("tea-1", Decimal("4.5"), 12))
    app.track(TrackBehaviour("v", BehaviourKind.VIEW, "s", CustomerId("ann"), sku_id="pot-1"))
    app.track(TrackBehaviour("q", BehaviourKind.SEARCH, "s", text="green tea"))
    app.track(
        TrackBehaviour(
            "c", BehaviourKind.CLICK, "s", CustomerId("ann"), sku_id="tea-1", source="rec:x:a"
        )
    )
    app.handle(ads.CreateAdCampaign("c", leaf, ("tea-1",), ("tea",), cny("0.30"), cny("1.00")))
    app.handle(ads.ClickAd("k", "c", "tea-1"))
    assert isinstance(app, MemoryApp)
    return app


def test_every_document_of_the_three_contexts_round_trips() -> None:
    app = traded()
    store: MemoryStore = app.store
    seen = set()
    for kind, rows in store.tables.items():
        if kind.__module__.split(".")[1] not in {"behaviour", "recommendation", "ads"}:
            continue
        for _, snapshot in rows.values():
            text = json.dumps(documents().write(snapshot))
            assert documents().read(kind, json.loads(text)) == snapshot
            seen.add(kind.__name__)
    assert seen == {
        "CustomerTrail", "BehaviourDay", "SkuSignals", "Popular", "CustomerPurchases",
        "VariationTally", "AdCampaign", "AdKeyword",
    }  # fmt: skip


@pytest.mark.parametrize("kind", [k for kinds in KINDS.values() for k in kinds])
def test_malformed_data_is_refused(kind: type[object]) -> None:
    with pytest.raises(ValidationError):
        documents().read(kind, {"id": 3, "version": "x"})
