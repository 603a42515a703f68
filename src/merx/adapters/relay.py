"""The outbox relay: committed events leave the database at least once, in commit order.

A command's events are written to the outbox in the transaction that commits its changes
(:class:`~merx.adapters.documents.DocumentUnitOfWork`), so a process that dies between
its commit and the delivery loses nothing. :meth:`OutboxRelay.deliver` reads the outbox
after its stored position and, for each event in order, hands it to the bus's
:class:`~merx.kernel.events.EventPublisher` and runs each of its subscribers in a unit of
work of its own. A subscriber's unit of work writes a mark (the subscriber and the event
id) with its changes, all or nothing, so an event delivered again skips the subscribers
that already did their work: delivery is at least once, the effect once.

A subscriber that fails is tried again with a growing pause; after ``attempts`` tries its
delivery is *parked* (the event, the subscriber, the error) and the relay goes on; the
host reads :meth:`OutboxRelay.parked` and runs :meth:`OutboxRelay.replay` once the cause is
fixed. Relays of several processes share one database: a lease (renewed with each event,
expiring if its holder dies) lets one deliver at a time; the others return at once.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

import attrs

from merx.adapters.documents import DocumentUnitOfWork
from merx.kernel.bus import MessageBus, Subscriber
from merx.kernel.documents import Documents
from merx.kernel.errors import NotFound
from merx.kernel.events import DomainEvent

#: A row of the outbox: (seq, event id, document name, data).
OutboxRow = tuple[int, str, str, Any]


class Outbox(Protocol):
    """Port: what a database keeps for its relays."""

    def events_after(self, seq: int, limit: int = 1_000) -> list[OutboxRow]: ...

    def event(self, seq: int) -> OutboxRow | None: ...

    def take_lease(self, relay: str, owner: str, now: float, until: float) -> int | None: ...

    def advance(self, relay: str, owner: str, seq: int, until: float) -> bool: ...

    def release(self, relay: str, owner: str) -> None: ...

    def park(self, relay: str, seq: int, subscriber: str, error: str, attempts: int) -> None: ...

    def parked(self, relay: str) -> list[tuple[int, int, str, str, int]]: ...

    def resolve(self, parked_id: int) -> None: ...


@attrs.frozen
class Parked:
    """A delivery that kept failing: which event, which subscriber, the last error."""

    id: int
    seq: int
    subscriber: str
    error: str
    attempts: int


def subscriber_name(subscriber: Subscriber) -> str:
    """A subscriber's stable name: its function's module and qualified name."""
    function: Any = subscriber
    while isinstance(function, partial):
        function = function.func
    return f"{function.__module__}.{function.__qualname__}"


_PUBLISHER = "publisher"


class OutboxRelay:
    """Delivers the outbox of ``outbox`` through ``bus`` (see the module docstring)."""

    def __init__(
        self,
        outbox: Outbox,
        documents: Documents,
        bus: MessageBus,
        new_unit_of_work: Callable[[], DocumentUnitOfWork],
        owner: str,
        *,
        name: str = "main",
        attempts: int = 3,
        pause_s: float = 0.05,
        lease_s: float = 30.0,
        batch: int = 500,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._outbox = outbox
        self._documents = documents
        self._bus = bus
        self._new_unit_of_work = new_unit_of_work
        self._owner = owner
        self.name = name
        self._attempts = attempts
        self._pause_s = pause_s
        self._lease_s = lease_s
        self._batch = batch
        self._sleep = sleep
        self._now = now
        self._delivering = threading.Lock()
        self._position: int | None = None  # while this relay holds the lease
        self._cascaded = False  # a subscriber committed during the batch being delivered
        self._until = 0.0

    def deliver(self) -> int:
        """Deliver every event committed after the stored position; the number delivered
        (0 if another relay holds the lease, or if this one is already delivering: a
        subscriber's own commands join the running delivery).

        The lease is kept between calls (renewed as the position moves, or when half of it
        has run), so a busy process pays one write per call for the position; it expires
        by itself if this process dies, and :meth:`close` lets it go at once."""
        if not self._delivering.acquire(blocking=False):
            return 0
        try:
            position = self._lease()
            if position is None:
                return 0
            delivered = 0
            while True:
                rows = self._outbox.events_after(position, self._batch)
                if not rows:
                    return delivered
                for seq, event_id, name, data in rows:
                    self._deliver_one(seq, event_id, self._documents.read_event(name, data))
                    position = seq
                    delivered += 1
                until = self._now() + self._lease_s
                if not self._outbox.advance(self.name, self._owner, position, until):
                    self._position = None  # the lease was lost: its new holder goes on
                    return delivered
                self._position, self._until = position, until
                if len(rows) < self._batch and not self._cascaded:
                    return delivered  # nothing more was there, and no subscriber wrote any
                self._cascaded = False
        finally:
            self._delivering.release()

    def _lease(self) -> int | None:
        """The position, with the lease held (taken, or renewed when half of it has run)."""
        now = self._now()
        if self._position is not None and now < self._until - self._lease_s / 2:
            return self._position
        until = now + self._lease_s
        position = self._outbox.take_lease(self.name, self._owner, now, until)
        self._position, self._until = position, until
        return position

    def close(self) -> None:
        """Let the lease go (another process's relay may deliver at once)."""
        with self._delivering:
            if self._position is not None:
                self._outbox.release(self.name, self._owner)
            self._position = None

    def _deliver_one(self, seq: int, event_id: str, event: DomainEvent) -> None:
        self._attempt(seq, _PUBLISHER, lambda: self._bus.publisher.publish([event]))
        for subscriber in self._bus.subscribers_of(type(event)):
            self._attempt(
                seq,
                subscriber_name(subscriber),
                partial(self._run, subscriber, event, f"{subscriber_name(subscriber)}:{event_id}"),
            )

    def _run(self, subscriber: Subscriber, event: DomainEvent, mark: str) -> None:
        with self._new_unit_of_work() as uow:
            if uow.handling(mark):
                subscriber(event, uow)
                self._cascaded = self._cascaded or uow.committed  # it may have added events

    def _attempt(self, seq: int, who: str, work: Callable[[], None]) -> bool:
        """Run ``work``, again after a growing pause if it fails; park it after the last
        attempt. Whether it succeeded."""
        for attempt in range(1, self._attempts + 1):
            try:
                work()
            except Exception as error:
                if attempt == self._attempts:
                    detail = "".join(traceback.format_exception_only(error)).strip()
                    self._outbox.park(self.name, seq, who, detail, attempt)
                    return False
                self._sleep(self._pause_s * 2 ** (attempt - 1))
            else:
                return True
        return False  # pragma: no cover - the loop returns

    # -- parked deliveries -----------------------------------------------------------

    def parked(self) -> list[Parked]:
        """Deliveries that kept failing and wait for :meth:`replay`."""
        return [Parked(*row) for row in self._outbox.parked(self.name)]

    def replay(self, parked_id: int) -> bool:
        """Deliver a parked event to its subscriber (or publisher) again; resolved if it
        succeeds now (a failure parks it anew). Whether it succeeded."""
        found = [one for one in self.parked() if one.id == parked_id]
        if not found:
            raise NotFound(f"no parked delivery {parked_id} in relay {self.name!r}")
        (parked,) = found
        row = self._outbox.event(parked.seq)
        if row is None:
            raise NotFound(f"outbox event {parked.seq} is gone")
        seq, event_id, name, data = row
        event = self._documents.read_event(name, data)
        if parked.subscriber == _PUBLISHER:
            work: Callable[[], None] = lambda: self._bus.publisher.publish([event])  # noqa: E731
        else:
            matching = [
                subscriber
                for subscriber in self._bus.subscribers_of(type(event))
                if subscriber_name(subscriber) == parked.subscriber
            ]
            if not matching:
                raise NotFound(f"no subscriber {parked.subscriber!r} for {name}")
            work = partial(self._run, matching[0], event, f"{parked.subscriber}:{event_id}")
        self._outbox.resolve(parked.id)
        return self._attempt(seq, parked.subscriber, work)
