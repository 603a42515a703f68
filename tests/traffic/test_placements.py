"""Placements: targeted through a strategy scenario (none is a typed error, nothing
saved), their life cycle, and what a user sees on a position, each placement left out
with its reason."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx import promotions
from merx.decisions import SwitchScenario
from merx.errors import IllegalTransition, NotFound
from merx.kernel.ids import PLATFORM
from merx.traffic import (
    ContentKind,
    DefinePosition,
    EndPlacement,
    ImpressionLog,
    LeftOut,
    MissingStrategy,
    PausePlacement,
    PlacedContent,
    Placement,
    PlacementInvalid,
    PlacementState,
    Position,
    PositionInvalid,
    PositionKind,
    PublishPage,
    ResumePlacement,
    SavePageDraft,
    TickPlacements,
    ViewPosition,
)
from merx.traffic.services import tick_placements
from tests.counting import CountingUnitOfWork
from tests.traffic import world
from tests.traffic.world import START, WEEK

NOON = START + timedelta(hours=12)


@pytest.mark.parametrize("scenario", [None, "", "homepage.nothing"])
def test_a_placement_without_a_strategy_is_refused_and_nothing_saved(
    scenario: str | None,
) -> None:
    shop = world.app()
    with pytest.raises(MissingStrategy):
        world.place(shop, "p1", scenario=scenario, schedule=False)
    with shop.unit_of_work() as uow:
        assert uow.repo(Placement).peek("p1") is None
        assert uow.repo(Position).get("popup").placements == []


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"ends_at": START}, PlacementInvalid),
        ({"daily_cap": 0}, PlacementInvalid),
        ({"position": "nowhere"}, NotFound),
        ({"content": PlacedContent(ContentKind.PAGE, "nope")}, PlacementInvalid),
        ({"content": PlacedContent(ContentKind.CAMPAIGN_ENTRANCE, "nope")}, PlacementInvalid),
        ({"content": PlacedContent(ContentKind.BANNER, " ")}, PlacementInvalid),
    ],
)
def test_a_malformed_placement_is_refused(
    changes: dict[str, object], error: type[Exception]
) -> None:
    shop = world.app()
    with pytest.raises(error):
        world.place(shop, "p1", schedule=False, **changes)  # type: ignore[arg-type]
    with shop.unit_of_work() as uow:
        assert uow.repo(Placement).peek("p1") is None


def test_a_position_is_checked() -> None:
    shop = world.app()
    for bad in (
        DefinePosition("x", PositionKind.SLOT, 0, "10x10"),
        DefinePosition("x", PositionKind.SLOT, 1, "10 by 10"),
        DefinePosition("X y", PositionKind.SLOT, 1, "10x10"),
        DefinePosition("x", PositionKind.SLOT, 1, "10x10", daily_cap=0),
    ):
        with pytest.raises(PositionInvalid):
            shop.handle(bad)


def test_the_placement_life_cycle_follows_its_table_and_the_clock() -> None:
    shop = world.app()
    world.place(shop, "p1", starts_at=START + timedelta(days=1), schedule=False)
    assert shop.get(Placement, "p1").status is PlacementState.DRAFT
    with pytest.raises(IllegalTransition):
        shop.handle(PausePlacement("p1", PLATFORM))
    world.place(shop, "p2", starts_at=START + timedelta(days=1))
    assert shop.handle(TickPlacements()) == 0
    shop.clock.advance(timedelta(days=1))
    assert shop.handle(TickPlacements()) == 1
    assert shop.get(Placement, "p2").status is PlacementState.LIVE
    shop.handle(PausePlacement("p2", PLATFORM))
    shop.handle(ResumePlacement("p2", PLATFORM))
    assert shop.get(Placement, "p2").status is PlacementState.SCHEDULED
    shop.clock.advance(WEEK)
    assert shop.handle(TickPlacements()) == 1  # past its window: ended
    assert shop.get(Placement, "p2").status is PlacementState.ENDED
    shop.handle(EndPlacement("p1", PLATFORM))
    with pytest.raises(IllegalTransition):
        shop.handle(ResumePlacement("p1", PLATFORM))


def test_the_seed_pop_up_shows_to_new_users_once_a_day_and_says_why_not() -> None:
    shop = world.app()
    world.place(shop, "newcomer-popup")
    seen = shop.traffic_view("u-new-north", "popup", NOON, context={"channel": "app"})
    assert [s.placement_id for s in seen.shown] == ["newcomer-popup"]
    assert seen.shown[0].variant == "new_user_half_price"
    assert seen.shown[0].materials == ("banner-50off", "entry-newcomer")
    again = shop.traffic_view("u-new-north", "popup", NOON + timedelta(hours=1))
    assert again.shown == ()
    assert again.reason("newcomer-popup") is LeftOut.FREQUENCY_CAP
    tomorrow = shop.traffic_view("u-new-north", "popup", NOON + timedelta(days=1))
    assert [s.placement_id for s in tomorrow.shown] == ["newcomer-popup"]
    west = shop.traffic_view("u-new-west", "popup", NOON)
    assert west.reason("newcomer-popup") is LeftOut.DECISION_SAID_NO
    assert west.left_out[0].detail == "variant 'none', reason DEFAULT"
    with shop.unit_of_work() as uow:
        logs = uow.repo(ImpressionLog)
        assert logs.get("u-new-north@2026-01-01").counts == {"newcomer-popup": 1}
        assert logs.peek("u-new-west@2026-01-01") is None


def test_a_preview_explains_without_recording() -> None:
    shop = world.app()
    world.place(shop, "newcomer-popup")
    for _ in range(3):
        view = shop.traffic_view("u-new-north", "popup", NOON, record=False)
        assert [s.placement_id for s in view.shown] == ["newcomer-popup"]
    with shop.unit_of_work() as uow:
        assert uow.repo(ImpressionLog).peek("u-new-north@2026-01-01") is None


def test_every_reason_a_placement_is_left_out() -> None:
    shop = world.app()
    ended = world.campaign(shop, PLATFORM, "gone")
    waiting = world.campaign(shop, PLATFORM, "later", active=False)
    banner = "home_banner"
    world.place(shop, "draft", banner, schedule=False, everyone=True)
    world.place(shop, "paused", banner, everyone=True)
    shop.handle(PausePlacement("paused", PLATFORM))
    world.place(shop, "ended", banner, everyone=True)
    shop.handle(EndPlacement("ended", PLATFORM))
    world.place(shop, "tomorrow", banner, starts_at=START + timedelta(days=1), everyone=True)
    entrance = PlacedContent(ContentKind.CAMPAIGN_ENTRANCE, ended)
    world.place(shop, "campaign-ended", banner, content=entrance, everyone=True)
    shop.handle(promotions.CancelCampaign(ended, PLATFORM, "stock gone"))
    later = PlacedContent(ContentKind.CAMPAIGN_ENTRANCE, waiting)
    world.place(shop, "campaign-later", banner, content=later, everyone=True)
    shop.handle(SavePageDraft("landing", PLATFORM, "Landing", {"components": []}))
    landing = PlacedContent(ContentKind.PAGE, "landing")
    world.place(shop, "unpublished", banner, content=landing, everyone=True)
    world.place(shop, "capped", banner, daily_cap=1, priority=9, everyone=True)
    world.place(shop, "no", banner, priority=8)
    world.place(shop, "first", banner, priority=5, everyone=True)
    world.place(shop, "full", banner, priority=1, everyone=True)
    shop.handle(SwitchScenario("homepage.popup", False))
    shop.traffic_view("u-loyal", banner, NOON)  # "capped" and "first" shown once
    view = shop.traffic_view("u-loyal", banner, NOON)
    assert [s.placement_id for s in view.shown] == ["first", "full"]
    assert {e.placement_id: e.reason for e in view.left_out} == {
        "capped": LeftOut.FREQUENCY_CAP,
        "no": LeftOut.DECISION_SAID_NO,  # switched off: its default
        "campaign-ended": LeftOut.CAMPAIGN_ENDED,
        "campaign-later": LeftOut.CAMPAIGN_NOT_ACTIVE,
        "draft": LeftOut.DRAFT,
        "ended": LeftOut.ENDED,
        "paused": LeftOut.PAUSED,
        "unpublished": LeftOut.PAGE_NOT_PUBLISHED,
        "tomorrow": LeftOut.NOT_SCHEDULED,
    }
    shop.handle(PublishPage("landing", PLATFORM))
    shop.handle(SwitchScenario("homepage.popup", True))
    full = shop.traffic_view("u-loyal", banner, NOON)
    assert [s.placement_id for s in full.shown] == ["no", "first"]  # capacity 2
    assert full.shown[0].page == ()  # a banner
    assert full.reason("unpublished") is LeftOut.POSITION_FULL
    assert full.reason("full") is LeftOut.POSITION_FULL


def test_a_scenario_that_does_not_permit_traffic_fails_the_decision_not_the_view() -> None:
    from merx.decisions import PublishScenario, SaveScenarioDraft
    from tests.decisions import world as decisions_world

    shop = world.app()
    world.place(shop, "p1")
    shop.handle(SaveScenarioDraft("homepage.popup", decisions_world.popup()))  # homepage only
    shop.handle(PublishScenario("homepage.popup"))
    view = shop.traffic_view("u-new-north", "popup", NOON)
    assert view.reason("p1") is LeftOut.DECISION_FAILED
    assert "traffic" in view.left_out[0].detail


def test_the_day_of_a_cap_is_the_utc_day() -> None:
    shop = world.app()
    world.place(shop, "p1")
    late = datetime(2026, 1, 1, 23, 30, tzinfo=UTC)
    assert shop.traffic_view("u-new-north", "popup", late).shown
    assert not shop.traffic_view("u-new-north", "popup", late + timedelta(minutes=20)).shown
    assert shop.traffic_view("u-new-north", "popup", late + timedelta(minutes=40)).shown


def test_a_placed_page_shows_its_live_version_at_the_instant() -> None:
    shop = world.app()
    first = {"components": [{"type": "countdown", "until": "2026-01-02T00:00:00+00:00"}]}
    shop.handle(SavePageDraft("landing", PLATFORM, "Landing", first))
    shop.handle(PublishPage("landing", PLATFORM))
    shop.handle(SavePageDraft("landing", PLATFORM, "Landing", {"components": []}))  # a draft
    landing = PlacedContent(ContentKind.PAGE, "landing")
    world.place(shop, "p", "home_banner", content=landing, everyone=True)
    view = shop.traffic_view("u-bare", "home_banner", NOON)
    (shown,) = view.shown
    assert [(c.type, c.seconds_left) for c in shown.page] == [("countdown", 12 * 3600)]


def test_a_view_sent_again_with_its_key_gets_the_first_reply_and_counts_once() -> None:
    shop = world.app()
    content = {"components": [{"type": "product_grid", "skus": ["tee"], "columns": 2}]}
    world.skus(shop)
    shop.handle(SavePageDraft("landing", PLATFORM, "Landing", content))
    shop.handle(PublishPage("landing", PLATFORM))
    landing = PlacedContent(ContentKind.PAGE, "landing")
    world.place(shop, "p", "home_banner", content=landing, everyone=True, daily_cap=5)
    view = ViewPosition("u-bare", "home_banner", NOON)
    first = shop.handle(view, idempotency_key="view-1")
    assert shop.handle(view, idempotency_key="view-1") == first
    assert first.shown[0].page[0].fields == {"skus": ["tee"], "columns": 2}
    with shop.unit_of_work() as uow:
        assert uow.repo(ImpressionLog).get("u-bare@2026-01-01").counts == {"p": 1}


@given(
    st.integers(-48, 48).map(lambda h: timedelta(hours=h)),
    st.integers(1, 48).map(lambda h: timedelta(hours=h)),
    st.sampled_from(["schedule", "live", "pause", "end", "none"]),
    st.integers(-72, 72).map(lambda h: timedelta(hours=h)),
)
def test_a_placement_is_due_for_a_tick_exactly_when_the_tick_moves_it(
    start: timedelta, length: timedelta, command: str, now: timedelta
) -> None:
    placement = Placement(
        id="p", position="popup", owner=PLATFORM, content=PlacedContent(ContentKind.BANNER, "b"),
        starts_at=START + start, ends_at=START + start + length, scenario="homepage.popup",
    )  # fmt: skip
    if command != "none":
        placement.schedule(PLATFORM)
    if command == "live":
        placement.tick(placement.starts_at)
    if command == "pause":
        placement.pause(PLATFORM)
    if command == "end":
        placement.end(PLATFORM)
    at = START + now
    due = placement.next_tick
    assert placement.tick(at) == (due is not None and due <= at)


def test_the_tick_reads_only_the_placements_it_moves() -> None:
    shop = world.app()
    world.place(shop, "later", starts_at=START + WEEK, ends_at=START + 2 * WEEK)
    world.place(shop, "now", starts_at=START, ends_at=START + WEEK)
    world.place(shop, "draft", schedule=False)
    assert shop.queries.traffic.placements_due(START) == ["now"]
    with shop.unit_of_work() as inner:
        uow = CountingUnitOfWork(inner)
        moved = tick_placements(
            TickPlacements(), uow, clock=shop.clock, queries=shop.queries.traffic
        )
    assert moved == 1
    assert (uow.of(Placement), uow.scans) == ({"now"}, Counter())
    assert shop.queries.traffic.placements_due(START) == []  # live: due at its end
    assert shop.queries.traffic.placements_due(START + WEEK) == ["later", "now"]
