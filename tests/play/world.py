"""A full in-memory merx for the play tests, with a coupon campaign, a credit account and
a forced-roll randomness."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs

from merx import credit, play, promotions
from merx.adapters.memory import FixedClock
from merx.adapters.relay import subscriber_name
from merx.app import MemoryApp, build_memory_app
from merx.credit import Consent, Identity, ScoringFacts
from merx.kernel.events import DomainEvent
from merx.kernel.ids import PLATFORM, CustomerId
from merx.kernel.money import Money
from merx.pricing import Coupon

#: Monday 1 June 2026, 10:00 at +08:00.
START = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
ALICE = CustomerId("alice")
BOB = CustomerId("bob")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


@attrs.define
class ForcedRolls:
    """A :class:`merx.play.Randomness` answering the rolls it is given, in turn (then the
    HMAC roll); it records what it was asked."""

    rolls: list[int] = attrs.field(factory=list)
    asked: list[tuple[str, str]] = attrs.field(factory=list)

    def roll(self, seed: str, draw_id: str) -> int:
        self.asked.append((seed, draw_id))
        return self.rolls.pop(0) if self.rolls else play.hmac_roll(seed, draw_id)


def make_app(rolls: ForcedRolls | None = None) -> MemoryApp:
    return build_memory_app(clock=FixedClock(START), play_randomness=rolls)


def coupon_campaign(app: MemoryApp, campaign_id: str = "GIFT", stock: int | None = None) -> str:
    """A live platform coupon campaign (5.00 off) with ``stock`` coupons."""
    limits = promotions.BudgetLimits(coupon_stock=stock)
    campaign = app.handle(
        promotions.CreateCampaign(PLATFORM, Coupon(id=campaign_id, off=cny("5.00")), limits)
    )
    for command in (promotions.SubmitCampaign, promotions.ApproveCampaign):
        app.handle(command(campaign, PLATFORM))
    app.handle(promotions.ScheduleCampaign(campaign, PLATFORM))
    app.handle(promotions.TickCampaigns())
    return campaign


def credit_account(app: MemoryApp, customer: CustomerId = ALICE) -> None:
    facts = ScoringFacts(customer, 30, cny("12000.00"), 12, 0, cny("0"))
    decision = app.handle(
        credit.ApplyForCredit(
            customer,
            Identity("Alice Li", "110101199001011234", "13800000000"),
            Consent(True, app.clock.now(), "v1"),
            facts,
            1,
        )
    )
    assert decision.approved, decision


def wallet_ids(app: MemoryApp, customer: CustomerId = ALICE) -> list[str]:
    with app.unit_of_work() as uow:
        wallet = uow.repo(promotions.Wallet).find(customer)
        return [] if wallet is None else sorted(wallet.coupons)


def prize(
    prize_id: str, probability: str, stock: int, cost: str, reward: play.Reward
) -> play.Prize:
    return play.Prize(prize_id, Decimal(probability), stock, cny(cost), reward)


def deliver(app: MemoryApp, *events: DomainEvent) -> list[DomainEvent]:
    """Hand ``events`` to play's subscribers as the bus does after a commit: each in a unit
    of work of its own, the events they raise delivered in turn (a redelivery in tests);
    the events raised."""
    queue = list(events)
    raised: list[DomainEvent] = []
    while queue:
        event = queue.pop(0)
        for subscriber in app.bus.subscribers_of(type(event)):
            if not subscriber_name(subscriber).startswith("merx.play."):
                continue  # other contexts' subscribers would look for the orders
            with app.unit_of_work() as uow:
                subscriber(event, uow)
                more = uow.collect_events()
                raised.extend(more)
                queue.extend(more)
    return raised


def grants(app: MemoryApp) -> dict[str, play.RewardGrant]:
    with app.unit_of_work() as uow:
        repo = uow.repo(play.RewardGrant)
        return {key: repo.get(key) for key in repo.ids()}
