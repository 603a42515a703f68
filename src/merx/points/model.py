"""A customer's points account, on the ledger's pattern: every movement an entry, the
balance the sum of the entries, every point traceable to the entry that earned it.

* Points are earned in **lots**: each :class:`PointsLot` is one earning entry's points,
  with its expiry date (``None``: never). A lot is usable on the days before its
  ``expires_on``; from that day on it has *lapsed*.
* A spend takes the **oldest-expiring** lots first (lots that never expire last; ties by
  the order earned) and records, in its entry, how many points it drew from each lot
  (``draws``). A return (an order cancelled, a refund) gives points back to the lots its
  spend drew from, the latest-expiring first, never more than the spend took.
* An expiry removes what lapsed: one ``EXPIRED`` entry per lot. Lapsed points stay in the
  balance until the expiry run (:class:`~merx.points.ExpirePoints`) or the account's next
  movement removes them: every movement first expires what lapsed by its day, so a spend
  never draws on a lapsed lot.

**Bounded writes.** The account holds the balance, the **open** lots only (a lot spent or
expired to nothing leaves it; a return to it opens it again from its earning entry) and
how many entries it has made. The entries are not in the account: each is appended once,
as its own record (:class:`PointsRecord`), and never changed. A movement writes the small
account and its new entries, whatever the account's age. The methods that must know an
earlier entry (a replayed reward, a spend a return gives back) ask ``lookup`` (an
:data:`EntryLookup`: the unit of work's records, :class:`~merx.points.PointsBook`; a dict
in a test) by the entry's key.

Invariants, asserted after every change: no open lot holds nothing, a negative or more
than it earned, and the balance equals what the open lots hold.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

import attrs

from merx.kernel.aggregate import FLAT, Aggregate, flat_field
from merx.kernel.errors import IdempotencyConflict
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money, minor_unit
from merx.kernel.validation import business_date, require_date, require_text
from merx.points.errors import (
    InsufficientPoints,
    InvalidPoints,
    PointsOverCap,
    PointsReturnExceeded,
    UnknownPointsSpend,
)

#: How many points an entry took from (or gave back to) a lot: (the lot's key, points).
Draw = tuple[str, int]


class PointsEntryKind(enum.Enum):
    """What a points entry books."""

    EARNED = "earned"  # a reward: a new lot
    SPENT = "spent"  # points paid an order (drawn from lots)
    RETURNED = "returned"  # a spend given back (a cancel, a refund), to the lots it drew on
    EXPIRED = "expired"  # a lapsed lot's remaining points removed


@attrs.frozen
class PointsEntry:
    """One movement of a points account. ``points`` is signed (earned and returned are
    positive, spent and expired negative); ``draws`` names the lots it moved and by how
    many points each (their sum is ``points``' size). ``ref`` is what it belongs to (the
    reward's ``source:reference``, the order); ``link`` is the key of the spend a return
    gives back and ``cause`` what gave it back (the cancel, the after-sale case, the
    refund); ``expires_on`` is an earning's day of expiry (its lot's); ``seq`` numbers the
    account's entries from 0 in the order they were made."""

    key: str
    kind: PointsEntryKind
    points: int
    ref: str
    at: datetime
    draws: tuple[Draw, ...]
    link: str | None = None
    cause: str | None = None
    expires_on: date | None = None
    seq: int = 0


#: How the account finds an earlier entry by its key (``None``: there is none).
EntryLookup = Callable[[str], PointsEntry | None]


@attrs.frozen
class PointsLot:
    """The points one ``EARNED`` entry (``key``, number ``seq``) brought, what is left of
    them, and the day they lapse (``None``: never)."""

    key: str
    earned: int
    remaining: int
    expires_on: date | None
    seq: int = 0

    def lapsed_on(self, day: date) -> bool:
        return self.expires_on is not None and self.expires_on <= day


def _order(lot: PointsLot) -> tuple[bool, date, int]:
    """Spending order: the earliest expiry first, lots that never expire last, ties in the
    order earned (a lot opened again by a return keeps its place)."""
    return (lot.expires_on is None, lot.expires_on or date.max, lot.seq)


@attrs.frozen
class PointsEarned(DomainEvent):
    """A customer earned ``points`` from ``source``'s ``reference`` (entry ``entry``)."""

    customer_id: CustomerId
    points: int
    source: str
    reference: str
    expires_on: date | None
    entry: str


@attrs.frozen
class PointsSpent(DomainEvent):
    customer_id: CustomerId
    points: int
    ref: str
    entry: str


@attrs.frozen
class PointsReturned(DomainEvent):
    customer_id: CustomerId
    points: int
    ref: str
    entry: str
    spend: str


@attrs.frozen
class PointsExpired(DomainEvent):
    customer_id: CustomerId
    points: int
    lot: str
    entry: str


def require_points(points: object, what: str = "points") -> int:
    """``points`` if it is a positive ``int`` (a bool is refused)."""
    if type(points) is not int or points <= 0:
        raise InvalidPoints(f"{what} must be a positive whole number, not {points!r}")
    return points


@attrs.frozen
class PointsRate:
    """What points are worth at checkout: ``points`` points pay ``worth`` of the order's
    currency (100 points = 1.00 by default), and they pay at most ``max_share`` of the
    goods after promotions (half by default), rounded down to the minor unit. A number of
    points must be worth whole minor units (with the default rate, one point is one fen)."""

    points: int = 100
    worth: Decimal = Decimal("1.00")
    max_share: Decimal = Decimal("0.5")

    def __attrs_post_init__(self) -> None:
        require_points(self.points, "points of a rate")
        for name in ("worth", "max_share"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
                raise InvalidPoints(
                    f"a points rate's {name} must be a positive Decimal, not {value!r}"
                )
        if self.max_share > 1:
            raise InvalidPoints(f"points may pay at most the whole goods, not {self.max_share}")

    def value_of(self, points: int, currency: str) -> Money:
        """What ``points`` pay in ``currency``; :class:`InvalidPoints` unless they are a
        positive ``int`` worth whole minor units."""
        require_points(points)
        exact = Fraction(points) * Fraction(self.worth) / self.points
        units = exact / Fraction(minor_unit(currency))
        if units.denominator != 1:
            raise InvalidPoints(
                f"{points} points are not worth whole minor units of {currency} "
                f"(at {self.points} points = {self.worth})"
            )
        return Money.from_minor(int(units), currency)

    def cap(self, goods: Money) -> Money:
        """The most points may pay of ``goods`` (``max_share`` of it, rounded down)."""
        return goods.scale(self.max_share, ROUND_DOWN)

    def check(self, points: int, goods: Money) -> Money:
        """What ``points`` pay of ``goods``; :class:`PointsOverCap` above :meth:`cap`."""
        value = self.value_of(points, goods.currency)
        cap = self.cap(goods)
        if value > cap:
            raise PointsOverCap(
                f"{points} points are worth {value}, above the {cap} they may pay "
                f"({self.max_share} of the goods {goods})"
            )
        return value


def earned_key(source: str, reference: str) -> str:
    """The key of the entry earning ``source``'s ``reference`` (one per pair)."""
    return f"earned:{source}:{reference}"


def spent_key(ref: str) -> str:
    """The key of the entry spending points on ``ref`` (an order)."""
    return f"spent:{ref}"


def returned_key(ref: str, n: int) -> str:
    """The key of the ``n``-th return (from 1) of the spend on ``ref``."""
    return f"returned:{ref}:{n}"


@attrs.define(kw_only=True)
class PointsAccount(Aggregate):
    """A customer's points: the balance, the open lots and how many entries were made
    (the entries are :class:`PointsRecord` documents). Its id is the customer's.
    ``appended`` holds the entries made since it was loaded, until they are stored
    (:meth:`take_appended`); it is not part of the account's document."""

    id: CustomerId
    balance: int = 0
    lots: dict[str, PointsLot] = flat_field(dict)
    entry_count: int = 0
    appended: list[PointsEntry] = attrs.field(
        factory=list, eq=False, repr=False, metadata={FLAT: True}
    )

    @classmethod
    def open(cls, customer_id: CustomerId) -> PointsAccount:
        return cls(id=CustomerId(require_text(customer_id, "customer id")))

    # -- reading -----------------------------------------------------------------------

    def available_on(self, day: date) -> int:
        """The points a spend on ``day`` may use: those of the lots not lapsed by then."""
        return sum(lot.remaining for lot in self.lots.values() if not lot.lapsed_on(day))

    def entry(self, key: str, lookup: EntryLookup) -> PointsEntry | None:
        """The entry ``key``: one made since the account was loaded, else ``lookup``'s."""
        for entry in self.appended:
            if entry.key == key:
                return entry
        return lookup(key)

    def returns_of(self, ref: str, lookup: EntryLookup) -> list[PointsEntry]:
        """The returns of the spend on ``ref``, in order (keys ``returned:<ref>:1``, ...)."""
        found: list[PointsEntry] = []
        while (entry := self.entry(returned_key(ref, len(found) + 1), lookup)) is not None:
            found.append(entry)
        return found

    def spent_on(self, ref: str, lookup: EntryLookup) -> int:
        """The points spent on ``ref`` less those given back (0 when none was spent)."""
        spend = self.entry(spent_key(ref), lookup)
        if spend is None:
            return 0
        return -spend.points - sum(entry.points for entry in self.returns_of(ref, lookup))

    def lapsing_by(self, day: date) -> bool:
        """Whether a lot with points left lapses by ``day`` (the expiry run's question)."""
        return any(lot.lapsed_on(day) for lot in self.lots.values())

    # -- movements ---------------------------------------------------------------------

    def earn(
        self,
        points: int,
        source: str,
        reference: str,
        expires_on: date | None,
        at: datetime,
        *,
        lookup: EntryLookup,
    ) -> PointsEntry:
        """Earn ``points`` in a new lot; the same ``(source, reference)`` earns once (again
        with the same points and expiry: the first entry, nothing changes; with others:
        :class:`~merx.errors.IdempotencyConflict`)."""
        require_points(points)
        require_text(source, "points source")
        require_text(reference, "points reference")
        day = business_date(at)
        if expires_on is not None:
            require_date(expires_on, "points expiry date", InvalidPoints)
        key = earned_key(source, reference)
        first = self.entry(key, lookup)
        if first is not None:
            if (first.points, first.expires_on) != (points, expires_on):
                raise IdempotencyConflict(
                    f"points account {self.id!r}: {key!r} earned {first.points} points "
                    f"expiring {first.expires_on}, now {points} expiring {expires_on}"
                )
            return first
        if expires_on is not None and expires_on <= day:
            raise InvalidPoints(f"points earned on {day} must expire after it, not on {expires_on}")
        self._expire_lapsed(day, at)
        self.lots[key] = PointsLot(key, points, 0, expires_on, self.entry_count)
        entry = self._append(
            key, PointsEntryKind.EARNED, points, f"{source}:{reference}", at=at,
            draws=((key, points),), expires_on=expires_on,
        )  # fmt: skip
        self.record(PointsEarned(self.id, points, source, reference, expires_on, key))
        return entry

    def spend(self, points: int, ref: str, at: datetime, *, lookup: EntryLookup) -> PointsEntry:
        """Spend ``points`` on ``ref`` (an order: once), the oldest-expiring lots first;
        :class:`InsufficientPoints` if the unexpired balance is short."""
        require_points(points)
        require_text(ref, "points spend reference")
        key = spent_key(ref)
        first = self.entry(key, lookup)
        if first is not None:
            if first.points != -points:
                raise IdempotencyConflict(
                    f"points account {self.id!r}: {ref!r} spent {-first.points} points, "
                    f"now {points}"
                )
            return first
        day = business_date(at)
        available = self.available_on(day)
        if points > available:
            raise InsufficientPoints(self.id, available, points)
        self._expire_lapsed(day, at)
        draws: list[Draw] = []
        wanted = points
        for lot in sorted(self.lots.values(), key=_order):
            if not wanted:
                break
            taken = min(wanted, lot.remaining)
            draws.append((lot.key, taken))
            wanted -= taken
        assert not wanted, (self.id, points, available)
        entry = self._append(key, PointsEntryKind.SPENT, -points, ref, at=at, draws=tuple(draws))
        self.record(PointsSpent(self.id, points, ref, key))
        return entry

    def give_back(
        self, ref: str, points: int, reference: str, at: datetime, *, lookup: EntryLookup
    ) -> PointsEntry:
        """Give back ``points`` of the spend on ``ref`` (``reference``: the cancel or the
        refund, once each) to the lots it drew on, the latest-expiring first;
        :class:`PointsReturnExceeded` beyond what it took less what came back already."""
        require_points(points)
        require_text(reference, "points return reference")
        spend = self.entry(spent_key(ref), lookup)
        if spend is None:
            raise UnknownPointsSpend(f"points account {self.id!r} has no spend on {ref!r}")
        returns = self.returns_of(ref, lookup)
        for first in returns:
            if first.cause == reference:
                if first.points != points:
                    raise IdempotencyConflict(
                        f"points account {self.id!r}: {reference!r} returned {first.points} "
                        f"points of {ref!r}, now {points}"
                    )
                return first
        left = -spend.points - sum(entry.points for entry in returns)
        if points > left:
            raise PointsReturnExceeded(
                f"points account {self.id!r}: {points} points to return of {ref!r}, "
                f"{left} left of the {-spend.points} spent"
            )
        lots = {key: self._lot(key, lookup) for key, _ in spend.draws}
        back: dict[str, int] = {}
        for entry in returns:
            for lot_key, given in entry.draws:
                back[lot_key] = back.get(lot_key, 0) + given
        draws: list[Draw] = []
        wanted = points
        for lot_key, taken in sorted(
            spend.draws, key=lambda draw: _order(lots[draw[0]]), reverse=True
        ):
            given = min(wanted, taken - back.get(lot_key, 0))
            if given > 0:
                draws.append((lot_key, given))
                wanted -= given
        assert not wanted, (self.id, ref, points)
        for lot_key, _ in draws:  # a lot spent to nothing opens again
            self.lots.setdefault(lot_key, lots[lot_key])
        entry = self._append(
            returned_key(ref, len(returns) + 1), PointsEntryKind.RETURNED, points, ref, at=at,
            draws=tuple(draws), link=spend.key, cause=reference,
        )  # fmt: skip
        self.record(PointsReturned(self.id, points, ref, entry.key, spend.key))
        self._expire_lapsed(business_date(at), at)  # a lapsed lot's points go again
        return entry

    def give_back_share(
        self,
        ref: str,
        refunded: int,
        paid: int,
        reference: str,
        at: datetime,
        *,
        lookup: EntryLookup,
    ) -> PointsEntry | None:
        """A refund of ``ref``: of the money its points paid (``paid`` minor units),
        ``refunded`` has now been refunded in all. The spend's points come back pro rata:
        ``spent * refunded / paid`` in all, rounded down (all of them once ``refunded``
        is ``paid``), less what came back already; ``None`` when that is nothing (no
        spend, or a replay). Never more than spent."""
        if type(paid) is not int or type(refunded) is not int or not 0 <= refunded <= paid:
            raise InvalidPoints(f"refunded {refunded!r} of {paid!r} is no share")
        spend = self.entry(spent_key(ref), lookup)
        if spend is None or not paid:
            return None
        spent = -spend.points
        due = spent * refunded // paid  # rounded down; all of it on a full refund
        owed = due - sum(entry.points for entry in self.returns_of(ref, lookup))
        if owed <= 0:
            return None
        return self.give_back(ref, owed, reference, at, lookup=lookup)

    def give_back_part(
        self,
        ref: str,
        amount_minor: int,
        payable_minor: int,
        reference: str,
        at: datetime,
        *,
        lookup: EntryLookup,
    ) -> PointsEntry | None:
        """A refund of money that returns no unit (a goodwill refund, a price difference,
        compensation: ``reference``) of ``amount_minor`` of the ``payable_minor`` the
        order ``ref`` cost: the points its spend took for that share of the order come
        back, ``spent * amount / payable`` rounded down, at most what is left of the spend;
        ``None`` when that is nothing (no spend, a share worth less than a point, all of
        it came back). Again with the same ``reference``: the first return."""
        if (
            type(amount_minor) is not int
            or type(payable_minor) is not int
            or not 0 < amount_minor <= payable_minor
        ):
            raise InvalidPoints(f"a refund of {amount_minor!r} of {payable_minor!r} is no share")
        spend = self.entry(spent_key(ref), lookup)
        if spend is None:
            return None
        returns = self.returns_of(ref, lookup)
        for first in returns:
            if first.cause == reference:
                return first
        left = -spend.points - sum(entry.points for entry in returns)
        owed = min(-spend.points * amount_minor // payable_minor, left)  # rounded down
        if owed <= 0:
            return None
        return self.give_back(ref, owed, reference, at, lookup=lookup)

    def expire(self, as_of: date, at: datetime) -> list[PointsEntry]:
        """Remove what lapsed by ``as_of``: one ``EXPIRED`` entry per lapsed lot with
        points left. A second run the same day finds nothing."""
        require_date(as_of, "points expiry run date")
        return self._expire_lapsed(as_of, at)

    def take_appended(self) -> list[PointsEntry]:
        """The entries made since the account was loaded (to store them), forgotten."""
        appended, self.appended = self.appended, []
        return appended

    # -- internals ---------------------------------------------------------------------

    def _lot(self, key: str, lookup: EntryLookup) -> PointsLot:
        """The lot ``key``: the open one, else rebuilt empty from its earning entry."""
        lot = self.lots.get(key)
        if lot is not None:
            return lot
        earned = self.entry(key, lookup)
        assert earned is not None, (self.id, key)
        assert earned.kind is PointsEntryKind.EARNED, (self.id, earned)
        return PointsLot(key, earned.points, 0, earned.expires_on, earned.seq)

    def _expire_lapsed(self, day: date, at: datetime) -> list[PointsEntry]:
        expired: list[PointsEntry] = []
        for lot in list(self.lots.values()):
            if lot.lapsed_on(day):
                key = f"expired:{lot.key}:{self.entry_count}"
                self.record(PointsExpired(self.id, lot.remaining, lot.key, key))
                entry = self._append(
                    key, PointsEntryKind.EXPIRED, -lot.remaining, lot.key, at=at,
                    draws=((lot.key, lot.remaining),),
                )  # fmt: skip
                expired.append(entry)
        return expired

    def _append(
        self,
        key: str,
        kind: PointsEntryKind,
        points: int,
        ref: str,
        *,
        at: datetime,
        draws: tuple[Draw, ...],
        link: str | None = None,
        cause: str | None = None,
        expires_on: date | None = None,
    ) -> PointsEntry:
        """Move the lots by ``draws`` (given back when ``points`` is positive), book the
        entry, and check the invariants."""
        sign = 1 if points > 0 else -1
        for lot_key, drawn in draws:
            lot = self.lots[lot_key]
            remaining = lot.remaining + sign * drawn
            if remaining:
                self.lots[lot_key] = attrs.evolve(lot, remaining=remaining)
            else:
                del self.lots[lot_key]  # spent or expired to nothing: no longer open
        entry = PointsEntry(
            key, kind, points, ref, at, draws, link, cause, expires_on, self.entry_count
        )
        self.balance += points
        self.entry_count += 1
        self.appended.append(entry)
        self._check_invariants()
        return entry

    def _check_invariants(self) -> None:
        held = 0
        for lot in self.lots.values():
            assert 0 < lot.remaining <= lot.earned, (self.id, lot)
            held += lot.remaining
        assert held == self.balance >= 0, (self.id, held, self.balance)


@attrs.define(kw_only=True)
class PointsRecord(Aggregate):
    """One entry of a customer's account, stored on its own and never changed; its id is
    ``<customer id>/<entry key>`` (:func:`record_id`), so a replay finds it by key."""

    customer_id: CustomerId
    entry: PointsEntry

    @property
    def id(self) -> str:
        return record_id(self.customer_id, self.entry.key)


def record_id(customer_id: str, key: str) -> str:
    """The id of the record of ``customer_id``'s entry ``key``."""
    return f"{customer_id}/{key}"
