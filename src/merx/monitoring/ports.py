"""Ports of the monitoring context: where alarm rules read their metrics.

:class:`MetricSource` answers a metric's series of buckets; the messages of alarms leave
through reach's :class:`~merx.reach.Messenger` (SMS, push, email), with the operators'
addresses taken as they are given (operators are not customers: no vault, no consent).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol


class MetricSource(Protocol):
    """Port: a metric by bucket. ``series`` answers the buckets starting in
    ``[start, end)`` of ``grain`` (``"hour"`` or ``"day"``) that have a value, oldest first,
    as ``(bucket start, value)``; a bucket with no data is left out (never guessed as 0).
    ``knows`` says whether ``metric`` is a name the source can answer (checked when a rule
    is saved)."""

    def series(
        self, metric: str, start: datetime, end: datetime, grain: str
    ) -> Sequence[tuple[datetime, Decimal]]: ...

    def knows(self, metric: str) -> bool: ...
