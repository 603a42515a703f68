"""Query ports answered from a document database's indexes (never by loading every
aggregate): one class per context's ``...Queries`` port.

What is indexed is each context's own definition, next to its query port
(:func:`merx.orders.ports.order_index`, :func:`merx.orders.ports.presale_order_index`,
:func:`merx.payments.ports.payment_index`,
:func:`merx.installments.ports.credit_account_index`,
:func:`merx.inventory.ports.stock_item_index`,
:func:`merx.procurement.ports.purchase_order_index`,
:func:`merx.settlement.ports.withdrawal_index`,
:func:`merx.promotions.ports.voucher_code_index`,
:func:`merx.points.ports.points_account_index`,
:func:`merx.points.ports.points_record_index`,
:func:`merx.risk.ports.review_case_index`,
:func:`merx.reach.ports.touch_index`, :func:`merx.reach.ports.held_message_index`,
:func:`merx.traffic.ports.placement_index`); the composition root registers them with
the documents (:func:`register_indexes`), and every commit keeps them in step.
"""

from __future__ import annotations

from datetime import date, datetime

from merx.adapters.documents import DocumentDatabase
from merx.aftersales import AfterSale
from merx.aftersales.ports import OPEN_CASE_OF, after_sale_index
from merx.credit import CreditAccount
from merx.installments.ports import BILL_DAY, bill_days_on, credit_account_index
from merx.inventory import StockItem
from merx.inventory.ports import RESERVATION_EXPIRES_AT, stock_item_index
from merx.kernel.command_records import RECORDED_AT, command_record_index
from merx.kernel.documents import Documents, index_instant
from merx.kernel.ids import AfterSaleId, CustomerId, MerchantId, OrderId, SupplierId
from merx.kernel.replies import CommandRecord
from merx.orders import Order, ParentOrder, PresaleOrder
from merx.orders.ports import (
    CUSTOMER,
    DELIVERED_AT,
    PRESALE_BALANCE_ENDS,
    PROCURING_PAID_AT,
    SELLER,
    SHIPPED_AT,
    UNPAID_PLACED_AT,
    order_index,
    parent_order_index,
    presale_order_index,
)
from merx.payments import Payment
from merx.payments.ports import (
    AWAITING_AUTHENTICATION,
    AWAITING_SYNC,
    REFUND_ESCALATED,
    REFUND_PENDING,
    payment_index,
)
from merx.points import PointsAccount, PointsRecord
from merx.points.ports import (
    ENTRY_PAGE,
    NEXT_LAPSE,
    entry_page,
    points_account_index,
    points_record_index,
)
from merx.procurement import Period, PurchaseOrder, PurchaseOrderId
from merx.procurement.ports import purchase_order_index, received_in
from merx.promotions import VoucherCode
from merx.promotions.ports import CODE_SET, voucher_code_index
from merx.reach import HeldMessage, Touch
from merx.reach.ports import (
    HELD_CAMPAIGN,
    HELD_DUE,
    TOUCH_CAMPAIGN,
    TOUCH_CUSTOMER,
    held_message_index,
    touch_index,
)
from merx.risk import ReviewCase
from merx.risk.ports import REVIEW_DUE, review_case_index
from merx.settlement import Withdrawal, WithdrawalId
from merx.settlement.ports import PENDING_WITHDRAWAL_OF, withdrawal_index
from merx.traffic import Placement
from merx.traffic.ports import PLACEMENT_NEXT_TICK, placement_index


def register_indexes(documents: Documents) -> None:
    """Register every query port's index with ``documents`` (what each commit writes)."""
    documents.index(ParentOrder, parent_order_index)
    documents.index(Order, order_index)
    documents.index(PresaleOrder, presale_order_index)
    documents.index(Payment, payment_index)
    documents.index(CreditAccount, credit_account_index)
    documents.index(StockItem, stock_item_index)
    documents.index(PurchaseOrder, purchase_order_index)
    documents.index(Withdrawal, withdrawal_index)
    documents.index(AfterSale, after_sale_index)
    documents.index(VoucherCode, voucher_code_index)
    documents.index(CommandRecord, command_record_index)
    documents.index(PointsAccount, points_account_index)
    documents.index(ReviewCase, review_case_index)
    documents.index(PointsRecord, points_record_index)
    documents.index(Touch, touch_index)
    documents.index(HeldMessage, held_message_index)
    documents.index(Placement, placement_index)


class IndexedOrderQueries:
    """:class:`merx.orders.OrderQueries` from the database's indexes."""

    def __init__(self, database: DocumentDatabase, documents: Documents) -> None:
        self._database = database
        self._parents = documents.name_of(ParentOrder)
        self._orders = documents.name_of(Order)
        self._presales = documents.name_of(PresaleOrder)

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

    def parent_orders_of(self, customer: CustomerId) -> list[OrderId]:
        found = self._database.find(self._parents, CUSTOMER, equal=customer)
        return [OrderId(key) for key in found]

    def orders_procuring(self, paid_by: datetime) -> list[OrderId]:
        found = self._database.find(self._orders, PROCURING_PAID_AT, upto=index_instant(paid_by))
        return [OrderId(key) for key in found]

    def presales_unpaid_after_window(
        self, now: datetime, limit: int | None = None
    ) -> list[OrderId]:
        found = self._database.find(self._presales, PRESALE_BALANCE_ENDS, upto=index_instant(now))
        return [OrderId(key) for key in found[:limit]]


class IndexedPaymentQueries:
    """:class:`merx.payments.PaymentQueries` from the database's indexes."""

    def __init__(self, database: DocumentDatabase, documents: Documents) -> None:
        self._database = database
        self._payments = documents.name_of(Payment)

    def awaiting_authentication(self) -> list[str]:
        return self._database.find(self._payments, AWAITING_AUTHENTICATION, equal="yes")

    def awaiting_sync(self) -> list[str]:
        return self._database.find(self._payments, AWAITING_SYNC, equal="yes")

    def with_refunds_pending(self) -> list[str]:
        return self._database.find(self._payments, REFUND_PENDING, equal="yes")

    def with_refunds_escalated(self) -> list[str]:
        return self._database.find(self._payments, REFUND_ESCALATED, equal="yes")


class IndexedInstallmentQueries:
    """:class:`merx.installments.InstallmentQueries` from the database's indexes: one
    lookup per statement day billed (one, or up to four on a month's last day)."""

    def __init__(self, database: DocumentDatabase, documents: Documents) -> None:
        self._database = database
        self._accounts = documents.name_of(CreditAccount)

    def accounts_to_bill(self, on: date) -> list[CustomerId]:
        found: list[str] = []
        for day in bill_days_on(on):
            found.extend(self._database.find(self._accounts, BILL_DAY, equal=day))
        return [CustomerId(key) for key in found]


class IndexedPointsQueries:
    """:class:`merx.points.PointsQueries` from the database's indexes: one lookup."""

    def __init__(self, database: DocumentDatabase, documents: Documents) -> None:
        self._database = database
        self._accounts = documents.name_of(PointsAccount)
        self._records = documents.name_of(PointsRecord)

    def entries_on_page(self, customer_id: CustomerId, page: int) -> list[str]:
        return self._database.find(self._records, ENTRY_PAGE, equal=entry_page(customer_id, page))

    def accounts_lapsing_by(self, as_of: date) -> list[CustomerId]:
        found = self._database.find(self._accounts, NEXT_LAPSE, upto=as_of.isoformat())
        return [CustomerId(key) for key in found]


class IndexedReviewQueries:
    """:class:`merx.risk.ReviewQueries` from the database's indexes: one lookup."""

    def __init__(self, database: DocumentDatabase, documents: Documents) -> None:
        self._database = database
        self._cases = documents.name_of(ReviewCase)

    def reviews_due_by(self, at: datetime) -> list[str]:
        return self._database.find(self._cases, REVIEW_DUE, upto=index_instant(at))


class IndexedReachQueries:
    """:class:`merx.reach.ReachQueries` from the database's indexes: one lookup each."""

    def __init__(self, database: DocumentDatabase, documents: Documents) -> None:
        self._database = database
        self._touches = documents.name_of(Touch)
        self._held = documents.name_of(HeldMessage)

    def touches_of_campaign(self, campaign_id: str) -> list[str]:
        return self._database.find(self._touches, TOUCH_CAMPAIGN, equal=campaign_id)

    def touches_of_customer(self, customer_id: CustomerId) -> list[str]:
        return self._database.find(self._touches, TOUCH_CUSTOMER, equal=customer_id)

    def held_due(self, by: datetime, limit: int) -> list[str]:
        return self._database.find(self._held, HELD_DUE, upto=index_instant(by), limit=limit)

    def held_of_campaign(self, campaign_id: str) -> list[str]:
        return self._database.find(self._held, HELD_CAMPAIGN, equal=campaign_id)


class IndexedTrafficQueries:
    """:class:`merx.traffic.TrafficQueries` from the database's indexes: one range lookup."""

    def __init__(self, database: DocumentDatabase, documents: Documents) -> None:
        self._database = database
        self._placements = documents.name_of(Placement)

    def placements_due(self, by: datetime) -> list[str]:
        return self._database.find(self._placements, PLACEMENT_NEXT_TICK, upto=index_instant(by))


class IndexedStockQueries:
    """:class:`merx.inventory.StockQueries` from the database's indexes."""

    def __init__(self, database: DocumentDatabase, documents: Documents) -> None:
        self._database = database
        self._items = documents.name_of(StockItem)

    def stock_with_expired_reservations(self, by: datetime) -> list[str]:
        return self._database.find(self._items, RESERVATION_EXPIRES_AT, upto=index_instant(by))


class IndexedPurchaseOrderQueries:
    """:class:`merx.procurement.PurchaseOrderQueries` from the database's indexes: one
    lookup per month the period touches."""

    def __init__(self, database: DocumentDatabase, documents: Documents) -> None:
        self._database = database
        self._orders = documents.name_of(PurchaseOrder)

    def received_from(self, supplier: SupplierId, period: Period) -> list[PurchaseOrderId]:
        found: list[str] = []
        for month in period.months():
            found.extend(self._database.find(self._orders, received_in(month), equal=supplier))
        return [PurchaseOrderId(key) for key in dict.fromkeys(found)]


class IndexedSettlementQueries:
    """:class:`merx.settlement.SettlementQueries` from the database's indexes."""

    def __init__(self, database: DocumentDatabase, documents: Documents) -> None:
        self._database = database
        self._withdrawals = documents.name_of(Withdrawal)

    def pending_withdrawals(self, merchant: MerchantId) -> list[WithdrawalId]:
        found = self._database.find(self._withdrawals, PENDING_WITHDRAWAL_OF, equal=merchant)
        return [WithdrawalId(key) for key in found]


class IndexedCommandRecordQueries:
    """:class:`merx.kernel.command_records.CommandRecordQueries` from the database's
    indexes: one range lookup, at most ``limit`` ids."""

    def __init__(self, database: DocumentDatabase, documents: Documents) -> None:
        self._database = database
        self._records = documents.name_of(CommandRecord)

    def recorded_by(self, at: datetime, limit: int) -> list[str]:
        return self._database.find(self._records, RECORDED_AT, upto=index_instant(at), limit=limit)


class IndexedAfterSaleQueries:
    """:class:`merx.aftersales.AfterSaleQueries` from the database's indexes."""

    def __init__(self, database: DocumentDatabase, documents: Documents) -> None:
        self._database = database
        self._cases = documents.name_of(AfterSale)

    def open_cases(self, seller: MerchantId) -> list[AfterSaleId]:
        found = self._database.find(self._cases, OPEN_CASE_OF, equal=seller)
        return [AfterSaleId(key) for key in found]


class IndexedVoucherCodeQueries:
    """:class:`merx.promotions.VoucherCodeQueries` from the database's indexes."""

    def __init__(self, database: DocumentDatabase, documents: Documents) -> None:
        self._database = database
        self._codes = documents.name_of(VoucherCode)

    def codes_of(self, code_set_id: str) -> list[str]:
        return self._database.find(self._codes, CODE_SET, equal=code_set_id)
