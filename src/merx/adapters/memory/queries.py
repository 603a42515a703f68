"""Query ports answered from the in-memory store's committed snapshots (every context's
``...Queries`` port).

They read the stored aggregates in place (never handing them out, never copying them),
so a timer looks at every order without the cost of loading each one; the services then
load the few candidates through their unit of work and check them again.
"""

from __future__ import annotations

from datetime import date, datetime

from merx.adapters.memory.store import MemoryStore
from merx.aftersales import AfterSale
from merx.credit import CreditAccount
from merx.installments.ports import billed_on
from merx.inventory import StockItem
from merx.kernel.ids import AfterSaleId, CustomerId, MerchantId, OrderId, SupplierId
from merx.kernel.replies import CommandRecord
from merx.orders import Order, ParentOrder, PresaleOrder
from merx.payments import Payment
from merx.points import PointsAccount, PointsRecord
from merx.points.ports import ENTRIES_PER_PAGE
from merx.procurement import Period, PurchaseOrder, PurchaseOrderId
from merx.promotions import VoucherCode
from merx.reach import HeldMessage, Touch
from merx.risk import ReviewCase, ReviewStatus
from merx.settlement import Withdrawal, WithdrawalId, WithdrawalState
from merx.traffic import Placement


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

    def parent_orders_of(self, customer: CustomerId) -> list[OrderId]:
        rows = list(self._store.tables.get(ParentOrder, {}).items())
        return [OrderId(key) for key, (_, parent) in rows if parent.customer_id == customer]

    def orders_procuring(self, paid_by: datetime) -> list[OrderId]:
        rows = list(self._store.tables.get(Order, {}).items())
        return [OrderId(key) for key, (_, order) in rows if order.procuring_since(paid_by)]

    def presales_unpaid_after_window(
        self, now: datetime, limit: int | None = None
    ) -> list[OrderId]:
        rows = list(self._store.tables.get(PresaleOrder, {}).items())
        found = [OrderId(key) for key, (_, order) in rows if order.unpaid_after_window(now)]
        return found[:limit]


class MemoryPaymentQueries:
    """:class:`merx.payments.PaymentQueries` over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def awaiting_authentication(self) -> list[str]:
        rows = list(self._store.tables.get(Payment, {}).items())
        return [key for key, (_, payment) in rows if payment.awaits_authentication]

    def awaiting_sync(self) -> list[str]:
        rows = list(self._store.tables.get(Payment, {}).items())
        return [key for key, (_, payment) in rows if payment.awaits_sync]

    def with_refunds_pending(self) -> list[str]:
        rows = list(self._store.tables.get(Payment, {}).items())
        return [key for key, (_, payment) in rows if payment.has_refund_pending]

    def with_refunds_escalated(self) -> list[str]:
        rows = list(self._store.tables.get(Payment, {}).items())
        return [key for key, (_, payment) in rows if payment.has_refund_escalated]


class MemoryInstallmentQueries:
    """:class:`merx.installments.InstallmentQueries` over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def accounts_to_bill(self, on: date) -> list[CustomerId]:
        rows = list(self._store.tables.get(CreditAccount, {}).items())
        return [CustomerId(key) for key, (_, account) in rows if billed_on(account, on)]


class MemoryPointsQueries:
    """:class:`merx.points.PointsQueries` over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def accounts_lapsing_by(self, as_of: date) -> list[CustomerId]:
        rows = list(self._store.tables.get(PointsAccount, {}).items())
        return [CustomerId(key) for key, (_, account) in rows if account.lapsing_by(as_of)]

    def entries_on_page(self, customer_id: CustomerId, page: int) -> list[str]:
        rows = list(self._store.tables.get(PointsRecord, {}).items())
        return [
            key
            for key, (_, record) in rows
            if record.customer_id == customer_id and record.entry.seq // ENTRIES_PER_PAGE == page
        ]


class MemoryReviewQueries:
    """:class:`merx.risk.ReviewQueries` over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def reviews_due_by(self, at: datetime) -> list[str]:
        rows = list(self._store.tables.get(ReviewCase, {}).items())
        return [
            key for key, (_, case) in rows if case.status is ReviewStatus.OPEN and case.due_at <= at
        ]


class MemoryReachQueries:
    """:class:`merx.reach.ReachQueries` over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def touches_of_campaign(self, campaign_id: str) -> list[str]:
        rows = list(self._store.tables.get(Touch, {}).items())
        return [key for key, (_, touch) in rows if touch.campaign_id == campaign_id]

    def touches_of_customer(self, customer_id: CustomerId) -> list[str]:
        rows = list(self._store.tables.get(Touch, {}).items())
        return [key for key, (_, touch) in rows if touch.customer_id == customer_id]

    def held_due(self, by: datetime, limit: int) -> list[str]:
        rows = list(self._store.tables.get(HeldMessage, {}).items())
        return [key for key, (_, held) in rows if held.waiting and held.due_at <= by][:limit]

    def held_of_campaign(self, campaign_id: str) -> list[str]:
        rows = list(self._store.tables.get(HeldMessage, {}).items())
        return [key for key, (_, held) in rows if held.campaign_id == campaign_id]


class MemoryTrafficQueries:
    """:class:`merx.traffic.TrafficQueries` over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def placements_due(self, by: datetime) -> list[str]:
        rows = list(self._store.tables.get(Placement, {}).items())
        return [key for key, (_, placement) in rows if (due := placement.next_tick) and due <= by]


class MemoryStockQueries:
    """:class:`merx.inventory.StockQueries` over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def stock_with_expired_reservations(self, by: datetime) -> list[str]:
        rows = list(self._store.tables.get(StockItem, {}).items())
        return [
            key
            for key, (_, item) in rows
            if (expiry := item.next_expiry) is not None and expiry <= by
        ]


class MemoryPurchaseOrderQueries:
    """:class:`merx.procurement.PurchaseOrderQueries` over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def received_from(self, supplier: SupplierId, period: Period) -> list[PurchaseOrderId]:
        rows = list(self._store.tables.get(PurchaseOrder, {}).items())
        return [
            PurchaseOrderId(key)
            for key, (_, order) in rows
            if order.supplier_id == supplier and order.received_in_months_of(period)
        ]


class MemorySettlementQueries:
    """:class:`merx.settlement.SettlementQueries` over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def pending_withdrawals(self, merchant: MerchantId) -> list[WithdrawalId]:
        rows = list(self._store.tables.get(Withdrawal, {}).items())
        return [
            WithdrawalId(key)
            for key, (_, withdrawal) in rows
            if withdrawal.merchant_id == merchant
            and withdrawal.status in (WithdrawalState.PENDING, WithdrawalState.HELD)
        ]


class MemoryAfterSaleQueries:
    """:class:`merx.aftersales.AfterSaleQueries` over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def open_cases(self, seller: MerchantId) -> list[AfterSaleId]:
        rows = list(self._store.tables.get(AfterSale, {}).items())
        return [
            AfterSaleId(key) for key, (_, case) in rows if case.seller == seller and case.is_open
        ]


class MemoryVoucherCodeQueries:
    """:class:`merx.promotions.VoucherCodeQueries` over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def codes_of(self, code_set_id: str) -> list[str]:
        rows = list(self._store.tables.get(VoucherCode, {}).items())
        return [key for key, (_, code) in rows if code.code_set_id == code_set_id]


class MemoryCommandRecordQueries:
    """:class:`merx.kernel.command_records.CommandRecordQueries` over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def recorded_by(self, at: datetime, limit: int) -> list[str]:
        rows = list(self._store.tables.get(CommandRecord, {}).items())
        return [key for key, (_, record) in rows if record.at <= at][:limit]
