"""Wiring of :mod:`merx.traffic`: its commands on a bus, its placements targeted through
the decider."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import attrs

from merx import decisions, traffic
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
    bus.register(traffic.SavePageDraft, traffic_services.save_page_draft)
    bus.register(traffic.PublishPage, partial(traffic_services.publish_page, clock=clock))
    bus.register(traffic.RollBackPage, traffic_services.roll_back_page)
    bus.register(traffic.ArchivePage, traffic_services.archive_page)
    bus.register(traffic.DefinePosition, traffic_services.define_position)
    bus.register(traffic.CreatePlacement, traffic_services.create_placement)
    bus.register(traffic.SchedulePlacement, traffic_services.move_placement)
    bus.register(traffic.PausePlacement, traffic_services.move_placement)
    bus.register(traffic.ResumePlacement, traffic_services.move_placement)
    bus.register(traffic.EndPlacement, traffic_services.move_placement)
    bus.register(
        traffic.TickPlacements,
        partial(traffic_services.tick_placements, clock=clock, queries=queries),
    )
    bus.register(
        traffic.ViewPosition,
        partial(traffic_services.view_position, targeting=targeting, clock=clock),
    )
