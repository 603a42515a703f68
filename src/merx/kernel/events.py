"""Domain events and the port that publishes them.

An event is a frozen attrs class named in the past tense (``OrderPaid``). Aggregates
record events as they change (:class:`merx.kernel.aggregate.Aggregate`); the message bus
collects them after a command commits, runs subscribers and hands them to an
:class:`EventPublisher` (an in-memory log in tests, a broker in a host).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs


@attrs.frozen
class DomainEvent:
    """Base of every domain event. Subclasses add their own fields."""

    @property
    def name(self) -> str:
        return type(self).__name__


class EventPublisher(Protocol):
    """Port: hands committed events to the world outside (broker, outbox, log)."""

    def publish(self, events: Sequence[DomainEvent]) -> None: ...
