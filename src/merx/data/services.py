"""Collecting facts: the subscriber every collected event reaches, and bulk ingestion.

:func:`collect` is subscribed (by the composition root, ``merx.app.data``) to every event
class of :data:`~merx.data.mapping.COLLECTED`: the bus calls it after the command commits,
the outbox relay at least once per event. It reads what the event leaves out through the
subscriber's unit of work (:class:`StoredAttribution`: read only, never saved, never
committed, so it writes no mark and a redelivery runs it again) and adds the facts, which
the store keeps once by fact id: every event once, a replay changes nothing.

:func:`ingest` adds the facts of many events at once (an outbox read back, a day of
history, a benchmark).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from merx import orders, payments, promotions, settlement
from merx.data.facts import Fact
from merx.data.mapping import facts_of
from merx.data.ports import Attribution, FactStore, OrderSide
from merx.kernel.clock import Clock
from merx.kernel.events import DomainEvent
from merx.kernel.uow import UnitOfWork


class StoredAttribution:
    """:class:`~merx.data.ports.Attribution` read from the aggregates of a unit of work:
    an order's seller, kind and its lines' catalog categories (a parent order with one
    seller answers for it), its payable and net commission (once cleared); a payment's
    channel; a campaign's owner as its funder (``platform`` or the merchant)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def order(self, order_id: str) -> OrderSide | None:
        order = self._uow.repo(orders.Order).peek(order_id)
        if order is None:
            parent = self._uow.repo(orders.ParentOrder).peek(order_id)
            if parent is None or len(parent.order_ids) != 1:
                return None
            order = self._uow.repo(orders.Order).peek(parent.order_ids[0])
            if order is None:
                return None
        clearing = self._uow.repo(settlement.OrderClearing).peek(order.id)
        commission = None if clearing is None else clearing.net_commission.minor
        return OrderSide(
            merchant=order.seller,
            kind=order.kind.value,
            categories=categories_of(order.lines),
            payable_minor=order.payable.minor,
            currency=order.currency,
            commission_minor=commission,
        )

    def payment_channel(self, payment_id: str) -> str | None:
        payment = self._uow.repo(payments.Payment).peek(payment_id)
        return None if payment is None else payment.channel

    def campaign_funder(self, campaign_id: str) -> str | None:
        campaign = self._uow.repo(promotions.Campaign).peek(campaign_id)
        return None if campaign is None else str(campaign.owner)


def categories_of(lines: Iterable[orders.OrderLine]) -> tuple[tuple[str, int], ...]:
    """The catalog categories of ``lines`` with their net in minor units, heaviest first
    (ties by name); a category whose lines net nothing weighs 0 (a split then gives it
    nothing, unless every category weighs 0: see :mod:`merx.data.mapping`)."""
    weights: dict[str, int] = {}
    for line in lines:
        weights[line.category] = weights.get(line.category, 0) + max(line.net.minor, 0)
    return tuple(sorted(weights.items(), key=lambda item: (-item[1], item[0])))


def collect(event: DomainEvent, uow: UnitOfWork, *, store: FactStore, clock: Clock) -> None:
    """Subscriber: add the facts of ``event`` to ``store`` (kept once by fact id)."""
    store.add(facts_of(event, at=clock.now(), attribution=StoredAttribution(uow)))


def ingest(
    store: FactStore,
    events: Iterable[DomainEvent | tuple[str, DomainEvent]],
    *,
    at: datetime,
    attribution: Attribution | None = None,
) -> int:
    """Add the facts of ``events`` (each an event, or an outbox's ``(event id, event)``);
    ``at`` stands for the time of those that carry none. Returns how many facts the events
    made (those the store kept already are ignored by it)."""
    facts: list[Fact] = []
    for item in events:
        event_id, event = item if isinstance(item, tuple) else (None, item)
        facts += facts_of(event, at=at, event_id=event_id, attribution=attribution)
    store.add(facts)
    return len(facts)
