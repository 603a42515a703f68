"""Points use cases: earn (rewards), expire (the run), and the queries.

Each handler is ``handler(cmd, uow, *, clock=...)``: it opens the customer's
:class:`PointsBook` (the account and its entry records in the unit of work; earning
opens the account), calls the model, stages and commits. Spending and giving back happen
inside checkout's, the orders' and after-sales' units of work (:mod:`merx.orders`,
:mod:`merx.aftersales`), through a :class:`PointsBook` too, so every entry a movement
makes is stored as its own record.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import attrs

from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import ValidationError
from merx.kernel.ids import CustomerId
from merx.kernel.uow import UnitOfWork, prefetch
from merx.kernel.validation import business_date, require_date
from merx.points.errors import InvalidPoints
from merx.points.model import (
    PointsAccount,
    PointsEntry,
    PointsRecord,
    earned_key,
    record_id,
    returned_key,
    spent_key,
)
from merx.points.ports import ENTRIES_PER_PAGE, PointsQueries


@attrs.frozen
class EarnPoints(Command[str]):
    """``customer_id`` earns ``points`` (a positive ``int``) from ``source``'s
    ``reference`` (a task, a sign-in day, a lottery draw), lapsing on ``expires_on``
    (``None``: never). Once per ``(source, reference)``: a replay earns nothing more and
    answers the same entry key."""

    customer_id: CustomerId
    points: int
    source: str
    reference: str
    expires_on: date | None = None


@attrs.frozen
class ExpirePoints(Command[int]):
    """Remove the points of every lot lapsed by ``as_of`` (its day of expiry on or before
    it, which is no later than today); the points removed. A second run the same day
    removes nothing."""

    as_of: date


class PointsBook:
    """A customer's points in one unit of work: the account (opened if they have none)
    and the entry records it reads and makes. Its movements are the account's
    (:class:`~merx.points.PointsAccount`), with the records as their ``lookup``;
    :meth:`stage` saves the account and adds a record per entry made. ``keys``: entry keys
    the caller will ask about, and ``spends``: orders whose spend it will give back (their
    spend and first return), read with the account (one read on a database)."""

    def __init__(
        self,
        uow: UnitOfWork,
        customer_id: CustomerId,
        keys: Iterable[str] = (),
        *,
        spends: Iterable[str] = (),
    ) -> None:
        self._accounts = uow.repo(PointsAccount)
        self._records = uow.repo(PointsRecord)
        wanted = [*keys, *(key for ref in spends for key in (spent_key(ref), returned_key(ref, 1)))]
        prefetch(self._records, [record_id(customer_id, key) for key in wanted])
        found = self._accounts.find(customer_id)
        self._new = found is None
        self.account = found if found is not None else PointsAccount.open(customer_id)
        self._read: dict[str, PointsEntry | None] = {}  # records are never changed

    @classmethod
    def spending(
        cls, uow: UnitOfWork, customer_id: CustomerId, points: int, ref: str, at: datetime
    ) -> PointsEntry:
        """Spend ``points`` of the customer's on ``ref`` and stage it (one call)."""
        book = cls(uow, customer_id)
        entry = book.spend(points, ref, at)
        book.stage()
        return entry

    def lookup(self, key: str) -> PointsEntry | None:
        """The stored entry ``key`` of this account (those made here: the account's)."""
        if key not in self._read:
            record = self._records.find(record_id(self.account.id, key))
            self._read[key] = None if record is None else record.entry
        return self._read[key]

    def entry(self, key: str) -> PointsEntry | None:
        return self.account.entry(key, self.lookup)

    def earn(
        self, points: int, source: str, reference: str, expires_on: date | None, at: datetime
    ) -> PointsEntry:
        return self.account.earn(points, source, reference, expires_on, at, lookup=self.lookup)

    def spend(self, points: int, ref: str, at: datetime) -> PointsEntry:
        return self.account.spend(points, ref, at, lookup=self.lookup)

    def give_back(self, ref: str, points: int, reference: str, at: datetime) -> PointsEntry:
        return self.account.give_back(ref, points, reference, at, lookup=self.lookup)

    def give_back_share(
        self, ref: str, refunded: int, paid: int, reference: str, at: datetime
    ) -> PointsEntry | None:
        return self.account.give_back_share(ref, refunded, paid, reference, at, lookup=self.lookup)

    def give_back_part(
        self, ref: str, amount_minor: int, payable_minor: int, reference: str, at: datetime
    ) -> PointsEntry | None:
        return self.account.give_back_part(
            ref, amount_minor, payable_minor, reference, at, lookup=self.lookup
        )

    def expire(self, as_of: date, at: datetime) -> list[PointsEntry]:
        return self.account.expire(as_of, at)

    def stage(self) -> bool:
        """Stage the account and a record per entry it made (nothing if it made none);
        whether there was anything to stage."""
        made = self.account.take_appended()
        if not made:
            return False
        for entry in made:
            self._records.add(PointsRecord(customer_id=self.account.id, entry=entry))
        if self._new:
            self._accounts.add(self.account)
            self._new = False
        else:
            self._accounts.save(self.account)
        return True


def earn_points(cmd: EarnPoints, uow: UnitOfWork, *, clock: Clock) -> str:
    book = PointsBook(uow, cmd.customer_id, [earned_key(cmd.source, cmd.reference)])
    entry = book.earn(cmd.points, cmd.source, cmd.reference, cmd.expires_on, clock.now())
    if book.stage():  # else a replay: nothing changed
        uow.commit()
    return entry.key


def expire_points(
    cmd: ExpirePoints, uow: UnitOfWork, *, clock: Clock, queries: PointsQueries
) -> int:
    as_of = require_date(cmd.as_of, "points expiry run date")
    now = clock.now()
    if as_of > business_date(now):
        raise ValidationError(f"points expire by days gone: {as_of} is after {now.date()}")
    removed = 0
    for customer_id in queries.accounts_lapsing_by(as_of):
        book = PointsBook(uow, customer_id)
        removed -= sum(entry.points for entry in book.expire(as_of, now))
        book.stage()
    uow.commit()
    return removed


# -- queries ---------------------------------------------------------------------------


def points_balance(uow: UnitOfWork, customer_id: CustomerId) -> int:
    """The customer's points: the sum of their account's entries (0 without an account)."""
    account = uow.repo(PointsAccount).peek(customer_id)
    return 0 if account is None else account.balance


def points_account(uow: UnitOfWork, customer_id: CustomerId) -> PointsAccount:
    """The customer's account: its balance and open lots (an empty one if they never
    earned); its entries are :func:`points_entries`."""
    found = uow.repo(PointsAccount).peek(customer_id)
    return found if found is not None else PointsAccount.open(customer_id)


@attrs.frozen
class PointsEntriesPage:
    """A page of a customer's entries in the order they were made (``seq``): page
    ``page`` holds entries ``page * ENTRIES_PER_PAGE`` up to the next page's first;
    ``next_page`` is ``None`` on the last."""

    customer_id: CustomerId
    page: int
    entries: tuple[PointsEntry, ...]
    next_page: int | None


def points_entries(
    uow: UnitOfWork, queries: PointsQueries, customer_id: CustomerId, page: int = 0
) -> PointsEntriesPage:
    """Page ``page`` (from 0) of the customer's entries, every point traced to what moved
    it: one index lookup and the page's records (:data:`ENTRIES_PER_PAGE` at most)."""
    if type(page) is not int or page < 0:
        raise InvalidPoints(f"a page of points entries is a whole number from 0, not {page!r}")
    account = uow.repo(PointsAccount).peek(customer_id)
    count = 0 if account is None else account.entry_count
    records = uow.repo(PointsRecord)
    ids = (
        list(queries.entries_on_page(customer_id, page)) if page * ENTRIES_PER_PAGE < count else []
    )
    prefetch(records, ids)
    entries = sorted(
        (record.entry for record in map(records.peek, ids) if record is not None),
        key=lambda entry: entry.seq,
    )
    more = (page + 1) * ENTRIES_PER_PAGE < count
    return PointsEntriesPage(customer_id, page, tuple(entries), page + 1 if more else None)


def all_points_entries(
    uow: UnitOfWork, queries: PointsQueries, customer_id: CustomerId
) -> list[PointsEntry]:
    """Every entry of the customer's account, page by page (for audits and tests)."""
    found: list[PointsEntry] = []
    page: int | None = 0
    while page is not None:
        got = points_entries(uow, queries, customer_id, page)
        found.extend(got.entries)
        page = got.next_page
    return found
