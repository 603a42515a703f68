"""Query ports answered from the in-memory store's committed snapshots.

They read the stored aggregates in place (never handing them out, never copying them),
so a timer looks at every order without the cost of loading each one; the services then
load the few candidates through their unit of work and check them again.
"""

from __future__ import annotations

from datetime import datetime

from merx.adapters.memory.store import MemoryStore
from merx.kernel.ids import MerchantId, OrderId
from merx.orders import Order, ParentOrder
from merx.payments import Payment


class MemoryOrderQueries:
    """:class:`merx.orders.OrderQueries` over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def unpaid_parent_orders(self, placed_by: datetime) -> list[OrderId]:
        rows = list(self._store.tables.get(ParentOrder, {}).items())
        return [OrderId(key) for key, (_, parent) in rows if parent.unpaid_since(placed_by)]

    def orders_awaiting_receipt(
        self, *, shipped_by: datetime, delivered_by: datetime
    ) -> list[OrderId]:
        rows = list(self._store.tables.get(Order, {}).items())
        return [
            OrderId(key)
            for key, (_, order) in rows
            if order.awaits_receipt(shipped_by=shipped_by, delivered_by=delivered_by)
        ]

    def orders_of_seller(self, seller: MerchantId) -> list[OrderId]:
        rows = list(self._store.tables.get(Order, {}).items())
        return [OrderId(key) for key, (_, order) in rows if order.seller == seller]


class MemoryPaymentQueries:
    """:class:`merx.payments.PaymentQueries` over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def awaiting_authentication(self) -> list[str]:
        rows = list(self._store.tables.get(Payment, {}).items())
        return [key for key, (_, payment) in rows if payment.awaits_authentication]
