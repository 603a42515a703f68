"""Ports of the after-sales context: the query a seller's after-sales desk asks.

A seller reviews its open cases (the seed's merchant "reviews after-sales"); a database
answers from its index, written in the transaction that writes the case. Answers are
candidates: :func:`merx.aftersales.open_cases` reads each case and keeps it only if it is
still the seller's and still open (:meth:`AfterSale.is_open`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from merx.aftersales.model import AfterSale
from merx.kernel.ids import AfterSaleId, MerchantId


class AfterSaleQueries(Protocol):
    """Port: after-sales cases by state, from committed state."""

    def open_cases(self, seller: MerchantId) -> Iterable[AfterSaleId]:
        """The cases on ``seller``'s orders that are neither completed nor rejected."""
        ...


#: What a database indexes to answer :class:`AfterSaleQueries`: an open case, by seller.
OPEN_CASE_OF = "open_case_of"


def after_sale_index(case: AfterSale) -> dict[str, str | None]:
    """A case is found by its seller while it is open."""
    return {OPEN_CASE_OF: case.seller if case.is_open else None}
