"""Wiring of :mod:`merx.traffic`: its commands on a bus, its placements targeted through
the decider."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from merx import decisions, traffic
from merx.app.wiring import register_each
from merx.kernel.bus import MessageBus
from merx.kernel.clock import Clock
from merx.traffic import services as traffic_services

#: The caller a placement's strategy scenario must permit (``Permission("traffic")``).
TRAFFIC_CALLER = "traffic"


@attrs.frozen
class DecidedTargeting:
    """:class:`merx.traffic.Targeting` over the decider: the scenario is asked as caller
    ``traffic`` (over the API), with only the context fields it declares (the view offers
    ``position`` and its own)."""

    decider: decisions.Decider

    def decide(
        self, scenario: str, customer_id: str, context: Mapping[str, object]
    ) -> decisions.Decision:
        compiled, _ = self.decider.compiled(scenario)
        facts = {name: value for name, value in context.items() if name in compiled.input_names}
        return self.decider.decide(scenario, customer_id, facts, caller=TRAFFIC_CALLER)


def register_traffic(
    bus: MessageBus, *, clock: Clock, targeting: traffic.Targeting, queries: traffic.TrafficQueries
) -> None:
    """Pages, positions, placements (the clock's ticks found through ``queries``) and
    views."""
    plain = (
        (traffic.SavePageDraft, traffic_services.save_page_draft),
        (traffic.RollBackPage, traffic_services.roll_back_page),
        (traffic.ArchivePage, traffic_services.archive_page),
        (traffic.DefinePosition, traffic_services.define_position),
        (traffic.CreatePlacement, traffic_services.create_placement),
    )
    register_each(bus, plain)
    moves = [(move, traffic_services.move_placement) for move in traffic_services.PLACEMENT_MOVES]
    register_each(bus, moves)
    register_each(bus, [(traffic.PublishPage, traffic_services.publish_page)], clock=clock)
    ticks = [(traffic.TickPlacements, traffic_services.tick_placements)]
    register_each(bus, ticks, clock=clock, queries=queries)
    views = [(traffic.ViewPosition, traffic_services.view_position)]
    register_each(bus, views, clock=clock, targeting=targeting)
