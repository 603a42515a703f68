"""Tracking behaviour, and what the other contexts read of it.

:class:`TrackBehaviour` is what a host sends for each view, search, click and add-to-cart
(``App.track`` sends it with the event id as its idempotency key). The handler digests the
device id at the vault, masks the numbers of a search's text, and keeps the behaviour on
the customer's trail (a visitor has none) and the day's counts and log, publishing
:class:`~merx.behaviour.BehaviourTracked`. A customer's re-sent event (same event id) is
dropped by the trail; a visitor's by the bus's idempotency key.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import attrs

from merx.behaviour.model import (
    Behaviour,
    BehaviourDay,
    BehaviourKind,
    BehaviourTracked,
    Click,
    CustomerTrail,
    LoggedSearch,
    mask_numbers,
)
from merx.kernel.bus import Command
from merx.kernel.clock import Clock, require_aware
from merx.kernel.ids import CustomerId
from merx.kernel.uow import UnitOfWork, prefetch
from merx.kernel.vault import PersonalKind, Vault, personal


@attrs.frozen
class TrackBehaviour(Command[bool]):
    """A shopper's behaviour as the host saw it; ``at`` defaults to now. ``device_id`` is
    personal: only its digest is kept. True when kept, False for a re-sent event."""

    event_id: str
    kind: BehaviourKind
    session_id: str
    customer_id: CustomerId | None = None
    sku_id: str | None = None
    text: str | None = None
    source: str | None = None
    at: datetime | None = None
    device_id: str | None = personal(PersonalKind.DEVICE, default=None)


def track_behaviour(cmd: TrackBehaviour, uow: UnitOfWork, *, clock: Clock, vault: Vault) -> bool:
    at = clock.now() if cmd.at is None else cmd.at
    behaviour = Behaviour(
        event_id=cmd.event_id,
        kind=cmd.kind,
        session_id=cmd.session_id,
        at=at,
        customer_id=cmd.customer_id,
        device=None if cmd.device_id is None else vault.digest(PersonalKind.DEVICE, cmd.device_id),
        sku_id=cmd.sku_id,
        text=None if cmd.text is None else mask_numbers(cmd.text),
        source=cmd.source,
    )  # checks every field before anything is read or written
    trails, days = uow.repo(CustomerTrail), uow.repo(BehaviourDay)
    day_id = behaviour.day.isoformat()
    trail = None
    if behaviour.customer_id is not None:
        prefetch(trails, [str(behaviour.customer_id)])
        prefetch(days, [day_id])
        trail = trails.find(str(behaviour.customer_id))
        if trail is not None and trail.knows(behaviour.event_id):
            return False
    day = days.find(day_id)
    if trail is None and behaviour.customer_id is not None:
        trail = CustomerTrail(id=str(behaviour.customer_id))
        trail.track(behaviour)
        trails.add(trail)
    elif trail is not None:
        trail.track(behaviour)
        trails.save(trail)
    if day is None:
        day = BehaviourDay(id=day_id)
        day.track(behaviour)
        day.record(BehaviourTracked(behaviour))
        days.add(day)
    else:
        day.track(behaviour)
        day.record(BehaviourTracked(behaviour))
        days.save(day)
    uow.commit()
    return True


def recently_viewed(uow: UnitOfWork, customer_id: str) -> list[str]:
    """The SKUs ``customer_id`` viewed last, most recent first (at most
    :data:`~merx.behaviour.RECENT_VIEWS`)."""
    trail = uow.repo(CustomerTrail).peek(str(customer_id))
    return [] if trail is None else list(reversed(trail.views))


def recent_clicks(uow: UnitOfWork, customer_id: str, since: datetime) -> list[Click]:
    """``customer_id``'s clicks kept on its trail at or after ``since``, oldest first."""
    require_aware(since, "since")
    trail = uow.repo(CustomerTrail).peek(str(customer_id))
    return [] if trail is None else trail.clicks_since(since)


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def searches_logged(uow: UnitOfWork, since: datetime, until: datetime) -> list[LoggedSearch]:
    """The searches logged from ``since`` (excluded) to ``until`` (included), oldest
    first: one read per day of the span (the query log hot and related words count)."""
    require_aware(since, "since")
    require_aware(until, "until")
    ids = [day.isoformat() for day in _days(since.date(), until.date())]
    repo = uow.repo(BehaviourDay)
    prefetch(repo, ids)
    found: list[LoggedSearch] = []
    for day_id in ids:
        day = repo.peek(day_id)
        if day is not None:
            found.extend(s for s in day.searches if since < s.at <= until)
    return found


def day_counts(uow: UnitOfWork, day: date) -> dict[str, int]:
    """How many of each kind (by :class:`BehaviourKind` value) were tracked on ``day``."""
    found = uow.repo(BehaviourDay).peek(day.isoformat())
    return {} if found is None else dict(found.counts)
