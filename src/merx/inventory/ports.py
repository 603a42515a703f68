"""Ports of the inventory context: the question the reservation timer asks.

:class:`~merx.inventory.ExpireReservations` releases the reservations whose time ran out.
Which stock items hold one is :attr:`StockItem.next_expiry <merx.inventory.StockItem>`
at or before now; a store answers that without loading every stock item of every
warehouse, and :class:`StockQueries` is the port for it. Its answers are candidates: the
timer loads each item and :meth:`~merx.inventory.StockItem.expire` decides.

Warehouses have no query: they are reference data, a handful per shop, and placing an
order weighs every one that delivers to the region (:func:`~merx.inventory.hold_for_order`
views them all).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from merx.inventory.model import StockItem
from merx.kernel.documents import index_instant


class StockQueries(Protocol):
    """Port: stock items by their reservations, from committed state."""

    def stock_with_expired_reservations(self, by: datetime) -> Iterable[str]:
        """The keys of the stock items holding a reservation that runs out at or before
        ``by`` (:attr:`StockItem.next_expiry <merx.inventory.StockItem>`)."""
        ...


# -- what a database indexes to answer StockQueries ------------------------------------

#: A stock item holding a reservation, by when the earliest one runs out.
RESERVATION_EXPIRES_AT = "reservation_expires_at"


def stock_item_index(item: StockItem) -> dict[str, str | None]:
    """A stock item with a reservation is found by its earliest expiry."""
    expiry = item.next_expiry
    return {RESERVATION_EXPIRES_AT: index_instant(expiry) if expiry is not None else None}
