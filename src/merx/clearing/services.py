"""Subscribers from orders, payments and after-sales to the settlement ledger."""

from __future__ import annotations

from merx.aftersales import AfterSale, AfterSaleCompleted, AfterSaleKind, Funder, GrantKind
from merx.catalog import TaxMode
from merx.checkout import FreightCharge
from merx.kernel.clock import Clock
from merx.kernel.ids import PLATFORM, OrderId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.ledger import Journals
from merx.orders import Order, OrderCompleted, OrderPaid, PresaleDepositRefunded, PresaleOrder
from merx.payments import Payment, RefundSucceeded
from merx.settlement import (
    BookOrderPayment,
    BookPlatformGoodwill,
    BookRefund,
    CompleteOrder,
    OrderClearing,
    RefundKind,
    SaleLine,
    book_order_payment,
    book_platform_goodwill,
    book_refund,
    complete_order,
)


def sale_lines(order: Order) -> tuple[SaleLine, ...]:
    """The order's lines as settlement books them: the seller's own discounts lower its
    revenue; every other party's share of a discount is a subsidy paid to the seller.
    Tax added on top of the prices (exclusive mode) is the seller's, without commission.

    The freight is one more line (:attr:`~merx.checkout.FreightCharge.KEY`), without
    commission: the customer's part goes to the seller, a waiver the seller funds lowers
    it, a waiver anyone else funds is a subsidy paid to the seller."""
    exclusive = order.tax_mode is TaxMode.EXCLUSIVE
    lines = [
        SaleLine(
            sku=line.sku,
            merchant=order.seller,
            category=line.category,
            amount=line.amount,
            merchant_discount=line.funded_by(order.seller),
            platform_discount=line.discount - line.funded_by(order.seller),
            added_tax=line.tax if exclusive else None,
        )
        for line in order.lines
    ]
    freight = order.freight
    if freight is not None and freight.fee.is_positive():
        own = freight.funded_by(order.seller)
        lines.append(
            SaleLine(
                sku=FreightCharge.KEY,
                merchant=order.seller,
                category="freight",
                amount=freight.fee,
                merchant_discount=own,
                platform_discount=freight.waived - own,
                commissioned=False,
            )
        )
    return tuple(lines)


def _marketplace(order: Order) -> bool:
    return order.seller != PLATFORM


def book_paid_order(event: OrderPaid, uow: UnitOfWork, *, clock: Clock, journals: Journals) -> None:
    """A merchant's order was paid: freeze its figures and book the money in transit."""
    order = uow.repo(Order).view(event.order_id)
    if not _marketplace(order):
        return
    channel = uow.repo(Payment).view(event.payment_id).channel
    command = BookOrderPayment(order.id, channel, sale_lines(order))
    book_order_payment(command, uow, clock=clock, journals=journals)


def book_completed_order(
    event: OrderCompleted, uow: UnitOfWork, *, clock: Clock, journals: Journals
) -> None:
    """A merchant's order completed: it clears to the merchant, to settle on its cycle."""
    order = uow.repo(Order).view(event.order_id)
    if _marketplace(order):
        command = CompleteOrder(order.id, event.at.date())
        complete_order(command, uow, clock=clock, journals=journals)


def book_after_sale_refund(
    event: AfterSaleCompleted, uow: UnitOfWork, *, clock: Clock, journals: Journals
) -> None:
    """An after-sale paid money back: reverse its lines' commission and subsidy in
    proportion (an exchange's difference is a price adjustment).

    A refund the payment's cap cut short because the platform's goodwill had already paid
    part of the order back still charges each line the units' full share (at most what the
    line has left); the part the customer does not get again is reimbursed to the platform
    (docs/settlement.md, "Platform goodwill, then a return")."""
    case = uow.repo(AfterSale).view(event.case_id)
    order = uow.repo(Order).view(OrderId(case.order_id))
    if not _marketplace(order):
        return
    if case.kind is AfterSaleKind.EXCHANGE:
        if case.refund_id is not None:
            for sku, amount in case.refund_lines:
                command = BookRefund(
                    order.id, f"{case.refund_id}/{sku}", sku, amount, RefundKind.PRICE_ADJUSTMENT
                )
                book_refund(command, uow, clock=clock, journals=journals)
        return
    refund_id = case.refund_id or f"{case.id}/refund"
    clearing = uow.repo(OrderClearing).view(order.id)
    paid = dict(case.refund_lines)
    for sku, due in case.due_lines or case.refund_lines:
        back = paid.get(sku, Money.zero(due.currency))
        charged = back.max(due.min(clearing.line(sku).refundable))
        if charged.is_positive():
            command = BookRefund(
                order.id, f"{refund_id}/{sku}", sku, charged, RefundKind.REFUND, charged - back
            )
            book_refund(command, uow, clock=clock, journals=journals)


def book_granted_refund(
    event: RefundSucceeded, uow: UnitOfWork, *, clock: Clock, journals: Journals
) -> None:
    """A refund granted outside after-sales (:class:`~merx.aftersales.GrantRefund`) was
    paid back. Funded by the seller: booked on the order's lines, split in proportion to
    what each line has left (largest remainder), as a refund (goodwill, compensation) or a
    price adjustment (a price difference). Funded by the platform: the platform's expense
    (:func:`~merx.settlement.book_platform_goodwill`), the seller's figures untouched.
    Other refunds are booked by their own subscribers."""
    found = GrantKind.of_refund(event.refund_id)
    if found is None:
        return
    order_id, kind, funder = found
    order = uow.repo(Order).view(order_id)
    if not _marketplace(order):
        return
    if funder is Funder.PLATFORM:
        channel = uow.repo(Payment).view(event.payment_id).channel
        goodwill = BookPlatformGoodwill(event.refund_id, event.amount, channel)
        book_platform_goodwill(goodwill, uow, clock=clock, journals=journals)
        return
    clearing = uow.repo(OrderClearing).view(order.id)
    lines = list(clearing.lines)
    shares = event.amount.allocate([line.refundable for line in lines])
    entry_kind = (
        RefundKind.PRICE_ADJUSTMENT if kind is GrantKind.PRICE_DIFFERENCE else RefundKind.REFUND
    )
    for line, share in zip(lines, shares, strict=True):
        if share.is_positive():
            key = f"{event.refund_id}/{line.sale.sku}"
            command = BookRefund(order.id, key, line.sale.sku, share, entry_kind)
            book_refund(command, uow, clock=clock, journals=journals)


def book_presale_deposit_refund(
    event: PresaleDepositRefunded, uow: UnitOfWork, *, clock: Clock, journals: Journals
) -> None:
    """A merchant's pre-sale deposit was refunded in full: reverse it as a refund of its
    deposit order."""
    order = uow.repo(Order).view(event.deposit_order_id)
    if not _marketplace(order):
        return
    command = BookRefund(order.id, event.refund_id, event.sku, event.amount, RefundKind.REFUND)
    book_refund(command, uow, clock=clock, journals=journals)


def book_presale_share_refund(
    event: RefundSucceeded, uow: UnitOfWork, *, clock: Clock, journals: Journals
) -> None:
    """A merchant's pre-sale deposit share was refunded with units of its goods order
    returned after the balance (:meth:`~merx.orders.PresaleOrder.units_refunded`): book it
    as a refund of the deposit order, charged to the merchant like any refund after
    completion (the deposit was part of the sale, never forfeit income). Other refunds are
    booked by their own subscribers."""
    presale_id = PresaleOrder.of_share_refund(event.refund_id)
    if presale_id is None:
        return
    presale = uow.repo(PresaleOrder).view(presale_id)
    order = uow.repo(Order).view(presale.deposit_order_id)
    if not _marketplace(order):
        return
    command = BookRefund(order.id, event.refund_id, presale.sku, event.amount, RefundKind.REFUND)
    book_refund(command, uow, clock=clock, journals=journals)
