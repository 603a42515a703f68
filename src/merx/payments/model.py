"""Payments: one payment of one parent order through one channel, and its refunds.

A payment's money is a *fold over facts*: every final outcome the channel reports (an
authorization, a capture, a failed charge, a refund or a failed refund) is appended once,
keyed by the channel's reference for that operation, and the amounts are sums over them.
So any arrival order of results and notifications gives the same payment, a repeated
fact changes nothing, and a contradicting fact (a "failed" notice for a capture already
recorded) is kept as an anomaly and changes nothing either.

Invariants: ``refunded + refund_pending <= captured``. A refund is *reserved* (our intent,
pending) before the gateway is called, so two refunds can never both pass the check.
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


class PaymentStatus(enum.Enum):
    """Derived from the facts: ``SUCCEEDED`` once the full amount is captured."""

    INITIATED = "initiated"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class RefundStatus(enum.Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class FactKind(enum.Enum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    CHARGE_FAILED = "charge_failed"
    REFUNDED = "refunded"
    REFUND_FAILED = "refund_failed"


#: Money that moved is never un-moved: a success reported for an operation overrides a
#: failure reported for it, never the other way round, so the fold is order-independent.
_FAILURES = frozenset({FactKind.CHARGE_FAILED, FactKind.REFUND_FAILED})


class RefundExceedsPayment(BusinessRuleViolation):
    """A refund would return more than was captured and not yet refunded."""


@attrs.frozen
class PaymentFact:
    """One final outcome at the channel, identified by the channel's ``reference``."""

    kind: FactKind
    reference: str
    amount: Money
    at: datetime
    refund_id: str | None = None
    reason: str | None = None

    def same_fact(self, other: PaymentFact) -> bool:
        """The same outcome reported twice (times may differ between a result and a notice)."""
        return (self.kind, self.amount, self.refund_id) == (
            other.kind,
            other.amount,
            other.refund_id,
        )


@attrs.frozen
class Refund:
    """A refund we asked for: its amount and reason (its outcome comes from the facts)."""

    refund_id: str
    amount: Money
    reason: str


@attrs.frozen
class PaymentInitiated(DomainEvent):
    payment_id: PaymentId
    order_id: OrderId
    channel: str
    amount: Money
    at: datetime


@attrs.frozen
class PaymentFactRecorded(DomainEvent):
    payment_id: PaymentId
    kind: FactKind
    reference: str
    amount: Money


@attrs.frozen
class PaymentAnomalyRecorded(DomainEvent):
    """The channel reported something that contradicts a fact already recorded."""

    payment_id: PaymentId
    reference: str
    note: str


@attrs.frozen
class PaymentSucceeded(DomainEvent):
    payment_id: PaymentId
    order_id: OrderId
    amount: Money
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
    """A payment of a parent order through one channel: our intents and the channel's facts."""

    id: PaymentId
    order_id: OrderId
    channel: str
    method: str
    amount: Money
    facts: dict[str, PaymentFact] = attrs.field(factory=dict)
    notices: dict[str, str] = attrs.field(factory=dict)
    refunds: dict[str, Refund] = attrs.field(factory=dict)
    anomalies: list[str] = attrs.field(factory=list)

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

    # -- folds -------------------------------------------------------------------------

    def _sum(self, kind: FactKind) -> Money:
        return Money.sum(
            (f.amount for f in self.facts.values() if f.kind is kind), self.amount.currency
        )

    @property
    def authorized(self) -> Money:
        return self._sum(FactKind.AUTHORIZED)

    @property
    def captured(self) -> Money:
        return self._sum(FactKind.CAPTURED)

    @property
    def refunded(self) -> Money:
        return self._sum(FactKind.REFUNDED)

    def refund_status(self, refund_id: str) -> RefundStatus:
        for fact in self.facts.values():
            if fact.refund_id == refund_id:
                if fact.kind is FactKind.REFUNDED:
                    return RefundStatus.SUCCEEDED
                if fact.kind is FactKind.REFUND_FAILED:
                    return RefundStatus.FAILED
        return RefundStatus.PENDING

    @property
    def refund_pending(self) -> Money:
        return Money.sum(
            (
                r.amount
                for r in self.refunds.values()
                if self.refund_status(r.refund_id) is RefundStatus.PENDING
            ),
            self.amount.currency,
        )

    @property
    def refundable(self) -> Money:
        return self.captured - self.refunded - self.refund_pending

    @property
    def status(self) -> PaymentStatus:
        if self.captured >= self.amount:
            return PaymentStatus.SUCCEEDED
        if any(f.kind is FactKind.CHARGE_FAILED for f in self.facts.values()):
            return PaymentStatus.FAILED
        return PaymentStatus.INITIATED

    @property
    def failure(self) -> str | None:
        if self.status is not PaymentStatus.FAILED:
            return None
        return next(
            f.reason or "declined" for f in self.facts.values() if f.kind is FactKind.CHARGE_FAILED
        )

    # -- facts from the channel ----------------------------------------------------------

    def record_fact(self, fact: PaymentFact, *, notice: tuple[str, str] | None = None) -> bool:
        """Append a channel outcome; ``False`` if it changed nothing (a repeat or an anomaly).

        ``notice`` is ``(event id, payload fingerprint)`` of the notification that brought
        the fact: the same event id with another payload is an ``IdempotencyConflict``.
        """
        if fact.amount.currency != self.amount.currency:
            raise ValidationError(f"payment {self.id!r} is in {self.amount.currency}: {fact}")
        if notice is not None:
            event_id, fingerprint = notice
            seen = self.notices.get(event_id)
            if seen is not None and seen != fingerprint:
                raise IdempotencyConflict(
                    f"notification {event_id!r} for payment {self.id!r} arrived with two payloads"
                )
        if fact.refund_id is not None and fact.refund_id not in self.refunds:
            raise ValidationError(f"payment {self.id!r} has no refund {fact.refund_id!r}")
        earlier = self.facts.get(fact.reference)
        before = self.status, {r: self.refund_status(r) for r in self.refunds}
        if notice is not None:
            self.notices[notice[0]] = notice[1]
        if earlier is not None:
            if earlier.same_fact(fact):
                return False
            note = f"{fact.kind.value} reported after {earlier.kind.value}"
            self.anomalies.append(f"{fact.reference}: {note}")
            self.record(PaymentAnomalyRecorded(self.id, fact.reference, note))
            if not (earlier.kind in _FAILURES and fact.kind not in _FAILURES):
                return False  # a failure after a success changes nothing
        self.facts[fact.reference] = fact  # new, or a success superseding a failure
        self.record(PaymentFactRecorded(self.id, fact.kind, fact.reference, fact.amount))
        self._record_changes(before, fact)
        assert self.refunded <= self.captured or self.anomalies, "refunds beyond captures"
        return True

    def _record_changes(
        self, before: tuple[PaymentStatus, dict[str, RefundStatus]], fact: PaymentFact
    ) -> None:
        status, refunds = before
        if self.status is not status:
            if self.status is PaymentStatus.SUCCEEDED:
                self.record(PaymentSucceeded(self.id, self.order_id, self.amount, fact.at))
            elif self.status is PaymentStatus.FAILED:
                self.record(PaymentFailed(self.id, self.order_id, self.failure or "", fact.at))
        for refund_id, earlier in refunds.items():
            now = self.refund_status(refund_id)
            if now is earlier:
                continue
            refund = self.refunds[refund_id]
            if now is RefundStatus.SUCCEEDED:
                self.record(
                    RefundSucceeded(self.id, self.order_id, refund_id, refund.amount, fact.at)
                )
            elif now is RefundStatus.FAILED:
                self.record(RefundFailed(self.id, refund_id, fact.reason or "refused"))

    # -- our intents ---------------------------------------------------------------------

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
        self.refunds[refund_id] = Refund(refund_id, amount, reason)
        self.record(RefundReserved(self.id, refund_id, amount))
        return True
