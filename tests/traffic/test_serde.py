"""Traffic's aggregates survive their documents; a page's JSON form round-trips."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.app import MemoryApp
from merx.app.documents import documents
from merx.errors import ValidationError
from merx.kernel.ids import PLATFORM
from merx.traffic import (
    COMPONENTS,
    ContentKind,
    DefinePosition,
    FieldType,
    Page,
    PausePlacement,
    PlacedContent,
    PositionKind,
    PublishPage,
    SavePageDraft,
    page_from_json,
)
from merx.traffic import serde as traffic_serde
from tests.traffic import world
from tests.traffic.world import SHOP, START


def busy() -> MemoryApp:
    shop = world.app()
    world.skus(shop)
    ten = world.campaign(shop, SHOP, "tea-10")
    grid = {"type": "product_grid", "skus": ["oolong"], "columns": 2}
    content = {"components": [{"type": "coupon_entrance", "campaign": ten}, grid]}
    shop.handle(SavePageDraft("store.m-tea", SHOP, "Tea", content))
    shop.handle(PublishPage("store.m-tea", SHOP))
    shop.handle(DefinePosition("m-tea.top", PositionKind.SLOT, 2, "300x300", SHOP, daily_cap=2))
    page = PlacedContent(ContentKind.PAGE, "store.m-tea")
    world.place(shop, "store", "m-tea.top", by=SHOP, everyone=True, content=page)
    world.place(shop, "pop", priority=3)
    shop.handle(PausePlacement("pop", PLATFORM))
    shop.traffic_view("u-loyal", "m-tea.top", START + timedelta(hours=2))
    return shop


def test_every_traffic_aggregate_round_trips_through_its_document() -> None:
    shop = busy()
    known = documents()
    seen = set()
    for kind, rows in shop.store.tables.items():
        if kind.__module__.startswith("merx.traffic"):
            for _, snapshot in rows.values():
                data = json.loads(json.dumps(known.write(snapshot)))
                back = known.read(kind, data)
                back.version = snapshot.version
                assert back == snapshot
                seen.add(kind.__name__)
    assert seen == {"ImpressionLog", "Page", "Placement", "Position", "Storefront"}


def test_a_stored_page_with_an_unknown_component_is_refused() -> None:
    shop = busy()
    data = traffic_serde.unstructure(shop.get(Page, "store.m-tea"))
    data["draft"]["components"][0]["type"] = "gif"
    with pytest.raises(ValidationError):
        traffic_serde.structure(data, Page)


_VALUES: dict[FieldType, st.SearchStrategy[Any]] = {
    FieldType.TEXT: st.text("abc xyz", min_size=1).filter(str.strip),
    FieldType.URL: st.sampled_from(["/a.png", "https://cdn/x.png", "http://h/p"]),
    FieldType.INT: st.integers(-5, 50),
    FieldType.BOOL: st.booleans(),
    FieldType.INSTANT: st.sampled_from(
        [
            "2026-01-01T00:00:00+00:00",
            "2026-02-03T04:05:06+08:00",
            "2026-05-01T10:00:00.250000+00:00",
        ]
    ),
    FieldType.SKU: st.sampled_from(["tee", "oolong"]),
    FieldType.SKUS: st.lists(st.sampled_from(["tee", "oolong", "mug"]), min_size=1, max_size=3),
    FieldType.CAMPAIGN: st.sampled_from(["ten", "tea-10"]),
}


@st.composite
def components(draw: st.DrawFn) -> dict[str, Any]:
    kind = COMPONENTS[draw(st.sampled_from(sorted(COMPONENTS)))]
    found: dict[str, Any] = {"type": kind.name}
    for name, spec in kind.fields.items():
        if spec.required or draw(st.booleans()):
            found[name] = draw(_VALUES[spec.type])
    return found


@given(st.lists(components(), max_size=6))
def test_a_page_json_reads_back_to_itself(items: list[dict[str, Any]]) -> None:
    data = {"components": items}
    content = page_from_json(data)
    assert content.to_json() == data
    assert page_from_json(json.loads(json.dumps(content.to_json()))) == content
