"""Payments: one payment of one order through one channel, and its refunds.

Invariants: ``refunded + refund_pending <= captured``; a refund is *reserved* (pending)
before the gateway is called, so two concurrent refunds can never both pass the check.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import BusinessRuleViolation, IdempotencyConflict, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import OrderId, PaymentId
from merx.kernel.money import Money
from merx.kernel.state import StateMachine


class PaymentStatus(enum.Enum):
    INITIATED = "initiated"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class RefundStatus(enum.Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class RefundExceedsPayment(BusinessRuleViolation):
    """A refund would return more than was captured and not yet refunded."""


PAYMENT_FLOW: StateMachine[PaymentStatus] = StateMachine(
    "payment",
    [
        (PaymentStatus.INITIATED, "succeed", PaymentStatus.SUCCEEDED),
        (PaymentStatus.INITIATED, "fail", PaymentStatus.FAILED),
    ],
)


@attrs.frozen
class Refund:
    refund_id: str
    amount: Money
    status: RefundStatus
    reason: str


@attrs.frozen
class PaymentInitiated(DomainEvent):
    payment_id: PaymentId
    order_id: OrderId
    channel: str
    amount: Money
    at: datetime


@attrs.frozen
class PaymentSucceeded(DomainEvent):
    payment_id: PaymentId
    order_id: OrderId
    amount: Money
    reference: str
    at: datetime


@attrs.frozen
class PaymentFailed(DomainEvent):
    payment_id: PaymentId
    order_id: OrderId
    reason: str
    at: datetime


@attrs.frozen
class RefundReserved(DomainEvent):
    payment_id: PaymentId
    refund_id: str
    amount: Money


@attrs.frozen
class RefundSucceeded(DomainEvent):
    payment_id: PaymentId
    order_id: OrderId
    refund_id: str
    amount: Money
    at: datetime


@attrs.frozen
class RefundFailed(DomainEvent):
    payment_id: PaymentId
    refund_id: str
    reason: str


@attrs.define(kw_only=True)
class Payment(Aggregate):
    """A payment for an order through one channel."""

    id: PaymentId
    order_id: OrderId
    channel: str
    method: str
    amount: Money
    status: PaymentStatus = PaymentStatus.INITIATED
    reference: str | None = None
    failure: str | None = None
    refunds: dict[str, Refund] = attrs.field(factory=dict)

    @classmethod
    def initiate(
        cls,
        *,
        payment_id: PaymentId,
        order_id: OrderId,
        channel: str,
        method: str,
        amount: Money,
        at: datetime,
    ) -> Payment:
        if not amount.is_positive():
            raise ValidationError(f"payment {payment_id!r} amount must be positive, got {amount}")
        payment = cls(
            id=payment_id, order_id=order_id, channel=channel, method=method, amount=amount
        )
        payment.record(PaymentInitiated(payment_id, order_id, channel, amount, at))
        return payment

    @property
    def captured(self) -> Money:
        if self.status is PaymentStatus.SUCCEEDED:
            return self.amount
        return Money.zero(self.amount.currency)

    def _refund_total(self, status: RefundStatus) -> Money:
        return Money.sum(
            (r.amount for r in self.refunds.values() if r.status is status),
            self.amount.currency,
        )

    @property
    def refunded(self) -> Money:
        return self._refund_total(RefundStatus.SUCCEEDED)

    @property
    def refund_pending(self) -> Money:
        return self._refund_total(RefundStatus.PENDING)

    @property
    def refundable(self) -> Money:
        return self.captured - self.refunded - self.refund_pending

    def succeed(self, reference: str, at: datetime) -> None:
        PAYMENT_FLOW.move(
            self, "succeed", PaymentSucceeded(self.id, self.order_id, self.amount, reference, at)
        )
        self.reference = reference

    def fail(self, reason: str, at: datetime) -> None:
        PAYMENT_FLOW.move(self, "fail", PaymentFailed(self.id, self.order_id, reason, at))
        self.failure = reason

    def reserve_refund(self, refund_id: str, amount: Money, reason: str) -> bool:
        """Hold ``amount`` for a refund; ``False`` if this refund id was already reserved."""
        earlier = self.refunds.get(refund_id)
        if earlier is not None:
            if earlier.amount != amount:
                raise IdempotencyConflict(
                    f"refund {refund_id!r} was for {earlier.amount}, not {amount}"
                )
            return False
        if not amount.is_positive():
            raise ValidationError(f"refund amount must be positive, got {amount}")
        if amount > self.refundable:
            raise RefundExceedsPayment(
                f"payment {self.id!r}: refund of {amount} exceeds refundable {self.refundable}"
            )
        self.refunds[refund_id] = Refund(refund_id, amount, RefundStatus.PENDING, reason)
        self.record(RefundReserved(self.id, refund_id, amount))
        return True

    def confirm_refund(self, refund_id: str, at: datetime) -> None:
        refund = self._pending(refund_id)
        if refund is None:
            return
        self.refunds[refund_id] = attrs.evolve(refund, status=RefundStatus.SUCCEEDED)
        self.record(RefundSucceeded(self.id, self.order_id, refund_id, refund.amount, at))
        assert self.refunded + self.refund_pending <= self.captured

    def fail_refund(self, refund_id: str, reason: str) -> None:
        refund = self._pending(refund_id)
        if refund is None:
            return
        self.refunds[refund_id] = attrs.evolve(refund, status=RefundStatus.FAILED)
        self.record(RefundFailed(self.id, refund_id, reason))

    def _pending(self, refund_id: str) -> Refund | None:
        """The pending refund, ``None`` if already settled (a replay); raise if unknown."""
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise ValidationError(f"payment {self.id!r} has no refund {refund_id!r}")
        return refund if refund.status is RefundStatus.PENDING else None
