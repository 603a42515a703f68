"""Wiring of :mod:`merx.decisions`: its commands on a bus, and the decider the app reads."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from merx import decisions
from merx.decisions import services as decisions_services
from merx.kernel.bus import MessageBus
from merx.kernel.clock import Clock
from merx.kernel.events import EventPublisher
from merx.kernel.uow import UnitOfWork


def register_decisions(bus: MessageBus, *, catalog: decisions.TagCatalog, clock: Clock) -> None:
    """Saving rules, editing, publishing, rolling back and switching scenarios; rules are
    checked against ``catalog``."""
    bus.register(decisions.SaveRule, partial(decisions_services.save_rule, catalog=catalog))
    bus.register(decisions.SaveScenarioDraft, decisions_services.save_scenario_draft)
    bus.register(
        decisions.PublishScenario,
        partial(decisions_services.publish_scenario, catalog=catalog, clock=clock),
    )
    bus.register(
        decisions.RollBackScenario,
        partial(decisions_services.roll_back_scenario, catalog=catalog),
    )
    bus.register(decisions.SwitchScenario, decisions_services.switch_scenario)


def decider(
    new_unit_of_work: Callable[[], UnitOfWork],
    *,
    catalog: decisions.TagCatalog,
    values: decisions.TagValues,
    clock: Clock,
    assigner: decisions.Assigner,
    recording: decisions.DecisionRecording,
    publisher: EventPublisher,
) -> decisions.Decider:
    """The decider over the store's scenarios; sampled decisions go to ``publisher``."""
    return decisions.Decider(
        new_unit_of_work,
        catalog=catalog,
        values=values,
        clock=clock,
        assigner=assigner,
        recording=recording,
        publisher=publisher,
    )
