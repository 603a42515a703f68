"""The base of every aggregate: a version for lost-update detection and an event log."""

from __future__ import annotations

import attrs

from merx.kernel.events import DomainEvent


@attrs.define(kw_only=True)
class Aggregate:
    """An aggregate root.

    ``version`` is the stored version this object was loaded at; repositories refuse to
    save it if the stored one moved on (:class:`merx.errors.ConcurrencyError`).
    ``pending_events`` are recorded by the aggregate's methods and drained by the unit of
    work on commit.
    """

    version: int = attrs.field(default=0, eq=False)
    pending_events: list[DomainEvent] = attrs.field(factory=list, eq=False, repr=False)

    def record(self, event: DomainEvent) -> None:
        self.pending_events.append(event)

    def pull_events(self) -> list[DomainEvent]:
        events, self.pending_events = self.pending_events, []
        return events
