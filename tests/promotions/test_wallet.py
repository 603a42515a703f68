"""Coupon wallets: claiming (stock, per-user limit), locking by an order, use, expiry."""

from __future__ import annotations

import pytest

from merx import promotions
from merx.errors import ConcurrencyError, IllegalTransition, NotFound
from merx.kernel.ids import PLATFORM, CustomerId
from merx.pricing import CartLine, Customer, quote
from merx.promotions import (
    BudgetLimits,
    Campaign,
    CouponHeldByAnotherOrder,
    CouponState,
    CouponStockExhausted,
    NotACouponCampaign,
    PerUserLimitReached,
    Wallet,
)
from merx.promotions.lifecycle import campaign_id_of, coupon_id_of
from merx.promotions.services import wallet_coupons
from tests.promotions.world import (
    ACME,
    ALICE,
    BOB,
    OPENS,
    START,
    PromotionsWorld,
    cny,
    coupon,
    direct,
    make_world,
)

LIMITS = BudgetLimits(total_discount=cny("50.00"), coupon_stock=3, per_user_limit=2)


@pytest.fixture
def world() -> PromotionsWorld:
    w = make_world()
    w.active(coupon("C1", ends_at=OPENS), limits=LIMITS)
    return w


def claim(world: PromotionsWorld, customer: str = ALICE, campaign: str = "C1") -> str:
    return world.handle(promotions.ClaimCoupon(CustomerId(customer), campaign))


def usable(world: PromotionsWorld, customer: str = ALICE) -> list[str]:
    with world.uow() as uow:
        return [c.id for c in wallet_coupons(uow, CustomerId(customer), world.clock.now())]


def test_claims_take_from_the_stock_and_respect_the_per_user_limit(
    world: PromotionsWorld,
) -> None:
    assert claim(world) == "C1#1"
    assert claim(world) == "C1#2"
    with pytest.raises(PerUserLimitReached):
        claim(world)
    assert claim(world, BOB) == "C1#3"
    before = world.snapshot()
    with pytest.raises(CouponStockExhausted):
        claim(world, "carol")
    assert world.snapshot() == before
    assert world.campaign("C1").ledger.stock_left(LIMITS) == 0
    assert usable(world) == ["C1#1", "C1#2"]
    assert usable(world, BOB) == ["C1#3"]
    assert usable(world, "carol") == []


def test_only_active_coupon_campaigns_hand_out_coupons(world: PromotionsWorld) -> None:
    world.active(direct("D1"))
    with pytest.raises(NotACouponCampaign):
        claim(world, campaign="D1")
    world.approved(coupon("C2"))
    with pytest.raises(IllegalTransition):
        claim(world, campaign="C2")
    with pytest.raises(NotFound):
        claim(world, campaign="nope")


def test_wallet_coupons_price_as_distinct_engine_coupons(world: PromotionsWorld) -> None:
    claim(world)
    claim(world)
    with world.uow() as uow:
        held = wallet_coupons(uow, ALICE, START)
    assert [c.id for c in held] == ["C1#1", "C1#2"]
    assert all(c.off == cny("5.00") and c.ends_at == OPENS for c in held)
    lines = (CartLine("A", ACME, "phone", cny("100.00"), 1),)
    result = quote(lines, [], held, Customer(ALICE), START)
    (applied,) = result.applied  # one platform coupon per order
    assert result.discount == cny("5.00")
    assert campaign_id_of(applied) == "C1"
    assert coupon_id_of(applied) == applied
    assert campaign_id_of("C1") == "C1"
    assert coupon_id_of("C1") is None


def test_an_order_locks_then_uses_its_coupon(world: PromotionsWorld) -> None:
    claim(world)
    claim(world)
    world.reserve("o1", {"C1#1": "5.00"})
    assert world.wallet().coupons["C1#1"].state is CouponState.LOCKED
    assert world.wallet().coupons["C1#1"].order_id == "o1"
    assert usable(world) == ["C1#2"]
    with pytest.raises(IllegalTransition):  # a locked coupon is not for another order
        world.reserve("o2", {"C1#1": "5.00"})
    world.settle("o1", ("C1#1",), paid=True)
    assert world.wallet().coupons["C1#1"].state is CouponState.USED
    assert world.campaign("C1").ledger.consumed == cny("5.00")
    assert usable(world) == ["C1#2"]


def test_a_cancelled_order_gives_the_coupon_back(world: PromotionsWorld) -> None:
    claim(world)
    world.reserve("o1", {"C1#1": "5.00"})
    world.settle("o1", ("C1",), paid=False)  # by campaign id works too
    coupon_back = world.wallet().coupons["C1#1"]
    assert coupon_back.state is CouponState.AVAILABLE
    assert coupon_back.order_id is None
    assert usable(world) == ["C1#1"]
    world.reserve("o2", {"C1#1": "5.00"})
    assert world.wallet().coupons["C1#1"].order_id == "o2"


def test_someone_elses_coupon_cannot_be_reserved(world: PromotionsWorld) -> None:
    claim(world, BOB)
    with pytest.raises(NotFound):
        world.reserve("o1", {"C1#1": "5.00"})  # alice has no wallet
    claim(world)
    with pytest.raises(NotFound):
        world.reserve("o1", {"C1#1": "5.00"})  # C1#1 is bob's, alice holds C1#2


def test_a_wallet_refuses_a_foreign_order() -> None:
    wallet = Wallet.open("alice")
    wallet.receive("C1", coupon("C1#1"), START)
    wallet.lock("C1#1", "o1")
    wallet.lock("C1#1", "o1")  # again: a no-op
    wallet.pull_events()
    with pytest.raises(CouponHeldByAnotherOrder):
        wallet.use("C1#1", "o2")
    with pytest.raises(CouponHeldByAnotherOrder):
        wallet.unlock("C1#1", "o2")
    assert wallet.pending_events == []


def test_coupons_expire_by_time(world: PromotionsWorld) -> None:
    claim(world)
    claim(world)
    world.reserve("o1", {"C1#2": "5.00"})
    world.clock.set(OPENS)
    assert usable(world) == []  # out of their window, whatever their state says
    expired = world.handle(promotions.ExpireWalletCoupons(ALICE))
    assert expired == ("C1#1",)  # the locked one stays with its order
    states = {k: c.state for k, c in world.wallet().coupons.items()}
    assert states == {"C1#1": CouponState.EXPIRED, "C1#2": CouponState.LOCKED}
    world.settle("o1", ("C1",), paid=True)  # placed in time, paid late: still used
    assert world.wallet().coupons["C1#2"].state is CouponState.USED
    assert world.handle(promotions.ExpireWalletCoupons(BOB)) == ()


def test_coupons_of_a_stopped_campaign_are_not_offered(world: PromotionsWorld) -> None:
    claim(world)
    assert usable(world) == ["C1#1"]
    world.handle(promotions.CancelCampaign("C1", PLATFORM, "fraud"))
    assert usable(world) == []


def test_coupons_stop_when_the_budget_is_gone() -> None:
    world = make_world()
    world.active(coupon("C1", off="30.00"), limits=BudgetLimits(total_discount=cny("30.00")))
    claim(world)
    claim(world, BOB)
    world.reserve("o1", {"C1#1": "30.00"})
    assert usable(world, BOB) == []
    world.settle("o1", ("C1#1",), paid=False)
    assert usable(world, BOB) == ["C1#2"]


def test_a_claim_race_takes_the_last_coupon_once() -> None:
    world = make_world()
    world.active(coupon("C1"), limits=BudgetLimits(coupon_stock=1))
    first, second = world.uow(), world.uow()
    for uow, customer in ((first, ALICE), (second, BOB)):  # both load the same version
        campaign = uow.repo(Campaign).get("C1")
        campaign.claim_coupon(customer, START)
        uow.repo(Campaign).save(campaign)
    first.commit()
    with pytest.raises(ConcurrencyError):
        second.commit()
    with pytest.raises(CouponStockExhausted):  # what the bus's retry then sees
        claim(world, BOB)
    assert world.campaign("C1").ledger.claimed == 1


def test_wallet_times_must_be_aware(world: PromotionsWorld) -> None:
    from datetime import datetime

    from merx.errors import ValidationError

    with pytest.raises(ValidationError), world.uow() as uow:
        wallet_coupons(uow, ALICE, datetime(2026, 6, 1))
