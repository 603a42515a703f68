"""Wiring of ``merx.play``: its commands and subscribers, and the granting of its rewards
in the contexts that hold them (promotions' wallets, credit's temporary limits, points).

:class:`ContextGranter` is the :class:`~merx.play.RewardGranter` of a merx: each reward is
staged in the play subscriber's unit of work (nothing committed), so the reward and the
:class:`~merx.play.RewardGrant` recording it commit together or not at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

import attrs

from merx import credit, installments, orders, play, points, promotions
from merx.app.wiring import register_each
from merx.kernel.bus import MessageBus
from merx.kernel.clock import Clock
from merx.kernel.ids import CustomerId
from merx.kernel.uow import UnitOfWork, prefetch
from merx.play import services as play_services
from merx.promotions import services as promotions_services


@attrs.frozen
class ContextGranter:
    """Grants a reward through its context's public model, staged in the given unit of
    work: a coupon claimed from its campaign into the wallet (the campaign's coupon stock
    and per-customer limits hold; its audience is not asked: the reward was earned), a
    temporary credit limit on the customer's credit account (none: refused), points earned
    in the customer's points account (source ``"play"``, reference the grant key)."""

    def __call__(self, uow: UnitOfWork, earned: play.RewardEarned, at: datetime) -> str:
        reward = earned.reward
        if reward.kind is play.RewardKind.COUPON:
            assert reward.campaign_id is not None
            prefetch(uow.repo(promotions.Wallet), [earned.customer_id])  # see claim_into_wallet
            campaign = uow.repo(promotions.Campaign).get(reward.campaign_id)
            coupon = promotions_services.claim_into_wallet(uow, campaign, earned.customer_id, at)
            return coupon.id
        if reward.kind is play.RewardKind.CREDIT_BOOST:
            assert reward.boost is not None
            assert reward.boost_days is not None
            accounts = uow.repo(credit.CreditAccount)
            account = accounts.get(earned.customer_id)
            day = at.date()  # the business date, as credit's own commands take it
            account.grant_temporary(
                reward.boost, day + timedelta(days=reward.boost_days), earned.grant_key, day
            )
            accounts.save(account)
            return earned.grant_key
        assert reward.kind is play.RewardKind.POINTS
        assert reward.points is not None
        book = points.PointsBook(uow, earned.customer_id)
        entry = book.earn(reward.points, POINTS_SOURCE, earned.grant_key, None, at)
        book.stage()
        key: str = entry.key
        return key


#: The source of the points play rewards earn (their reference: the grant key).
POINTS_SOURCE = "play"


def spend_points(
    uow: UnitOfWork, customer_id: CustomerId, cost_points: int, reference: str, at: datetime
) -> None:
    """The :class:`~merx.play.PointsSpender` of a merx: ``cost_points`` points spent on
    ``reference`` in the customer's points account (``InsufficientPoints`` if short,
    nothing staged)."""
    points.PointsBook.spending(uow, customer_id, cost_points, reference, at)


def register_play(
    bus: MessageBus,
    *,
    clock: Clock,
    randomness: play.Randomness | None = None,
    granter: play.RewardGranter | None = None,
    spend: play.PointsSpender | None = None,
) -> None:
    """Tasks counted from paid orders, installment plans and invited friends' orders;
    sign-in and its make-ups (charged through ``spend``: :func:`spend_points` by
    default); lotteries drawn with ``randomness`` (:class:`~merx.play.HmacRandomness` by
    default); every earned reward granted once through ``granter`` (:class:`ContextGranter`
    by default)."""
    plain = (
        (play.DefineTask, play_services.define_task),
        (play.DefineLottery, play_services.define_lottery),
        (play.SetSignInRules, play_services.set_sign_in_rules),
    )
    register_each(bus, plain)
    with_clock = (
        (play.PublishTask, play_services.publish_task),
        (play.EndTask, play_services.end_task),
        (play.RecordInvitation, play_services.record_invitation),
        (play.SignIn, play_services.sign_in),
        (play.OpenLottery, play_services.open_lottery),
        (play.EndLottery, play_services.end_lottery),
    )
    register_each(bus, with_clock, clock=clock)
    make_up = [(play.MakeUpSignIn, play_services.make_up_sign_in)]
    register_each(bus, make_up, clock=clock, spend=spend or spend_points)
    draws = [(play.DrawLottery, play_services.draw_lottery)]
    register_each(bus, draws, clock=clock, randomness=randomness or play.HmacRandomness())
    bus.subscribe(orders.OrderPaid, play_services.count_paid_order)
    bus.subscribe(
        installments.InstallmentPlanOpened,
        partial(play_services.count_installment_order, clock=clock),
    )
    bus.subscribe(
        play.RewardEarned,
        partial(play_services.grant_reward, granter=granter or ContextGranter(), clock=clock),
    )
