"""Pages, positions, placements, storefronts and impressions in a database: a restarted
process reads them back and sees the same; a refused command writes nothing (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from merx.adapters.memory import FixedClock
from merx.adapters.roundtrips import RoundTrips
from merx.adapters.sqlite import SqliteDatabase
from merx.app import Settings, build_app
from merx.decisions import Output, PublishScenario, SaveScenarioDraft, ScenarioDefinition
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
    TickPlacements,
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


def _statements_of_a_view(tmp_path: Path, placements: int) -> tuple[int, ...]:
    database = SqliteDatabase(tmp_path / f"view-{placements}.db")
    setup = Settings(tag_catalog=decisions_world.catalog(), tag_values=decisions_world.values())
    app = build_app(database, settings=setup)
    everyone = ScenarioDefinition(inputs=(), callers=CALLERS, strategies=(), default=Output("s"))
    app.handle(SaveScenarioDraft("traffic.everyone", everyone))
    app.handle(PublishScenario("traffic.everyone"))
    app.handle(DefinePosition("home", PositionKind.BANNER, 3, "750x300"))
    banner = PlacedContent(ContentKind.BANNER, "b")
    for index in range(placements):
        app.handle(
            CreatePlacement(f"p{index}", "home", PLATFORM, banner, AT, AT + timedelta(days=1),
                            "traffic.everyone", frozenset({"s"}))
        )  # fmt: skip
        app.handle(SchedulePlacement(f"p{index}", PLATFORM))
    tally = RoundTrips()
    database.count_into(tally)
    before = tally.snapshot()
    assert len(app.traffic_view("u-loyal", "home", AT).shown) == min(placements, 3)
    after = tally.snapshot()
    app.close()
    return tuple(a - b for a, b in zip(after, before, strict=True))


def test_a_view_reads_the_same_whatever_the_placements_on_one_scenario(tmp_path: Path) -> None:
    """The placements are read together and their scenario decided once per view: on
    SQLite 7 reads and one commit (10 statements), for 1 placement as for 6."""
    one = _statements_of_a_view(tmp_path, 1)
    assert one == _statements_of_a_view(tmp_path, 6)
    reads, writes, commits, _, statements = one
    assert (reads, writes, commits, statements) == (7, 1, 1, 10)


def test_the_tick_finds_the_placements_due_through_their_index(storage: Storage) -> None:
    setup = Settings(tag_catalog=decisions_world.catalog(), tag_values=decisions_world.values())
    clock = FixedClock(AT)
    app = build_app(storage.open(), settings=setup, clock=clock)
    everyone = ScenarioDefinition(inputs=(), callers=CALLERS, strategies=(), default=Output("s"))
    app.handle(SaveScenarioDraft("traffic.everyone", everyone))
    app.handle(PublishScenario("traffic.everyone"))
    app.handle(DefinePosition("home", PositionKind.BANNER, 3, "750x300"))
    banner = PlacedContent(ContentKind.BANNER, "b")
    for name, starts in (("now", AT), ("later", AT + timedelta(days=2)), ("draft", AT)):
        app.handle(
            CreatePlacement(name, "home", PLATFORM, banner, starts, starts + timedelta(days=1),
                            "traffic.everyone", frozenset({"s"}))
        )  # fmt: skip
        if name != "draft":
            app.handle(SchedulePlacement(name, PLATFORM))
    assert app.queries.traffic.placements_due(AT) == ["now"]
    app.close()

    again = build_app(storage.open(), settings=setup, clock=clock)
    assert again.handle(TickPlacements()) == 1
    assert again.get(Placement, "now").status is PlacementState.LIVE
    assert again.queries.traffic.placements_due(AT) == []
    clock.advance(timedelta(days=2))
    assert sorted(again.queries.traffic.placements_due(clock.now())) == ["later", "now"]
    assert again.handle(TickPlacements()) == 2
    assert again.get(Placement, "now").status is PlacementState.ENDED
    again.close()
