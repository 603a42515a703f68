"""Invoices: one per seller's order, requested by the customer, issued by the seller.

An :class:`Invoice` follows :data:`INVOICE_FLOW`:

- **requested** by the customer once the order is paid, with a title (a person's name,
  or a company's name and its tax id);
- **issued** by the order's seller (or the platform) under an invoice number, for the
  amount the order is worth now: its net paid minus its refunds (succeeded or still
  pending) at issue time (:func:`invoiceable_amount`);
- a refund after issue leaves part of the invoice unowed: the invoice is **due for
  correction**, and the seller **re-issues** it under a new number: a red-letter entry
  cancels the current invoice in full, and a new (blue) one is issued for the amount now
  owed. The rule is "cancel and re-issue", never "issue a negative for the difference",
  so there is always exactly one blue invoice in force, for the whole amount;
- **voided** when the order is fully refunded (closed): a red-letter entry cancels the
  invoice in force, if one was issued. A requested invoice is voided without one.

Every issue, re-issue and void appends an :class:`InvoiceEntry`; the entries add up to the
amount in force (zero once voided), and the amount in force never exceeds what the order
paid minus what it refunded when it was issued.

A blue invoice lists its lines (:func:`invoice_lines`): each line's units still paid for,
with the line's tax rate and the tax of those units after discounts (each unit its share
of the line's tax, as refunds take it back), and the freight still charged (no tax). The
invoice's tax is the sum of its lines' tax; a red-letter entry negates the lines of the
invoice it cancels, so it reverses that invoice's tax exactly.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from decimal import Decimal

import attrs

from merx.catalog import TaxMode
from merx.checkout import FreightCharge
from merx.invoicing.errors import (
    DuplicateInvoiceNumber,
    InvoiceStillOwed,
    MissingTaxId,
    NothingToInvoice,
    OrderNotPaid,
    RefundsNotAttributed,
)
from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import Unauthorized, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import PLATFORM, CustomerId, MerchantId, OrderId
from merx.kernel.money import Money
from merx.kernel.state import StateMachine
from merx.kernel.validation import require_text
from merx.orders import Order, OrderStatus
from merx.payments import Payment

# -- values ------------------------------------------------------------------------------


class BuyerKind(enum.Enum):
    PERSONAL = "personal"
    COMPANY = "company"


#: A unified social credit code (18) or an older taxpayer number (15 to 20): digits and
#: capital letters.
_TAX_ID = re.compile(r"[0-9A-Z]{15,20}")


@attrs.frozen
class InvoiceTitle:
    """Whom the invoice is made out to."""

    buyer: BuyerKind
    name: str
    tax_id: str | None = None

    def __attrs_post_init__(self) -> None:
        require_text(self.name, "invoice title")
        if self.buyer is BuyerKind.COMPANY:
            if self.tax_id is None:
                raise MissingTaxId(f"a company invoice for {self.name!r} needs a tax id")
            if not _TAX_ID.fullmatch(self.tax_id):
                raise MissingTaxId(
                    f"tax id {self.tax_id!r} is not 15 to 20 digits and capital letters"
                )
        elif self.tax_id is not None:
            raise MissingTaxId(f"a personal invoice takes no tax id, got {self.tax_id!r}")


class EntryKind(enum.Enum):
    BLUE = "blue"  # an invoice issued
    RED = "red"  # a red-letter entry cancelling one


@attrs.frozen
class InvoiceLine:
    """One line of an invoice: ``quantity`` units of ``sku`` (or the freight, under
    :attr:`merx.checkout.FreightCharge.KEY`) for ``amount``, tax included (prices that
    contain it, or the tax added on top), of which ``tax`` at ``tax_rate``. A red-letter
    entry's lines are negative."""

    sku: str
    quantity: int
    amount: Money
    tax_rate: Decimal
    tax: Money

    @property
    def net_of_tax(self) -> Money:
        return self.amount - self.tax

    def negated(self) -> InvoiceLine:
        return attrs.evolve(self, quantity=-self.quantity, amount=-self.amount, tax=-self.tax)


@attrs.frozen
class InvoiceEntry:
    """One document on the invoice: a blue invoice (positive ``amount``) or a red-letter
    entry cancelling the blue one numbered ``cancels`` (its negative). ``lines`` add up to
    ``amount`` (an entry stored before lines were kept has none)."""

    kind: EntryKind
    number: str
    amount: Money
    at: datetime
    cancels: str | None = None
    lines: tuple[InvoiceLine, ...] = ()

    def __attrs_post_init__(self) -> None:
        require_text(self.number, "invoice number")
        if self.kind is EntryKind.BLUE:
            if not self.amount.is_positive() or self.cancels is not None:
                raise ValidationError(f"a blue invoice is a positive amount, got {self}")
        elif self.amount.is_positive() or self.amount.is_zero() or self.cancels is None:
            raise ValidationError(f"a red-letter entry cancels a blue invoice, got {self}")
        if self.lines:
            total = Money.sum((line.amount for line in self.lines), self.amount.currency)
            if total != self.amount:
                raise ValidationError(f"invoice {self.number!r}: lines {total} != {self.amount}")

    @property
    def tax(self) -> Money:
        """The sum of the lines' tax."""
        return Money.sum((line.tax for line in self.lines), self.amount.currency)


# -- the order's invoiceable amount ---------------------------------------------------------


def invoiceable_amount(order: Order, payment: Payment, *, orders_in_parent: int) -> Money:
    """What ``order`` is worth to invoice now: its net paid minus its refunds.

    Refunds count once reserved (pending or succeeded; failed ones do not), so an invoice
    never states more than what stays paid. A refund attributed to no order counts
    against the order when it is the parent's only one; otherwise
    :class:`RefundsNotAttributed`.
    """
    if order.payment_id != payment.id:
        raise OrderNotPaid(f"order {order.id!r} was not paid by payment {payment.id!r}")
    refunded = payment.refunded_to(order.id)
    loose = payment.unattributed_refunds
    if loose and orders_in_parent > 1:
        raise RefundsNotAttributed(
            f"order {order.id!r}: refunds {sorted(r.refund_id for r in loose)} of payment "
            f"{payment.id!r} name no order"
        )
    refunded += Money.sum((r.amount for r in loose), order.currency)
    owed = order.payable - refunded
    assert not owed.is_negative(), f"order {order.id!r} refunded more than it paid"
    return owed


def invoice_lines(order: Order, owed: Money) -> tuple[InvoiceLine, ...]:
    """The lines of an invoice for ``owed`` on ``order``: each line's units not refunded,
    for what they cost (their shares of the line's net, plus their tax when it was added on
    top) with their shares of the line's tax, and the freight still charged, untaxed.

    A refund granted outside after-sales (goodwill, a price difference) lowers ``owed``
    below those lines: the difference is split over them in proportion (largest
    remainder) and a lowered line's tax is computed again from what is left of it,
    rounded half up once (the tax inside an amount that contains it)."""
    zero = Money.zero(order.currency)
    kept: list[InvoiceLine] = []
    for line in order.lines:
        done = order.refunded_units.get(line.sku, 0)
        if done == line.quantity:
            continue
        net = Money.sum(line.net.allocate([1] * line.quantity)[done:], order.currency)
        tax = line.tax - order.refunded_tax(line.sku)
        paid = net + order.tax_mode.added(tax)
        kept.append(InvoiceLine(line.sku, line.quantity - done, paid, line.tax_rate, tax))
    if order.freight is not None and not order.freight_refunded:
        charged = order.freight_charged
        if charged.is_positive():
            kept.append(InvoiceLine(FreightCharge.KEY, 1, charged, Decimal(0), zero))
    total = Money.sum((line.amount for line in kept), order.currency)
    adjustment = owed - total
    if adjustment.is_zero() or not total.is_positive():
        return tuple(kept)
    parts = adjustment.allocate([line.amount for line in kept])
    return tuple(
        line if part.is_zero() else _lowered(line, line.amount + part)
        for line, part in zip(kept, parts, strict=True)
    )


def _lowered(line: InvoiceLine, amount: Money) -> InvoiceLine:
    """``line`` for ``amount`` instead, its tax the part of ``amount`` that is tax."""
    return attrs.evolve(line, amount=amount, tax=TaxMode.INCLUSIVE.tax_on(amount, line.tax_rate))


def require_paid(order: Order) -> None:
    """Raise unless ``order`` has been paid (invoices follow payment)."""
    if order.payment_id is None or order.status in (
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.CANCELLED,
    ):
        raise OrderNotPaid(f"order {order.id!r} is {order.status.value}: pay it first")


# -- the aggregate ---------------------------------------------------------------------------


class InvoiceStatus(enum.Enum):
    REQUESTED = "requested"
    ISSUED = "issued"
    CORRECTION_DUE = "correction_due"
    VOIDED = "voided"


#: An invoice's life: a refund after issue makes a correction due, which re-issues it;
#: a full refund voids it at any point.
INVOICE_FLOW: StateMachine[InvoiceStatus] = StateMachine(
    "invoice",
    [
        (InvoiceStatus.REQUESTED, "issue", InvoiceStatus.ISSUED),
        (
            (InvoiceStatus.ISSUED, InvoiceStatus.CORRECTION_DUE),
            "refund",
            InvoiceStatus.CORRECTION_DUE,
        ),
        (InvoiceStatus.CORRECTION_DUE, "reissue", InvoiceStatus.ISSUED),
        (
            (InvoiceStatus.REQUESTED, InvoiceStatus.ISSUED, InvoiceStatus.CORRECTION_DUE),
            "void",
            InvoiceStatus.VOIDED,
        ),
    ],
)


@attrs.frozen
class InvoiceRequested(DomainEvent):
    invoice_id: str
    order_id: OrderId
    customer_id: CustomerId
    title: InvoiceTitle
    at: datetime


@attrs.frozen
class InvoiceIssued(DomainEvent):
    invoice_id: str
    order_id: OrderId
    number: str
    amount: Money
    at: datetime


@attrs.frozen
class InvoiceCorrectionDue(DomainEvent):
    invoice_id: str
    order_id: OrderId
    reason: str
    at: datetime


@attrs.frozen
class InvoiceReissued(DomainEvent):
    """A red-letter entry cancelled ``cancelled`` and ``number`` was issued instead."""

    invoice_id: str
    order_id: OrderId
    cancelled: str
    number: str
    amount: Money
    at: datetime


@attrs.frozen
class InvoiceVoided(DomainEvent):
    invoice_id: str
    order_id: OrderId
    cancelled: str | None
    reason: str
    at: datetime


def invoice_id_of(order_id: OrderId) -> str:
    """One invoice per seller's order: its id is derived from the order's."""
    return f"inv-{order_id}"


@attrs.define(kw_only=True)
class Invoice(Aggregate):
    """The invoice of one seller's order."""

    id: str
    order_id: OrderId
    seller: MerchantId
    customer_id: CustomerId
    currency: str
    title: InvoiceTitle
    requested_at: datetime
    status: InvoiceStatus = InvoiceStatus.REQUESTED
    entries: list[InvoiceEntry] = attrs.field(factory=list)
    correction_reason: str | None = None

    @classmethod
    def request(
        cls,
        *,
        order: Order,
        customer_id: CustomerId,
        title: InvoiceTitle,
        owed: Money,
        at: datetime,
    ) -> Invoice:
        """The customer asks for an invoice of their paid order, with ``owed`` left on it."""
        if customer_id != order.customer_id:
            raise Unauthorized(f"order {order.id!r} is not customer {customer_id!r}'s")
        require_paid(order)
        if not owed.is_positive():
            raise NothingToInvoice(f"order {order.id!r} was refunded in full")
        invoice = cls(
            id=invoice_id_of(order.id),
            order_id=order.id,
            seller=order.seller,
            customer_id=customer_id,
            currency=order.currency,
            title=title,
            requested_at=at,
        )
        invoice.record(InvoiceRequested(invoice.id, order.id, customer_id, title, at))
        return invoice

    # -- reading --------------------------------------------------------------------------

    @property
    def in_force(self) -> InvoiceEntry | None:
        """The blue invoice currently in force (``None`` before issue and once voided)."""
        cancelled = {e.cancels for e in self.entries if e.kind is EntryKind.RED}
        live = [e for e in self.entries if e.kind is EntryKind.BLUE and e.number not in cancelled]
        assert len(live) <= 1, f"invoice {self.id!r} has two blue invoices in force"
        return live[0] if live else None

    @property
    def amount(self) -> Money:
        """The amount in force: the sum of every entry (zero before issue, once voided)."""
        return Money.sum((e.amount for e in self.entries), self.currency)

    @property
    def number(self) -> str | None:
        entry = self.in_force
        return None if entry is None else entry.number

    @property
    def tax(self) -> Money:
        """The tax in force: the sum of every entry's lines' tax."""
        return Money.sum((e.tax for e in self.entries), self.currency)

    # -- the seller's steps ---------------------------------------------------------------

    def check_seller(self, acting: MerchantId) -> None:
        """Only the order's seller, or the platform stepping in, issues and voids."""
        if acting not in (self.seller, PLATFORM):
            raise Unauthorized(f"{acting!r} may not act on invoice {self.id!r}")

    def _check_number(self, number: str) -> None:
        require_text(number, "invoice number")
        if any(e.number == number for e in self.entries):
            raise DuplicateInvoiceNumber(f"invoice {self.id!r} already used number {number!r}")

    def issue(
        self, number: str, owed: Money, at: datetime, lines: tuple[InvoiceLine, ...] = ()
    ) -> None:
        """Issue under ``number`` for ``owed``: the order's net paid minus its refunds now,
        as ``lines`` (:func:`invoice_lines`)."""
        INVOICE_FLOW.target(self.status, "issue")
        self._check_number(number)
        if not owed.is_positive():
            raise NothingToInvoice(f"order {self.order_id!r} has nothing left to invoice")
        entry = InvoiceEntry(EntryKind.BLUE, number, owed, at, lines=lines)
        self.entries.append(entry)
        INVOICE_FLOW.move(self, "issue", InvoiceIssued(self.id, self.order_id, number, owed, at))
        self._check(owed)

    def refunded(self, owed: Money | None, reason: str, at: datetime) -> bool:
        """A refund of the order after issue: if the invoice now states more than is
        ``owed`` (``None``: unknown), a correction is due. ``False`` if nothing changed."""
        if self.status is InvoiceStatus.CORRECTION_DUE or not INVOICE_FLOW.allows(
            self.status, "refund"
        ):
            return False
        if owed is not None and owed == self.amount:
            return False
        self.correction_reason = reason
        INVOICE_FLOW.move(self, "refund", InvoiceCorrectionDue(self.id, self.order_id, reason, at))
        return True

    def reissue(
        self, number: str, owed: Money, at: datetime, lines: tuple[InvoiceLine, ...] = ()
    ) -> None:
        """Cancel the invoice in force with a red-letter entry (its lines negated) and
        issue ``number`` for ``owed`` instead, as ``lines``."""
        INVOICE_FLOW.target(self.status, "reissue")
        self._check_number(number)
        if not owed.is_positive():
            raise NothingToInvoice(
                f"order {self.order_id!r} was refunded in full: void invoice {self.id!r}"
            )
        current = self.in_force
        assert current is not None, "a correction is due only on an issued invoice"
        self.entries.append(_red(current, at))
        self.entries.append(InvoiceEntry(EntryKind.BLUE, number, owed, at, lines=lines))
        self.correction_reason = None
        event = InvoiceReissued(self.id, self.order_id, current.number, number, owed, at)
        INVOICE_FLOW.move(self, "reissue", event)
        self._check(owed)

    def void(self, reason: str, at: datetime, *, owed: Money | None = None) -> None:
        """The order was refunded in full: cancel the invoice in force, if any.

        ``owed`` is what the order is still worth to invoice (``None``: nothing, the order
        is closed); while it is positive the invoice is corrected, not voided
        (:class:`InvoiceStillOwed`).
        """
        INVOICE_FLOW.target(self.status, "void")
        require_text(reason, "reason")
        if owed is not None and owed.is_positive():
            raise InvoiceStillOwed(
                f"order {self.order_id!r} still owes {owed}: correct invoice {self.id!r} "
                "instead of voiding it"
            )
        current = self.in_force
        if current is not None:
            self.entries.append(_red(current, at))
        cancelled = None if current is None else current.number
        INVOICE_FLOW.move(
            self, "void", InvoiceVoided(self.id, self.order_id, cancelled, reason, at)
        )
        self._check(Money.zero(self.currency))

    def _check(self, expected: Money) -> None:
        assert self.amount == expected, f"invoice {self.id!r}: entries do not add up"
        entry = self.in_force
        assert (entry.amount if entry else Money.zero(self.currency)) == self.amount


def _red(blue: InvoiceEntry, at: datetime) -> InvoiceEntry:
    lines = tuple(line.negated() for line in blue.lines)
    number = f"{blue.number}/red"
    return InvoiceEntry(EntryKind.RED, number, -blue.amount, at, cancels=blue.number, lines=lines)
