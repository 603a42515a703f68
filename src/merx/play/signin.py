"""Daily sign-in: one a day per customer, streaks, make-up sign-ins at a cost in points,
rewards at streak thresholds.

The day is the calendar date at the rules' UTC offset (China Standard Time by default). A
second sign-in on the same day is refused with :class:`~merx.play.errors.AlreadySignedIn`
and changes nothing (a client that retries a sign-in it is unsure of sends it with an
idempotency key and gets the first answer). A make-up sign-in fills a past day within
``make_up_days`` of today, at ``make_up_cost_points`` points. A streak is a run of
consecutive signed days, named by its first day; it earns each threshold's reward once,
under the grant key ``sign-in:<customer>:<first day>:<threshold>``. A make-up that joins two
streaks makes one streak from the earlier first day: it earns only the thresholds none of
its days has earned yet (a threshold either part earned counts for the joined streak, so
one run of days never earns a threshold twice).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.clock import require_aware
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId
from merx.kernel.validation import require_date
from merx.play.errors import AlreadySignedIn, InvalidSignInRules, MakeUpNotAllowed
from merx.play.rewards import Reward, RewardEarned
from merx.play.tasks import CST_MINUTES, zone

SIGN_IN_RULES = "sign-in"


@attrs.frozen
class StreakReward:
    """``reward`` for a streak reaching ``days`` consecutive days."""

    days: int
    reward: Reward

    def __attrs_post_init__(self) -> None:
        if type(self.days) is not int or self.days < 1:
            raise InvalidSignInRules(f"a streak threshold is an int >= 1, not {self.days!r}")
        if not isinstance(self.reward, Reward):
            raise InvalidSignInRules(f"a streak reward is a Reward, not {self.reward!r}")


@attrs.frozen
class SignInTerms:
    """The sign-in rules: streak rewards, the make-up cost and reach, the day's offset."""

    streak_rewards: tuple[StreakReward, ...] = ()
    make_up_cost_points: int = 0
    make_up_days: int = 7
    utc_offset_minutes: int = CST_MINUTES

    def __attrs_post_init__(self) -> None:
        thresholds = [reward.days for reward in self.streak_rewards]
        if len(set(thresholds)) != len(thresholds):
            raise InvalidSignInRules(f"two streak rewards for one threshold: {thresholds}")
        for name in ("make_up_cost_points", "make_up_days"):
            value = getattr(self, name)
            if type(value) is not int or value < 0:
                raise InvalidSignInRules(f"{name} must be an int >= 0, not {value!r}")
        offset = self.utc_offset_minutes
        if type(offset) is not int or not -14 * 60 <= offset <= 14 * 60:
            raise InvalidSignInRules(f"UTC offset {offset!r} minutes is out of range")

    def day_of(self, at: datetime) -> date:
        return require_aware(at).astimezone(zone(self.utc_offset_minutes)).date()


@attrs.frozen
class SignInRulesSet(DomainEvent):
    terms: SignInTerms


@attrs.define(kw_only=True)
class SignInRules(Aggregate):
    """The sign-in terms in force (one document, id :data:`SIGN_IN_RULES`)."""

    terms: SignInTerms

    @property
    def id(self) -> str:
        return SIGN_IN_RULES

    @classmethod
    def set(cls, terms: SignInTerms) -> SignInRules:
        rules = cls(terms=terms)
        rules.record(SignInRulesSet(terms))
        return rules

    def change(self, terms: SignInTerms) -> None:
        self.terms = terms
        self.record(SignInRulesSet(terms))


@attrs.frozen
class SignedIn(DomainEvent):
    customer_id: CustomerId
    day: date
    streak_days: int
    made_up: bool
    at: datetime


@attrs.define(kw_only=True)
class SignInCard(Aggregate):
    """A customer's signed days and the streak rewards earned (id: the customer)."""

    customer_id: CustomerId
    days: set[date] = flat_field(set)
    earned: set[str] = flat_field(set)

    @property
    def id(self) -> str:
        return self.customer_id

    def streak(self, day: date) -> tuple[date, int]:
        """The streak through ``day`` (signed): its first day and its length in days."""
        first = last = day
        while first - timedelta(days=1) in self.days:
            first -= timedelta(days=1)
        while last + timedelta(days=1) in self.days:
            last += timedelta(days=1)
        return first, (last - first).days + 1

    def streak_on(self, day: date) -> int:
        """The length of the streak ending on ``day`` (0 if ``day`` is not signed)."""
        if day not in self.days:
            return 0
        first, _ = self.streak(day)
        return (day - first).days + 1

    def sign_in(self, terms: SignInTerms, at: datetime) -> int:
        """Sign in today (the day of ``at``); the streak's length."""
        return self._sign(terms, terms.day_of(at), at, made_up=False)

    def make_up(self, terms: SignInTerms, day: date, at: datetime) -> int:
        """Fill the past ``day`` (the caller charges the points); the streak's length."""
        require_date(day, "make-up day")
        today = terms.day_of(at)
        if not today - timedelta(days=terms.make_up_days) <= day < today:
            raise MakeUpNotAllowed(
                f"a make-up sign-in fills one of the {terms.make_up_days} days before "
                f"{today}, not {day}"
            )
        return self._sign(terms, day, at, made_up=True)

    def _earned_within(self, first: date, length: int) -> set[int]:
        """The thresholds earned by a streak that began on one of the ``length`` days from
        ``first`` (a part of today's streak, before a make-up joined it)."""
        last = first + timedelta(days=length - 1)
        found: set[int] = set()
        for key in self.earned:
            _, began, threshold = key.rsplit(":", 2)
            if first <= date.fromisoformat(began) <= last:
                found.add(int(threshold))
        return found

    def _sign(self, terms: SignInTerms, day: date, at: datetime, *, made_up: bool) -> int:
        if day in self.days:
            raise AlreadySignedIn(self.customer_id, day.isoformat())
        self.days.add(day)
        first, length = self.streak(day)
        self.record(SignedIn(self.customer_id, day, length, made_up, at))
        done = self._earned_within(first, length)
        for streak_reward in sorted(terms.streak_rewards, key=lambda r: r.days):
            key = f"sign-in:{self.customer_id}:{first.isoformat()}:{streak_reward.days}"
            if streak_reward.days <= length and streak_reward.days not in done:
                self.earned.add(key)
                self.record(RewardEarned(key, self.customer_id, streak_reward.reward, at))
        return length
