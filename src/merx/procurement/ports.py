"""Ports of the procurement context: the question a purchases statement asks.

A purchases statement of a supplier for a period
(:class:`~merx.procurement.IssuePurchasesStatement`) reads the supplier's purchase orders
with a receipt in it. A store answers which ones without loading every purchase order:
:class:`PurchaseOrderQueries` finds those with a receipt in a calendar month the period
touches
(:meth:`PurchaseOrder.received_in_months_of <merx.procurement.PurchaseOrder>`), and the
statement keeps the receipts inside the period.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from merx.kernel.ids import SupplierId
from merx.procurement.model import Period, PurchaseOrder, PurchaseOrderId


class PurchaseOrderQueries(Protocol):
    """Port: purchase orders by supplier and receipt month, from committed state."""

    def received_from(self, supplier: SupplierId, period: Period) -> Iterable[PurchaseOrderId]:
        """The purchase orders of ``supplier`` with a receipt in a calendar month
        ``period`` touches."""
        ...


# -- what a database indexes to answer PurchaseOrderQueries ----------------------------


def received_in(month: date) -> str:
    """The index of the purchase orders with a receipt in ``month`` (its first day), one
    per month: ``"received_in:2026-01"``; each entry's value is the order's supplier."""
    return f"received_in:{month:%Y-%m}"


def purchase_order_index(order: PurchaseOrder) -> dict[str, str | None]:
    """A purchase order is found by its supplier under every month it received goods in."""
    return {received_in(month): order.supplier_id for month in sorted(order.received_months)}
