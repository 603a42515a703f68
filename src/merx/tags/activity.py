"""The built-in user tags, computed from merx's own events.

Merx's events reach the tags context as *facts* (:data:`Fact`): an order paid, an order
completed, a refund, an installment plan opened, a credit grade given, each under a key
that makes it count once however often it arrives. A user's facts fold into a
:class:`UserActivity`: daily buckets (orders, spend, refunds, spend per category), the
first completion, whether the user ever opened an installment plan, the credit grade.
The built-in tags are read from it at any instant (:meth:`UserActivity.tag_values`): a
30-day window at an instant is the 30 business days ending with that instant's day,
so reading never needs the events again and a window longer than the history simply
sees less.

:func:`recompute` is the batch path: every user's built-in tags at an instant straight
from a history of facts, without buckets. It gives what the realtime path gives (a
property test holds them together) and is the backfill for users whose activity was
never recorded.

Spend is a number in the major unit of the platform's currency: an order paid in another
currency counts as an order and adds no spend.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.ids import CustomerId
from merx.kernel.validation import business_date
from merx.tags.model import DataSource, TagKind, TagSpec, TagValue, ValueKind, ValueType

#: The windows of the count and spend tags, in business days.
WINDOWS_DAYS: tuple[int, ...] = (30, 90, 365)
#: How many categories ``preferred_categories`` names (by spend over 365 days).
PREFERRED_CATEGORIES = 3
#: ``refund_rate`` is refunds over spend in 365 days, to 4 places (half even), at most 1.
RATE_PLACES = Decimal("0.0001")
_YEAR = 365


# -- facts -----------------------------------------------------------------------------


@attrs.frozen
class OrderPaidFact:
    """An order was paid: its spend (0 in a foreign currency) and its spend per category."""

    key: str
    customer_id: CustomerId
    at: datetime
    spend: Decimal
    categories: tuple[tuple[str, Decimal], ...] = ()


@attrs.frozen
class OrderCompletedFact:
    key: str
    customer_id: CustomerId
    at: datetime


@attrs.frozen
class RefundFact:
    """An after-sales case refunded ``amount`` (0 in a foreign currency)."""

    key: str
    customer_id: CustomerId
    at: datetime
    amount: Decimal


@attrs.frozen
class InstallmentFact:
    """The user opened an installment plan, on business day ``on`` (``None``: unknown)."""

    key: str
    customer_id: CustomerId
    on: date | None = None


@attrs.frozen
class CreditGradeFact:
    """The user's credit grade (the latest one counts), given on ``on`` (``None``:
    unknown)."""

    key: str
    customer_id: CustomerId
    grade: str
    on: date | None = None


Fact = OrderPaidFact | OrderCompletedFact | RefundFact | InstallmentFact | CreditGradeFact


# -- the built-in tags -----------------------------------------------------------------

_NUMBER = ValueType(ValueKind.NUMBER)
_BOOL = ValueType(ValueKind.BOOL)
_DATE = ValueType(ValueKind.DATE)


def _builtin(name: str, value_type: ValueType, category: str, description: str) -> TagSpec:
    return TagSpec(
        name=name,
        kind=TagKind.USER,
        value_type=value_type,
        source=DataSource.REALTIME,
        category=category,
        scope="all",
        description=description,
    )


def _pushed(name: str, value_type: ValueType, description: str) -> TagSpec:
    return TagSpec(
        name=name,
        kind=TagKind.USER,
        value_type=value_type,
        source=DataSource.PUSHED,
        category="basic",
        scope="all",
        description=description,
    )


#: The tags merx computes from its own events (source ``realtime``).
COMPUTED_TAGS: tuple[TagSpec, ...] = (
    _builtin("new_user", _BOOL, "lifecycle", "no order of the user has completed yet"),
    _builtin(
        "days_since_last_order", _NUMBER, "transaction", "days since the last paid order's day"
    ),
    *(
        _builtin(f"order_count_{days}d", _NUMBER, "transaction", f"orders paid in {days} days")
        for days in WINDOWS_DAYS
    ),
    *(
        _builtin(f"spend_{days}d", _NUMBER, "transaction", f"amount paid in {days} days")
        for days in WINDOWS_DAYS
    ),
    _builtin(
        "preferred_categories",
        ValueType(ValueKind.SET),
        "preference",
        f"the top {PREFERRED_CATEGORIES} categories by spend in 365 days",
    ),
    _builtin("refund_rate", _NUMBER, "transaction", "refunds over spend in 365 days"),
    _builtin("installment_customer", _BOOL, "credit", "has opened an installment plan"),
    _builtin("installment_since", _DATE, "credit", "the day the first installment plan was opened"),
    _builtin("credit_grade", ValueType(ValueKind.TEXT), "credit", "the credit grade given"),
    _builtin("credit_graded_on", _DATE, "credit", "the day the credit grade was given"),
)

#: The user's basic attributes, pushed by the host (source ``pushed``).
ATTRIBUTE_TAGS: tuple[TagSpec, ...] = (
    _pushed("gender", ValueType.enum("female", "male", "other"), "as the user declared it"),
    _pushed(
        "age_band",
        ValueType.enum("under_18", "18_24", "25_34", "35_44", "45_54", "55_plus"),
        "age band",
    ),
    _pushed("region", ValueType(ValueKind.TEXT), "region code of residence"),
    _pushed("income_band", ValueType.enum("low", "middle", "upper_middle", "high"), "income band"),
    _pushed(
        "marital_status", ValueType.enum("single", "married", "other"), "as the user declared it"
    ),
)

BUILTIN_TAGS: tuple[TagSpec, ...] = COMPUTED_TAGS + ATTRIBUTE_TAGS


# -- the realtime fold -----------------------------------------------------------------


@attrs.frozen
class DayActivity:
    """One user's facts of one business day."""

    orders: int = 0
    spend: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)
    categories: tuple[tuple[str, Decimal], ...] = ()

    def paid(self, fact: OrderPaidFact) -> DayActivity:
        merged = dict(self.categories)
        for category, amount in fact.categories:
            merged[category] = merged.get(category, Decimal(0)) + amount
        return attrs.evolve(
            self,
            orders=self.orders + 1,
            spend=self.spend + fact.spend,
            categories=tuple(sorted(merged.items())),
        )

    def refund(self, fact: RefundFact) -> DayActivity:
        return attrs.evolve(self, refunded=self.refunded + fact.amount)


@attrs.define(kw_only=True)
class UserActivity(Aggregate):
    """What merx saw a user do, in daily buckets (id = the customer id)."""

    id: CustomerId
    days: dict[date, DayActivity] = attrs.field(factory=dict)
    first_completed_at: datetime | None = None
    installment: bool = False
    credit_grade: str | None = None
    #: the day of the first installment plan, of the latest grade (``None``: unknown)
    installment_since: date | None = None
    credit_graded_on: date | None = None
    #: the latest day with a paid order among the buckets pruned (:meth:`prune`)
    pruned_last_order: date | None = None
    #: the keys of the facts applied (each counts once)
    seen: set[str] = flat_field(set)

    def apply(self, fact: Fact) -> bool:
        """Fold ``fact`` in; ``False`` (and nothing changes) if its key was applied."""
        assert fact.customer_id == self.id, f"{fact.key} is not {self.id}'s"
        if fact.key in self.seen:
            return False
        self.seen.add(fact.key)
        if isinstance(fact, OrderPaidFact):
            day = business_date(fact.at)
            self.days[day] = self.days.get(day, DayActivity()).paid(fact)
        elif isinstance(fact, RefundFact):
            day = business_date(fact.at)
            self.days[day] = self.days.get(day, DayActivity()).refund(fact)
        elif isinstance(fact, OrderCompletedFact):
            if self.first_completed_at is None or fact.at < self.first_completed_at:
                self.first_completed_at = fact.at
        elif isinstance(fact, InstallmentFact):
            self.installment = True
            if fact.on is not None and (
                self.installment_since is None or fact.on < self.installment_since
            ):
                self.installment_since = fact.on
        else:
            self.credit_grade = fact.grade
            self.credit_graded_on = fact.on
        return True

    def rebuild(self, facts: Iterable[Fact]) -> None:
        """Forget everything, then fold ``facts`` in (a backfill from history)."""
        self.days, self.seen, self.pruned_last_order = {}, set(), None
        self.first_completed_at, self.installment, self.credit_grade = None, False, None
        self.installment_since = self.credit_graded_on = None
        for fact in facts:
            self.apply(fact)

    def prune(self, at: datetime) -> None:
        """Drop the daily buckets no window can see from ``at`` on: older than the longest
        window (365 days) and two days more, since the same instant is up to two calendar
        days earlier in another zone. The latest day with orders among them is kept for
        ``days_since_last_order``. Read at ``at`` or later, no tag changes (a property
        test holds it); read at an earlier instant, the windows may see less. The
        subscriber prunes at each fact it writes, a backfill at the latest fact."""
        cutoff = business_date(at) - timedelta(days=_YEAR + 2)
        old = [day for day in self.days if day < cutoff]
        for day in old:
            if self.days.pop(day).orders and (
                self.pruned_last_order is None or day > self.pruned_last_order
            ):
                self.pruned_last_order = day

    def tag_values(self, at: datetime) -> dict[str, TagValue]:
        """The built-in computed tags at ``at`` (absent: no order ever, no refund rate
        without spend, no grade given)."""
        values = _base_values(
            new_user=self.first_completed_at is None or self.first_completed_at > at,
            installment=self.installment,
            grade=self.credit_grade,
            since=self.installment_since,
            graded_on=self.credit_graded_on,
        )
        today = business_date(at)
        last: date | None = self.pruned_last_order
        if last is not None and last > today:
            last = None
        if not self.days:
            values.update(_NO_ORDERS)
            if last is not None:
                values["days_since_last_order"] = Decimal((today - last).days)
            return values
        counts = dict.fromkeys(WINDOWS_DAYS, 0)
        spends = dict.fromkeys(WINDOWS_DAYS, Decimal(0))
        refunded = Decimal(0)
        by_category: dict[str, Decimal] = defaultdict(Decimal)
        for day, activity in self.days.items():
            age = (today - day).days
            if age < 0 or age >= _YEAR:
                if age >= 0 and activity.orders and (last is None or day > last):
                    last = day
                continue
            if activity.orders and (last is None or day > last):
                last = day
            for window in WINDOWS_DAYS:
                if age < window:
                    counts[window] += activity.orders
                    spends[window] += activity.spend
            refunded += activity.refunded
            for category, amount in activity.categories:
                by_category[category] += amount
        _window_values(
            values,
            counts=counts,
            spends=spends,
            refunded=refunded,
            by_category=by_category,
            today=today,
            last=last,
        )
        return values


def _base_values(
    *,
    new_user: bool,
    installment: bool,
    grade: str | None,
    since: date | None = None,
    graded_on: date | None = None,
) -> dict[str, TagValue]:
    values: dict[str, TagValue] = {"new_user": new_user, "installment_customer": installment}
    if grade is not None:
        values["credit_grade"] = grade
    if since is not None:
        values["installment_since"] = since
    if graded_on is not None and grade is not None:
        values["credit_graded_on"] = graded_on
    return values


#: Each window with the names of its count and spend tags.
_WINDOW_TAGS: tuple[tuple[int, str, str], ...] = tuple(
    (days, f"order_count_{days}d", f"spend_{days}d") for days in WINDOWS_DAYS
)
#: The window tags of a user with no order in any window.
_NO_ORDERS: Mapping[str, TagValue] = {
    name: Decimal(0) for _, count, spend in _WINDOW_TAGS for name in (count, spend)
}


def _window_values(
    values: dict[str, TagValue],
    *,
    counts: Mapping[int, int],
    spends: Mapping[int, Decimal],
    refunded: Decimal,
    by_category: Mapping[str, Decimal],
    today: date,
    last: date | None,
) -> None:
    for window, count, spend in _WINDOW_TAGS:
        values[count] = Decimal(counts[window])
        values[spend] = spends[window]
    if last is not None:
        values["days_since_last_order"] = Decimal((today - last).days)
    year_spend = spends[_YEAR]
    if year_spend > 0:
        rate = (refunded / year_spend).quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN)
        values["refund_rate"] = min(rate, Decimal(1))
    if by_category:
        top = sorted(
            (category for category, amount in by_category.items() if amount > 0),
            key=lambda category: (-by_category[category], category),
        )[:PREFERRED_CATEGORIES]
        if top:
            values["preferred_categories"] = frozenset(top)


# -- the batch path --------------------------------------------------------------------


@attrs.define
class _History:
    paid: list[OrderPaidFact] = attrs.field(factory=list)
    refunds: list[RefundFact] = attrs.field(factory=list)
    first_completed_at: datetime | None = None
    installment: bool = False
    grade: str | None = None
    since: date | None = None
    graded_on: date | None = None


def recompute(
    facts: Iterable[Fact], users: Iterable[CustomerId], at: datetime
) -> dict[CustomerId, dict[str, TagValue]]:
    """Every one of ``users``' built-in computed tags at ``at``, from ``facts`` (in the
    order they happened; a user's fact under a key seen before counts once). A user with
    no facts gets the values of a user who never did anything."""
    today = business_date(at)
    histories: dict[CustomerId, _History] = {}
    seen: set[tuple[CustomerId, str]] = set()  # per user, as each user's activity keeps them
    for fact in facts:
        if (fact.customer_id, fact.key) in seen:
            continue
        seen.add((fact.customer_id, fact.key))
        history = histories.get(fact.customer_id)
        if history is None:
            history = histories[fact.customer_id] = _History()
        if isinstance(fact, OrderPaidFact):
            history.paid.append(fact)
        elif isinstance(fact, RefundFact):
            history.refunds.append(fact)
        elif isinstance(fact, OrderCompletedFact):
            if history.first_completed_at is None or fact.at < history.first_completed_at:
                history.first_completed_at = fact.at
        elif isinstance(fact, InstallmentFact):
            history.installment = True
            if fact.on is not None and (history.since is None or fact.on < history.since):
                history.since = fact.on
        else:
            history.grade, history.graded_on = fact.grade, fact.on
    idle = _base_values(new_user=True, installment=False, grade=None) | dict(_NO_ORDERS)
    result: dict[CustomerId, dict[str, TagValue]] = {}
    for user in users:
        history = histories.get(user)
        result[user] = dict(idle) if history is None else _from_history(history, at, today)
    return result


def _from_history(history: _History, at: datetime, today: date) -> dict[str, TagValue]:
    values = _base_values(
        new_user=history.first_completed_at is None or history.first_completed_at > at,
        installment=history.installment,
        grade=history.grade,
        since=history.since,
        graded_on=history.graded_on,
    )
    starts = {window: today - timedelta(days=window - 1) for window in WINDOWS_DAYS}
    counts = dict.fromkeys(WINDOWS_DAYS, 0)
    spends = dict.fromkeys(WINDOWS_DAYS, Decimal(0))
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    last: date | None = None
    for fact in history.paid:
        day = business_date(fact.at)
        if day > today:
            continue
        last = day if last is None else max(last, day)
        for window in WINDOWS_DAYS:
            if day >= starts[window]:
                counts[window] += 1
                spends[window] += fact.spend
        if day >= starts[_YEAR]:
            for category, amount in fact.categories:
                by_category[category] += amount
    refunded = sum(
        (
            fact.amount
            for fact in history.refunds
            if starts[_YEAR] <= business_date(fact.at) <= today
        ),
        Decimal(0),
    )
    _window_values(
        values,
        counts=counts,
        spends=spends,
        refunded=refunded,
        by_category=by_category,
        today=today,
        last=last,
    )
    return values
