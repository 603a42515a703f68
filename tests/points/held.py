"""Test helpers: a points account with its entry records in a dict (as a store keeps
them), and a customer's entries read page by page through an app."""

from __future__ import annotations

from datetime import date, datetime

from merx.app import App
from merx.kernel.ids import CustomerId
from merx.points import PointsAccount, PointsEntry


class HeldAccount:
    """A :class:`PointsAccount` whose entries are kept in :attr:`records` after every
    movement (what :class:`merx.points.PointsBook` does in a unit of work)."""

    def __init__(self, customer_id: str = "alice") -> None:
        self.account = PointsAccount.open(CustomerId(customer_id))
        self.records: dict[str, PointsEntry] = {}
        self.entries: list[PointsEntry] = []

    def lookup(self, key: str) -> PointsEntry | None:
        return self.records.get(key)

    def _kept(self) -> None:
        for entry in self.account.take_appended():
            self.records[entry.key] = entry
            self.entries.append(entry)

    def earn(
        self, points: int, source: str, reference: str, expires_on: date | None, at: datetime
    ) -> PointsEntry:
        try:
            return self.account.earn(points, source, reference, expires_on, at, lookup=self.lookup)
        finally:
            self._kept()

    def spend(self, points: int, ref: str, at: datetime) -> PointsEntry:
        try:
            return self.account.spend(points, ref, at, lookup=self.lookup)
        finally:
            self._kept()

    def give_back(self, ref: str, points: int, reference: str, at: datetime) -> PointsEntry:
        try:
            return self.account.give_back(ref, points, reference, at, lookup=self.lookup)
        finally:
            self._kept()

    def give_back_share(
        self, ref: str, refunded: int, paid: int, reference: str, at: datetime
    ) -> PointsEntry | None:
        try:
            return self.account.give_back_share(
                ref, refunded, paid, reference, at, lookup=self.lookup
            )
        finally:
            self._kept()

    def give_back_part(
        self, ref: str, amount_minor: int, payable_minor: int, reference: str, at: datetime
    ) -> PointsEntry | None:
        try:
            return self.account.give_back_part(
                ref, amount_minor, payable_minor, reference, at, lookup=self.lookup
            )
        finally:
            self._kept()

    def expire(self, as_of: date, at: datetime) -> list[PointsEntry]:
        try:
            return self.account.expire(as_of, at)
        finally:
            self._kept()

    def spent_on(self, ref: str) -> int:
        return self.account.spent_on(ref, self.lookup)

    @property
    def balance(self) -> int:
        return self.account.balance


def entries_of(app: App, customer_id: CustomerId) -> list[PointsEntry]:
    """Every entry of the customer's account, page by page (``app.points_entries``)."""
    found: list[PointsEntry] = []
    page: int | None = 0
    while page is not None:
        got = app.points_entries(customer_id, page)
        assert [entry.seq for entry in got.entries] == list(
            range(len(found), len(found) + len(got.entries))
        )
        found.extend(got.entries)
        page = got.next_page
    return found
