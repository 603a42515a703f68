"""In-memory adapters of the kernel's small ports: ids, clock and event publisher."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from merx.kernel.clock import require_aware
from merx.kernel.errors import ValidationError
from merx.kernel.events import DomainEvent


class SequentialIds:
    """``IdSource`` minting ``prefix-000001``, ``prefix-000002``... per prefix: reproducible."""

    def __init__(self) -> None:
        self._counters: dict[str, int] = {}

    def next_id(self, prefix: str) -> str:
        n = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = n
        return f"{prefix}-{n:06d}"


class FixedClock:
    """``Clock`` that stands still until told to move: for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start, "clock start")

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` (never backward) and return the new instant."""
        if delta < timedelta(0):
            raise ValidationError(f"a clock cannot move backward by {delta}")
        self._now += delta
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to ``instant``, which must not be earlier than now."""
        require_aware(instant)
        if instant < self._now:
            raise ValidationError(f"a clock cannot move back from {self._now} to {instant}")
        self._now = instant


class EventLog:
    """``EventPublisher`` that keeps every published event, in order."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def publish(self, events: Sequence[DomainEvent]) -> None:
        self.events.extend(events)

    def of(self, kind: type[DomainEvent]) -> list[DomainEvent]:
        return [e for e in self.events if isinstance(e, kind)]
