"""Ports of the after-sales context: the query a seller's after-sales desk asks.

A seller reviews its open cases (the seed's merchant "reviews after-sales"); a database
answers from its index, written in the transaction that writes the case. Answers are
candidates: :func:`merx.aftersales.open_cases` reads each case and keeps it only if it is
still the seller's and still open (:meth:`AfterSale.is_open`).

A :class:`RefundScreen` screens money going back to a customer (risk control) before it
moves: asked when a case opens (DENY: :class:`~merx.aftersales.RefundDenied`, no case;
HOLD: the case opens, held), when it is approved (HOLD: :class:`~merx.aftersales.RefundHeld`,
nothing changed, until the review decides; DENY: refused) and for a refund granted outside
after-sales (:class:`~merx.aftersales.GrantRefund`: DENY refused, HOLD refused until the
review decides, then the same grant goes on).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Protocol

import attrs

from merx.aftersales.model import AfterSale
from merx.kernel.ids import AfterSaleId, MerchantId
from merx.kernel.money import Money


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


class RefundVerdict(enum.Enum):
    GO = "go"  # the refund may go on
    HOLD = "hold"  # waiting for a review
    DENY = "deny"  # refused


@attrs.frozen
class RefundScreening:
    """A screen's answer, with its reason (which rules, which review)."""

    verdict: RefundVerdict
    reason: str = ""


class RefundScreen(Protocol):
    """Port: screen a refund (``refund_key``: the case id, or a granted refund's id) of
    ``amount`` to ``customer_id`` by ``seller`` before money moves. The same key asked
    again answers the same decision, or its review's outcome once it is decided."""

    def screen(
        self, *, refund_key: str, customer_id: str, seller: str, amount: Money
    ) -> RefundScreening: ...
