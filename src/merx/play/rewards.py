"""Rewards: what a task, a sign-in streak or a lottery draw gives, and the record that it
was given exactly once.

A :class:`Reward` is a coupon of a coupon campaign into the customer's wallet, points
(``merx.points``), or a temporary credit-limit boost (``merx.credit``). What earns one
records :class:`RewardEarned` with a *grant key* naming the earning (``task:<progress>``,
``sign-in:<customer>:<streak start>:<day>``, ``draw:<draw id>``); the grant subscriber
keeps a :class:`RewardGrant` under that key, in the same commit as the reward itself, so
an earning seen twice (a repeated event, a retried command, a relay's redelivery) is
granted once.

An earning may name a ``fallback``: the reward given instead when the context refuses
the first (a lottery's coupon prize whose campaign ran out of coupons or budget after the
draw picked it gives the lottery's consolation prize). The grant then records both: the
reward given, the one refused and why (:attr:`GrantStatus.SUBSTITUTED`).
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money
from merx.kernel.validation import require_text
from merx.play.errors import InvalidReward


class RewardKind(enum.Enum):
    COUPON = "coupon"
    POINTS = "points"
    CREDIT_BOOST = "credit_boost"


@attrs.frozen
class Reward:
    """One reward; build it with :meth:`coupon`, :meth:`points_of` or :meth:`credit_boost`.

    ``campaign_id``: the coupon campaign (its coupon stock is respected); ``points``: how
    many; ``boost`` and ``boost_days``: a temporary credit limit of ``boost`` for
    ``boost_days`` days from the grant."""

    kind: RewardKind
    campaign_id: str | None = None
    points: int | None = None
    boost: Money | None = None
    boost_days: int | None = None

    def __attrs_post_init__(self) -> None:
        fields = (self.campaign_id, self.points, self.boost, self.boost_days)
        if self.kind is RewardKind.COUPON:
            require_text(self.campaign_id, "a coupon reward's campaign")
            ok = fields[1:] == (None, None, None)
        elif self.kind is RewardKind.POINTS:
            ok = (
                type(self.points) is int and self.points > 0 and fields[0] is None
                and fields[2:] == (None, None)
            )  # fmt: skip
        else:  # RewardKind.CREDIT_BOOST
            ok = (
                isinstance(self.boost, Money) and self.boost.is_positive()
                and type(self.boost_days) is int and self.boost_days > 0
                and fields[:2] == (None, None)
            )  # fmt: skip
        if not ok:
            raise InvalidReward(f"not a valid {self.kind} reward: {self!r}")

    @classmethod
    def coupon(cls, campaign_id: str) -> Reward:
        return cls(RewardKind.COUPON, campaign_id=campaign_id)

    @classmethod
    def points_of(cls, points: int) -> Reward:
        return cls(RewardKind.POINTS, points=points)

    @classmethod
    def credit_boost(cls, amount: Money, days: int) -> Reward:
        return cls(RewardKind.CREDIT_BOOST, boost=amount, boost_days=days)

    def describe(self) -> str:
        if self.kind is RewardKind.COUPON:
            return f"a coupon of {self.campaign_id}"
        if self.kind is RewardKind.POINTS:
            return f"{self.points} points"
        return f"a credit boost of {self.boost} for {self.boost_days} days"


@attrs.frozen
class RewardEarned(DomainEvent):
    """A task, a sign-in streak or a draw earned ``reward``; ``grant_key`` names the
    earning (the reward is granted once per key); ``fallback``: what is given instead if
    the reward's context refuses it (``None``: nothing)."""

    grant_key: str
    customer_id: CustomerId
    reward: Reward
    at: datetime
    fallback: Reward | None = None


@attrs.frozen
class RewardGranted(DomainEvent):
    grant_key: str
    customer_id: CustomerId
    kind: RewardKind
    reference: str
    at: datetime


@attrs.frozen
class RewardRefused(DomainEvent):
    """The reward's context refused it (a campaign out of coupons, no credit account):
    recorded, not tried again."""

    grant_key: str
    customer_id: CustomerId
    kind: RewardKind
    reason: str
    at: datetime


@attrs.frozen
class RewardSubstituted(DomainEvent):
    """The reward's context refused it (``reason``); the earning's fallback was granted
    instead (``kind``, ``reference``)."""

    grant_key: str
    customer_id: CustomerId
    kind: RewardKind
    reference: str
    reason: str
    at: datetime


class GrantStatus(enum.Enum):
    GRANTED = "granted"
    REFUSED = "refused"
    SUBSTITUTED = "substituted"  # refused, and the fallback granted instead


@attrs.define(kw_only=True)
class RewardGrant(Aggregate):
    """That the earning ``grant_key`` was granted (with the coupon id, points reference or
    credit reason it became) or refused (and why), or substituted: ``reward`` is then the
    fallback given (``reference`` what it became), ``instead_of`` the reward earned and
    ``reason`` why its context refused it. Its id is the grant key."""

    grant_key: str
    customer_id: CustomerId
    reward: Reward
    status: GrantStatus
    reference: str
    at: datetime
    instead_of: Reward | None = None
    reason: str | None = None

    @property
    def id(self) -> str:
        return self.grant_key

    @classmethod
    def granted(cls, earned: RewardEarned, reference: str, at: datetime) -> RewardGrant:
        return cls._of(earned, GrantStatus.GRANTED, reference, at, RewardGranted)

    @classmethod
    def refused(cls, earned: RewardEarned, reason: str, at: datetime) -> RewardGrant:
        return cls._of(earned, GrantStatus.REFUSED, reason, at, RewardRefused)

    @classmethod
    def substituted(
        cls, earned: RewardEarned, reason: str, reference: str, at: datetime
    ) -> RewardGrant:
        """``earned``'s reward refused for ``reason``; its fallback granted as ``reference``."""
        assert earned.fallback is not None, f"{earned.grant_key}: no fallback to grant"
        grant = cls(
            grant_key=earned.grant_key, customer_id=earned.customer_id, reward=earned.fallback,
            status=GrantStatus.SUBSTITUTED, reference=reference, at=at,
            instead_of=earned.reward, reason=reason,
        )  # fmt: skip
        grant.record(
            RewardSubstituted(
                earned.grant_key, earned.customer_id, earned.fallback.kind, reference, reason, at
            )
        )
        return grant

    @classmethod
    def _of(
        cls,
        earned: RewardEarned,
        status: GrantStatus,
        reference: str,
        at: datetime,
        event: type[RewardGranted | RewardRefused],
    ) -> RewardGrant:
        grant = cls(
            grant_key=earned.grant_key, customer_id=earned.customer_id, reward=earned.reward,
            status=status, reference=reference, at=at,
        )  # fmt: skip
        grant.record(event(earned.grant_key, earned.customer_id, earned.reward.kind, reference, at))
        return grant
