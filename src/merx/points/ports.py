"""Ports of the points context: the question the expiry run asks.

:class:`~merx.points.ExpirePoints` removes what lapsed in the accounts that hold a lot
lapsing by its day; a store answers which ones without loading every account
(:class:`PointsQueries`). Its answers are candidates: the run loads each account and
expires only what lapsed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from merx.kernel.ids import CustomerId
from merx.points.model import PointsAccount


class PointsQueries(Protocol):
    """Port: points accounts by what the expiry run needs, from committed state."""

    def accounts_lapsing_by(self, as_of: date) -> Iterable[CustomerId]:
        """The customers whose account holds a lot with points left lapsing on or before
        ``as_of``."""
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
