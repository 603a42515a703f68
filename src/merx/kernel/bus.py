"""The message bus: commands to handlers, events to subscribers.

A command is a frozen attrs class deriving ``Command[R]`` (``R`` is what its handler
returns). The bus opens a fresh unit of work for each command, calls its one handler,
then takes the events the commit produced, hands them to the :class:`EventPublisher`
and runs each subscriber of each event in a unit of work of its own.

Optimistic concurrency: when a handler's *first* commit fails with
:class:`merx.errors.ConcurrencyError` (someone changed an aggregate it had loaded),
nothing was written, so the bus runs the handler again on fresh state, up to
``attempts`` times, calling ``pause`` (if given) between two attempts: processes that keep
meeting on one aggregate (a campaign's budget, a SKU's stock) draw apart with
:class:`Backoff`'s random, growing pauses instead of running again in step. From the
attempt after ``exclusive_after`` conflicts on, a unit of work that can
(:class:`~merx.kernel.uow.Exclusive`: the SQLite and PostgreSQL stores) runs the handler
with the store's other writers shut out until its first commit, which then cannot meet
another: a command that keeps losing a race for a hot aggregate wins it at last, or fails
for a business reason (out of stock, budget spent), never for the race. Handlers
therefore make no external call before their first commit unless that call is idempotent
by key (as every port's calls are). A conflict after a first commit is raised to the
caller. Events raised by
subscribers join the queue, in order. A subscriber's error propagates to the caller
after the command itself has committed (it is not swallowed); the events not yet
dispatched, the failing one included, are kept in :attr:`MessageBus.undelivered` for
the host to retry (subscribers are idempotent, so a retry may re-run one that succeeded).

A command sent with an idempotency key acts once: the bus keeps its reply under the key
(:mod:`merx.kernel.replies`) and answers a re-send with it. That needs the bus's
``clock`` and ``replies``.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, Generic, Protocol, TypeVar

import attrs

from merx.kernel.clock import Clock
from merx.kernel.errors import ConcurrencyError, MerxError, ValidationError
from merx.kernel.events import DomainEvent, EventPublisher
from merx.kernel.replies import CommandRecord, Replies
from merx.kernel.uow import Exclusive, UnitOfWork

R_co = TypeVar("R_co", covariant=True)
R = TypeVar("R")
C = TypeVar("C", bound="Command[Any]")
E = TypeVar("E", bound=DomainEvent)


@attrs.frozen
class Command(Generic[R_co]):
    """Base of every command; ``R_co`` is the type its handler returns."""


CommandHandler = Callable[[Any, UnitOfWork], Any]
Subscriber = Callable[[Any, UnitOfWork], None]
S = TypeVar("S", bound=Callable[..., None])

_IN_STEPS = "__merx_commits_in_steps__"


def commits_in_steps(subscriber: S) -> S:
    """Declare that ``subscriber`` may commit more than once for one event (its work
    stored in steps around an external call, each step committed before the call). An
    outbox relay then marks the event handled only after the subscriber returns, in a
    commit of its own, so a failure or a stop between two steps runs it again: such a
    subscriber must be idempotent per event (each step finds what an earlier run did)."""
    setattr(subscriber, _IN_STEPS, True)
    return subscriber


def in_steps(subscriber: Callable[..., Any]) -> bool:
    """Whether ``subscriber`` (or the function a :func:`functools.partial` binds) was
    declared with :func:`commits_in_steps`."""
    function: Any = subscriber
    while isinstance(function, partial):
        function = function.func
    return bool(getattr(function, _IN_STEPS, False))


_READS_AHEAD = "__merx_reads_ahead__"

#: What a subscriber will read for an event: (aggregate class, id) pairs.
ReadsAhead = Callable[[Any], Iterable[tuple[type[Any], str]]]


def reads_ahead(declare: ReadsAhead) -> Callable[[S], S]:
    """Declare what a subscriber will read for an event: ``declare(event)`` names the
    aggregates (class and id). An outbox relay reads those of all an event's subscribers
    with the first read any of them makes (one read; found or known absent, shared with
    the others), so a subscriber whose documents the event names costs no read of its own.
    A hint only: a subscriber reads what it needs either way."""

    def declared(subscriber: S) -> S:
        setattr(subscriber, _READS_AHEAD, declare)
        return subscriber

    return declared


def read_ahead(subscriber: Callable[..., Any], event: DomainEvent) -> list[tuple[type[Any], str]]:
    """What ``subscriber`` (or the function a :func:`functools.partial` binds) declared it
    reads for ``event`` with :func:`reads_ahead` (none if it declared nothing)."""
    function: Any = subscriber
    while isinstance(function, partial):
        function = function.func
    declare: ReadsAhead | None = getattr(function, _READS_AHEAD, None)
    return [] if declare is None else list(declare(event))


@attrs.frozen
class Backoff:
    """Random pauses between a command's attempts after conflicts ("full jitter"): after
    the ``n``-th conflicting attempt, a pause drawn uniformly from 0 to
    ``min(cap_s, first_s * 2 ** (n - 1))`` seconds. A stored app's bus uses it (two
    processes whose placements keep meeting on one campaign otherwise run again in step
    and meet again); ``draw`` and ``sleep`` are there for tests."""

    first_s: float = 0.002  # float-ok: seconds of a pause, not money
    cap_s: float = 0.05  # float-ok
    draw: Callable[[float, float], float] = random.uniform
    sleep: Callable[[float], None] = time.sleep

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.first_s <= self.cap_s:
            raise ValidationError(
                f"a backoff needs 0 <= first_s <= cap_s, got {self.first_s} and {self.cap_s}"
            )

    def limit_s(self, attempt: int) -> float:  # float-ok: seconds
        """The longest pause after the ``attempt``-th conflicting attempt (1, 2, ...)."""
        return min(self.cap_s, self.first_s * 2.0 ** (attempt - 1))

    def __call__(self, attempt: int) -> None:
        """Pause after the ``attempt``-th attempt conflicted."""
        self.sleep(self.draw(0.0, self.limit_s(attempt)))


class Delivery(Protocol):
    """Port: delivers committed events from a durable outbox (see ``deliver_through``)."""

    def deliver(self) -> int: ...


class MessageBus:
    """Routes commands to handlers and events to subscribers (see module docstring)."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        publisher: EventPublisher,
        *,
        attempts: int = 5,
        pause: Callable[[int], None] | None = None,
        exclusive_after: int | None = None,
        clock: Clock | None = None,
        replies: Replies | None = None,
    ) -> None:
        if attempts < 1:
            raise ValidationError(f"attempts must be at least 1, got {attempts}")
        self._attempts = attempts
        self._pause = pause
        self._exclusive_after = exclusive_after
        self._clock = clock
        self._replies = replies
        self._uow_factory = uow_factory
        self._publisher = publisher
        self._handlers: dict[type[Any], CommandHandler] = {}
        self._subscribers: dict[type[DomainEvent], list[Subscriber]] = {}
        self._delivery: Delivery | None = None
        self.undelivered: list[DomainEvent] = []

    @property
    def publisher(self) -> EventPublisher:
        return self._publisher

    def subscribers(self) -> list[Subscriber]:
        """Every subscriber, in the order they subscribed (one subscribed to several
        events is listed once per event)."""
        return [s for subscribers in self._subscribers.values() for s in subscribers]

    def subscribers_of(self, event_type: type[DomainEvent]) -> list[Subscriber]:
        """The subscribers of ``event_type``, in the order they subscribed."""
        return list(self._subscribers.get(event_type, ()))

    def deliver_through(self, delivery: Delivery) -> None:
        """Events leave through ``delivery`` (an outbox relay) instead of being dispatched
        in process: after each command the bus asks it to deliver what was committed."""
        self._delivery = delivery

    def register(self, command_type: type[C], handler: Callable[[C, UnitOfWork], Any]) -> None:
        """Route ``command_type`` to ``handler(command, uow)``; one handler per command."""
        if command_type in self._handlers:
            raise ValidationError(f"{command_type.__name__} already has a handler")
        self._handlers[command_type] = handler

    def subscribe(self, event_type: type[E], subscriber: Callable[[E, UnitOfWork], None]) -> None:
        """Call ``subscriber(event, uow)`` for every committed event of ``event_type``."""
        self._subscribers.setdefault(event_type, []).append(subscriber)

    def handle(self, command: Command[R], *, idempotency_key: str | None = None) -> R:
        """Run ``command``'s handler in a new unit of work, then dispatch the events.

        With ``idempotency_key``, a re-send of the same command returns the first reply
        and changes nothing (see :mod:`merx.kernel.replies`)."""
        handler = self._handlers.get(type(command))
        if handler is None:
            raise ValidationError(f"no handler registered for {type(command).__name__}")
        if idempotency_key is not None and (self._clock is None or self._replies is None):
            raise ValidationError(
                "this bus keeps no idempotency keys: build it with a clock and replies"
            )
        for attempt in range(1, self._attempts + 1):
            with self._uow_factory() as uow:
                if idempotency_key is not None:
                    earlier = self._claim(uow, idempotency_key, command)
                    if earlier is not None:
                        assert self._replies is not None
                        reply: R = self._replies.reply(earlier, command)
                        return reply
                try:
                    if self._alone(attempt) and isinstance(uow, Exclusive):
                        uow.exclusively()
                    result: R = handler(command, uow)
                except ConcurrencyError as error:
                    uow.rollback()  # lets the other writers in again, if they were shut out
                    if uow.committed or attempt == self._attempts:
                        self._finish(idempotency_key, command, error, uow.committed)
                        self._dispatch(uow.collect_events())
                        raise
                    if self._pause is not None:
                        self._pause(attempt)
                    continue
                except MerxError as error:
                    uow.rollback()
                    self._finish(idempotency_key, command, error, uow.committed)
                    self._dispatch(uow.collect_events())
                    raise
                except BaseException:
                    uow.rollback()
                    self._dispatch(uow.collect_events())
                    raise
                events = uow.collect_events()
            self._finish(idempotency_key, command, result, True)
            self._dispatch(events)
            return result
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _alone(self, attempt: int) -> bool:
        """Whether ``attempt`` runs with the other writers shut out (``exclusive_after``)."""
        return self._exclusive_after is not None and attempt > self._exclusive_after

    def _claim(self, uow: UnitOfWork, key: str, command: Command[Any]) -> CommandRecord | None:
        assert self._clock is not None
        assert self._replies is not None
        return self._replies.claim(uow.repo(CommandRecord), key, command, self._clock.now())

    def _finish(self, key: str | None, command: Command[Any], reply: object, acted: bool) -> None:
        """Keep the reply under ``key``: a result, or an error raised once the command had
        committed something (one refused before acting is not kept: a re-send runs it)."""
        if key is None or not acted:
            return
        assert self._clock is not None
        assert self._replies is not None
        with self._uow_factory() as uow:
            self._replies.finish(uow.repo(CommandRecord), key, command, self._clock.now(), reply)
            uow.commit()

    def _dispatch(self, events: list[DomainEvent]) -> None:
        if self._delivery is not None:  # the events are in the outbox, with the commit
            self._delivery.deliver()
            return
        queue = deque(events)
        while queue:
            event = queue.popleft()
            try:
                self._publisher.publish([event])
                for subscriber in self._subscribers.get(type(event), ()):
                    with self._uow_factory() as uow:
                        subscriber(event, uow)
                        queue.extend(uow.collect_events())
            except BaseException:
                self.undelivered.extend([event, *queue])
                raise
