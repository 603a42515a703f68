"""Procurement: what we buy from suppliers, on what terms, what arrived and what we owe.

Four aggregates, each with its life cycle (if any) as a transition table:

* :class:`Contract` - a supplier's purchase price list: per SKU, prices each valid over a
  :class:`Period` ``[start, end)``, never two overlapping periods for one SKU; draft ->
  signed -> terminated.
* :class:`PurchaseOrder` - goods bought from a *stocked* supplier into one of our
  warehouses, at the contract price of the order date; received in one or more receipts,
  never beyond the ordered quantity.
* :class:`SupplierStatement` - what we owe a supplier for a closed period (a
  :class:`Statement` value): issued -> confirmed -> paid.
* :class:`SettledPeriods` - per supplier, how far each basis has been billed: a
  supplier's statement periods of one basis never overlap, so no receipt or sale is
  billed twice.

The supplier itself (its type, whether it is approved) is :mod:`merx.suppliers`'s
:class:`~merx.suppliers.Supplier`, read here, never changed.

Business dates (order date, receipt date, "closed period") are the date of the clock's
instant in the instant's own zone: a host trading in Beijing gives merx an
``Asia/Shanghai`` clock. Each method checks, then changes, then records; a refused
command leaves no trace.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import NewType

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.clock import require_aware
from merx.kernel.errors import (
    BusinessRuleViolation,
    CurrencyMismatch,
    IdempotencyConflict,
    InvalidAmount,
    NotFound,
    ValidationError,
)
from merx.kernel.events import DomainEvent
from merx.kernel.ids import SkuId, SupplierId, WarehouseId
from merx.kernel.money import Money, minor_unit
from merx.kernel.quantity import require_quantity
from merx.kernel.state import StateMachine
from merx.kernel.validation import business_date, require_date, require_text
from merx.procurement.errors import (
    ContractNotInForce,
    InvalidPeriod,
    NoContractPrice,
    NotOnPurchaseOrder,
    OverlappingPricePeriod,
    PeriodAlreadySettled,
    PeriodNotClosed,
    ReceiptExceedsOrder,
    SaleOutsidePeriod,
)
from merx.suppliers import Supplier, SupplierNotActive, SupplierState, SupplierType

ContractId = NewType("ContractId", str)
PurchaseOrderId = NewType("PurchaseOrderId", str)
StatementId = NewType("StatementId", str)


# -- small values ----------------------------------------------------------------------


@attrs.frozen
class Period:
    """The calendar dates ``start <= d < end`` (``end`` excluded), ``start < end``."""

    start: date
    end: date

    def __attrs_post_init__(self) -> None:
        require_date(self.start, "period start", InvalidPeriod)
        require_date(self.end, "period end", InvalidPeriod)
        if not self.start < self.end:
            raise InvalidPeriod(f"period must end after it starts: [{self.start}, {self.end})")

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def overlaps(self, other: Period) -> bool:
        return self.start < other.end and other.start < self.end

    def months(self) -> tuple[date, ...]:
        """The first day of every calendar month the period touches, in order."""
        first, last = _month_of(self.start), _month_of(self.end - timedelta(days=1))
        found = [first]
        while found[-1] < last:
            month = found[-1]
            found.append(
                month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)
            )
        return tuple(found)

    def __str__(self) -> str:
        return f"[{self.start}, {self.end})"


def _month_of(day: date) -> date:
    return day.replace(day=1)


def _require_items(items: Sequence[tuple[SkuId, int]], what: str) -> tuple[tuple[SkuId, int], ...]:
    """Non-empty (sku, positive quantity) pairs with distinct SKUs, as a tuple."""
    result = tuple((SkuId(require_text(sku, "sku")), quantity) for sku, quantity in items)
    if not result:
        raise ValidationError(f"{what} has no lines")
    for sku, quantity in result:
        require_quantity(quantity, f"quantity of {sku!r}")
    skus = [sku for sku, _ in result]
    if len(set(skus)) != len(skus):
        raise ValidationError(f"{what} names a SKU twice: {skus}")
    return result


class StatementBasis(enum.Enum):
    """What a statement bills: goods received on purchase orders, or goods sold for the
    supplier (consignment sales, virtual goods bought in real time)."""

    PURCHASES = "purchases"
    SALES = "sales"


# -- contracts -------------------------------------------------------------------------


class ContractState(enum.Enum):
    DRAFT = "draft"
    SIGNED = "signed"
    TERMINATED = "terminated"


@attrs.frozen
class ContractPrice:
    """The unit purchase price of one SKU over one period."""

    sku: SkuId
    unit_cost: Money
    valid: Period

    def __attrs_post_init__(self) -> None:
        require_text(self.sku, "sku")
        if not isinstance(self.unit_cost, Money) or not self.unit_cost.is_positive():
            raise InvalidAmount(f"unit cost of {self.sku!r} must be a positive Money")


@attrs.frozen
class ContractDrafted(DomainEvent):
    contract_id: ContractId
    supplier_id: SupplierId
    at: datetime


@attrs.frozen
class ContractPriceAdded(DomainEvent):
    contract_id: ContractId
    price: ContractPrice
    at: datetime


@attrs.frozen
class ContractSigned(DomainEvent):
    """``prices`` is the whole price list at signature (a catalog subscriber may copy the
    purchase costs in force into its SKUs)."""

    contract_id: ContractId
    supplier_id: SupplierId
    prices: tuple[ContractPrice, ...]
    at: datetime


@attrs.frozen
class ContractTerminated(DomainEvent):
    contract_id: ContractId
    supplier_id: SupplierId
    reason: str
    at: datetime


_C = ContractState

CONTRACT_FLOW: StateMachine[ContractState] = StateMachine(
    "contract",
    [
        (_C.DRAFT, "add price", _C.DRAFT),
        (_C.SIGNED, "add price", _C.SIGNED),
        (_C.DRAFT, "sign", _C.SIGNED),
        ((_C.DRAFT, _C.SIGNED), "terminate", _C.TERMINATED),
    ],
)


@attrs.define(kw_only=True)
class Contract(Aggregate):
    """A purchase contract with one supplier: its price list, in the supplier's currency.

    Prices may be added while draft and, as amendments, while signed - but an amendment
    may not start before the day it is made, so a signed past is never rewritten.
    """

    id: ContractId
    supplier_id: SupplierId
    currency: str
    prices: tuple[ContractPrice, ...] = ()
    status: ContractState = ContractState.DRAFT
    signed_on: date | None = None
    terminated_on: date | None = None
    termination_reason: str | None = None

    @classmethod
    def draft(cls, *, contract_id: ContractId, supplier: Supplier, at: datetime) -> Contract:
        require_text(contract_id, "contract id")
        if supplier.status is SupplierState.TERMINATED:
            raise SupplierNotActive(f"supplier {supplier.id!r} is terminated")
        require_aware(at)
        contract = cls(id=contract_id, supplier_id=supplier.id, currency=supplier.currency)
        contract.record(ContractDrafted(contract_id, supplier.id, at))
        return contract

    def add_price(self, sku: SkuId, unit_cost: Money, valid: Period, at: datetime) -> None:
        CONTRACT_FLOW.target(self.status, "add price")
        price = ContractPrice(sku, unit_cost, valid)
        if unit_cost.currency != self.currency:
            raise CurrencyMismatch(
                f"contract {self.id!r} is in {self.currency}, price of {sku!r} is {unit_cost}"
            )
        today = business_date(at)
        if self.status is ContractState.SIGNED and valid.start < today:
            raise InvalidPeriod(
                f"contract {self.id!r} is signed: an amended price may not start before "
                f"{today}, got {valid}"
            )
        for other in self.prices:
            if other.sku == sku and other.valid.overlaps(valid):
                raise OverlappingPricePeriod(
                    f"contract {self.id!r}: price of {sku!r} over {valid} overlaps "
                    f"{other.unit_cost} over {other.valid}"
                )
        self.prices = (*self.prices, price)
        CONTRACT_FLOW.move(self, "add price", ContractPriceAdded(self.id, price, at))

    def price_on(self, sku: SkuId, day: date) -> Money:
        """The unit cost of ``sku`` on ``day``, whatever the contract's state."""
        require_date(day, "price date", InvalidPeriod)
        for price in self.prices:
            if price.sku == sku and price.valid.contains(day):
                return price.unit_cost
        raise NoContractPrice(f"contract {self.id!r} has no price for {sku!r} on {day}")

    def in_force_on(self, day: date) -> bool:
        """Signed on or before ``day`` and not terminated by then."""
        if self.signed_on is None or day < self.signed_on:
            return False
        return self.terminated_on is None or day < self.terminated_on

    def check_in_force(self, day: date) -> None:
        if not self.in_force_on(day):
            raise ContractNotInForce(
                f"contract {self.id!r} ({self.status.value}, signed {self.signed_on}, "
                f"terminated {self.terminated_on}) is not in force on {day}"
            )

    def sign(self, supplier: Supplier, at: datetime) -> None:
        """Sign with an approved supplier; the contract must list at least one price."""
        CONTRACT_FLOW.target(self.status, "sign")
        if supplier.id != self.supplier_id:
            raise ValidationError(f"contract {self.id!r} is with {self.supplier_id!r}")
        supplier.check_active("sign a contract")
        if not self.prices:
            raise BusinessRuleViolation(f"contract {self.id!r} lists no prices")
        self.signed_on = business_date(at)
        event = ContractSigned(self.id, self.supplier_id, self.prices, at)
        CONTRACT_FLOW.move(self, "sign", event)

    def terminate(self, reason: str, at: datetime) -> None:
        """End the contract from today; prices stay readable for statements of the past."""
        CONTRACT_FLOW.target(self.status, "terminate")
        require_text(reason, "termination reason")
        self.terminated_on = business_date(at)
        self.termination_reason = reason
        event = ContractTerminated(self.id, self.supplier_id, reason, at)
        CONTRACT_FLOW.move(self, "terminate", event)


# -- purchase orders -------------------------------------------------------------------


class PurchaseOrderState(enum.Enum):
    DRAFT = "draft"
    APPROVED = "approved"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"
    CLOSED = "closed"  # partially received, and the rest will not come


@attrs.frozen
class PurchaseOrderLine:
    sku: SkuId
    quantity_ordered: int
    unit_cost: Money

    @property
    def amount(self) -> Money:
        return self.unit_cost * self.quantity_ordered


@attrs.frozen
class ReceiptLine:
    """Units of one SKU received, at the purchase order's unit cost."""

    sku: SkuId
    quantity: int
    unit_cost: Money

    @property
    def amount(self) -> Money:
        return self.unit_cost * self.quantity


@attrs.frozen
class Receipt:
    """One delivery received against a purchase order; ``reference`` is the goods-received
    note's number and makes a repeated receipt a replay."""

    reference: str
    received_on: date
    lines: tuple[ReceiptLine, ...]

    @property
    def total(self) -> Money:
        return Money.sum((line.amount for line in self.lines), self.lines[0].unit_cost.currency)


@attrs.frozen
class PurchaseOrderDrafted(DomainEvent):
    purchase_order_id: PurchaseOrderId
    supplier_id: SupplierId
    total: Money
    at: datetime


@attrs.frozen
class PurchaseOrderApproved(DomainEvent):
    purchase_order_id: PurchaseOrderId
    at: datetime


@attrs.frozen
class PurchaseOrderReceived(DomainEvent):
    """A receipt was booked; ``complete`` when every line is now fully received."""

    purchase_order_id: PurchaseOrderId
    warehouse: WarehouseId
    receipt: Receipt
    complete: bool
    at: datetime


@attrs.frozen
class PurchaseOrderCancelled(DomainEvent):
    purchase_order_id: PurchaseOrderId
    reason: str
    at: datetime


@attrs.frozen
class PurchaseOrderClosed(DomainEvent):
    purchase_order_id: PurchaseOrderId
    reason: str
    at: datetime


_P = PurchaseOrderState

PURCHASE_ORDER_FLOW: StateMachine[PurchaseOrderState] = StateMachine(
    "purchase order",
    [
        (_P.DRAFT, "approve", _P.APPROVED),
        ((_P.APPROVED, _P.PARTIALLY_RECEIVED), "receive part", _P.PARTIALLY_RECEIVED),
        ((_P.APPROVED, _P.PARTIALLY_RECEIVED), "receive rest", _P.RECEIVED),
        ((_P.DRAFT, _P.APPROVED), "cancel", _P.CANCELLED),
        (_P.PARTIALLY_RECEIVED, "close", _P.CLOSED),
    ],
)


@attrs.define(kw_only=True)
class PurchaseOrder(Aggregate):
    """Goods ordered from a stocked supplier for one warehouse, at contract prices.

    Invariant: for every line, ``0 <= received_of(sku) <= quantity_ordered``.
    """

    id: PurchaseOrderId
    supplier_id: SupplierId
    contract_id: ContractId
    warehouse: WarehouseId
    currency: str
    ordered_on: date
    lines: tuple[PurchaseOrderLine, ...]
    status: PurchaseOrderState = PurchaseOrderState.DRAFT
    receipts: tuple[Receipt, ...] = ()
    reason: str | None = None  # why it was cancelled or closed

    @classmethod
    def draft(
        cls,
        *,
        purchase_order_id: PurchaseOrderId,
        supplier: Supplier,
        contract: Contract,
        warehouse: WarehouseId,
        items: Sequence[tuple[SkuId, int]],
        at: datetime,
    ) -> PurchaseOrder:
        """Order ``items`` at ``contract``'s prices of today (the order date)."""
        require_text(purchase_order_id, "purchase order id")
        require_text(warehouse, "warehouse")
        supplier.check_type([SupplierType.STOCKED], "a purchase order")
        supplier.check_active("take a purchase order")
        if contract.supplier_id != supplier.id:
            raise ValidationError(
                f"contract {contract.id!r} is with {contract.supplier_id!r}, not {supplier.id!r}"
            )
        today = business_date(at)
        contract.check_in_force(today)
        checked = _require_items(items, f"purchase order {purchase_order_id!r}")
        lines = tuple(
            PurchaseOrderLine(sku, quantity, contract.price_on(sku, today))
            for sku, quantity in checked
        )
        order = cls(
            id=purchase_order_id,
            supplier_id=supplier.id,
            contract_id=contract.id,
            warehouse=warehouse,
            currency=contract.currency,
            ordered_on=today,
            lines=lines,
        )
        order.record(PurchaseOrderDrafted(order.id, supplier.id, order.total, at))
        return order

    # -- queries -----------------------------------------------------------------------

    @property
    def total(self) -> Money:
        """The value ordered."""
        return Money.sum((line.amount for line in self.lines), self.currency)

    @property
    def received_value(self) -> Money:
        return Money.sum((receipt.total for receipt in self.receipts), self.currency)

    def line(self, sku: SkuId) -> PurchaseOrderLine:
        for line in self.lines:
            if line.sku == sku:
                return line
        raise NotOnPurchaseOrder(f"purchase order {self.id!r} holds no line for {sku!r}")

    def received_of(self, sku: SkuId) -> int:
        self.line(sku)
        return sum(rl.quantity for r in self.receipts for rl in r.lines if rl.sku == sku)

    def outstanding_of(self, sku: SkuId) -> int:
        return self.line(sku).quantity_ordered - self.received_of(sku)

    @property
    def received_months(self) -> frozenset[date]:
        """The first day of every calendar month a receipt of the order fell in."""
        return frozenset(_month_of(receipt.received_on) for receipt in self.receipts)

    def received_in_months_of(self, period: Period) -> bool:
        """Whether a receipt fell in a calendar month ``period`` touches: the orders a
        purchases statement of ``period`` reads (it keeps the receipts inside the period)."""
        return not self.received_months.isdisjoint(period.months())

    def receipt(self, reference: str) -> Receipt:
        for receipt in self.receipts:
            if receipt.reference == reference:
                return receipt
        raise NotFound(f"purchase order {self.id!r} has no receipt {reference!r}")

    # -- commands ----------------------------------------------------------------------

    def approve(self, supplier: Supplier, at: datetime) -> None:
        """Approve the order for sending; the supplier must still be active."""
        PURCHASE_ORDER_FLOW.target(self.status, "approve")
        if supplier.id != self.supplier_id:
            raise ValidationError(f"purchase order {self.id!r} is from {self.supplier_id!r}")
        supplier.check_active("have a purchase order approved")
        require_aware(at)
        PURCHASE_ORDER_FLOW.move(self, "approve", PurchaseOrderApproved(self.id, at))

    def receive(self, reference: str, items: Sequence[tuple[SkuId, int]], at: datetime) -> bool:
        """Book a receipt of ``items``; ``False`` if it is a replay of ``reference``.

        The same reference with the same items (in any order) is a replay and changes
        nothing; with other items it raises :class:`IdempotencyConflict`. Receiving more
        than a line still awaits raises :class:`ReceiptExceedsOrder`.
        """
        require_text(reference, "receipt reference")
        payload = tuple(sorted((sku, quantity) for sku, quantity in items))
        for earlier in self.receipts:
            if earlier.reference == reference:
                earlier_payload = tuple(sorted((rl.sku, rl.quantity) for rl in earlier.lines))
                if earlier_payload != payload:
                    raise IdempotencyConflict(
                        f"receipt {reference!r} on {self.id!r} booked {earlier_payload}, "
                        f"now {payload}"
                    )
                return False
        PURCHASE_ORDER_FLOW.target(self.status, "receive part")
        checked = _require_items(items, f"receipt {reference!r}")
        for sku, quantity in checked:
            outstanding = self.outstanding_of(sku)
            if quantity > outstanding:
                raise ReceiptExceedsOrder(
                    f"purchase order {self.id!r}: receiving {quantity} of {sku!r} but only "
                    f"{outstanding} of {self.line(sku).quantity_ordered} are outstanding"
                )
        today = business_date(at)
        receipt = Receipt(
            reference,
            today,
            tuple(ReceiptLine(sku, qty, self.line(sku).unit_cost) for sku, qty in checked),
        )
        self.receipts = (*self.receipts, receipt)
        complete = all(self.outstanding_of(line.sku) == 0 for line in self.lines)
        command = "receive rest" if complete else "receive part"
        event = PurchaseOrderReceived(self.id, self.warehouse, receipt, complete, at)
        PURCHASE_ORDER_FLOW.move(self, command, event)
        self._check()
        return True

    def cancel(self, reason: str, at: datetime) -> None:
        PURCHASE_ORDER_FLOW.target(self.status, "cancel")
        require_text(reason, "cancellation reason")
        require_aware(at)
        self.reason = reason
        PURCHASE_ORDER_FLOW.move(self, "cancel", PurchaseOrderCancelled(self.id, reason, at))

    def close(self, reason: str, at: datetime) -> None:
        """Stop waiting for the rest of a partially received order."""
        PURCHASE_ORDER_FLOW.target(self.status, "close")
        require_text(reason, "closing reason")
        require_aware(at)
        self.reason = reason
        PURCHASE_ORDER_FLOW.move(self, "close", PurchaseOrderClosed(self.id, reason, at))

    def _check(self) -> None:
        for line in self.lines:
            received = self.received_of(line.sku)
            assert 0 <= received <= line.quantity_ordered, f"{self.id}: {line.sku} over-received"
        complete = all(self.outstanding_of(line.sku) == 0 for line in self.lines)
        assert complete == (self.status is PurchaseOrderState.RECEIVED), f"{self.id}: status"


# -- settlement statements -------------------------------------------------------------


@attrs.frozen
class SoldLine:
    """Units sold for a supplier (consignment sale, real-time purchase), given by the caller."""

    sku: SkuId
    quantity: int
    sold_on: date
    reference: str = ""

    def __attrs_post_init__(self) -> None:
        require_text(self.sku, "sku")
        require_quantity(self.quantity, f"quantity of {self.sku!r} sold")
        require_date(self.sold_on, f"sale date of {self.sku!r}", InvalidPeriod)


@attrs.frozen
class StatementLine:
    """``quantity`` units of ``sku`` at ``unit_cost``, received or sold ``on``."""

    sku: SkuId
    quantity: int
    unit_cost: Money
    on: date
    reference: str

    @property
    def amount(self) -> Money:
        return self.unit_cost * self.quantity


@attrs.frozen
class Statement:
    """What a supplier is owed for a period: lines and their total (built with :meth:`of`)."""

    supplier_id: SupplierId
    basis: StatementBasis
    period: Period
    currency: str
    lines: tuple[StatementLine, ...]
    total: Money

    def __attrs_post_init__(self) -> None:
        minor_unit(self.currency)
        for line in self.lines:
            require_quantity(line.quantity, f"statement quantity of {line.sku!r}")
            if not self.period.contains(line.on):
                raise ValidationError(f"statement line {line!r} falls outside {self.period}")
        expected = Money.sum((line.amount for line in self.lines), self.currency)
        if self.total != expected:
            raise ValidationError(f"statement total {self.total} is not its lines' {expected}")

    @classmethod
    def of(
        cls,
        *,
        supplier_id: SupplierId,
        basis: StatementBasis,
        period: Period,
        currency: str,
        lines: Iterable[StatementLine],
    ) -> Statement:
        ordered = tuple(sorted(lines, key=lambda line: (line.on, line.reference, line.sku)))
        total = Money.sum((line.amount for line in ordered), currency)
        return cls(supplier_id, basis, period, currency, ordered, total)


def purchases_statement(
    supplier: Supplier, purchase_orders: Iterable[PurchaseOrder], period: Period
) -> Statement:
    """Everything received from a stocked ``supplier`` on ``purchase_orders`` in ``period``."""
    supplier.check_type([SupplierType.STOCKED], "a purchases statement")
    lines: list[StatementLine] = []
    for order in purchase_orders:
        if order.supplier_id != supplier.id:
            raise ValidationError(
                f"purchase order {order.id!r} is from {order.supplier_id!r}, not {supplier.id!r}"
            )
        for receipt in order.receipts:
            if period.contains(receipt.received_on):
                reference = f"{order.id}/{receipt.reference}"
                lines.extend(
                    StatementLine(rl.sku, rl.quantity, rl.unit_cost, receipt.received_on, reference)
                    for rl in receipt.lines
                )
    return Statement.of(
        supplier_id=supplier.id,
        basis=StatementBasis.PURCHASES,
        period=period,
        currency=supplier.currency,
        lines=lines,
    )


def sales_statement(
    supplier: Supplier, contract: Contract, sold: Iterable[SoldLine], period: Period
) -> Statement:
    """What was sold for a consignment (or real-time) ``supplier``, at ``contract`` prices
    of each sale's date. Every sold line must fall inside ``period``."""
    supplier.check_type([SupplierType.CONSIGNMENT, SupplierType.REAL_TIME_API], "a sales statement")
    if contract.supplier_id != supplier.id:
        raise ValidationError(f"contract {contract.id!r} is with {contract.supplier_id!r}")
    lines: list[StatementLine] = []
    for sale in sold:
        if not period.contains(sale.sold_on):
            raise SaleOutsidePeriod(f"sale {sale!r} is outside the statement period {period}")
        unit_cost = contract.price_on(sale.sku, sale.sold_on)
        lines.append(
            StatementLine(sale.sku, sale.quantity, unit_cost, sale.sold_on, sale.reference)
        )
    return Statement.of(
        supplier_id=supplier.id,
        basis=StatementBasis.SALES,
        period=period,
        currency=contract.currency,
        lines=lines,
    )


class StatementState(enum.Enum):
    ISSUED = "issued"
    CONFIRMED = "confirmed"  # the supplier agreed with it
    PAID = "paid"


@attrs.frozen
class SupplierStatementIssued(DomainEvent):
    statement_id: StatementId
    supplier_id: SupplierId
    basis: StatementBasis
    period: Period
    total: Money
    at: datetime


@attrs.frozen
class SupplierStatementConfirmed(DomainEvent):
    statement_id: StatementId
    at: datetime


@attrs.frozen
class SupplierStatementPaid(DomainEvent):
    statement_id: StatementId
    total: Money
    payment_reference: str
    at: datetime


STATEMENT_FLOW: StateMachine[StatementState] = StateMachine(
    "supplier statement",
    [
        (StatementState.ISSUED, "confirm", StatementState.CONFIRMED),
        (StatementState.CONFIRMED, "pay", StatementState.PAID),
    ],
)


@attrs.define(kw_only=True)
class SettledPeriods(Aggregate):
    """How far a supplier has been billed: ``settled_until[basis]`` is the end of the last
    statement period issued on ``basis``, and a new statement on that basis must start on
    or after it. One per supplier (its id is the supplier's), made by the first statement;
    changed only by :meth:`SupplierStatement.issue`, whose event says what was booked."""

    id: SupplierId
    settled_until: dict[StatementBasis, date] = attrs.field(factory=dict)

    def check(self, basis: StatementBasis, period: Period, today: date) -> None:
        """Raise unless a statement on ``basis`` over ``period`` may be issued ``today``."""
        if period.end > today:
            raise PeriodNotClosed(
                f"statement period {period} for supplier {self.id!r} has not ended on {today}"
            )
        settled = self.settled_until.get(basis)
        if settled is not None and period.start < settled:
            raise PeriodAlreadySettled(
                f"supplier {self.id!r}: {basis.value} are settled until {settled}; "
                f"period {period} overlaps"
            )

    def book(self, basis: StatementBasis, period: Period, today: date) -> None:
        self.check(basis, period, today)
        self.settled_until[basis] = period.end


@attrs.define(kw_only=True)
class SupplierStatement(Aggregate):
    """A statement sent to a supplier, until it is paid."""

    id: StatementId
    statement: Statement
    issued_at: datetime
    status: StatementState = StatementState.ISSUED
    confirmed_at: datetime | None = None
    paid_at: datetime | None = None
    payment_reference: str | None = None

    @classmethod
    def issue(
        cls,
        *,
        statement_id: StatementId,
        settled: SettledPeriods,
        statement: Statement,
        at: datetime,
    ) -> SupplierStatement:
        """Issue ``statement`` and book its period in ``settled`` (both must be saved)."""
        require_text(statement_id, "statement id")
        if statement.supplier_id != settled.id:
            raise ValidationError(f"statement is for {statement.supplier_id!r}, not {settled.id!r}")
        settled.book(statement.basis, statement.period, business_date(at))
        issued = cls(id=statement_id, statement=statement, issued_at=at)
        issued.record(
            SupplierStatementIssued(
                statement_id,
                statement.supplier_id,
                statement.basis,
                statement.period,
                statement.total,
                at,
            )
        )
        return issued

    @property
    def supplier_id(self) -> SupplierId:
        return self.statement.supplier_id

    @property
    def total(self) -> Money:
        return self.statement.total

    def confirm(self, at: datetime) -> None:
        STATEMENT_FLOW.target(self.status, "confirm")
        require_aware(at)
        self.confirmed_at = at
        STATEMENT_FLOW.move(self, "confirm", SupplierStatementConfirmed(self.id, at))

    def pay(self, payment_reference: str, at: datetime) -> None:
        STATEMENT_FLOW.target(self.status, "pay")
        require_text(payment_reference, "payment reference")
        require_aware(at)
        self.paid_at = at
        self.payment_reference = payment_reference
        event = SupplierStatementPaid(self.id, self.total, payment_reference, at)
        STATEMENT_FLOW.move(self, "pay", event)
