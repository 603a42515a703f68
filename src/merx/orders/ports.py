"""Ports of the orders context: the queries its timers and merchant reads ask.

The timers (:class:`~merx.orders.CloseUnpaidOrders`, :class:`~merx.orders.AutoConfirmReceipts`)
and a merchant's order list need orders by state and time. A database answers that with an
indexed query; :class:`OrderQueries` is the port for it. Its answers are candidates only:
the services load each order and check it again before they change it, so a stale or
generous answer is harmless. What makes an order a candidate is the model's own predicate
(:meth:`ParentOrder.unpaid_since`, :meth:`Order.awaits_receipt`,
:meth:`PresaleOrder.unpaid_after_window`), so every adapter asks
the same question. Every store answers from what it keeps (the memory store's committed
snapshots, a database's indexes); none loads every order (``merx.testing.queries`` holds
the scan the contract compares them with).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Protocol

from merx.kernel.documents import index_instant
from merx.kernel.ids import CustomerId, MerchantId, OrderId
from merx.orders.model import Order, OrderStatus, ParentOrder
from merx.orders.presale import PresaleOrder


class OrderQueries(Protocol):
    """Port: orders by state and time, from committed state."""

    def unpaid_parent_orders(self, placed_by: datetime) -> Iterable[OrderId]:
        """Parent orders pending payment placed at or before ``placed_by``."""
        ...

    def orders_awaiting_receipt(
        self, *, shipped_by: datetime, delivered_by: datetime
    ) -> Iterable[OrderId]:
        """Orders shipped at or before ``shipped_by``, or delivered at or before
        ``delivered_by``, whose receipt is not confirmed."""
        ...

    def orders_of_seller(self, seller: MerchantId) -> Iterable[OrderId]:
        """Every order sold by ``seller``, in the order they were placed."""
        ...

    def parent_orders_of(self, customer: CustomerId) -> Iterable[OrderId]:
        """Every parent order ``customer`` placed (in any order)."""
        ...

    def orders_procuring(self, paid_by: datetime) -> Iterable[OrderId]:
        """Orders still buying from their supplier (virtual goods: :meth:`Order.procuring_since`)
        that were paid at or before ``paid_by``."""
        ...

    def presales_unpaid_after_window(
        self, now: datetime, limit: int | None = None
    ) -> Iterable[OrderId]:
        """Pre-sale orders whose balance window closed at or before ``now`` with the
        balance unpaid (:meth:`PresaleOrder.unpaid_after_window`), at most ``limit`` of
        them (``None``: all), in the order they were placed."""
        ...


# -- what a database indexes to answer OrderQueries ------------------------------------

UNPAID_PLACED_AT = "unpaid_placed_at"
SHIPPED_AT = "shipped_awaiting_receipt"
DELIVERED_AT = "delivered_awaiting_receipt"
SELLER = "seller"
CUSTOMER = "customer"
PROCURING_PAID_AT = "procuring_paid_at"
PRESALE_BALANCE_ENDS = "presale_balance_ends"


def parent_order_index(parent: ParentOrder) -> dict[str, str | None]:
    """A parent order pending payment is found by when it was placed."""
    pending = parent.unpaid_since(parent.placed_at)
    return {
        UNPAID_PLACED_AT: index_instant(parent.placed_at) if pending else None,
        CUSTOMER: parent.customer_id,
    }


def order_index(order: Order) -> dict[str, str | None]:
    """An order awaiting receipt (:meth:`Order.awaits_receipt` for some instant) is found
    by when it was delivered, or shipped if no delivery was scanned; every order by its
    seller; an order still procuring by when it was paid."""
    waiting = order.awaits_receipt(shipped_by=_LAST, delivered_by=_LAST)
    delivered = order.delivered_at if waiting and order.status is OrderStatus.DELIVERED else None
    shipped = order.shipped_at if waiting and delivered is None else None
    procuring = order.paid_at if order.procuring_since(_LAST) else None
    return {
        SHIPPED_AT: index_instant(shipped) if shipped is not None else None,
        DELIVERED_AT: index_instant(delivered) if delivered is not None else None,
        SELLER: order.seller,
        PROCURING_PAID_AT: index_instant(procuring) if procuring is not None else None,
    }


def presale_order_index(presale: PresaleOrder) -> dict[str, str | None]:
    """A pre-sale order waiting for its balance is found by when its window closes."""
    waiting = presale.unpaid_after_window(_LAST)
    ends = presale.quote.balance_ends
    return {PRESALE_BALANCE_ENDS: index_instant(ends) if waiting else None}


_LAST = datetime.max.replace(tzinfo=UTC)
