"""Pages, positions, placements, storefronts and impressions in a database: a restarted
process reads them back and sees the same; a refused command writes nothing (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from merx.app import Settings, build_app
from merx.decisions import PublishScenario, SaveScenarioDraft
from merx.kernel.ids import PLATFORM
from merx.traffic import (
    ContentKind,
    CreatePlacement,
    DefinePosition,
    ImpressionLog,
    LeftOut,
    MissingStrategy,
    Page,
    PlacedContent,
    Placement,
    PlacementState,
    Position,
    PositionKind,
    PublishPage,
    RollBackPage,
    SavePageDraft,
    SchedulePlacement,
    Storefront,
    UnknownComponent,
)
from tests.decisions import world as decisions_world
from tests.stores.test_stored_app import Storage
from tests.traffic.world import CALLERS, SHOP

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)
V1 = {"components": [{"type": "banner", "image": "/v1.png"}]}
V2 = {"components": [{"type": "countdown", "until": "2026-03-02T00:00:00+00:00"}]}


def test_traffic_survives_a_restart(storage: Storage) -> None:
    setup = Settings(tag_catalog=decisions_world.catalog(), tag_values=decisions_world.values())
    app = build_app(storage.open(), settings=setup)
    popup = decisions_world.popup(callers=CALLERS)
    app.handle(SaveScenarioDraft("homepage.popup", popup))
    app.handle(PublishScenario("homepage.popup"))
    app.handle(SavePageDraft("landing", PLATFORM, "Landing", V1))
    app.handle(PublishPage("landing", PLATFORM))
    app.handle(SavePageDraft("landing", PLATFORM, "Landing", V2))
    app.handle(PublishPage("landing", PLATFORM))
    app.handle(RollBackPage("landing", PLATFORM, 1))
    with pytest.raises(UnknownComponent):
        app.handle(SavePageDraft("landing", PLATFORM, "x", {"components": [{"type": "gif"}]}))
    app.handle(DefinePosition("popup", PositionKind.POPUP, 1, "600x800", daily_cap=1))
    app.handle(DefinePosition("m-tea.top", PositionKind.BANNER, 2, "750x300", SHOP))
    page = PlacedContent(ContentKind.PAGE, "landing")
    week = AT + timedelta(days=7)
    with pytest.raises(MissingStrategy):
        app.handle(CreatePlacement("p1", "popup", PLATFORM, page, AT, week, None))
    app.handle(CreatePlacement("p1", "popup", PLATFORM, page, AT, week, "homepage.popup"))
    app.handle(SchedulePlacement("p1", PLATFORM))
    context = {"channel": "app"}
    assert app.traffic_view("u-new-north", "popup", AT, context=context).shown
    app.close()

    again = build_app(storage.open(), settings=setup)
    seen = again.traffic_view("u-new-north", "popup", AT + timedelta(hours=1), context=context)
    assert seen.reason("p1") is LeftOut.FREQUENCY_CAP
    saved = again.get(Page, "landing")
    assert (saved.live, len(saved.versions), saved.draft.to_json()) == (1, 2, V2)
    assert saved.published(2).content.to_json() == V2
    assert again.get(Placement, "p1").status is PlacementState.SCHEDULED
    assert again.get(Position, "popup").placements == ["p1"]
    assert again.get(Storefront, SHOP).positions == ["m-tea.top"]
    assert again.get(ImpressionLog, "u-new-north@2026-03-01").counts == {"p1": 1}
    again.close()
