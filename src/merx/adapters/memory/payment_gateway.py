"""In-memory :class:`~merx.payments.ports.PaymentGateway`: a scriptable payment channel.

Tests script the channel's next answers with :meth:`MemoryPaymentGateway.decline_next`,
:meth:`~MemoryPaymentGateway.timeout_next` and :meth:`~MemoryPaymentGateway.pending_next`.
Scripted outcomes are consumed in order by the next calls that would reach the channel:
replays of a recorded call and calls refused as invalid (bad amount, over the
authorization...) answer without consuming one. Pending operations settle with
:meth:`~MemoryPaymentGateway.settle`. Every final outcome queues one
:class:`~merx.payments.PaymentNotification` in :attr:`~MemoryPaymentGateway.notifications`,
a plain list a test may reorder, duplicate or drain.

An incident is scripted with :meth:`~MemoryPaymentGateway.fail_rate`: from then on, until
:meth:`~MemoryPaymentGateway.stop_failing`, each authorization with no scripted outcome
fails with the given probability, drawn from a generator seeded by the channel and the
given seed (the same calls fail in every run).
"""

from __future__ import annotations

import enum
import random
from collections import deque
from decimal import Decimal

import attrs

from merx.kernel.errors import (
    CurrencyMismatch,
    IllegalTransition,
    InvalidAmount,
    NotFound,
    ValidationError,
)
from merx.kernel.idempotency import IdempotencyLog
from merx.kernel.money import Money
from merx.kernel.validation import require_text
from merx.payments import (
    CaptureExceedsAuthorization,
    DuplicateRefund,
    GatewayTimeout,
    PaymentAlreadyAuthorized,
    PaymentNotAuthorized,
    RefundExceedsCapture,
    UnknownPayment,
)
from merx.payments.ports import GatewayOperation, GatewayResult, GatewayStatus, PaymentNotification


class _Script(enum.Enum):
    DECLINE = "decline"
    PENDING = "pending"
    TIMEOUT_APPLIED = "timeout, applied"
    TIMEOUT_LOST = "timeout, not applied"


@attrs.frozen
class _Scripted:
    outcome: _Script
    reason: str | None = None


@attrs.define
class _Operation:
    operation: GatewayOperation
    payment_id: str
    amount: Money
    reference: str
    status: GatewayStatus
    refund_id: str | None = None
    reason: str | None = None


@attrs.define
class _Payment:
    """The channel's books for one payment. Totals are settled; ``*_pending`` in flight."""

    payment_id: str
    authorization: _Operation
    authorized: Money
    captured: Money
    refunded: Money
    capture_pending: Money
    refund_pending: Money
    refunds: dict[str, str] = attrs.field(factory=dict)  # refund id -> reference, unless failed

    @classmethod
    def opened_by(cls, authorization: _Operation) -> _Payment:
        zero = Money.zero(authorization.amount.currency)
        return cls(authorization.payment_id, authorization, zero, zero, zero, zero, zero)

    def check_invariants(self) -> None:
        assert self.refunded + self.refund_pending <= self.captured, self
        assert self.captured + self.capture_pending <= self.authorized, self


class MemoryPaymentGateway:
    """A payment channel held in memory (see the module docstring for the test hooks)."""

    def __init__(self, channel: str) -> None:
        require_text(channel, "channel")
        self._channel = channel
        self._log: IdempotencyLog[str] = IdempotencyLog()  # key -> operation reference
        self._operations: dict[str, _Operation] = {}  # reference -> operation
        self._results: dict[str, GatewayResult] = {}  # reference -> latest answer
        self._payments: dict[str, _Payment] = {}
        self._script: deque[_Scripted] = deque()
        self._sequence = 0
        self._event_sequence = 0
        self._failing: tuple[Decimal, random.Random, str] | None = None
        #: Notifications not yet taken, oldest first. Tests may reorder or duplicate them.
        self.notifications: list[PaymentNotification] = []

    @property
    def channel(self) -> str:
        return self._channel

    # -- the port ----------------------------------------------------------------------

    def authorize(
        self, *, payment_id: str, amount: Money, method: str, idempotency_key: str
    ) -> GatewayResult:
        payload = (GatewayOperation.AUTHORIZE, payment_id, amount, method)
        replayed = self._replay(idempotency_key, payload)
        if replayed is not None:
            return replayed
        require_text(payment_id, "payment id")
        require_text(method, "payment method")
        _require_positive(amount, "authorization amount")
        payment = self._payments.get(payment_id)
        if payment is not None and payment.authorization.status is not GatewayStatus.FAILED:
            raise PaymentAlreadyAuthorized(
                f"{self._channel}: payment {payment_id!r} already has a "
                f"{payment.authorization.status.value} authorization "
                f"{payment.authorization.reference!r}"
            )
        scripted = self._next_script(GatewayOperation.AUTHORIZE, payment_id, idempotency_key)
        if scripted is None:
            scripted = self._incident()
        operation = self._open(GatewayOperation.AUTHORIZE, payment_id, amount, scripted)
        payment = self._payments[payment_id] = _Payment.opened_by(operation)
        if operation.status is GatewayStatus.SUCCEEDED:
            payment.authorized = amount
        return self._answer(operation, idempotency_key, payload, scripted)

    def capture(self, *, payment_id: str, amount: Money, idempotency_key: str) -> GatewayResult:
        payload = (GatewayOperation.CAPTURE, payment_id, amount)
        replayed = self._replay(idempotency_key, payload)
        if replayed is not None:
            return replayed
        payment = self._payment(payment_id)
        _require_positive(amount, "capture amount")
        _require_currency(amount, payment)
        if payment.authorization.status is not GatewayStatus.SUCCEEDED:
            raise PaymentNotAuthorized(
                f"{self._channel}: cannot capture {amount} of payment {payment_id!r}: "
                f"its authorization is {payment.authorization.status.value}"
            )
        capturable = payment.authorized - payment.captured - payment.capture_pending
        if amount > capturable:
            raise CaptureExceedsAuthorization(
                f"{self._channel}: cannot capture {amount} of payment {payment_id!r}: "
                f"authorized {payment.authorized}, captured {payment.captured}, "
                f"capture pending {payment.capture_pending}, so at most {capturable}"
            )
        scripted = self._next_script(GatewayOperation.CAPTURE, payment_id, idempotency_key)
        operation = self._open(GatewayOperation.CAPTURE, payment_id, amount, scripted)
        if operation.status is GatewayStatus.SUCCEEDED:
            payment.captured += amount
        elif operation.status is GatewayStatus.PENDING:
            payment.capture_pending += amount
        return self._answer(operation, idempotency_key, payload, scripted)

    def refund(
        self, *, payment_id: str, refund_id: str, amount: Money, idempotency_key: str
    ) -> GatewayResult:
        payload = (GatewayOperation.REFUND, payment_id, refund_id, amount)
        replayed = self._replay(idempotency_key, payload)
        if replayed is not None:
            return replayed
        payment = self._payment(payment_id)
        require_text(refund_id, "refund id")
        _require_positive(amount, "refund amount")
        _require_currency(amount, payment)
        if refund_id in payment.refunds:
            raise DuplicateRefund(
                f"{self._channel}: refund {refund_id!r} of payment {payment_id!r} was already "
                f"requested as {payment.refunds[refund_id]!r}; replay it with its own key"
            )
        refundable = payment.captured - payment.refunded - payment.refund_pending
        if amount > refundable:
            raise RefundExceedsCapture(
                f"{self._channel}: cannot refund {amount} of payment {payment_id!r}: "
                f"captured {payment.captured}, refunded {payment.refunded}, "
                f"refund pending {payment.refund_pending}, so at most {refundable}"
            )
        scripted = self._next_script(GatewayOperation.REFUND, payment_id, idempotency_key)
        operation = self._open(GatewayOperation.REFUND, payment_id, amount, scripted, refund_id)
        if operation.status is GatewayStatus.SUCCEEDED:
            payment.refunded += amount
        elif operation.status is GatewayStatus.PENDING:
            payment.refund_pending += amount
        if operation.status is not GatewayStatus.FAILED:
            payment.refunds[refund_id] = operation.reference
        return self._answer(operation, idempotency_key, payload, scripted)

    def query(self, *, payment_id: str) -> GatewayResult:
        payment = self._payment(payment_id)
        authorization = payment.authorization
        return GatewayResult(
            status=authorization.status,
            payment_id=payment_id,
            reference=authorization.reference,
            amount=authorization.amount,
            authorized=payment.authorized,
            captured=payment.captured,
            refunded=payment.refunded,
            reason=authorization.reason,
        )

    # -- test hooks --------------------------------------------------------------------

    def decline_next(self, n: int = 1, *, reason: str = "declined by the channel") -> None:
        """The next ``n`` operations fail (status ``FAILED`` with ``reason``), doing nothing."""
        self._push(n, _Scripted(_Script.DECLINE, reason))

    def timeout_next(self, n: int = 1, *, applied: bool) -> None:
        """The next ``n`` operations raise :class:`GatewayTimeout`.

        ``applied=True``: the channel did the operation (its result is recorded and a replay
        or ``query`` reveals it; its notification is queued) but the caller only sees the
        timeout. ``applied=False``: the request never reached the channel.
        """
        self._push(n, _Scripted(_Script.TIMEOUT_APPLIED if applied else _Script.TIMEOUT_LOST))

    def pending_next(self, n: int = 1) -> None:
        """The next ``n`` operations answer ``PENDING``; :meth:`settle` decides them later."""
        self._push(n, _Scripted(_Script.PENDING))

    def settle(
        self, reference: str, *, succeeded: bool = True, reason: str | None = None
    ) -> GatewayResult:
        """Decide the pending operation ``reference``; queue its notification.

        A replay of the operation's key answers the settled result from now on.
        """
        operation = self._operations.get(reference)
        if operation is None:
            raise NotFound(f"{self._channel}: no operation with reference {reference!r}")
        if operation.status is not GatewayStatus.PENDING:
            raise IllegalTransition(
                f"{self._channel} operation {reference}", operation.status.value, "settle"
            )
        payment = self._payments[operation.payment_id]
        amount = operation.amount
        if succeeded:
            operation.status = GatewayStatus.SUCCEEDED
        else:
            operation.status = GatewayStatus.FAILED
            operation.reason = reason or "failed at the channel"
        if operation.operation is GatewayOperation.AUTHORIZE and succeeded:
            payment.authorized = amount
        elif operation.operation is GatewayOperation.CAPTURE:
            payment.capture_pending -= amount
            if succeeded:
                payment.captured += amount
        elif operation.operation is GatewayOperation.REFUND:
            payment.refund_pending -= amount
            if succeeded:
                payment.refunded += amount
            else:
                assert operation.refund_id is not None
                del payment.refunds[operation.refund_id]
        payment.check_invariants()
        self._notify(operation)
        result = self._results[reference] = self._result(operation)
        return result

    def fail_rate(self, rate: Decimal, *, seed: int | str, reason: str = "channel failing") -> None:
        """From now on, until :meth:`stop_failing`, an authorization with no scripted
        outcome fails with probability ``rate`` (a ``Decimal`` in [0, 1]), seeded."""
        if not isinstance(rate, Decimal) or not Decimal(0) <= rate <= Decimal(1):
            raise ValidationError(f"a failure rate is a Decimal in [0, 1], not {rate!r}")
        self._failing = (rate, random.Random(f"{self._channel} fails {seed}"), reason)

    def stop_failing(self) -> None:
        """End the incident :meth:`fail_rate` started."""
        self._failing = None

    def clear_script(self) -> None:
        """Forget scripted outcomes not used yet (test hook)."""
        self._script.clear()

    def pending(self, payment_id: str) -> list[str]:
        """References of the payment's operations still pending, oldest first (test hook)."""
        return [
            op.reference
            for op in self._operations.values()
            if op.payment_id == payment_id and op.status is GatewayStatus.PENDING
        ]

    def take_notifications(self) -> list[PaymentNotification]:
        """Drain the queued notifications, in queue order."""
        taken, self.notifications = self.notifications, []
        return taken

    def duplicate_last(self) -> PaymentNotification:
        """Queue the last queued notification again (a redelivery, same ``event_id``)."""
        if not self.notifications:
            raise NotFound(f"{self._channel}: no queued notification to duplicate")
        last = self.notifications[-1]
        self.notifications.append(last)
        return last

    # -- internals ---------------------------------------------------------------------

    def _replay(self, key: str, payload: object) -> GatewayResult | None:
        require_text(key, "idempotency key")
        reference = self._log.replay(key, payload)
        return None if reference is None else self._results[reference]

    def _incident(self) -> _Scripted | None:
        """A decline drawn from the incident under way, if any (one draw per call)."""
        if self._failing is None:
            return None
        rate, draws, reason = self._failing
        if draws.randrange(1_000_000) < rate * 1_000_000:
            return _Scripted(_Script.DECLINE, reason)
        return None

    def _payment(self, payment_id: str) -> _Payment:
        payment = self._payments.get(payment_id)
        if payment is None:
            raise UnknownPayment(f"{self._channel}: no payment {payment_id!r} at the channel")
        return payment

    def _push(self, n: int, scripted: _Scripted) -> None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValidationError(
                f"number of scripted outcomes must be a whole number >= 1, not {n!r}"
            )
        self._script.extend([scripted] * n)

    def _next_script(
        self, operation: GatewayOperation, payment_id: str, key: str
    ) -> _Scripted | None:
        """Pop the next scripted outcome; a lost request times out here, doing nothing."""
        scripted = self._script.popleft() if self._script else None
        if scripted is not None and scripted.outcome is _Script.TIMEOUT_LOST:
            raise GatewayTimeout(_timeout_message(self._channel, operation, payment_id, key))
        return scripted

    def _open(
        self,
        operation: GatewayOperation,
        payment_id: str,
        amount: Money,
        scripted: _Scripted | None,
        refund_id: str | None = None,
    ) -> _Operation:
        self._sequence += 1
        reference = f"{self._channel}-{self._sequence:06d}"
        status, reason = GatewayStatus.SUCCEEDED, None
        if scripted is not None and scripted.outcome is _Script.DECLINE:
            status, reason = GatewayStatus.FAILED, scripted.reason
        elif scripted is not None and scripted.outcome is _Script.PENDING:
            status = GatewayStatus.PENDING
        opened = _Operation(operation, payment_id, amount, reference, status, refund_id, reason)
        self._operations[reference] = opened
        return opened

    def _answer(
        self, operation: _Operation, key: str, payload: object, scripted: _Scripted | None
    ) -> GatewayResult:
        """Record the operation's result under ``key``, notify if final, answer (or time out)."""
        self._payments[operation.payment_id].check_invariants()
        result = self._results[operation.reference] = self._result(operation)
        self._log.remember(key, payload, operation.reference)
        if operation.status is not GatewayStatus.PENDING:
            self._notify(operation)
        if scripted is not None and scripted.outcome is _Script.TIMEOUT_APPLIED:
            raise GatewayTimeout(
                _timeout_message(self._channel, operation.operation, operation.payment_id, key)
            )
        return result

    def _result(self, operation: _Operation) -> GatewayResult:
        payment = self._payments[operation.payment_id]
        return GatewayResult(
            status=operation.status,
            payment_id=operation.payment_id,
            reference=operation.reference,
            amount=operation.amount,
            authorized=payment.authorized,
            captured=payment.captured,
            refunded=payment.refunded,
            reason=operation.reason,
        )

    def _notify(self, operation: _Operation) -> None:
        self._event_sequence += 1
        self.notifications.append(
            PaymentNotification(
                channel=self._channel,
                event_id=f"{self._channel}-evt-{self._event_sequence:06d}",
                payment_id=operation.payment_id,
                operation=operation.operation,
                status=operation.status,
                amount=operation.amount,
                reference=operation.reference,
                refund_id=operation.refund_id,
                reason=operation.reason,
            )
        )


def _timeout_message(channel: str, operation: GatewayOperation, payment_id: str, key: str) -> str:
    return (
        f"{channel}: {operation.value} of payment {payment_id!r} (key {key!r}) timed out; "
        "its outcome is unknown: retry with the same key or query the payment"
    )


def _require_positive(amount: Money, what: str) -> None:
    if not isinstance(amount, Money) or not amount.is_positive():
        raise InvalidAmount(f"{what} must be a positive Money, not {amount!r}")


def _require_currency(amount: Money, payment: _Payment) -> None:
    currency = payment.authorization.amount.currency
    if amount.currency != currency:
        raise CurrencyMismatch(
            f"payment {payment.payment_id!r} is in {currency}, the amount {amount} is not"
        )


__all__ = ["MemoryPaymentGateway"]
