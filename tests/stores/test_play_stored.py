"""The play context on a database (a SQLite file, a PostgreSQL schema): a task counted
from a real paid order through the outbox relay, a sign-in, a lottery draw and their
rewards survive a restart; every play document reads back as written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from merx import payments, play, promotions
from merx.kernel.ids import PLATFORM, CustomerId
from merx.kernel.money import Money
from merx.points import points_balance
from merx.pricing import Coupon
from tests.stores.test_stored_app import Storage, buy, open_shop, stock

ALICE, BOB = CustomerId("alice"), CustomerId("bob")
FIRST_ORDER = play.TaskSpec(
    "first-order", "First order", play.TaskTrigger.ORDER_PAID, 1, play.TaskWindow.ONCE,
    play.Reward.points_of(200),
)  # fmt: skip


def test_play_and_its_rewards_survive_a_restart(storage: Storage) -> None:
    first = open_shop(storage)
    first.handle(play.DefineTask(FIRST_ORDER))
    first.handle(play.PublishTask("first-order"))
    first.handle(
        play.SetSignInRules(
            play.SignInTerms(streak_rewards=(play.StreakReward(1, play.Reward.points_of(5)),))
        )
    )
    prize = play.Prize("mug", Decimal("1"), 1, cny("20.00"), play.Reward.points_of(7))
    spec = play.LotterySpec("wheel", "Wheel", (prize,), cny("20.00"), "seed")
    first.handle(play.DefineLottery(spec))
    first.handle(play.OpenLottery("wheel"))
    stock(first)
    placed = buy(first, "alice")
    first.handle(payments.PayOrder(placed.parent_id, channel="alipay"))
    first.handle(play.SignIn(ALICE))
    result = first.handle(play.DrawLottery("wheel", ALICE))
    first.handle(play.RecordInvitation(ALICE, BOB))
    assert result.prize_id == "mug"

    again = open_shop(storage)
    with again.unit_of_work() as uow:
        assert points_balance(uow, ALICE) == 200 + 5 + 7
        keys = sorted(uow.repo(play.RewardGrant).ids())
        progress = uow.repo(play.TaskProgress).get("first-order/alice/once")
        draw = uow.repo(play.LotteryDraw).get(result.draw_id)
    assert keys == [
        "draw:wheel/alice/1",
        "sign-in:alice:2026-01-01:1",
        "task:first-order/alice/once",
    ]
    assert progress.status is play.ProgressStatus.COMPLETED
    assert progress.counted == {f"order:{placed.order_ids[0]}"}
    assert play.audit_draw(draw, spec)
    assert again.get(play.Lottery, "wheel").given == {"mug": 1}
    assert again.get(play.SignInCard, "alice").days
    with pytest.raises(play.AlreadySignedIn):
        again.handle(play.SignIn(ALICE))


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def test_a_coupon_prize_out_of_coupons_gives_the_consolation_recorded_in_the_grant(
    storage: Storage,
) -> None:
    first = open_shop(storage)
    limits = promotions.BudgetLimits(coupon_stock=1)
    gift = first.handle(
        promotions.CreateCampaign(PLATFORM, Coupon(id="GIFT", off=cny("5.00")), limits)
    )
    for command in (promotions.SubmitCampaign, promotions.ApproveCampaign):
        first.handle(command(gift, PLATFORM))
    first.handle(promotions.ScheduleCampaign(gift, PLATFORM))
    first.handle(promotions.TickCampaigns())
    first.handle(promotions.ClaimCoupon(BOB, gift))  # the campaign's one coupon
    coupon = play.Prize("coupon", Decimal("1"), 5, cny("5.00"), play.Reward.coupon(gift))
    spec = play.LotterySpec(
        "wheel", "Wheel", (coupon,), cny("20.00"), "seed", play.Reward.points_of(3)
    )
    first.handle(play.DefineLottery(spec))
    first.handle(play.OpenLottery("wheel"))
    assert first.handle(play.DrawLottery("wheel", ALICE)).prize_id == "coupon"

    again = open_shop(storage)
    grant = again.get(play.RewardGrant, "draw:wheel/alice/1")
    assert (grant.status, grant.reward, grant.instead_of, grant.reason) == (
        play.GrantStatus.SUBSTITUTED,
        play.Reward.points_of(3),
        play.Reward.coupon(gift),
        "CouponStockExhausted",
    )
    with again.unit_of_work() as uow:
        assert points_balance(uow, ALICE) == 3
