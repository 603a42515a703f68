"""A wired, in-memory promotions world for the campaign, budget and wallet tests.

:func:`register_promotions` is the wiring ``merx.app`` needs (see docs/promotions.md,
"Campaigns, budgets and wallets"); :class:`PromotionsWorld` adds the usual starting points.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import attrs

from merx import promotions
from merx.adapters.memory import (
    EventLog,
    FixedClock,
    MemoryStore,
    MemoryUnitOfWork,
    SeededRandomSource,
)
from merx.app import register_promotions
from merx.kernel.bus import Command, MessageBus
from merx.kernel.ids import PLATFORM, CustomerId, MerchantId, OrderId
from merx.kernel.money import Money
from merx.kernel.uow import Keyed
from merx.pricing import Coupon, DirectReduction, Promotion, ThresholdOff, Tier
from merx.promotions import BudgetLimits, Campaign, Wallet

R = TypeVar("R")
A = TypeVar("A", bound=Keyed)

START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
OPENS = START + timedelta(days=10)  # 618 starts
CLOSES = START + timedelta(days=20)
ALICE = CustomerId("alice")
BOB = CustomerId("bob")
ACME = MerchantId("acme")
OTHER = MerchantId("other-store")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def direct(campaign_id: str = "D1", off: str = "10.00", **terms: Any) -> DirectReduction:
    return DirectReduction(id=campaign_id, off=cny(off), **terms)


def store_threshold(campaign_id: str = "S1", merchant: str = ACME, **terms: Any) -> ThresholdOff:
    return ThresholdOff(
        id=campaign_id, merchant=merchant, tiers=(Tier(cny("100.00"), cny("20.00")),), **terms
    )


def coupon(campaign_id: str = "C1", off: str = "5.00", **terms: Any) -> Coupon:
    return Coupon(id=campaign_id, off=cny(off), **terms)


@attrs.define
class PromotionsWorld:
    store: MemoryStore
    clock: FixedClock
    events: EventLog
    bus: MessageBus

    def handle(self, command: Command[R]) -> R:
        return self.bus.handle(command)

    def get(self, kind: type[A], key: str) -> A:
        with MemoryUnitOfWork(self.store) as uow:
            return uow.repo(kind).get(key)

    def campaign(self, campaign_id: str) -> Campaign:
        return self.get(Campaign, campaign_id)

    def wallet(self, customer: str = ALICE) -> Wallet:
        return self.get(Wallet, customer)

    def snapshot(self) -> dict[type[Any], dict[str, tuple[int, Any]]]:
        """A deep copy of everything committed, to compare before and after a command."""
        return copy.deepcopy(self.store.tables)

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)

    def tick(self, to: datetime | None = None) -> tuple[str, ...]:
        if to is not None:
            self.clock.set(to)
        return self.handle(promotions.TickCampaigns())

    # -- journeys ----------------------------------------------------------------------

    def approved(
        self,
        definition: Promotion,
        *,
        owner: MerchantId = PLATFORM,
        limits: BudgetLimits | None = None,
        open_for_enrolment: bool = False,
    ) -> str:
        """A campaign created, submitted and approved by the platform."""
        campaign_id = self.handle(
            promotions.CreateCampaign(
                owner,
                definition,
                limits or BudgetLimits(),
                open_for_enrolment=open_for_enrolment,
            )
        )
        self.handle(promotions.SubmitCampaign(campaign_id, owner))
        self.handle(promotions.ApproveCampaign(campaign_id, PLATFORM))
        return campaign_id

    def active(
        self,
        definition: Promotion,
        *,
        owner: MerchantId = PLATFORM,
        limits: BudgetLimits | None = None,
    ) -> str:
        """A campaign approved, scheduled and started by a tick (its window must be open)."""
        campaign_id = self.approved(definition, owner=owner, limits=limits)
        self.handle(promotions.ScheduleCampaign(campaign_id, owner))
        assert campaign_id in self.tick()
        return campaign_id

    def reserve(
        self,
        order_id: str,
        applied: dict[str, str],
        customer: str = ALICE,
        *,
        at: datetime | None = None,
    ) -> None:
        """What checkout does at placement (in its own unit of work, with the order), at
        ``at`` (default: the clock's now)."""
        with self.uow() as uow:
            promotions.reserve_for_order(
                uow,
                OrderId(order_id),
                CustomerId(customer),
                {key: cny(amount) for key, amount in applied.items()},
                at=at or self.clock.now(),
            )
            uow.commit()
            self.events.publish(uow.collect_events())

    def settle(self, order_id: str, ids: tuple[str, ...], *, paid: bool) -> None:
        """What payment (``paid``) or cancellation does."""
        with self.uow() as uow:
            settle = promotions.consume_for_order if paid else promotions.release_for_order
            settle(uow, OrderId(order_id), ids)
            uow.commit()
            self.events.publish(uow.collect_events())


def make_world(start: datetime = START, *, seed: int = 15) -> PromotionsWorld:
    """Voucher codes are drawn from a source seeded with ``seed``."""
    store = MemoryStore()
    clock = FixedClock(start)
    events = EventLog()
    bus = MessageBus(lambda: MemoryUnitOfWork(store), events)
    register_promotions(bus, clock=clock, random=SeededRandomSource(seed))
    return PromotionsWorld(store, clock, events, bus)
