"""Lotteries: a prize pool with probabilities, per-prize stock, a money budget, per-user
draw limits and a consolation prize; each draw seeded, rolled and recorded for audit.

A :class:`LotterySpec` lists prizes, each with a probability (in millionths at most: a
roll is an integer in ``[0, ROLL_SCALE)``), a stock and a cost charged to the lottery's
budget when it is given. Probabilities sum to at most 1 (more is an
:class:`~merx.play.errors.InvalidLottery`); the rest of the range is the consolation
prize, or nothing if there is none. A roll that hits a prize whose stock is given out, or
whose cost the budget can no longer pay, gives the consolation prize instead; so does a
prize whose own context refuses it when it is granted (a coupon prize whose campaign ran
out of coupons or budget after the draw): the grant records the substitution
(:attr:`~merx.play.GrantStatus.SUBSTITUTED`).

Randomness is a port (:class:`~merx.play.ports.Randomness`); the default,
:class:`HmacRandomness`, rolls ``HMAC-SHA256(lottery seed, draw id)``'s first eight bytes
modulo ``ROLL_SCALE`` (a bias below 1e-13). The draw id is
``<lottery>/<customer>/<n>``, ``n`` the customer's draw number, so a command run again
after a conflict rolls the same number, and every :class:`LotteryDraw` records its roll
and the prize it hit: an auditor given the seed recomputes each (:func:`audit_draw`).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from datetime import date, datetime
from decimal import Decimal

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.clock import require_aware
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money
from merx.kernel.state import StateMachine
from merx.kernel.validation import require_text
from merx.play.errors import DrawLimitReached, InvalidLottery
from merx.play.rewards import Reward, RewardEarned
from merx.play.tasks import CST_MINUTES, zone

#: A roll is an integer in ``[0, ROLL_SCALE)``: probabilities are whole millionths.
ROLL_SCALE = 1_000_000


class LotteryStatus(enum.Enum):
    DRAFT = "draft"
    LIVE = "live"
    ENDED = "ended"


LOTTERY_FLOW: StateMachine[LotteryStatus] = StateMachine(
    "lottery",
    [
        (LotteryStatus.DRAFT, "open", LotteryStatus.LIVE),
        (LotteryStatus.LIVE, "draw", LotteryStatus.LIVE),
        ((LotteryStatus.DRAFT, LotteryStatus.LIVE), "end", LotteryStatus.ENDED),
    ],
)


class Outcome(enum.Enum):
    PRIZE = "prize"
    CONSOLATION = "consolation"
    NOTHING = "nothing"


def hmac_roll(seed: str, draw_id: str) -> int:
    """``HMAC-SHA256(seed, draw_id)``'s first eight bytes, big-endian, modulo ROLL_SCALE."""
    digest = hmac.new(seed.encode(), draw_id.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % ROLL_SCALE


class HmacRandomness:
    """The default :class:`~merx.play.ports.Randomness`: :func:`hmac_roll`."""

    def roll(self, seed: str, draw_id: str) -> int:
        return hmac_roll(seed, draw_id)


@attrs.frozen
class Prize:
    """A prize: its chance per draw, how many there are, what each costs the budget."""

    prize_id: str
    probability: Decimal
    stock: int
    cost: Money
    reward: Reward

    def __attrs_post_init__(self) -> None:
        require_text(self.prize_id, "prize id")
        p = self.probability
        if not isinstance(p, Decimal) or not p.is_finite() or not 0 < p <= 1:
            raise InvalidLottery(f"prize {self.prize_id!r}: probability {p!r} is not in (0, 1]")
        if (p * ROLL_SCALE) != (p * ROLL_SCALE).to_integral_value():
            raise InvalidLottery(
                f"prize {self.prize_id!r}: probability {p} is finer than 1/{ROLL_SCALE}"
            )
        if type(self.stock) is not int or self.stock < 0:
            raise InvalidLottery(f"prize {self.prize_id!r}: stock must be an int >= 0")
        if not isinstance(self.cost, Money) or self.cost.is_negative():
            raise InvalidLottery(f"prize {self.prize_id!r}: cost must be a Money >= 0")
        if not isinstance(self.reward, Reward):
            raise InvalidLottery(f"prize {self.prize_id!r}: reward must be a Reward")

    @property
    def width(self) -> int:
        """The rolls this prize takes (its probability in millionths)."""
        return int(self.probability * ROLL_SCALE)


@attrs.frozen
class LotterySpec:
    """A lottery's terms. ``draws_per_day`` (at the offset's day) and ``draws_in_all``
    limit each customer (``None``: no limit); ``seed`` is the secret the rolls derive from
    (published after the lottery for audit)."""

    lottery_id: str
    title: str
    prizes: tuple[Prize, ...]
    budget: Money
    seed: str
    consolation: Reward | None = None
    draws_per_day: int | None = None
    draws_in_all: int | None = None
    utc_offset_minutes: int = CST_MINUTES

    def __attrs_post_init__(self) -> None:
        require_text(self.lottery_id, "lottery id")
        if "/" in self.lottery_id:
            raise InvalidLottery(f"a lottery id has no '/': {self.lottery_id!r}")
        require_text(self.title, "lottery title")
        require_text(self.seed, "lottery seed")
        if not isinstance(self.budget, Money) or self.budget.is_negative():
            raise InvalidLottery(f"lottery {self.lottery_id!r}: budget must be a Money >= 0")
        ids = [prize.prize_id for prize in self.prizes]
        if len(set(ids)) != len(ids):
            raise InvalidLottery(f"lottery {self.lottery_id!r}: two prizes share an id: {ids}")
        total = sum((prize.probability for prize in self.prizes), Decimal(0))
        if total > 1:
            raise InvalidLottery(
                f"lottery {self.lottery_id!r}: probabilities sum to {total}, above 1"
            )
        for prize in self.prizes:
            if prize.cost.currency != self.budget.currency:
                raise InvalidLottery(
                    f"prize {prize.prize_id!r} costs {prize.cost}, the budget is in "
                    f"{self.budget.currency}"
                )
        if self.consolation is not None and not isinstance(self.consolation, Reward):
            raise InvalidLottery(f"lottery {self.lottery_id!r}: consolation must be a Reward")
        for name in ("draws_per_day", "draws_in_all"):
            limit = getattr(self, name)
            if limit is not None and (type(limit) is not int or limit < 1):
                raise InvalidLottery(f"{name} must be None or an int >= 1, not {limit!r}")
        offset = self.utc_offset_minutes
        if type(offset) is not int or not -14 * 60 <= offset <= 14 * 60:
            raise InvalidLottery(f"UTC offset {offset!r} minutes is out of range")

    def prize_hit(self, roll: int) -> Prize | None:
        """The prize whose range holds ``roll`` (prizes in their order), else ``None``."""
        if type(roll) is not int or not 0 <= roll < ROLL_SCALE:
            raise InvalidLottery(f"a roll is an int in [0, {ROLL_SCALE}), not {roll!r}")
        low = 0
        for prize in self.prizes:
            if roll < low + prize.width:
                return prize
            low += prize.width
        return None


@attrs.frozen
class LotteryOpened(DomainEvent):
    lottery_id: str
    at: datetime


@attrs.frozen
class LotteryEnded(DomainEvent):
    lottery_id: str
    at: datetime


@attrs.frozen
class LotteryDefined(DomainEvent):
    lottery_id: str


@attrs.frozen
class LotteryDrawn(DomainEvent):
    """A draw, with what an auditor needs: the draw id and the roll (the seed is the
    lottery's), the prize the roll hit and what was given."""

    draw_id: str
    lottery_id: str
    customer_id: CustomerId
    roll: int
    hit: str | None
    outcome: Outcome
    prize_id: str | None
    at: datetime


@attrs.define(kw_only=True)
class Lottery(Aggregate):
    """A lottery's terms, its place in ``LOTTERY_FLOW``, and what its prizes took: the
    units given per prize and the budget spent. Only a draw that gives a stocked prize
    changes it (and is version-checked on it): the stock and budget cannot be exceeded."""

    spec: LotterySpec
    status: LotteryStatus = LotteryStatus.DRAFT
    given: dict[str, int] = attrs.field(factory=dict)
    spent: Money

    @property
    def id(self) -> str:
        return self.spec.lottery_id

    @classmethod
    def define(cls, spec: LotterySpec) -> Lottery:
        lottery = cls(spec=spec, spent=Money.zero(spec.budget.currency))
        lottery.record(LotteryDefined(spec.lottery_id))
        return lottery

    def open(self, at: datetime) -> None:
        LOTTERY_FLOW.move(self, "open", LotteryOpened(self.id, require_aware(at)))

    def end(self, at: datetime) -> None:
        LOTTERY_FLOW.move(self, "end", LotteryEnded(self.id, require_aware(at)))

    def left(self, prize: Prize) -> int:
        return prize.stock - self.given.get(prize.prize_id, 0)

    def can_give(self, prize: Prize) -> bool:
        return self.left(prize) > 0 and self.spent + prize.cost <= self.spec.budget

    def draw(self, entrant: LotteryEntrant, roll: int, at: datetime) -> tuple[LotteryDraw, bool]:
        """Draw for ``entrant`` with ``roll``: the draw record (holding the events) and
        whether this lottery changed (a stocked prize given). Checks the status and the
        entrant's limits first: a refused draw changes nothing."""
        LOTTERY_FLOW.target(self.status, "draw")
        day = require_aware(at).astimezone(zone(self.spec.utc_offset_minutes)).date()
        entrant.check(self.spec, day)
        hit = self.spec.prize_hit(roll)
        given: Prize | None = hit if hit is not None and self.can_give(hit) else None
        if given is not None:
            self.given[given.prize_id] = self.given.get(given.prize_id, 0) + 1
            self.spent = self.spent + given.cost
            outcome, reward = Outcome.PRIZE, given.reward
        elif self.spec.consolation is not None:
            outcome, reward = Outcome.CONSOLATION, self.spec.consolation
        else:
            outcome, reward = Outcome.NOTHING, None
        draw_id = entrant.count(day)
        record = LotteryDraw(
            draw_id=draw_id, lottery_id=self.id, customer_id=entrant.customer_id, roll=roll,
            hit=None if hit is None else hit.prize_id, outcome=outcome,
            prize_id=None if given is None else given.prize_id, reward=reward, at=at,
        )  # fmt: skip
        record.record(
            LotteryDrawn(
                draw_id,
                self.id,
                entrant.customer_id,
                roll,
                record.hit,
                outcome,
                record.prize_id,
                at,
            )
        )
        if reward is not None:  # a prize its context refuses gives the consolation instead
            fallback = self.spec.consolation if outcome is Outcome.PRIZE else None
            record.record(RewardEarned(record.grant_key, entrant.customer_id, reward, at, fallback))
        return record, given is not None


@attrs.define(kw_only=True)
class LotteryEntrant(Aggregate):
    """One customer's draws in one lottery (id ``lottery/customer``)."""

    lottery_id: str
    customer_id: CustomerId
    draws_in_all: int = 0
    day: date | None = None
    draws_that_day: int = 0

    @property
    def id(self) -> str:
        return entrant_id(self.lottery_id, self.customer_id)

    def next_draw_id(self) -> str:
        return f"{self.lottery_id}/{self.customer_id}/{self.draws_in_all + 1}"

    def check(self, spec: LotterySpec, day: date) -> None:
        today = self.draws_that_day if self.day == day else 0
        if spec.draws_in_all is not None and self.draws_in_all >= spec.draws_in_all:
            raise DrawLimitReached(self.lottery_id, self.customer_id, "in-all")
        if spec.draws_per_day is not None and today >= spec.draws_per_day:
            raise DrawLimitReached(self.lottery_id, self.customer_id, "per-day")

    def count(self, day: date) -> str:
        """Count one draw on ``day``; its draw id."""
        draw_id = self.next_draw_id()
        self.draws_that_day = self.draws_that_day + 1 if self.day == day else 1
        self.day = day
        self.draws_in_all += 1
        return draw_id


def entrant_id(lottery_id: str, customer_id: str) -> str:
    return f"{lottery_id}/{customer_id}"


@attrs.define(kw_only=True)
class LotteryDraw(Aggregate):
    """The record of one draw (id: the draw id), kept for audit and to grant its reward
    once (grant key ``draw:<draw id>``)."""

    draw_id: str
    lottery_id: str
    customer_id: CustomerId
    roll: int
    hit: str | None
    outcome: Outcome
    prize_id: str | None
    reward: Reward | None
    at: datetime

    @property
    def id(self) -> str:
        return self.draw_id

    @property
    def grant_key(self) -> str:
        return f"draw:{self.draw_id}"


def audit_draw(draw: LotteryDraw, spec: LotterySpec) -> bool:
    """Whether ``draw`` is what :class:`HmacRandomness` and ``spec`` give: its roll
    recomputed from the seed and its draw id, and the prize that roll hits."""
    roll = hmac_roll(spec.seed, draw.draw_id)
    hit = spec.prize_hit(roll)
    return roll == draw.roll and (None if hit is None else hit.prize_id) == draw.hit
