"""Contract suites of the marketing query ports: :class:`ReachQueriesContract`
(``merx.reach.ReachQueries``) and :class:`TrafficQueriesContract`
(``merx.traffic.TrafficQueries``).

As in :mod:`merx.testing.queries`: subclass a suite under a name pytest collects and
provide the fixture ``make_queries_world``, a factory of fresh worlds. The world is a
:class:`MarketingQueriesWorld`: a :class:`~merx.testing.queries.QueriesWorld` that also
hands out the two ports. Each test builds its world through commands (users, their
consent and zones, reach campaigns run at an hour that holds some messages; positions and
placements in every state) and checks the port's answers against a full scan of the
committed aggregates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from merx import decisions, people, reach, traffic
from merx.kernel.ids import PLATFORM, CustomerId
from merx.reach.ports import ReachQueries
from merx.testing.queries import QueriesWorld
from merx.traffic.ports import TrafficQueries

__all__ = [
    "MarketingQueriesWorld",
    "MarketingWorldFactory",
    "ReachQueriesContract",
    "TrafficQueriesContract",
]


class MarketingQueriesWorld(QueriesWorld, Protocol):
    """A :class:`~merx.testing.queries.QueriesWorld` with the marketing query ports."""

    def reach_queries(self) -> ReachQueries:
        """The ``ReachQueries`` adapter under test, over the world's store."""
        ...

    def traffic_queries(self) -> TrafficQueries:
        """The ``TrafficQueries`` adapter under test, over the world's store."""
        ...


MarketingWorldFactory = Callable[[], MarketingQueriesWorld]

#: (customer, IANA zone or None for the platform's default): zones far enough apart that
#: at any instant some user is in the quiet hours (21:00 to 09:00), so a run holds some
_USERS = (
    ("u1", None),
    ("u2", "America/New_York"),
    ("u3", "Asia/Kolkata"),
    ("u4", "Europe/London"),
    ("u5", "Pacific/Honolulu"),
)


def _reach_world(world: MarketingQueriesWorld) -> None:
    for n, (key, zone) in enumerate(_USERS):
        customer = CustomerId(key)
        world.handle(
            people.RegisterPersonalData(customer, name=f"User {n}", phone=f"1390000{n:04d}")
        )
        world.handle(people.GrantConsent(customer, people.Channel.SMS, "app"))
        if zone is not None:
            world.handle(reach.SetReachTimeZone(customer, zone))
    world.handle(reach.SaveTemplate("t", reach.ReachChannel.SMS, "{customer_name}: hi", {}))
    once = reach.Trigger(reach.TriggerKind.ONCE)
    event = reach.Trigger(reach.TriggerKind.EVENT, event="coupon_expiring")
    for campaign, trigger in (("a", once), ("b", event)):
        world.handle(reach.DefineReachCampaign(campaign, reach.ReachChannel.SMS, "t", trigger))
        world.handle(reach.ActivateReachCampaign(campaign))
    world.handle(reach.RunReachCampaign("a"))  # u2 reached; the others held
    world.advance_clock(timedelta(hours=2))  # 10:00 in Shanghai: u1 and u4 due
    world.handle(reach.ReachCustomer("b", CustomerId("u1"), "cp-1"))


class ReachQueriesContract:
    """The contract of a ``ReachQueries`` adapter (see the module docstring)."""

    def test_touches_and_held_messages_agree_with_a_full_scan(
        self, make_queries_world: MarketingWorldFactory
    ) -> None:
        world = make_queries_world()
        _reach_world(world)
        queries = world.reach_queries()
        with world.unit_of_work() as uow:
            touches = [uow.repo(reach.Touch).view(key) for key in uow.repo(reach.Touch).ids()]
            held = [uow.repo(reach.HeldMessage).view(k) for k in uow.repo(reach.HeldMessage).ids()]
        assert touches
        assert held
        for campaign in ("a", "b", "none"):
            expected = {t.id for t in touches if t.campaign_id == campaign}
            assert set(queries.touches_of_campaign(campaign)) == expected
            expected = {h.id for h in held if h.campaign_id == campaign}
            assert set(queries.held_of_campaign(campaign)) == expected
        for key, _ in _USERS:
            expected = {t.id for t in touches if t.customer_id == key}
            assert set(queries.touches_of_customer(CustomerId(key))) == expected
        for hours in (-3, 0, 2, 12, 36):
            by = world.now() + timedelta(hours=hours)
            due = {h.id for h in held if h.waiting and h.due_at <= by}
            assert set(queries.held_due(by, 100)) == due
            assert len(queries.held_due(by, 1)) == min(1, len(due))

    def test_held_messages_settled_are_no_longer_due(
        self, make_queries_world: MarketingWorldFactory
    ) -> None:
        world = make_queries_world()
        _reach_world(world)
        queries = world.reach_queries()
        held = sorted(queries.held_of_campaign("a"))
        assert held  # some user is always in the quiet hours
        with world.unit_of_work() as uow:
            latest = max(uow.repo(reach.HeldMessage).view(key).due_at for key in held)
        if latest > world.now():
            world.advance_clock(latest - world.now())
        assert sorted(queries.held_due(world.now(), 100)) == held
        summary = world.handle(reach.SendHeldMessages(limit=100))
        settled = summary.sent + sum(summary.skipped.values()) + sum(summary.expired.values())
        assert settled + summary.held_again == len(held)
        assert queries.held_due(world.now(), 100) == []
        assert sorted(queries.held_of_campaign("a")) == held


def _traffic_world(world: MarketingQueriesWorld) -> None:
    callers = (decisions.Permission("traffic", {decisions.Access.API}),)
    everyone = decisions.ScenarioDefinition(
        inputs=(), callers=callers, strategies=(), default=decisions.Output("show")
    )
    world.handle(decisions.SaveScenarioDraft("traffic.everyone", everyone))
    world.handle(decisions.PublishScenario("traffic.everyone"))
    world.handle(traffic.DefinePosition("home", traffic.PositionKind.BANNER, 5, "750x300"))
    banner = traffic.PlacedContent(traffic.ContentKind.BANNER, "b")
    now = world.now()
    for name, starts_in, moves in (
        ("draft", 0, ()),
        ("soon", 5, ("schedule",)),
        ("now", 0, ("schedule",)),
        ("paused", 0, ("schedule", "pause")),
        ("ended", 0, ("schedule", "end")),
    ):
        starts = now + timedelta(hours=starts_in)
        world.handle(
            traffic.CreatePlacement(
                name, "home", PLATFORM, banner, starts, starts + timedelta(days=1),
                "traffic.everyone", frozenset({"show"}),
            )
        )  # fmt: skip
        for move in moves:
            command = {
                "schedule": traffic.SchedulePlacement,
                "pause": traffic.PausePlacement,
                "end": traffic.EndPlacement,
            }[move]
            world.handle(command(name, PLATFORM))


class TrafficQueriesContract:
    """The contract of a ``TrafficQueries`` adapter (see the module docstring)."""

    def test_placements_due_agree_with_a_full_scan(
        self, make_queries_world: MarketingWorldFactory
    ) -> None:
        world = make_queries_world()
        _traffic_world(world)
        queries = world.traffic_queries()
        start = world.now()
        for tick in (False, True):
            if tick:
                assert world.handle(traffic.TickPlacements()) == 1  # "now" is live: due at its end
            for hours in (-1, 0, 6, 30):
                by = start + timedelta(hours=hours)
                with world.unit_of_work() as uow:
                    repo = uow.repo(traffic.Placement)
                    due = {
                        key
                        for key in repo.ids()
                        if (next_tick := repo.view(key).next_tick) is not None and next_tick <= by
                    }
                assert set(queries.placements_due(by)) == due
