"""Cashier use cases: pay an order through a channel, refund a payment.

Every gateway call happens *between* two commits: what merx intends is stored before the
call (a payment initiated, a refund reserved), what the channel answered after it. A
timeout leaves the intent stored and pending, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from merx.inventory import InventoryPolicy, confirm_holds, hold_for_order, release_holds
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import ValidationError
from merx.kernel.ids import IdSource, OrderId, PaymentId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.orders import Order, ParentOrder
from merx.payments.model import Payment, PaymentStatus, RefundStatus
from merx.payments.ports import (
    GatewayResult,
    GatewayStatus,
    GatewayTimeout,
    PaymentGateway,
    UnknownPayment,
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


def gateway_for(gateways: Mapping[str, PaymentGateway], channel: str) -> PaymentGateway:
    try:
        return gateways[channel]
    except KeyError:
        raise UnknownChannel(
            f"no payment channel {channel!r}; configured: {sorted(gateways)}"
        ) from None


def pay_order(
    cmd: PayOrder,
    uow: UnitOfWork,
    *,
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
    ids: IdSource,
    inventory: InventoryPolicy,
) -> PaymentOutcome:
    """Lock the order's stock, charge it, and mark the order paid (or release the stock).

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

    try:
        result = _charge(gateway, payment)
    except GatewayTimeout:
        return PaymentOutcome(payment.id, PaymentStatus.INITIATED, "channel timed out")
    if result.status is GatewayStatus.PENDING:
        return PaymentOutcome(payment.id, PaymentStatus.INITIATED, "channel pending")
    return record_charge(uow, payment.id, result, clock=clock, gateway=gateway)


def _charge(gateway: PaymentGateway, payment: Payment) -> GatewayResult:
    auth = gateway.authorize(
        payment_id=payment.id,
        amount=payment.amount,
        method=payment.method,
        idempotency_key=f"{payment.id}/authorize",
    )
    if auth.status is not GatewayStatus.SUCCEEDED:
        return auth
    return gateway.capture(
        payment_id=payment.id, amount=payment.amount, idempotency_key=f"{payment.id}/capture"
    )


def record_charge(
    uow: UnitOfWork,
    payment_id: PaymentId,
    result: GatewayResult,
    *,
    clock: Clock,
    gateway: PaymentGateway | None = None,
) -> PaymentOutcome:
    """Apply a final channel outcome to the payment and its order (commits).

    A success for an order that no longer waits for this payment (closed, or paid by
    another attempt) is refunded in full at once through ``gateway``: money is never
    kept for nothing.
    """
    payment = uow.repo(Payment).get(payment_id)
    if payment.status is not PaymentStatus.INITIATED:
        return PaymentOutcome(payment.id, payment.status, payment.failure)  # a replay
    parent = uow.repo(ParentOrder).get(payment.order_id)
    orders = [uow.repo(Order).get(order_id) for order_id in parent.order_ids]
    now = clock.now()
    late = False
    if result.status is GatewayStatus.SUCCEEDED:
        payment.succeed(result.reference, now)
        if parent.accepts_payment(payment.id):
            parent.mark_paid(payment.id, payment.amount, now)
            for order in orders:
                order.mark_paid(payment.id, now)
        else:
            late = True
    else:
        reason = result.reason or "declined"
        payment.fail(reason, now)
        if parent.payment_attempt == payment.id:
            parent.payment_failed(payment.id, reason, now)
            for order in orders:
                release_holds(uow, order.id, order.allocations)
                order.assign_stock(())
    for order in orders:
        uow.repo(Order).save(order)
    uow.repo(ParentOrder).save(parent)
    uow.repo(Payment).save(payment)
    uow.commit()
    if late and gateway is not None:
        refund_payment(
            uow,
            gateway,
            payment_id=payment.id,
            refund_id=f"{payment.id}/late",
            amount=payment.amount,
            reason=f"order {parent.id} was {parent.status.value} when the payment succeeded",
            clock=clock,
        )
        return PaymentOutcome(payment.id, PaymentStatus.SUCCEEDED, "refunded: order not payable")
    return PaymentOutcome(payment.id, payment.status, payment.failure)


@attrs.frozen
class SyncPayment(Command[PaymentOutcome]):
    """Ask the channel what became of a payment whose outcome is unknown (timeout, pending)."""

    payment_id: PaymentId


def sync_payment(
    cmd: SyncPayment, uow: UnitOfWork, *, gateways: Mapping[str, PaymentGateway], clock: Clock
) -> PaymentOutcome:
    payment = uow.repo(Payment).get(cmd.payment_id)
    if payment.status is not PaymentStatus.INITIATED:
        return PaymentOutcome(payment.id, payment.status, payment.failure)
    gateway = gateway_for(gateways, payment.channel)
    try:
        seen = gateway.query(payment_id=payment.id)
    except UnknownPayment:
        never = GatewayResult(
            status=GatewayStatus.FAILED,
            payment_id=payment.id,
            reference="",
            amount=payment.amount,
            authorized=Money.zero(payment.amount.currency),
            captured=Money.zero(payment.amount.currency),
            refunded=Money.zero(payment.amount.currency),
            reason="the channel never received the payment",
        )
        return record_charge(uow, payment.id, never, clock=clock, gateway=gateway)
    if seen.captured >= payment.amount:
        return record_charge(uow, payment.id, seen, clock=clock, gateway=gateway)
    if seen.status is GatewayStatus.SUCCEEDED:  # authorized, capture not done yet: finish it
        try:
            result = _charge(gateway, payment)
        except GatewayTimeout:
            return PaymentOutcome(payment.id, PaymentStatus.INITIATED, "channel timed out")
        if result.status is GatewayStatus.PENDING:
            return PaymentOutcome(payment.id, PaymentStatus.INITIATED, "channel pending")
        return record_charge(uow, payment.id, result, clock=clock, gateway=gateway)
    if seen.status is GatewayStatus.FAILED:
        return record_charge(uow, payment.id, seen, clock=clock, gateway=gateway)
    return PaymentOutcome(payment.id, PaymentStatus.INITIATED, "channel pending")


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

    Commits the reservation before the gateway call. Returns the refund's status:
    ``PENDING`` when the channel timed out or has not settled it yet.
    """
    payment = uow.repo(Payment).get(payment_id)
    payment.reserve_refund(refund_id, amount, reason)
    uow.repo(Payment).save(payment)
    uow.commit()
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
    if result.status is GatewayStatus.SUCCEEDED:
        payment.confirm_refund(refund_id, clock.now())
    elif result.status is GatewayStatus.FAILED:
        payment.fail_refund(refund_id, result.reason or "refused")
    uow.repo(Payment).save(payment)
    uow.commit()
    return payment.refunds[refund_id].status
