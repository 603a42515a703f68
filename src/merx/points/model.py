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

Invariants, asserted after every change: no lot holds a negative or more than it earned,
and the balance (the sum of the entries' points) equals what the lots hold.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
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
    gives back."""

    key: str
    kind: PointsEntryKind
    points: int
    ref: str
    at: datetime
    draws: tuple[Draw, ...]
    link: str | None = None


@attrs.frozen
class PointsLot:
    """The points one ``EARNED`` entry (``key``) brought, what is left of them, and the
    day they lapse (``None``: never)."""

    key: str
    earned: int
    remaining: int
    expires_on: date | None

    def lapsed_on(self, day: date) -> bool:
        return self.expires_on is not None and self.expires_on <= day


def _order(lot: PointsLot) -> tuple[bool, date]:
    """Spending order: the earliest expiry first, lots that never expire last (``sorted``
    is stable, so ties keep the order earned)."""
    return (lot.expires_on is None, lot.expires_on or date.max)


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


@attrs.define(kw_only=True)
class PointsAccount(Aggregate):
    """A customer's points: the entries (in order) and the lots. Its id is the customer's."""

    id: CustomerId
    entries: list[PointsEntry] = flat_field(list)
    lots: dict[str, PointsLot] = flat_field(dict)

    @classmethod
    def open(cls, customer_id: CustomerId) -> PointsAccount:
        return cls(id=CustomerId(require_text(customer_id, "customer id")))

    # -- reading -----------------------------------------------------------------------

    @property
    def balance(self) -> int:
        """The sum of the entries' points (lapsed lots included until they are expired)."""
        return sum(entry.points for entry in self.entries)

    def available_on(self, day: date) -> int:
        """The points a spend on ``day`` may use: those of the lots not lapsed by then."""
        return sum(lot.remaining for lot in self.lots.values() if not lot.lapsed_on(day))

    def entry(self, key: str) -> PointsEntry | None:
        for entry in self.entries:
            if entry.key == key:
                return entry
        return None

    def returned_of(self, spend_key: str) -> int:
        """The points given back so far of the spend ``spend_key``."""
        return sum(entry.points for entry in self.entries if entry.link == spend_key)

    def spent_on(self, ref: str) -> int:
        """The points spent on ``ref`` less those given back (0 when none was spent)."""
        spend = self.entry(spent_key(ref))
        if spend is None:
            return 0
        return -spend.points - self.returned_of(spend.key)

    # -- movements ---------------------------------------------------------------------

    def earn(
        self,
        points: int,
        source: str,
        reference: str,
        expires_on: date | None,
        at: datetime,
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
        first = self.entry(key)
        if first is not None:
            lot_expiry = self._earned_expiry(first)
            if (first.points, lot_expiry) != (points, expires_on):
                raise IdempotencyConflict(
                    f"points account {self.id!r}: {key!r} earned {first.points} points "
                    f"expiring {lot_expiry}, now {points} expiring {expires_on}"
                )
            return first
        if expires_on is not None and expires_on <= day:
            raise InvalidPoints(f"points earned on {day} must expire after it, not on {expires_on}")
        self._expire_lapsed(day, at)
        entry = PointsEntry(
            key, PointsEntryKind.EARNED, points, f"{source}:{reference}", at, ((key, points),)
        )
        self.lots[key] = PointsLot(key, points, points, expires_on)
        self._append(entry)
        self.record(PointsEarned(self.id, points, source, reference, expires_on, key))
        return entry

    def spend(self, points: int, ref: str, at: datetime) -> PointsEntry:
        """Spend ``points`` on ``ref`` (an order: once), the oldest-expiring lots first;
        :class:`InsufficientPoints` if the unexpired balance is short."""
        require_points(points)
        require_text(ref, "points spend reference")
        key = spent_key(ref)
        first = self.entry(key)
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
            if taken:
                draws.append((lot.key, taken))
                wanted -= taken
        assert not wanted, (self.id, points, available)
        self._take(draws)
        entry = PointsEntry(key, PointsEntryKind.SPENT, -points, ref, at, tuple(draws))
        self._append(entry)
        self.record(PointsSpent(self.id, points, ref, key))
        return entry

    def give_back(self, ref: str, points: int, reference: str, at: datetime) -> PointsEntry:
        """Give back ``points`` of the spend on ``ref`` (``reference``: the cancel or the
        refund, once each) to the lots it drew on, the latest-expiring first;
        :class:`PointsReturnExceeded` beyond what it took less what came back already."""
        require_points(points)
        require_text(reference, "points return reference")
        spend = self.entry(spent_key(ref))
        if spend is None:
            raise UnknownPointsSpend(f"points account {self.id!r} has no spend on {ref!r}")
        key = f"returned:{ref}:{reference}"
        first = self.entry(key)
        if first is not None:
            if first.points != points:
                raise IdempotencyConflict(
                    f"points account {self.id!r}: {key!r} returned {first.points} points, "
                    f"now {points}"
                )
            return first
        left = -spend.points - self.returned_of(spend.key)
        if points > left:
            raise PointsReturnExceeded(
                f"points account {self.id!r}: {points} points to return of {ref!r}, "
                f"{left} left of the {-spend.points} spent"
            )
        back: dict[str, int] = {}
        for entry in self.entries:
            if entry.link == spend.key:
                for lot_key, given in entry.draws:
                    back[lot_key] = back.get(lot_key, 0) + given
        draws: list[Draw] = []
        wanted = points
        for lot_key, taken in sorted(
            spend.draws, key=lambda draw: _order(self.lots[draw[0]]), reverse=True
        ):
            given = min(wanted, taken - back.get(lot_key, 0))
            if given > 0:
                draws.append((lot_key, given))
                wanted -= given
        assert not wanted, (self.id, ref, points)
        self._take([(lot_key, -given) for lot_key, given in draws])
        entry = PointsEntry(
            key, PointsEntryKind.RETURNED, points, ref, at, tuple(draws), link=spend.key
        )
        self._append(entry)
        self.record(PointsReturned(self.id, points, ref, key, spend.key))
        self._expire_lapsed(business_date(at), at)  # a lapsed lot's points go again
        return entry

    def give_back_share(
        self, ref: str, refunded: int, paid: int, reference: str, at: datetime
    ) -> PointsEntry | None:
        """A refund of ``ref``: of the money its points paid (``paid`` minor units),
        ``refunded`` has now been refunded in all. The spend's points come back pro rata:
        ``spent * refunded / paid`` in all, rounded down (all of them once ``refunded``
        is ``paid``), less what came back already; ``None`` when that is nothing (no
        spend, or a replay). Never more than spent."""
        if type(paid) is not int or type(refunded) is not int or not 0 <= refunded <= paid:
            raise InvalidPoints(f"refunded {refunded!r} of {paid!r} is no share")
        spend = self.entry(spent_key(ref))
        if spend is None or not paid:
            return None
        spent = -spend.points
        due = spent * refunded // paid  # rounded down; all of it on a full refund
        owed = due - self.returned_of(spend.key)
        if owed <= 0:
            return None
        return self.give_back(ref, owed, reference, at)

    def expire(self, as_of: date, at: datetime) -> list[PointsEntry]:
        """Remove what lapsed by ``as_of``: one ``EXPIRED`` entry per lapsed lot with
        points left. A second run the same day finds nothing."""
        require_date(as_of, "points expiry run date")
        return self._expire_lapsed(as_of, at)

    def lapsing_by(self, day: date) -> bool:
        """Whether a lot with points left lapses by ``day`` (the expiry run's question)."""
        return any(lot.remaining and lot.lapsed_on(day) for lot in self.lots.values())

    # -- internals ---------------------------------------------------------------------

    def _earned_expiry(self, entry: PointsEntry) -> date | None:
        return self.lots[entry.key].expires_on

    def _expire_lapsed(self, day: date, at: datetime) -> list[PointsEntry]:
        expired: list[PointsEntry] = []
        for lot in list(self.lots.values()):
            if lot.remaining and lot.lapsed_on(day):
                key = f"expired:{lot.key}:{len(self.entries)}"
                entry = PointsEntry(
                    key,
                    PointsEntryKind.EXPIRED,
                    -lot.remaining,
                    lot.key,
                    at,
                    ((lot.key, lot.remaining),),
                )
                self.record(PointsExpired(self.id, lot.remaining, lot.key, key))
                self._take(entry.draws)
                self._append(entry)
                expired.append(entry)
        return expired

    def _take(self, draws: tuple[Draw, ...] | list[Draw]) -> None:
        """Take ``draws`` from their lots (a negative draw gives back)."""
        for lot_key, points in draws:
            lot = self.lots[lot_key]
            self.lots[lot_key] = attrs.evolve(lot, remaining=lot.remaining - points)

    def _append(self, entry: PointsEntry) -> None:
        self.entries.append(entry)
        self._check_invariants()

    def _check_invariants(self) -> None:
        held = 0
        for lot in self.lots.values():
            assert 0 <= lot.remaining <= lot.earned, (self.id, lot)
            held += lot.remaining
        assert held == self.balance, (self.id, held, self.balance)

    def lot_entries(self, lot_key: str) -> Iterator[PointsEntry]:
        """Every entry that moved the lot ``lot_key`` (its earning first)."""
        for entry in self.entries:
            if any(key == lot_key for key, _ in entry.draws):
                yield entry
