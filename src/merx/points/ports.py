"""Ports of the points context: the question the expiry run asks, and a page of a
customer's entries.

:class:`~merx.points.ExpirePoints` removes what lapsed in the accounts that hold a lot
lapsing by its day; a store answers which ones without loading every account
(:class:`PointsQueries`). Its answers are candidates: the run loads each account and
expires only what lapsed. A customer's entries are records of their own, found a page at
a time (:func:`~merx.points.points_entries`) by the page their number falls in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol

from merx.kernel.ids import CustomerId
from merx.points.model import PointsAccount, PointsRecord, record_id, returned_key

#: How many entries a page of a customer's entries holds (entries ``n * 50`` to
#: ``n * 50 + 49`` are page ``n``).
ENTRIES_PER_PAGE = 50


class PointsQueries(Protocol):
    """Port: points accounts by what the expiry run needs, from committed state."""

    def accounts_lapsing_by(self, as_of: date) -> Iterable[CustomerId]:
        """The customers whose account holds a lot with points left lapsing on or before
        ``as_of``."""
        ...

    def entries_on_page(self, customer_id: CustomerId, page: int) -> Iterable[str]:
        """The ids of the customer's entry records on page ``page`` (see
        :data:`ENTRIES_PER_PAGE`), in any order."""
        ...


# -- what a database indexes to answer PointsQueries -----------------------------------

#: An account with points left in an expiring lot, by its first lot's day of expiry.
NEXT_LAPSE = "next_lapse"


def next_lapse(account: PointsAccount) -> date | None:
    """The earliest day a lot with points left lapses (``None``: none ever does)."""
    days = [lot.expires_on for lot in account.lots.values() if lot.remaining and lot.expires_on]
    return min(days) if days else None


def points_account_index(account: PointsAccount) -> dict[str, str | None]:
    """An account is found by its :func:`next_lapse` (ISO day, so it sorts)."""
    day = next_lapse(account)
    return {NEXT_LAPSE: day.isoformat() if day is not None else None}


#: A customer's entry record, by the page it is on: ``<customer id>#<page>``.
ENTRY_PAGE = "entry_page"


def entry_page(customer_id: str, page: int) -> str:
    """The :data:`ENTRY_PAGE` value of page ``page`` of ``customer_id``'s entries."""
    return f"{customer_id}#{page}"


def points_record_index(record: PointsRecord) -> dict[str, str | None]:
    """A record is found by its customer and page (:func:`entry_page`)."""
    return {ENTRY_PAGE: entry_page(record.customer_id, record.entry.seq // ENTRIES_PER_PAGE)}


# -- what a store's schema 11 does to older documents ----------------------------------


def reshape_account(document: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """An account document as schema 10 and before wrote it (``entries``: every entry,
    ``lots``: every lot) as schema 11 keeps it: the account (balance, the open lots, how
    many entries) and each entry's record document by its id. A return's key
    ``returned:<order>:<cause>`` becomes ``returned:<order>:<n>`` (its spend's n-th),
    with the cause in ``cause``; an earning carries its lot's day of expiry; each entry
    its number (``seq``). Only plain data is read and written (the shapes are checked
    when the new documents are read)."""
    customer = document["id"]
    lots: dict[str, Any] = dict(document.get("lots", {}))
    returns: dict[str, int] = {}
    records: list[tuple[str, Any]] = []
    for seq, old in enumerate(document.get("entries", [])):
        entry = dict(old, seq=seq)
        entry.setdefault("cause", None)
        entry.setdefault("expires_on", None)
        if entry["kind"] == "earned":
            entry["expires_on"] = lots[entry["key"]]["expires_on"]
            lots[entry["key"]] = dict(lots[entry["key"]], seq=seq)
        elif entry["kind"] == "returned":
            ref = entry["ref"]
            returns[ref] = returns.get(ref, 0) + 1
            entry["cause"] = entry["key"].removeprefix(f"returned:{ref}:")
            entry["key"] = returned_key(ref, returns[ref])
        records.append(
            (
                record_id(customer, entry["key"]),
                {"version": 1, "customer_id": customer, "entry": entry},
            )
        )
    account = {key: value for key, value in document.items() if key not in ("entries", "lots")}
    account["balance"] = sum(old["points"] for old in document.get("entries", []))
    account["lots"] = {key: lot for key, lot in lots.items() if lot["remaining"]}
    account["entry_count"] = len(records)
    return account, records
