"""Ports of the payments context: the payment channels merx talks to.

A :class:`PaymentGateway` is one payment channel ("wechat_pay", "alipay", "bank_card").
Every command carries an ``idempotency_key``: the same key with the same payload returns
the first result and acts once; the same key with a different payload raises
:class:`~merx.kernel.errors.IdempotencyConflict`. After a ``GatewayTimeout`` the outcome
is unknown: retry with the *same* key (the channel answers what it did, or does it now) or
ask :meth:`PaymentGateway.query`.

The channel enforces its own invariants and refuses a call that breaks them with a typed
error (defined in :mod:`merx.payments.errors`, exported by :mod:`merx.payments`) and no
effect: captures never exceed the authorization (``CaptureExceedsAuthorization``), refunds
never exceed the captures (``RefundExceedsCapture``). Operations still pending at the
channel count against these limits until they settle.

The cashier also asks two smaller ports: :class:`ChannelHealth` (is a channel up now? used
by routing) and :class:`TransactionRisk` (risk control: allow a transaction, ask the payer
to authenticate it with a password, an SMS code or a face/fingerprint scan, or deny it;
and verify the proof the payer gives).

``merx.payments`` exports the Protocols; the values an adapter builds to answer them
(:class:`GatewayResult`, :class:`GatewayStatus`, :class:`GatewayOperation`,
:class:`RiskDecision`...) are imported from this module.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

import attrs

from merx.kernel.errors import ValidationError
from merx.kernel.money import Money

if TYPE_CHECKING:
    from merx.payments.model import Payment

# -- values ----------------------------------------------------------------------------


class GatewayStatus(enum.Enum):
    """The outcome of one operation at the channel."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"  # declined by the channel: nothing happened
    PENDING = "pending"  # accepted, outcome to follow by notification (and query)


class GatewayOperation(enum.Enum):
    AUTHORIZE = "authorize"
    CAPTURE = "capture"
    REFUND = "refund"


@attrs.frozen
class GatewayResult:
    """What the channel answered.

    ``reference`` is the channel's reference for the operation, ``amount`` the amount of
    the operation, ``reason`` why it failed (``None`` unless ``FAILED``). ``authorized``,
    ``captured`` and ``refunded`` are the channel's settled totals for the payment right
    after the operation (pending operations are not in them).

    For :meth:`PaymentGateway.query` the result describes the payment as a whole: status,
    reference, amount and reason are those of its (latest) authorization, and the totals
    are the current ones.
    """

    status: GatewayStatus
    payment_id: str
    reference: str
    amount: Money
    authorized: Money
    captured: Money
    refunded: Money
    reason: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is GatewayStatus.SUCCEEDED


class NotificationKind(enum.Enum):
    """What an asynchronous notification reports, in the past tense."""

    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    REFUNDED = "refunded"
    FAILED = "failed"


_SUCCEEDED_KIND = {
    GatewayOperation.AUTHORIZE: NotificationKind.AUTHORIZED,
    GatewayOperation.CAPTURE: NotificationKind.CAPTURED,
    GatewayOperation.REFUND: NotificationKind.REFUNDED,
}


@attrs.frozen
class PaymentNotification:
    """An asynchronous notification from the channel about one operation's final outcome.

    Channels deliver notifications at least once and in any order: a receiver keys on
    ``event_id`` (one per outcome; a redelivery repeats it) and on ``reference``.
    ``refund_id`` is set for refunds. ``kind`` is derived: the operation in the past tense
    when it succeeded, ``FAILED`` otherwise (``operation`` says which one failed).
    """

    channel: str
    event_id: str
    payment_id: str
    operation: GatewayOperation
    status: GatewayStatus
    amount: Money
    reference: str
    refund_id: str | None = None
    reason: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.status is GatewayStatus.PENDING:
            raise ValidationError(
                f"notification {self.event_id!r} is PENDING: notifications report final outcomes"
            )

    @property
    def kind(self) -> NotificationKind:
        if self.status is GatewayStatus.SUCCEEDED:
            return _SUCCEEDED_KIND[self.operation]
        return NotificationKind.FAILED


# -- the port --------------------------------------------------------------------------


class PaymentGateway(Protocol):
    """Port: one payment channel."""

    @property
    def channel(self) -> str:
        """The channel's name, e.g. ``"wechat_pay"``."""
        ...

    def authorize(
        self, *, payment_id: str, amount: Money, method: str, idempotency_key: str
    ) -> GatewayResult:
        """Reserve ``amount`` on the payer's ``method`` for ``payment_id``.

        Raises ``PaymentAlreadyAuthorized`` if the payment already has a succeeded
        or pending authorization, ``GatewayTimeout`` if the outcome is unknown.
        """
        ...

    def capture(self, *, payment_id: str, amount: Money, idempotency_key: str) -> GatewayResult:
        """Take ``amount`` of the authorization; partial captures may follow each other.

        Raises ``UnknownPayment``, ``PaymentNotAuthorized``,
        ``CaptureExceedsAuthorization``, ``GatewayTimeout``.
        """
        ...

    def refund(
        self, *, payment_id: str, refund_id: str, amount: Money, idempotency_key: str
    ) -> GatewayResult:
        """Give back ``amount`` of what was captured, as refund ``refund_id``.

        Raises ``UnknownPayment``, ``RefundExceedsCapture``,
        ``DuplicateRefund``, ``GatewayTimeout``.
        """
        ...

    def query(self, *, payment_id: str) -> GatewayResult:
        """What the channel knows of the payment now (see :class:`GatewayResult`).

        Raises ``UnknownPayment`` if the channel never saw it.
        """
        ...


# -- the cashier's smaller ports -------------------------------------------------------


class ChannelHealth(Protocol):
    """Port: whether a payment channel takes payments right now (routing skips it if not)."""

    def is_available(self, channel: str) -> bool: ...


class AuthFactor(enum.Enum):
    """How a payer proves a transaction is theirs (the seed: "password, SMS, or
    face/fingerprint")."""

    PASSWORD = "password"
    SMS = "sms"
    FACE = "face"
    FINGERPRINT = "fingerprint"


class RiskVerdict(enum.Enum):
    ALLOW = "allow"
    AUTHENTICATE = "authenticate"
    DENY = "deny"


@attrs.frozen
class RiskDecision:
    """Risk control's answer for one transaction.

    ``ALLOW``: charge now. ``AUTHENTICATE``: the payer must first prove ``factor``.
    ``DENY``: refuse, for ``reason``. Build one with :meth:`allow`, :meth:`authenticate` or
    :meth:`deny`.
    """

    verdict: RiskVerdict
    factor: AuthFactor | None = None
    reason: str | None = None

    def __attrs_post_init__(self) -> None:
        needs_factor = self.verdict is RiskVerdict.AUTHENTICATE
        if needs_factor != (self.factor is not None):
            raise ValidationError(
                f"a {self.verdict.value} decision {'needs' if needs_factor else 'takes no'} "
                f"authentication factor, got {self.factor}"
            )
        if self.verdict is RiskVerdict.DENY and not (self.reason and self.reason.strip()):
            raise ValidationError("a deny decision needs a reason")

    @classmethod
    def allow(cls) -> RiskDecision:
        return cls(RiskVerdict.ALLOW)

    @classmethod
    def authenticate(cls, factor: AuthFactor, reason: str | None = None) -> RiskDecision:
        return cls(RiskVerdict.AUTHENTICATE, factor, reason)

    @classmethod
    def deny(cls, reason: str) -> RiskDecision:
        return cls(RiskVerdict.DENY, None, reason)


class TransactionRisk(Protocol):
    """Port: risk control at the cashier.

    ``assess`` is a query (asked once per payment attempt, before anything is stored; it
    may be asked again if the attempt is retried after a lost update). ``verify`` checks a
    proof and must answer the same for the same proof when asked again (a retry after a
    lost update asks twice); a one-time SMS code is consumed by the charge, not by the check.
    """

    def assess(
        self,
        *,
        customer_id: str,
        parent_id: str,
        amount: Money,
        channel: str,
        method: str,
    ) -> RiskDecision: ...

    def verify(self, *, payment_id: str, factor: AuthFactor, proof: str) -> bool: ...


class PaymentQueries(Protocol):
    """Port: payments by state, from committed state (a database answers with an indexed
    query). Answers are candidates: the services check each payment again."""

    def awaiting_authentication(self) -> Iterable[str]:
        """Ids of the payments whose authentication is still required."""
        ...

    def awaiting_sync(self) -> Iterable[str]:
        """Ids of the payments whose outcome at the channel is unknown (``INITIATED`` and
        chargeable: a timeout or a pending answer; :class:`~merx.payments.SyncPayment`)."""
        ...

    def with_refunds_pending(self) -> Iterable[str]:
        """Ids of the payments with a refund still pending (:class:`RetryRefunds`)."""
        ...

    def with_refunds_escalated(self) -> Iterable[str]:
        """Ids of the payments with a refund escalated for manual handling."""
        ...


#: What a database indexes to answer :class:`PaymentQueries`.
AWAITING_AUTHENTICATION = "awaiting_authentication"
AWAITING_SYNC = "awaiting_sync"
REFUND_PENDING = "refund_pending"
REFUND_ESCALATED = "refund_escalated"


def payment_index(payment: Payment) -> dict[str, str | None]:
    """A payment waiting for its proof is in the index ``awaiting_authentication``; one
    whose outcome is unknown in ``awaiting_sync``; one with a refund pending (escalated)
    in ``refund_pending`` (``refund_escalated``)."""
    return {
        AWAITING_AUTHENTICATION: _flag(payment.awaits_authentication),
        AWAITING_SYNC: _flag(payment.awaits_sync),
        REFUND_PENDING: _flag(payment.has_refund_pending),
        REFUND_ESCALATED: _flag(payment.has_refund_escalated),
    }


def _flag(yes: bool) -> str | None:
    return "yes" if yes else None
