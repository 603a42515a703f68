"""The cashier's part of a pre-sale: a deposit due back is refunded the way it came.

The deposit and the balance are paid like any parent order; only the refund of a deposit
(the pre-sale's refund rule, after its window or on the customer's cancellation) starts
here, through :func:`~merx.payments.refund_to_payer`.
"""

from __future__ import annotations

from collections.abc import Mapping

from merx.kernel.bus import commits_in_steps
from merx.kernel.clock import Clock
from merx.kernel.ids import PaymentId
from merx.kernel.uow import UnitOfWork
from merx.orders import PresaleDepositRefundDue, presale_deposit_refunded
from merx.payments.installments import refund_to_payer
from merx.payments.model import RefundSucceeded
from merx.payments.ports import PaymentGateway


@commits_in_steps
def refund_presale_deposit(
    event: PresaleDepositRefundDue,
    uow: UnitOfWork,
    *,
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
) -> None:
    """Subscriber: pay the deposit back in full (one refund id per pre-sale order, so a
    redelivered event reuses it; run again after a stop between its reservation and the
    channel's answer, it makes the refund's next try). Its success (now, or by a later
    notification) is :func:`presale_refund_succeeded`'s."""
    refund_to_payer(
        uow,
        gateways,
        payment_id=PaymentId(event.payment_id),
        refund_id=event.refund_id,
        amount=event.amount,
        reason=f"pre-sale {event.presale_id}: {event.reason}",
        clock=clock,
        order_id=event.deposit_order_id,
    )


def presale_refund_succeeded(event: RefundSucceeded, uow: UnitOfWork) -> None:
    """Subscriber: a deposit's refund succeeded; its pre-sale order is refunded."""
    presale_deposit_refunded(uow, event.refund_id, event.at)
