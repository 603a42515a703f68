"""Campaign budgets: what a campaign may give away, and what it has given.

A campaign may carry these optional limits (:class:`BudgetLimits`); the last four are its
usage caps:

* ``total_discount`` - the most discount (``Money``) its orders may take in total;
* ``coupon_stock`` - how many coupons a coupon campaign hands out: claimed into wallets
  (directly or by a voucher code), or taken by orders placed with a voucher code entered
  at checkout (held while the order lives, given back when it is cancelled);
* ``per_user_limit`` - how many times one customer may use it (orders holding a live
  reservation; for a coupon campaign also the coupons one customer may claim);
* ``per_user_per_day`` - how many orders of one customer placed on one business day (the
  calendar date of the placement instant in the clock's zone, the shop's) may hold a live
  reservation;
* ``max_uses`` - how many orders in all may hold a live reservation (the global count);
* ``per_order_units`` - the most units of one order's goods the promotion may discount: a
  quote where it takes a share of more units than that leaves the campaign out (checked
  when pricing, see :func:`merx.promotions.price_within_budgets`).

The running totals are a :class:`BudgetLedger`, held by the campaign itself, so every
change to them bumps the campaign's version: two orders that race for the last yuan load
the same version, and the second commit raises :class:`~merx.errors.ConcurrencyError` (the
bus runs the loser again on fresh state, where the check now fails). At every point

    reserved + consumed <= total_discount

and the ledger asserts it before the campaign is stored; with a ``max_uses`` it also counts
the live reservations (``uses_reserved + uses_consumed <= max_uses``), the same way. The
ledger holds totals only, so a campaign stays the same size however many orders use it:

* each order's reservations live on the order's side, in its :class:`PromotionUsage`: one
  :class:`Reservation` per campaign, going ``reserved -> consumed`` (the order was paid)
  or ``reserved -> released`` (cancelled, or closed unpaid), see :data:`RESERVATION_FLOW`.
  A replayed placement is recognised as a whole (same payload: nothing happens; another
  payload: ``IdempotencyConflict``);
* a customer's count against a per-user limit lives in a :class:`CampaignUse` (one per
  campaign and customer, only for campaigns with a ``per_user_limit`` or a
  ``per_user_per_day``); two orders of one customer racing for the last use conflict on it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, timedelta

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.errors import (
    CurrencyMismatch,
    IdempotencyConflict,
    InvalidAmount,
    ValidationError,
)
from merx.kernel.events import DomainEvent
from merx.kernel.money import Money
from merx.kernel.state import StateMachine
from merx.kernel.validation import require_text
from merx.promotions.errors import (
    BudgetExhausted,
    CouponStockExhausted,
    InvalidBudget,
    PerUserLimitReached,
    UnknownReservation,
    UsageCapReached,
)

# -- limits ----------------------------------------------------------------------------


def _optional_count(name: str, value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InvalidBudget(f"{name} must be a whole number >= 1 or None, got {value!r}")


@attrs.frozen
class BudgetLimits:
    """A campaign's optional limits; ``None`` means unlimited (see the module's text)."""

    total_discount: Money | None = None
    coupon_stock: int | None = None
    per_user_limit: int | None = None
    max_uses: int | None = None
    per_user_per_day: int | None = None
    per_order_units: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.total_discount is not None and (
            not isinstance(self.total_discount, Money) or not self.total_discount.is_positive()
        ):
            raise InvalidBudget(f"total_discount must be Money > 0, got {self.total_discount!r}")
        _optional_count("coupon_stock", self.coupon_stock)
        _optional_count("per_user_limit", self.per_user_limit)
        _optional_count("max_uses", self.max_uses)
        _optional_count("per_user_per_day", self.per_user_per_day)
        _optional_count("per_order_units", self.per_order_units)

    @property
    def counts_customers(self) -> bool:
        """Whether each customer's uses are counted (in a :class:`CampaignUse`)."""
        return self.per_user_limit is not None or self.per_user_per_day is not None


#: No limit at all: the default of a campaign.
NO_LIMITS = BudgetLimits()


# -- reservations ----------------------------------------------------------------------


class ReservationState(enum.Enum):
    RESERVED = "reserved"  # the order is placed, not paid
    CONSUMED = "consumed"  # the order was paid: the discount is spent
    RELEASED = "released"  # the order was cancelled or closed unpaid


RESERVATION_FLOW: StateMachine[ReservationState] = StateMachine(
    "budget reservation",
    [
        (ReservationState.RESERVED, "consume", ReservationState.CONSUMED),
        (ReservationState.RESERVED, "release", ReservationState.RELEASED),
    ],
)

#: The state a command leaves a reservation in: asking again is a replay, not an error.
_DONE = {"consume": ReservationState.CONSUMED, "release": ReservationState.RELEASED}


@attrs.frozen
class Reservation:
    """One order's hold on a campaign's budget; ``coupon_id`` is the wallet coupon it used,
    ``code`` the voucher code entered at checkout whose coupon it used (it takes one coupon
    of the stock while live), ``day`` the business day it was placed on (when the
    placement said it)."""

    order_id: str
    customer_id: str
    amount: Money
    state: ReservationState = ReservationState.RESERVED
    coupon_id: str | None = None
    day: date | None = None
    code: str | None = None

    @property
    def live(self) -> bool:
        """Whether it counts against the budget and the per-user limit."""
        return self.state is not ReservationState.RELEASED


@attrs.define(kw_only=True)
class BudgetLedger:
    """A campaign's running totals (held by :class:`merx.promotions.Campaign`).

    ``reserved`` and ``consumed`` are the sums of the reservations in those states;
    ``uses_reserved`` and ``uses_consumed`` count them (only under a ``max_uses``: the
    limits cannot change once a campaign reserves); ``claimed`` counts the coupons claimed
    (it also numbers them, so never goes down); ``code_coupons`` counts the coupons of the
    stock live orders placed with a voucher code hold (a release gives one back). Together
    they never exceed the ``coupon_stock``.
    """

    currency: str
    reserved: Money
    consumed: Money
    claimed: int = 0
    uses_reserved: int = 0
    uses_consumed: int = 0
    code_coupons: int = 0

    @classmethod
    def empty(cls, currency: str) -> BudgetLedger:
        return cls(currency=currency, reserved=Money.zero(currency), consumed=Money.zero(currency))

    # -- reading ---------------------------------------------------------------------

    def remaining(self, limits: BudgetLimits) -> Money | None:
        """What may still be reserved, or ``None`` without a discount budget."""
        if limits.total_discount is None:
            return None
        return limits.total_discount - self.reserved - self.consumed

    def covers(self, limits: BudgetLimits, amount: Money) -> bool:
        """Whether ``amount`` fits in what is left to reserve (always, without a budget)."""
        remaining = self.remaining(limits)
        return remaining is None or amount <= remaining

    def uses(self) -> int:
        """The live reservations counted against ``max_uses`` (0 without one)."""
        return self.uses_reserved + self.uses_consumed

    def out_of_money(self, limits: BudgetLimits) -> bool:
        """No money is left to reserve now (a release may give some back)."""
        total = limits.total_discount
        return total is not None and self.reserved + self.consumed >= total

    def exhausted(self, limits: BudgetLimits) -> bool:
        """Nothing is left to reserve now, money or uses (a release may give some back)."""
        if self.out_of_money(limits):
            return True
        return limits.max_uses is not None and self.uses() >= limits.max_uses

    def spent(self, limits: BudgetLimits) -> bool:
        """The whole budget is consumed: nothing can ever come back."""
        return limits.total_discount is not None and self.consumed >= limits.total_discount

    def uses_spent(self, limits: BudgetLimits) -> bool:
        """Every use of ``max_uses`` is consumed: nothing can ever come back."""
        return limits.max_uses is not None and self.uses_consumed >= limits.max_uses

    def stock_left(self, limits: BudgetLimits) -> int | None:
        """Coupons still to be claimed or taken with a code, or ``None`` without a stock."""
        if limits.coupon_stock is None:
            return None
        return limits.coupon_stock - self.claimed - self.code_coupons

    def check_stock(self, campaign_id: str, limits: BudgetLimits) -> None:
        """Raise :class:`CouponStockExhausted` if no coupon is left in the stock."""
        left = self.stock_left(limits)
        if left is not None and left <= 0:
            raise CouponStockExhausted(
                campaign_id, f"campaign {campaign_id!r}: all {limits.coupon_stock} coupons taken"
            )

    # -- reserving -------------------------------------------------------------------

    def check_reserve(
        self,
        campaign_id: str,
        limits: BudgetLimits,
        reservation: Reservation,
        used: int,
        used_that_day: int = 0,
    ) -> None:
        """Raise if ``reservation`` may not be taken by a customer with ``used`` live
        reservations already, ``used_that_day`` of them placed on ``reservation.day``."""
        amount = reservation.amount
        if amount.currency != self.currency:
            raise CurrencyMismatch(
                f"campaign {campaign_id!r} is budgeted in {self.currency}, got {amount}"
            )
        if amount.is_negative():
            raise InvalidAmount(f"campaign {campaign_id!r}: a discount cannot be {amount}")
        if reservation.code is not None:
            self.check_stock(campaign_id, limits)
        if not self.covers(limits, amount):
            raise BudgetExhausted(
                campaign_id,
                f"campaign {campaign_id!r}: {amount} exceeds the {self.remaining(limits)} left "
                f"of its {limits.total_discount} budget",
            )
        customer = reservation.customer_id
        if limits.per_user_limit is not None and used >= limits.per_user_limit:
            raise PerUserLimitReached(
                campaign_id,
                customer,
                f"campaign {campaign_id!r}: customer {customer!r} already used it "
                f"{used} time(s), the limit is {limits.per_user_limit}",
            )
        if limits.per_user_per_day is not None:
            if reservation.day is None:
                raise ValidationError(
                    f"campaign {campaign_id!r} caps uses per day: the placement must say its day"
                )
            if used_that_day >= limits.per_user_per_day:
                raise UsageCapReached(
                    campaign_id,
                    "per_user_per_day",
                    f"campaign {campaign_id!r}: customer {customer!r} already used it "
                    f"{used_that_day} time(s) on {reservation.day.isoformat()}, the limit is "
                    f"{limits.per_user_per_day} a day",
                )
        if limits.max_uses is not None and self.uses() >= limits.max_uses:
            raise UsageCapReached(
                campaign_id,
                "max_uses",
                f"campaign {campaign_id!r}: all {limits.max_uses} uses are taken",
            )

    def reserve(self, limits: BudgetLimits, reservation: Reservation) -> None:
        """Hold ``reservation`` (checked by :meth:`check_reserve`)."""
        self.reserved += reservation.amount
        if limits.max_uses is not None:
            self.uses_reserved += 1
        if reservation.code is not None:
            self.code_coupons += 1
        self._assert_within(limits)

    # -- consuming and releasing -----------------------------------------------------

    def move(self, limits: BudgetLimits, reservation: Reservation, command: str) -> Reservation:
        """Consume or release ``reservation`` (a reserved one): the moved reservation."""
        moved = attrs.evolve(reservation, state=RESERVATION_FLOW.target(reservation.state, command))
        self.reserved -= reservation.amount
        if limits.max_uses is not None:
            self.uses_reserved -= 1
        if moved.state is ReservationState.CONSUMED:
            self.consumed += reservation.amount
            if limits.max_uses is not None:
                self.uses_consumed += 1
        elif reservation.code is not None:
            self.code_coupons -= 1  # the code's coupon goes back to the stock
        self._assert_within(limits)
        return moved

    # -- coupon stock ----------------------------------------------------------------

    def check_claim(
        self, campaign_id: str, limits: BudgetLimits, customer_id: str, claimed: int
    ) -> None:
        """Raise if ``customer_id``, who claimed ``claimed`` coupons already, may not
        claim one more."""
        self.check_stock(campaign_id, limits)
        if limits.per_user_limit is not None and claimed >= limits.per_user_limit:
            raise PerUserLimitReached(
                campaign_id,
                customer_id,
                f"campaign {campaign_id!r}: customer {customer_id!r} already claimed "
                f"{claimed} coupon(s), the limit is {limits.per_user_limit}",
            )

    def claim(self, limits: BudgetLimits) -> int:
        """Take one coupon from the stock; its number (1, 2, ...) in the campaign."""
        self.claimed += 1
        self._assert_within(limits)
        return self.claimed

    def _assert_within(self, limits: BudgetLimits) -> None:
        assert not self.reserved.is_negative(), f"reserved went below zero: {self.reserved}"
        if limits.total_discount is not None:
            assert self.reserved + self.consumed <= limits.total_discount, (
                f"overspent: {self.reserved} + {self.consumed} > {limits.total_discount}"
            )
        assert self.uses_reserved >= 0, f"reserved uses went below zero: {self.uses_reserved}"
        if limits.max_uses is not None:
            assert self.uses() <= limits.max_uses, f"{self.uses()} uses > {limits.max_uses}"
        assert self.code_coupons >= 0, f"code coupons went below zero: {self.code_coupons}"
        left = self.stock_left(limits)
        assert left is None or left >= 0, f"over-issued: {self.claimed} + {self.code_coupons}"


# -- a customer's side -----------------------------------------------------------------


def campaign_use_id(campaign_id: str, customer_id: str) -> str:
    return f"{campaign_id}/{customer_id}"


@attrs.define(kw_only=True)
class CampaignUse(Aggregate):
    """One customer's count against one campaign's per-user caps: ``live`` orders holding a
    reservation, ``claimed`` coupons, and ``days``: the live orders placed on each business
    day, from the latest placement's day on (earlier days can no longer be capped, so they
    are dropped and the aggregate stays small). Keyed :func:`campaign_use_id`."""

    id: str
    campaign_id: str
    customer_id: str
    live: int = 0
    claimed: int = 0
    days: dict[date, int] = flat_field(dict)

    @classmethod
    def start(cls, campaign_id: str, customer_id: str) -> CampaignUse:
        return cls(
            id=campaign_use_id(campaign_id, customer_id),
            campaign_id=campaign_id,
            customer_id=customer_id,
        )

    def on(self, day: date | None) -> int:
        """The live orders placed on ``day`` (0 for ``None``)."""
        return 0 if day is None else self.days.get(day, 0)

    def add(self, day: date | None) -> None:
        """One more live order, placed on ``day``; days before it are forgotten."""
        self.live += 1
        if day is not None:
            self.days = {d: n for d, n in self.days.items() if d >= day - _KEPT_DAYS}
            self.days[day] = self.days.get(day, 0) + 1

    def remove(self, day: date | None) -> None:
        """A live order placed on ``day`` was released."""
        assert self.live > 0, f"{self.id}: no live use to release"
        self.live -= 1
        if day is not None and day in self.days:
            left = self.days[day] - 1
            if left:
                self.days[day] = left
            else:
                del self.days[day]


def cap_reached(
    limits: BudgetLimits, ledger: BudgetLedger, use: CampaignUse | None, day: date
) -> tuple[str, str] | None:
    """The usage cap that stops one more order of ``use``'s customer placed on ``day``
    (``"max_uses"``, ``"per_user_limit"``, ``"per_user_per_day"``) and a text naming it
    with its count, or ``None``: the same rules :meth:`BudgetLedger.check_reserve`
    enforces, read before a quote."""
    if limits.max_uses is not None and ledger.uses() >= limits.max_uses:
        return "max_uses", f"max_uses: {ledger.uses()} of {limits.max_uses} uses held in all"
    used, used_that_day = (use.live, use.on(day)) if use is not None else (0, 0)
    if limits.per_user_limit is not None and used >= limits.per_user_limit:
        return "per_user_limit", (
            f"per_user_limit: used {used} of {limits.per_user_limit} times by this customer"
        )
    if limits.per_user_per_day is not None and used_that_day >= limits.per_user_per_day:
        return "per_user_per_day", (
            f"per_user_per_day: used {used_that_day} of {limits.per_user_per_day} times by "
            f"this customer on {day.isoformat()}"
        )
    return None


def per_order_units_text(units: int, cap: int) -> str:
    """Why a quote leaves out a campaign over its ``per_order_units``."""
    return f"per_order_units: would discount {units} units of this order, at most {cap}"


@attrs.frozen
class UsageCounts:
    """One customer's standing against the usage caps of the campaigns offered at one
    instant, for a quote: by campaign id (only campaigns with such a cap), ``by_customer``
    the customer's live orders, ``on_day`` those placed on ``day`` (the business day of the
    instant), ``by_everyone`` all live orders (campaigns with a ``max_uses``), ``reached``
    the cap that leaves a campaign out and ``why`` a text naming it with its count (see
    :func:`cap_reached`)."""

    customer_id: str
    day: date
    by_customer: Mapping[str, int] = attrs.field(factory=dict)
    on_day: Mapping[str, int] = attrs.field(factory=dict)
    by_everyone: Mapping[str, int] = attrs.field(factory=dict)
    reached: Mapping[str, str] = attrs.field(factory=dict)
    why: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class QuoteUsage:
    """The pricing engine's usage inputs for one quote, by promotion id (a wallet coupon
    ``"<campaign>#<n>"`` counts as its campaign): ``used``, the customer's live uses
    (:class:`merx.pricing.Customer`'s ``used``, against ``per_customer_limit``); ``usage``,
    everyone's (``quote(usage=)``, against ``global_limit``); ``capped``, the promotions
    whose campaign reached a cap, with the text naming it (``quote(capped=)``: the day cap
    has no count the engine could check)."""

    used: Mapping[str, int] = attrs.field(factory=dict)
    usage: Mapping[str, int] = attrs.field(factory=dict)
    capped: Mapping[str, str] = attrs.field(factory=dict)


#: The days before the latest placement's day a :class:`CampaignUse` still counts (one, so
#: a placement stamped just before midnight and one after it never lose each other).
_KEPT_DAYS = timedelta(days=1)


# -- the order's side ------------------------------------------------------------------


@attrs.frozen
class PromotionsReservedForOrder(DomainEvent):
    order_id: str
    customer_id: str
    applied: tuple[tuple[str, Money], ...]


@attrs.define(kw_only=True)
class PromotionUsage(Aggregate):
    """What one order reserved: ``applied`` maps each engine promotion id of its quote (a
    campaign id, or a wallet coupon's id) to its discount; ``reservations`` holds its
    reservation in each campaign, by campaign id. Keyed by the order id."""

    id: str
    customer_id: str
    applied: dict[str, Money] = flat_field(dict)
    reservations: dict[str, Reservation] = flat_field(dict)

    @classmethod
    def record_for(
        cls, order_id: str, customer_id: str, applied: Mapping[str, Money]
    ) -> PromotionUsage:
        require_text(order_id, "order id")
        require_text(customer_id, "customer id")
        for promotion_id, amount in applied.items():
            require_text(promotion_id, "promotion id")
            if not isinstance(amount, Money):
                raise InvalidAmount(f"discount of {promotion_id!r} must be Money, got {amount!r}")
        usage = cls(id=order_id, customer_id=customer_id, applied=dict(sorted(applied.items())))
        usage.record(
            PromotionsReservedForOrder(order_id, customer_id, tuple(usage.applied.items()))
        )
        return usage

    def check_replay(self, customer_id: str, applied: Mapping[str, Money]) -> None:
        """Nothing if this is the same placement again; raise if it is another one."""
        if self.customer_id != customer_id or self.applied != dict(applied):
            raise IdempotencyConflict(
                f"order {self.id!r} reserved {self.applied!r} for {self.customer_id!r}, "
                f"now asks {dict(applied)!r} for {customer_id!r}"
            )

    def reservation(self, campaign_id: str) -> Reservation:
        """The order's reservation in ``campaign_id`` (:class:`UnknownReservation` if none)."""
        held = self.reservations.get(campaign_id)
        if held is None:
            raise UnknownReservation(f"campaign {campaign_id!r} holds nothing for {self.id!r}")
        return held

    def check_move(self, campaign_id: str, command: str) -> Reservation | None:
        """The reservation ``command`` (``consume``/``release``) would move, ``None`` if it
        was already moved there (a replay); raise if it may not move."""
        held = self.reservation(campaign_id)
        if held.state is _DONE[command]:
            return None
        RESERVATION_FLOW.target(held.state, command)
        return held
