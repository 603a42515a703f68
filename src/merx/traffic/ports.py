"""What traffic needs from outside: a decision on whom a placement targets, and which
placements the clock moves (:class:`TrafficQueries`, with the index entry a database keeps
to answer it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from merx.decisions import Decision
from merx.kernel.documents import index_instant
from merx.traffic.model import Placement


class Targeting(Protocol):
    """Decides a placement's strategy scenario for a customer (the app asks
    ``merx.decisions`` as caller ``traffic``). Raises a ``MerxError`` when the scenario
    cannot be asked (unknown, unpublished, the caller not permitted)."""

    def decide(self, scenario: str, customer_id: str, context: Mapping[str, object]) -> Decision:
        """``context`` offers ``position`` (the position's id) and the view's own fields;
        an implementation passes on only the fields the scenario declares."""
        ...


class TrafficQueries(Protocol):
    """Port: placements by what ``TickPlacements`` asks, from committed state."""

    def placements_due(self, by: datetime) -> list[str]:
        """The ids of the placements whose :attr:`~merx.traffic.Placement.next_tick` is at
        or before ``by``."""
        ...


#: A scheduled or live placement by the instant the clock moves it next.
PLACEMENT_NEXT_TICK = "placement_next_tick"


def placement_index(placement: Placement) -> dict[str, str | None]:
    due = placement.next_tick
    return {PLACEMENT_NEXT_TICK: index_instant(due) if due is not None else None}
