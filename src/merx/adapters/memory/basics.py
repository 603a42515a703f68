"""In-memory adapters of the small ports: ids, clock, event publisher, and the random
source of voucher codes."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from merx.kernel.clock import require_aware
from merx.kernel.errors import ValidationError
from merx.kernel.events import DomainEvent


class SequentialIds:
    """``IdSource`` minting ``prefix-000001``, ``prefix-000002``... per prefix: reproducible.

    :meth:`counters` says how far each prefix has counted. A run that stops keeps them (a
    simulation stores them beside its data) and a fresh source told :meth:`continue_from`
    them, before it mints anything, goes on with exactly the ids the first one would have
    minted next.
    """

    def __init__(self) -> None:
        self._counters: dict[str, int] = {}

    def next_id(self, prefix: str) -> str:
        n = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = n
        return f"{prefix}-{n:06d}"

    def counters(self) -> dict[str, int]:
        """The number of ids minted so far, per prefix (a copy)."""
        return dict(self._counters)

    def continue_from(self, counters: Mapping[str, int]) -> None:
        """Go on after ``counters`` (what :meth:`counters` returned in an earlier run).
        Refused once this source has minted an id: two histories would mix."""
        if self._counters:
            raise ValidationError(
                f"this id source has minted ids already ({self._counters}); "
                "continue_from is for a fresh one"
            )
        for prefix, n in counters.items():
            if not isinstance(prefix, str) or not prefix:
                raise ValidationError(f"an id prefix is a non-empty string, not {prefix!r}")
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValidationError(f"ids minted for {prefix!r} must be an int >= 0, not {n!r}")
        self._counters = dict(counters)


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


class SeededRandomSource:
    """``RandomSource`` (:mod:`merx.promotions.ports`) from a seeded generator: the same
    seed draws the same numbers, so tests and simulations get the same voucher codes on
    every run. Predictable by design: never for codes handed to customers."""

    def __init__(self, seed: int = 0) -> None:
        self._random = random.Random(seed)

    def below(self, limit: int) -> int:
        return self._random.randrange(limit)
