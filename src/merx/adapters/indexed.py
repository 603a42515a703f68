"""Query ports answered from a document database's indexes (never by loading every
aggregate): :class:`IndexedOrderQueries` and :class:`IndexedPaymentQueries`.

What is indexed is each context's own definition, next to its query port
(:func:`merx.orders.ports.order_index`, :func:`merx.payments.ports.payment_index`); the
composition root registers them with the documents, and every commit keeps them in step.
"""

from __future__ import annotations

from datetime import datetime

from merx.adapters.documents import DocumentDatabase
from merx.kernel.documents import Documents, index_instant
from merx.kernel.ids import MerchantId, OrderId
from merx.orders import Order, ParentOrder
from merx.orders.ports import DELIVERED_AT, SELLER, SHIPPED_AT, UNPAID_PLACED_AT
from merx.payments import Payment
from merx.payments.ports import AWAITING_AUTHENTICATION


class IndexedOrderQueries:
    """:class:`merx.orders.OrderQueries` from the database's indexes."""

    def __init__(self, database: DocumentDatabase, documents: Documents) -> None:
        self._database = database
        self._parents = documents.name_of(ParentOrder)
        self._orders = documents.name_of(Order)

    def unpaid_parent_orders(self, placed_by: datetime) -> list[OrderId]:
        found = self._database.find(self._parents, UNPAID_PLACED_AT, upto=index_instant(placed_by))
        return [OrderId(key) for key in found]

    def orders_awaiting_receipt(
        self, *, shipped_by: datetime, delivered_by: datetime
    ) -> list[OrderId]:
        shipped = self._database.find(self._orders, SHIPPED_AT, upto=index_instant(shipped_by))
        delivered = self._database.find(
            self._orders, DELIVERED_AT, upto=index_instant(delivered_by)
        )
        return [OrderId(key) for key in dict.fromkeys([*shipped, *delivered])]

    def orders_of_seller(self, seller: MerchantId) -> list[OrderId]:
        return [OrderId(key) for key in self._database.find(self._orders, SELLER, equal=seller)]


class IndexedPaymentQueries:
    """:class:`merx.payments.PaymentQueries` from the database's indexes."""

    def __init__(self, database: DocumentDatabase, documents: Documents) -> None:
        self._database = database
        self._payments = documents.name_of(Payment)

    def awaiting_authentication(self) -> list[str]:
        return self._database.find(self._payments, AWAITING_AUTHENTICATION, equal="yes")
