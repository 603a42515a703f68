"""Cashier use cases: pay a parent order through a channel, take the channel's
notifications, sync unknown outcomes, refund.

Every gateway call happens *between* two commits: what merx intends is stored before the
call (a payment initiated, a refund reserved), what the channel answered after it, as a
fact. A timeout leaves the intent stored and pending, never guessed: :class:`SyncPayment`
repeats the calls with the same idempotency keys, so the channel answers what it did (or
does it now) and nothing is ever charged twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs

from merx.inventory import InventoryPolicy, confirm_holds, hold_for_order, release_holds
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import ValidationError
from merx.kernel.ids import IdSource, OrderId, PaymentId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.orders import Order, ParentOrder
from merx.payments.model import FactKind, Payment, PaymentFact, PaymentStatus, RefundStatus
from merx.payments.ports import (
    GatewayOperation,
    GatewayResult,
    GatewayStatus,
    GatewayTimeout,
    PaymentGateway,
    PaymentNotification,
)


class UnknownChannel(ValidationError):
    """No payment gateway is configured for the channel asked for."""


@attrs.frozen
class PaymentOutcome:
    """What became of a payment attempt: ``INITIATED`` means the outcome is still unknown."""

    payment_id: PaymentId
    status: PaymentStatus
    reason: str | None = None


@attrs.frozen
class PayOrder(Command[PaymentOutcome]):
    """Pay a parent order (every seller's order of one checkout) in full through
    ``channel`` with the payer's ``method``."""

    parent_id: OrderId
    channel: str
    method: str = "balance"


@attrs.frozen
class SyncPayment(Command[PaymentOutcome]):
    """Settle a payment whose outcome is unknown (timeout, pending) by asking again with
    the same idempotency keys."""

    payment_id: PaymentId


@attrs.frozen
class HandlePaymentNotification(Command[PaymentOutcome]):
    """A channel's asynchronous notification: deduplicated by event id, folded as a fact."""

    notification: PaymentNotification


def gateway_for(gateways: Mapping[str, PaymentGateway], channel: str) -> PaymentGateway:
    try:
        return gateways[channel]
    except KeyError:
        raise UnknownChannel(
            f"no payment channel {channel!r}; configured: {sorted(gateways)}"
        ) from None


# -- paying ------------------------------------------------------------------------------


def pay_order(
    cmd: PayOrder,
    uow: UnitOfWork,
    *,
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
    ids: IdSource,
    inventory: InventoryPolicy,
) -> PaymentOutcome:
    """Lock the orders' stock, charge the parent order, and settle the outcome.

    Stock is locked firmly when payment starts (a reservation taken at placement is
    confirmed), so a successful charge always has goods behind it; a declined charge
    gives the stock back.
    """
    gateway = gateway_for(gateways, cmd.channel)
    parent = uow.repo(ParentOrder).get(cmd.parent_id)
    now = clock.now()
    payment = Payment.initiate(
        payment_id=PaymentId(ids.next_id("pay")),
        order_id=parent.id,
        channel=cmd.channel,
        method=cmd.method,
        amount=parent.payable,
        at=now,
    )
    parent.start_payment(payment.id, now)
    for order_id in parent.order_ids:
        order = uow.repo(Order).get(order_id)
        if order.allocations:
            confirm_holds(uow, order.id, order.allocations)
        elif order.ship_to is not None and order.stock_lines:
            plan = hold_for_order(
                uow,
                order.id,
                order.stock_lines,
                order.ship_to.region,
                policy=inventory,
                expires_at=None,
            )
            order.assign_stock(plan)
            uow.repo(Order).save(order)
    uow.repo(ParentOrder).save(parent)
    uow.repo(Payment).add(payment)
    uow.commit()
    return _charge_and_settle(uow, payment, gateway, clock)


def sync_payment(
    cmd: SyncPayment, uow: UnitOfWork, *, gateways: Mapping[str, PaymentGateway], clock: Clock
) -> PaymentOutcome:
    payment = uow.repo(Payment).get(cmd.payment_id)
    if payment.status is not PaymentStatus.INITIATED:
        return PaymentOutcome(payment.id, payment.status, payment.failure)
    return _charge_and_settle(uow, payment, gateway_for(gateways, payment.channel), clock)


def _charge_and_settle(
    uow: UnitOfWork, payment: Payment, gateway: PaymentGateway, clock: Clock
) -> PaymentOutcome:
    """Authorize then capture (same keys every time), record the facts, settle."""
    results: list[tuple[GatewayOperation, GatewayResult]] = []
    try:
        auth = gateway.authorize(
            payment_id=payment.id,
            amount=payment.amount,
            method=payment.method,
            idempotency_key=f"{payment.id}/authorize",
        )
        results.append((GatewayOperation.AUTHORIZE, auth))
        if auth.status is GatewayStatus.SUCCEEDED:
            capture = gateway.capture(
                payment_id=payment.id,
                amount=payment.amount,
                idempotency_key=f"{payment.id}/capture",
            )
            results.append((GatewayOperation.CAPTURE, capture))
    except GatewayTimeout:
        pass
    facts = [
        fact
        for operation, result in results
        if (fact := _fact_of(operation, result.status, result, clock.now())) is not None
    ]
    outcome = _record_and_settle(uow, payment.id, facts, clock=clock, gateway=gateway)
    if outcome.status is PaymentStatus.INITIATED and outcome.reason is None:
        return attrs.evolve(outcome, reason="outcome unknown: sync later")
    return outcome


def handle_payment_notification(
    cmd: HandlePaymentNotification,
    uow: UnitOfWork,
    *,
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
) -> PaymentOutcome:
    note = cmd.notification
    payment = uow.repo(Payment).get(note.payment_id)
    if note.channel != payment.channel:
        raise ValidationError(
            f"notification {note.event_id!r} from {note.channel!r} for a {payment.channel} payment"
        )
    fact = _fact_of(note.operation, note.status, note, clock.now())
    assert fact is not None, "notifications report final outcomes only"
    fingerprint = repr((note.operation, note.status, note.amount, note.reference, note.refund_id))
    return _record_and_settle(
        uow,
        payment.id,
        [fact],
        clock=clock,
        gateway=gateway_for(gateways, payment.channel),
        notice=(note.event_id, fingerprint),
    )


_SUCCEEDED = {
    GatewayOperation.AUTHORIZE: FactKind.AUTHORIZED,
    GatewayOperation.CAPTURE: FactKind.CAPTURED,
    GatewayOperation.REFUND: FactKind.REFUNDED,
}
_FAILED = {
    GatewayOperation.AUTHORIZE: FactKind.CHARGE_FAILED,
    GatewayOperation.CAPTURE: FactKind.CHARGE_FAILED,
    GatewayOperation.REFUND: FactKind.REFUND_FAILED,
}


def _fact_of(
    operation: GatewayOperation,
    status: GatewayStatus,
    source: GatewayResult | PaymentNotification,
    at: datetime,
) -> PaymentFact | None:
    """The fact a final outcome states; ``None`` while it is pending."""
    if status is GatewayStatus.PENDING:
        return None
    table = _SUCCEEDED if status is GatewayStatus.SUCCEEDED else _FAILED
    refund_id = source.refund_id if isinstance(source, PaymentNotification) else None
    return PaymentFact(
        kind=table[operation],
        reference=source.reference,
        amount=source.amount,
        at=at,
        refund_id=refund_id,
        reason=source.reason,
    )


def _record_and_settle(
    uow: UnitOfWork,
    payment_id: PaymentId,
    facts: Sequence[PaymentFact],
    *,
    clock: Clock,
    gateway: PaymentGateway,
    notice: tuple[str, str] | None = None,
) -> PaymentOutcome:
    """Fold the facts into the payment, then make the orders follow its status (commits).

    A success for a parent order that no longer waits for this payment (closed, or paid
    by another attempt) is refunded in full at once: money is never kept for nothing.
    """
    payment = uow.repo(Payment).get(payment_id)
    for fact in facts:
        payment.record_fact(fact, notice=notice)
    parent = uow.repo(ParentOrder).get(payment.order_id)
    now = clock.now()
    late = False
    if payment.status is PaymentStatus.SUCCEEDED and parent.payment_id != payment.id:
        if parent.accepts_payment(payment.id):
            parent.mark_paid(payment.id, payment.amount, now)
            for order_id in parent.order_ids:
                order = uow.repo(Order).get(order_id)
                order.mark_paid(payment.id, now)
                uow.repo(Order).save(order)
        else:
            late = payment.refundable.is_positive()
    elif payment.status is PaymentStatus.FAILED and parent.payment_attempt == payment.id:
        parent.payment_failed(payment.id, payment.failure or "declined", now)
        for order_id in parent.order_ids:
            order = uow.repo(Order).get(order_id)
            release_holds(uow, order.id, order.allocations)
            order.assign_stock(())
            uow.repo(Order).save(order)
    uow.repo(ParentOrder).save(parent)
    uow.repo(Payment).save(payment)
    uow.commit()
    if late:
        refund_payment(
            uow,
            gateway,
            payment_id=payment.id,
            refund_id=f"{payment.id}/late",
            amount=payment.refundable,
            reason=f"order {parent.id} was {parent.status.value} when the payment succeeded",
            clock=clock,
        )
        return PaymentOutcome(payment.id, PaymentStatus.SUCCEEDED, "refunded: order not payable")
    return PaymentOutcome(payment.id, payment.status, payment.failure)


# -- refunding ---------------------------------------------------------------------------


def refund_payment(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    *,
    payment_id: PaymentId,
    refund_id: str,
    amount: Money,
    reason: str,
    clock: Clock,
) -> RefundStatus:
    """Reserve, then ask the channel, then record: a refund is never paid twice.

    Commits the reservation before the gateway call (a repeat with the same refund id
    reuses it). Returns the refund's status: ``PENDING`` when the channel timed out or has
    not settled it yet (its notification, or a repeat of this call, settles it).
    """
    payment = uow.repo(Payment).get(payment_id)
    if payment.reserve_refund(refund_id, amount, reason):
        uow.repo(Payment).save(payment)
        uow.commit()
    elif payment.refund_status(refund_id) is not RefundStatus.PENDING:
        return payment.refund_status(refund_id)
    try:
        result = gateway.refund(
            payment_id=payment_id,
            refund_id=refund_id,
            amount=amount,
            idempotency_key=f"{payment_id}/refund/{refund_id}",
        )
    except GatewayTimeout:
        return RefundStatus.PENDING
    payment = uow.repo(Payment).get(payment_id)
    fact = _fact_of(GatewayOperation.REFUND, result.status, result, clock.now())
    if fact is not None:
        payment.record_fact(attrs.evolve(fact, refund_id=refund_id))
        uow.repo(Payment).save(payment)
        uow.commit()
    return payment.refund_status(refund_id)
