"""The outbox relay: committed events leave the database at least once, in commit order.

A command's events are written to the outbox in the transaction that commits its changes
(:class:`~merx.adapters.documents.DocumentUnitOfWork`), so a process that dies between
its commit and the delivery loses nothing. :meth:`OutboxRelay.deliver` takes the events
after its position in commit order and, for each, hands it to the bus's
:class:`~merx.kernel.events.EventPublisher` and runs each of its subscribers in a unit of
work of its own. A subscriber's unit of work writes a mark (the subscriber and the event
id) with its changes, all or nothing, so an event delivered again skips the subscribers
that already did their work: delivery is at least once, the effect once.

Where the events come from: the units of work of this process tell the relay's
:class:`Outgoing` what each commit appended, with the seqs the outbox gave. While the next
events in commit order are this process's own, committed since the relay took its lease,
the relay delivers them from there: it neither reads them back nor asks for their marks
(none can exist: no other relay delivered them, and a mark written after all refuses the
duplicate commit, whose retry then finds it). It reads the outbox when the next event is
not one of its own (another process committed first, or this one committed before it held
the lease) and when it has none of its own waiting, with the marks of each batch in one
read. It stores its position every ``save_every`` events, when its lease needs renewing
and in :meth:`OutboxRelay.close`: after a crash the next holder starts from the position
stored last and delivers again what followed it, which the marks make harmless.

Subscribers that commit in steps (around an external call, each step committed before
the call) are declared with :func:`~merx.kernel.bus.commits_in_steps`: their mark is not
written with their first commit but after they return, in a commit of its own, so a failure
or a stop between two steps runs them again (each is idempotent per event: every step looks
at what an earlier run stored). A subscriber that committed nothing writes no mark. Today:

======================================================  =================================
subscriber (event)                                      its commits
======================================================  =================================
``fulfillment.services.fulfill_paid_topup``             the purchase; the procurement
(``OrderPaid``)                                         ended with the failed units'
                                                        refund reserved; the refund's
                                                        answer; the order closed
``payments.presale.refund_presale_deposit``             the refund reserved; the
(``PresaleDepositRefundDue``)                           channel's answer
======================================================  =================================

One seen committing twice undeclared is kept in :attr:`OutboxRelay.undeclared_steps`.

A subscriber that fails is tried again with a growing pause (one whose commit met another
process's, :class:`~merx.errors.ConcurrencyError`, runs again after ``conflict_pause``, and
alone after ``exclusive_after`` such conflicts, without counting against ``attempts``);
after ``attempts`` tries its delivery is *parked* (the event, the subscriber, the error)
and the relay goes on; the host reads :meth:`OutboxRelay.parked` and runs
:meth:`OutboxRelay.replay` once the cause is fixed. Relays of several processes share one
database: a lease (renewed as it runs out, expiring if its holder dies) lets one deliver
at a time; the others return at once.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Collection, Sequence
from functools import partial
from typing import Any, Protocol

import attrs

from merx.adapters.documents import CommittedEvent, DocumentKey, DocumentUnitOfWork
from merx.kernel.bus import MessageBus, Subscriber, in_steps, read_ahead
from merx.kernel.documents import Documents
from merx.kernel.errors import ConcurrencyError, NotFound
from merx.kernel.events import DomainEvent

#: A row of the outbox: (seq, event id, document name, data).
OutboxRow = tuple[int, str, str, Any]


class Outbox(Protocol):
    """Port: what a database keeps for its relays."""

    def events_after(self, seq: int, limit: int = 1_000) -> list[OutboxRow]: ...

    def event(self, seq: int) -> OutboxRow | None: ...

    def handled(self, marks: Sequence[str]) -> set[str]:
        """Those of ``marks`` a commit wrote (one read for them all)."""
        ...

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


class Outgoing:
    """The events this process committed, by seq, until its relay takes them: pass
    :meth:`add` to the units of work as ``on_commit`` and the object to the relay. At most
    ``limit`` wait (a relay that does not hold the lease takes none; past the limit they are
    dropped, and the relay reads them from the outbox instead). Safe across threads."""

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._events: dict[int, tuple[str, DomainEvent]] = {}
        self._lock = threading.Lock()

    def add(self, events: Sequence[CommittedEvent]) -> None:
        """A commit appended ``events`` (seq, event id, event) to the outbox."""
        with self._lock:
            if len(self._events) + len(events) > self._limit:
                self._events.clear()
            for seq, event_id, event in events:
                self._events[seq] = (event_id, event)

    def take(self, after: int) -> list[CommittedEvent]:
        """The events that follow ``after`` with no seq missing between, taken out (those
        at or before ``after`` are dropped: they were delivered)."""
        with self._lock:
            taken: list[CommittedEvent] = []
            seq = after + 1
            while (found := self._events.pop(seq, None)) is not None:
                taken.append((seq, *found))
                seq += 1
            for stale in [s for s in self._events if s <= after]:
                del self._events[stale]
            return taken

    def waiting(self) -> bool:
        """Whether events wait (that did not follow the position when last taken)."""
        with self._lock:
            return bool(self._events)

    def clear(self) -> None:
        with self._lock:
            self._events.clear()


class OutboxRelay:
    """Delivers the outbox of ``outbox`` through ``bus`` (see the module docstring).

    ``outgoing``: the events the units of work of ``new_unit_of_work`` report as they
    commit (without it, every event is read back from the outbox)."""

    def __init__(
        self,
        outbox: Outbox,
        documents: Documents,
        bus: MessageBus,
        new_unit_of_work: Callable[[], DocumentUnitOfWork],
        owner: str,
        *,
        name: str = "main",
        outgoing: Outgoing | None = None,
        attempts: int = 3,
        pause_s: float = 0.05,
        conflict_attempts: int = 10,
        conflict_pause: Callable[[int], None] | None = None,
        exclusive_after: int | None = None,
        lease_s: float = 30.0,
        batch: int = 500,
        save_every: int = 500,
        join_at_most: int = 50,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._outbox = outbox
        self._documents = documents
        self._bus = bus
        self._new_unit_of_work = new_unit_of_work
        self._owner = owner
        self.name = name
        self._outgoing = outgoing
        self._attempts = attempts
        self._pause_s = pause_s
        self._conflict_attempts = conflict_attempts
        self._conflict_pause = conflict_pause
        self._exclusive_after = exclusive_after
        self._alone = False  # the next run shuts the other writers out (conflicts)
        self._lease_s = lease_s
        self._batch = batch
        self._save_every = save_every
        self._join_at_most = join_at_most
        self._sleep = sleep
        self._now = now
        self._delivering = threading.Lock()
        self._position: int | None = None  # while this relay holds the lease
        self._unsaved = 0  # events delivered since the position was last stored
        self._cascaded = False  # a subscriber committed what ``outgoing`` did not hear of
        self._until = 0.0
        #: Subscribers seen committing more than once for an event without being declared
        #: with ``commits_in_steps`` (their mark went with their first step): a bug to fix.
        self.undeclared_steps: set[str] = set()

    def deliver(self) -> int:
        """Deliver the events committed after the position, in commit order; the number
        delivered (0 if another relay holds the lease, or if this one is already
        delivering: a subscriber's own commands join the running delivery).

        This process's own events are delivered from :class:`Outgoing` while they are next;
        the outbox is read when they are not, and when none of this process's wait (so the
        events of other processes that followed this one's are delivered by the next call).
        The lease is kept between calls and renewed when half of it has run; it expires by
        itself if this process dies, and :meth:`close` lets it go at once."""
        if not self._delivering.acquire(blocking=False):
            return 0
        try:
            position = self._lease()
            if position is None:
                if self._outgoing is not None:
                    self._outgoing.clear()  # the holder delivers them, from the outbox
                return 0
            delivered = 0
            look = self._outgoing is None or not self._outgoing.waiting()
            while True:
                own = [] if self._outgoing is None else self._outgoing.take(position)
                if own:
                    self._deliver_own(own)
                    position, count = own[-1][0], len(own)
                else:
                    gap = self._outgoing is not None and self._outgoing.waiting()
                    if not (look or gap or self._cascaded):
                        return delivered
                    self._cascaded = False
                    rows = self._outbox.events_after(position, self._batch)
                    if not rows:
                        return delivered
                    look = len(rows) == self._batch  # more may be there
                    events = [(seq, i, self._documents.read_event(n, d)) for seq, i, n, d in rows]
                    done = self._done(events)
                    for seq, event_id, event in events:
                        self._deliver_one(seq, event_id, event, done)
                    position, count = rows[-1][0], len(rows)
                delivered += count
                if not self._moved(position, count):
                    return delivered  # the lease was lost: its new holder goes on
        finally:
            self._delivering.release()

    def _done(self, events: Sequence[CommittedEvent]) -> set[str]:
        """The marks already written among those of ``events``' subscribers (one read)."""
        marks = [
            _mark(subscriber, event_id)
            for _, event_id, event in events
            for subscriber in self._bus.subscribers_of(type(event))
        ]
        return self._outbox.handled(marks) if marks else set()

    def _lease(self) -> int | None:
        """The position, with the lease held: kept, renewed (with the position stored) when
        half of it has run, or taken anew."""
        now = self._now()
        if self._position is not None and (
            now < self._until - self._lease_s / 2 or self._store(now)
        ):
            return self._position
        until = now + self._lease_s
        position = self._outbox.take_lease(self.name, self._owner, now, until)
        if self._outgoing is not None:
            self._outgoing.clear()  # committed before the lease was ours: maybe delivered
        self._position, self._until, self._unsaved = position, until, 0
        return position

    def _moved(self, position: int, count: int) -> bool:
        """``count`` more events were delivered, up to ``position``: store it every
        ``save_every`` events or when the lease needs renewing. Whether the lease holds."""
        self._position = position
        self._unsaved += count
        now = self._now()
        if self._unsaved < self._save_every and now < self._until - self._lease_s / 2:
            return True
        return self._store(now)

    def _store(self, now: float) -> bool:
        """Store the position and renew the lease; ``False`` if the lease was lost."""
        assert self._position is not None, "only a holder of the lease stores its position"
        until = now + self._lease_s
        if not self._outbox.advance(self.name, self._owner, self._position, until):
            self._position = None
            return False
        self._until, self._unsaved = until, 0
        return True

    def close(self) -> None:
        """Store the position and let the lease go (another process's relay may deliver at
        once)."""
        with self._delivering:
            if self._position is not None:
                if self._unsaved:
                    self._outbox.advance(self.name, self._owner, self._position, self._until)
                self._outbox.release(self.name, self._owner)
            self._position = None
            if self._outgoing is not None:
                self._outgoing.clear()

    def _deliver_one(
        self, seq: int, event_id: str, event: DomainEvent, done: Collection[str] | None
    ) -> None:
        """Publish ``event`` and run its subscribers but those whose mark is in ``done``;
        ``done`` is ``None`` for an event of this process's that no relay delivered yet."""
        self._attempt(seq, _PUBLISHER, partial(self._publish, event))
        self._run_subscribers(seq, event_id, event, done)

    def _run_subscribers(
        self,
        seq: int,
        event_id: str,
        event: DomainEvent,
        done: Collection[str] | None,
        *,
        steps_only: bool = False,
        reads: dict[DocumentKey, tuple[int, Any] | None] | None = None,
    ) -> None:
        """Run ``event``'s subscribers (those that commit in steps only, if ``steps_only``)
        but those whose mark is in ``done``, each in a unit of work of its own, sharing
        ``reads`` (see :meth:`_run`; new ones if not given)."""
        if reads is None:
            reads = {}  # read once for every subscriber
        marked = [
            (s, _mark(s, event_id))
            for s in self._bus.subscribers_of(type(event))
            if not steps_only or in_steps(s)
        ]
        running = [(s, mark) for s, mark in marked if done is None or mark not in done]
        ahead = [key for subscriber, _ in running for key in read_ahead(subscriber, event)]
        for subscriber, mark in running:
            work = partial(self._run, subscriber, event, mark, reads=reads, ahead=ahead)
            self._attempt(seq, subscriber_name(subscriber), work)

    def _deliver_own(self, events: Sequence[CommittedEvent]) -> None:
        """Deliver this process's own ``events`` (no relay delivered them yet): each is
        published, then the subscribers of up to ``join_at_most`` consecutive events run in
        one unit of work with one commit (:meth:`_joined`), then those that commit in steps,
        each in a unit of work of its own. Each subscriber still meets its events in commit
        order; if the joined run fails, each of its subscribers runs again alone."""
        for start in range(0, len(events), self._join_at_most):
            chunk = events[start : start + self._join_at_most]
            for seq, _, event in chunk:
                self._attempt(seq, _PUBLISHER, partial(self._publish, event))
            runs = [
                (subscriber, event, _mark(subscriber, event_id))
                for _, event_id, event in chunk
                for subscriber in self._bus.subscribers_of(type(event))
                if not in_steps(subscriber)
            ]
            reads: dict[DocumentKey, tuple[int, Any] | None] = {}  # shared with the steps
            joined = len(runs) > 1 and self._joined(runs, reads)
            for seq, event_id, event in chunk:
                steps_only = joined or len(runs) == 0
                self._run_subscribers(
                    seq,
                    event_id,
                    event,
                    None,
                    steps_only=steps_only,
                    reads=reads if joined else None,
                )

    def _publish(self, event: DomainEvent, first: bool) -> None:
        self._bus.publisher.publish([event])

    def _joined(
        self,
        runs: Sequence[tuple[Subscriber, DomainEvent, str]],
        reads: dict[DocumentKey, tuple[int, Any] | None],
    ) -> bool:
        """Run ``runs`` (subscriber, event, mark) in one unit of work with one commit, its
        reads kept in ``reads`` (:meth:`DocumentUnitOfWork.share_reads`); whether it
        succeeded (if not, nothing was written)."""
        ahead = [key for subscriber, event, _ in runs for key in read_ahead(subscriber, event)]
        try:
            with self._new_unit_of_work() as uow:
                uow.share_reads(reads)
                uow.read_ahead(ahead)
                uow.join_commits()
                for subscriber, event, mark in runs:
                    since = uow.commits
                    uow.handling(mark, known_new=True)
                    subscriber(event, uow)
                    if uow.settle(since, mark) > since + 1:
                        self.undeclared_steps.add(subscriber_name(subscriber))
                uow.commit_joined()
        except Exception:  # each runs again alone, its failure retried or parked there
            return False
        return True

    def _run(
        self,
        subscriber: Subscriber,
        event: DomainEvent,
        mark: str,
        first: bool,
        *,
        reads: dict[DocumentKey, tuple[int, Any] | None],
        ahead: Sequence[tuple[type[Any], str]] = (),
    ) -> None:
        """Run ``subscriber`` in a unit of work of its own that writes ``mark``; on the first
        attempt the mark is known not to be there (checked, or the event is new), after a
        failure it is asked for (the failure may have been the mark, written meanwhile).
        The subscribers of one event share their ``reads``
        (:meth:`DocumentUnitOfWork.share_reads`): what one read, the next need not read
        again; after a failure they are read anew. What the event's subscribers declared
        they read (:func:`~merx.kernel.bus.reads_ahead`), ``ahead``, goes with the first
        read one of them makes (:meth:`DocumentUnitOfWork.read_ahead`).

        A subscriber that commits in steps has its mark written after it returns, alone,
        so a failure after its first step (or a stop) runs it again (see the module)."""
        steps = in_steps(subscriber)
        if not first:
            reads.clear()
        with self._new_unit_of_work() as uow:
            uow.share_reads(reads)
            uow.read_ahead(ahead)
            if self._alone and not steps:  # a step's commits are its own: no lock across calls
                uow.exclusively()
            if uow.handling(mark, known_new=first, deferred=steps):
                subscriber(event, uow)
                if self._outgoing is None:
                    self._cascaded = self._cascaded or uow.committed  # it may have added events
                if steps:
                    uow.finish_handling()
                elif uow.commits > 1:
                    self.undeclared_steps.add(subscriber_name(subscriber))

    def _attempt(self, seq: int, who: str, work: Callable[[bool], None]) -> bool:
        """Run ``work`` (told whether this is the first attempt), again after a growing
        pause if it fails; park it after the last attempt. Whether it succeeded.

        A :class:`~merx.errors.ConcurrencyError` (the subscriber's commit met another
        process's on a shared aggregate, nothing written) is no failure of the work: it
        runs again on fresh state after ``conflict_pause``, up to ``conflict_attempts``
        times in all, without counting against ``attempts``; after ``exclusive_after``
        conflicts, alone (:meth:`DocumentUnitOfWork.exclusively`), unless it commits in
        steps."""
        failures = conflicts = 0
        while True:
            limit = self._exclusive_after
            self._alone = limit is not None and conflicts >= limit
            try:
                work(failures + conflicts == 0)
            except ConcurrencyError as error:
                conflicts += 1
                if conflicts >= self._conflict_attempts:
                    self._park(seq, who, error, failures + conflicts)
                    return False
                if self._conflict_pause is not None:
                    self._conflict_pause(conflicts)
            except Exception as error:
                failures += 1
                if failures >= self._attempts:
                    self._park(seq, who, error, failures + conflicts)
                    return False
                self._sleep(self._pause_s * 2 ** (failures - 1))
            else:
                return True

    def _park(self, seq: int, who: str, error: Exception, attempts: int) -> None:
        detail = "".join(traceback.format_exception_only(error)).strip()
        self._outbox.park(self.name, seq, who, detail, attempts)

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
            work: Callable[[bool], None] = lambda _: self._bus.publisher.publish([event])  # noqa: E731
        else:
            matching = [
                subscriber
                for subscriber in self._bus.subscribers_of(type(event))
                if subscriber_name(subscriber) == parked.subscriber
            ]
            if not matching:
                raise NotFound(f"no subscriber {parked.subscriber!r} for {name}")
            mark = f"{parked.subscriber}:{event_id}"
            work = lambda _: self._run(matching[0], event, mark, False, reads={})  # noqa: E731
        self._outbox.resolve(parked.id)
        return self._attempt(seq, parked.subscriber, work)


def _mark(subscriber: Subscriber, event_id: str) -> str:
    """The mark ``subscriber``'s unit of work writes for the event ``event_id``."""
    return f"{subscriber_name(subscriber)}:{event_id}"
