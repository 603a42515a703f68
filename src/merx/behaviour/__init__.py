"""merx.behaviour: what shoppers do (views, searches, clicks, add-to-cart), tracked by the
host with nothing personal, kept bounded, and read by search (the query log), by
recommendation (recently viewed, clicks) and by the data system (the events).
The command handler is in ``merx.behaviour.services`` (for the composition root)."""

from merx.behaviour.errors import InvalidBehaviour
from merx.behaviour.model import (
    RECENT_CLICKS,
    RECENT_VIEWS,
    SEARCHES_PER_DAY,
    Behaviour,
    BehaviourDay,
    BehaviourKind,
    BehaviourTracked,
    Click,
    CustomerTrail,
    LoggedSearch,
    mask_numbers,
)
from merx.behaviour.services import (
    TrackBehaviour,
    day_counts,
    recent_clicks,
    recently_viewed,
    searches_logged,
)

__all__ = [
    "RECENT_CLICKS",
    "RECENT_VIEWS",
    "SEARCHES_PER_DAY",
    "Behaviour",
    "BehaviourDay",
    "BehaviourKind",
    "BehaviourTracked",
    "Click",
    "CustomerTrail",
    "InvalidBehaviour",
    "LoggedSearch",
    "TrackBehaviour",
    "day_counts",
    "mask_numbers",
    "recent_clicks",
    "recently_viewed",
    "searches_logged",
]
