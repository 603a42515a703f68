"""Invoice use cases: the customer requests, the seller issues, corrects and voids; two
subscribers keep invoices in step with refunds (:func:`void_invoice_of_closed_order` on
:class:`~merx.orders.OrderClosed`, :func:`correct_invoices_after_refund` on
:class:`~merx.payments.RefundSucceeded`)."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from merx.invoicing.errors import InvoiceAlreadyRequested, RefundsNotAttributed
from merx.invoicing.model import (
    Invoice,
    InvoiceStatus,
    InvoiceTitle,
    invoice_id_of,
    invoice_lines,
    invoiceable_amount,
    require_paid,
)
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.ids import CustomerId, MerchantId, OrderId, PaymentId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.orders import Order, OrderClosed, OrderStatus, ParentOrder
from merx.payments import Payment, RefundSucceeded


@attrs.frozen
class RequestInvoice(Command[str]):
    """The customer asks for an invoice of one paid seller's order; returns its id."""

    order_id: OrderId
    customer_id: CustomerId
    title: InvoiceTitle


@attrs.frozen
class IssueInvoice(Command[Money]):
    """The seller issues the requested invoice under ``number``; returns the amount."""

    invoice_id: str
    acting: MerchantId
    number: str


@attrs.frozen
class ReissueInvoice(Command[Money]):
    """The seller corrects an invoice after a refund: red-letter the one in force, issue
    ``number`` for the amount now owed; returns it."""

    invoice_id: str
    acting: MerchantId
    number: str


@attrs.frozen
class VoidInvoice(Command[None]):
    """Void the invoice of an order refunded in full."""

    invoice_id: str
    acting: MerchantId
    reason: str


def owed_on(uow: UnitOfWork, order: Order) -> Money:
    """What ``order`` is worth to invoice now (see :func:`invoiceable_amount`)."""
    require_paid(order)
    assert order.payment_id is not None
    payment = uow.repo(Payment).get(PaymentId(order.payment_id))
    parent = uow.repo(ParentOrder).get(order.parent_id)
    return invoiceable_amount(order, payment, orders_in_parent=len(parent.order_ids))


def request_invoice(cmd: RequestInvoice, uow: UnitOfWork, *, clock: Clock) -> str:
    order = uow.repo(Order).get(cmd.order_id)
    if uow.repo(Invoice).find(invoice_id_of(order.id)) is not None:
        raise InvoiceAlreadyRequested(f"order {order.id!r} already has an invoice")
    require_paid(order)
    invoice = Invoice.request(
        order=order,
        customer_id=cmd.customer_id,
        title=cmd.title,
        owed=owed_on(uow, order),
        at=clock.now(),
    )
    uow.repo(Invoice).add(invoice)
    uow.commit()
    return invoice.id


def _by_seller(
    uow: UnitOfWork, invoice_id: str, acting: MerchantId, change: Callable[[Invoice, Order], None]
) -> Invoice:
    """Load the invoice, check ``acting`` may act on it, apply ``change`` (a model method,
    given the invoice's order), save and commit."""
    invoice = uow.repo(Invoice).get(invoice_id)
    invoice.check_seller(acting)
    change(invoice, uow.repo(Order).get(invoice.order_id))
    uow.repo(Invoice).save(invoice)
    uow.commit()
    return invoice


def issue_invoice(cmd: IssueInvoice, uow: UnitOfWork, *, clock: Clock) -> Money:
    def issue(invoice: Invoice, order: Order) -> None:
        owed = owed_on(uow, order)
        invoice.issue(cmd.number, owed, clock.now(), invoice_lines(order, owed))

    return _by_seller(uow, cmd.invoice_id, cmd.acting, issue).amount


def reissue_invoice(cmd: ReissueInvoice, uow: UnitOfWork, *, clock: Clock) -> Money:
    def reissue(invoice: Invoice, order: Order) -> None:
        owed = owed_on(uow, order)
        invoice.reissue(cmd.number, owed, clock.now(), invoice_lines(order, owed))

    return _by_seller(uow, cmd.invoice_id, cmd.acting, reissue).amount


def void_invoice(cmd: VoidInvoice, uow: UnitOfWork, *, clock: Clock) -> None:
    """Allowed once the order is closed (every unit refunded) or owes nothing."""

    def void(invoice: Invoice, order: Order) -> None:
        owed = None if order.status is OrderStatus.CLOSED else owed_on(uow, order)
        invoice.void(cmd.reason, clock.now(), owed=owed)

    _by_seller(uow, cmd.invoice_id, cmd.acting, void)


# -- subscribers -----------------------------------------------------------------------------


def void_invoice_of_closed_order(event: OrderClosed, uow: UnitOfWork, *, clock: Clock) -> None:
    """A closed order was refunded in full: void its invoice (idempotent)."""
    invoice = uow.repo(Invoice).find(invoice_id_of(event.order_id))
    if invoice is None or invoice.status is InvoiceStatus.VOIDED:
        return
    invoice.void(f"order closed: {event.reason}", clock.now())
    uow.repo(Invoice).save(invoice)
    uow.commit()


def correct_invoices_after_refund(event: RefundSucceeded, uow: UnitOfWork, *, clock: Clock) -> None:
    """After a refund, every issued invoice of the parent order that now states more than
    its order owes is due for correction (idempotent). When a refund names no order in a
    parent of several, every issued invoice of the parent is flagged for the seller to
    check; re-issuing then needs the refund attributed."""
    parent = uow.repo(ParentOrder).find(event.order_id)
    if parent is None:
        return
    now = clock.now()
    reason = f"refund {event.refund_id} of {event.amount}"
    changed = False
    for order_id in parent.order_ids:
        invoice = uow.repo(Invoice).find(invoice_id_of(order_id))
        if invoice is None or invoice.status is not InvoiceStatus.ISSUED:
            continue
        order = uow.repo(Order).get(order_id)
        try:
            owed: Money | None = owed_on(uow, order)
        except RefundsNotAttributed:
            owed = None
        if invoice.refunded(owed, reason, now):
            uow.repo(Invoice).save(invoice)
            changed = True
    if changed:
        uow.commit()
