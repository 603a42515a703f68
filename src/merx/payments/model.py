"""Payments: one payment of one parent order through one channel, and its refunds.

A payment's money is a *fold over facts*: every final outcome the channel reports (an
authorization, a capture, a failed charge, a refund or a failed refund) is appended once,
keyed by the channel's reference for that operation, and the amounts are sums over them.
So any arrival order of results and notifications gives the same payment, a repeated
fact changes nothing, and a contradicting fact (a "failed" notice for a capture already
recorded) is kept as an anomaly and changes nothing either.

Invariants: ``refunded + refund_pending <= captured``. A refund is *reserved* (our intent,
pending) before the gateway is called, so two refunds can never both pass the check.

When risk control asks for it, a payment starts **awaiting authentication**: the payer
must prove the transaction (password, SMS code, face or fingerprint) before the channel
is called. Its :class:`Authentication` follows :data:`AUTHENTICATION_FLOW`: verified, or
locked after ``max_attempts`` wrong proofs, or expired; a locked or expired payment has
failed without the channel ever being asked. Nothing is charged without a verified proof.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.errors import IdempotencyConflict, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import OrderId, PaymentId
from merx.kernel.money import Money
from merx.kernel.state import StateMachine
from merx.payments.errors import (
    AuthenticationExpired,
    AuthenticationLocked,
    NoAuthenticationPending,
    RefundExceedsPayment,
    RefundNotEscalated,
    RefundNotFound,
    RefundNotPending,
    WrongAuthenticationFactor,
)
from merx.payments.ports import AuthFactor


class PaymentStatus(enum.Enum):
    """Derived from the facts: ``SUCCEEDED`` once the full amount is captured."""

    INITIATED = "initiated"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    AWAITING_AUTHENTICATION = "awaiting_authentication"


class RefundStatus(enum.Enum):
    """A refund intent's status (derived from its attempts' facts and its escalation).

    ``PENDING``: an attempt is in flight, or a declined or timed-out one waits for the next
    (:class:`~merx.payments.RetryRefunds`); the money stays held. ``SUCCEEDED``: one
    attempt refunded it (or a person recorded it refunded outside the channel).
    ``ESCALATED``: the configured attempts all failed; it waits for manual handling
    (:class:`~merx.payments.ResolveEscalatedRefund`), the money still held (a late success
    still makes it ``SUCCEEDED``).
    """

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    ESCALATED = "escalated"


class RefundResolution(enum.Enum):
    """How a person resolved an escalated refund: the money went back outside the channel
    (``REFUNDED_OFFLINE``: the refund succeeded), or the refund is tried again
    (``RETRY``: pending, with a fresh budget of attempts)."""

    REFUNDED_OFFLINE = "refunded_offline"
    RETRY = "retry"


class AttemptStatus(enum.Enum):
    """One attempt at the channel: ``UNKNOWN`` until a final answer (a timeout or a
    pending answer leaves it unknown), then refunded or declined."""

    UNKNOWN = "unknown"
    REFUNDED = "refunded"
    DECLINED = "declined"


class FactKind(enum.Enum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    CHARGE_FAILED = "charge_failed"
    REFUNDED = "refunded"
    REFUND_FAILED = "refund_failed"


#: Money that moved is never un-moved: a success reported for an operation overrides a
#: failure reported for it, never the other way round, so the fold is order-independent.
_FAILURES = frozenset({FactKind.CHARGE_FAILED, FactKind.REFUND_FAILED})


# -- transaction authentication ------------------------------------------------------------


class AuthenticationStatus(enum.Enum):
    REQUIRED = "required"
    VERIFIED = "verified"
    LOCKED = "locked"
    EXPIRED = "expired"


#: Transaction authentication: a wrong proof leaves it required until the last allowed
#: attempt, which locks it; the window closing expires it. Locked and expired are final.
AUTHENTICATION_FLOW: StateMachine[AuthenticationStatus] = StateMachine(
    "transaction authentication",
    [
        (AuthenticationStatus.REQUIRED, "verify", AuthenticationStatus.VERIFIED),
        (AuthenticationStatus.REQUIRED, "reject proof", AuthenticationStatus.REQUIRED),
        (AuthenticationStatus.REQUIRED, "lock", AuthenticationStatus.LOCKED),
        (AuthenticationStatus.REQUIRED, "expire", AuthenticationStatus.EXPIRED),
    ],
)


@attrs.frozen
class Authentication:
    """What risk control asked the payer to prove for one payment, and how it went."""

    factor: AuthFactor
    required_at: datetime
    expires_at: datetime
    max_attempts: int
    status: AuthenticationStatus = AuthenticationStatus.REQUIRED
    failures: int = 0
    ended_at: datetime | None = None

    def __attrs_post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValidationError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.expires_at <= self.required_at:
            raise ValidationError(f"authentication expires at {self.expires_at}, before it starts")
        assert 0 <= self.failures <= self.max_attempts, "failures beyond the allowed attempts"

    @property
    def attempts_left(self) -> int:
        return self.max_attempts - self.failures

    def due(self, now: datetime) -> bool:
        """Still required when its window has closed: it must be expired."""
        return self.status is AuthenticationStatus.REQUIRED and now >= self.expires_at


@attrs.frozen
class AuthenticationRequired(DomainEvent):
    payment_id: PaymentId
    order_id: OrderId
    factor: AuthFactor
    expires_at: datetime
    at: datetime


@attrs.frozen
class TransactionAuthenticated(DomainEvent):
    payment_id: PaymentId
    factor: AuthFactor
    at: datetime


@attrs.frozen
class AuthenticationProofRejected(DomainEvent):
    payment_id: PaymentId
    factor: AuthFactor
    failures: int
    attempts_left: int
    at: datetime


@attrs.frozen
class AuthenticationLockedOut(DomainEvent):
    payment_id: PaymentId
    failures: int
    at: datetime


@attrs.frozen
class AuthenticationLapsed(DomainEvent):
    """The payer did not authenticate in time."""

    payment_id: PaymentId
    expires_at: datetime
    at: datetime


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


#: When a refund stored before attempts were kept made its one attempt: long ago.
_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@attrs.frozen
class RefundPolicy:
    """How refunds are retried: the try after the ``n``-th call to the channel waits
    ``retry_after * 2 ** (n - 1)`` (10, 20, 40, 80 minutes by default); after
    ``max_attempts`` calls a refund that has not succeeded is escalated."""

    max_attempts: int = 5
    retry_after: timedelta = timedelta(minutes=10)

    def __attrs_post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValidationError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.retry_after <= timedelta(0):
            raise ValidationError(f"retry_after must be positive, got {self.retry_after}")

    def delay(self, tries: int) -> timedelta:
        """How long after the ``tries``-th call the next one is due."""
        factor = 1 << max(0, min(tries, 30) - 1)
        return self.retry_after * factor


@attrs.frozen
class RefundAttempt:
    """One request to the channel for a refund: ``request_id`` is the refund id the channel
    sees (the first attempt's is the refund's own id, each later one
    ``"{refund_id}/attempt-{n}"``); ``asked`` counts the calls with its key (a timed-out
    attempt is asked again with the same key: the channel answers what it did)."""

    request_id: str
    at: datetime
    asked: int = 1


@attrs.frozen
class ManualResolution:
    """A person's resolution of an escalated refund, under the host's ``reference`` (a
    ticket, a bank transfer's reference): the same reference again changes nothing."""

    reference: str
    resolution: RefundResolution
    at: datetime


def attempt_request_id(refund_id: str, number: int) -> str:
    """The refund id the channel sees for attempt ``number`` (1-based) of ``refund_id``."""
    return refund_id if number == 1 else f"{refund_id}/attempt-{number}"


@attrs.frozen
class Refund:
    """A refund we intend (the durable intent): its amount and reason, its attempts at the
    channel, and whether it was escalated (its outcome comes from the facts)."""

    refund_id: str
    amount: Money
    reason: str
    order_id: OrderId | None = None
    """The seller's order the refund is for; ``None``: the parent order as a whole."""
    attempts: tuple[RefundAttempt, ...] = ()
    """Oldest first; a refund stored before attempts were kept has had one, its own id."""
    escalated_at: datetime | None = None
    resolutions: tuple[ManualResolution, ...] = ()
    """A person's resolutions of its escalations, oldest first."""
    budget_from: int = 0
    """The tries made before its last ``RETRY`` resolution: the policy's attempts count
    from there (a fresh budget)."""

    @property
    def request_ids(self) -> tuple[str, ...]:
        return tuple(a.request_id for a in self.attempts) or (self.refund_id,)

    @property
    def tries(self) -> int:
        """Calls to the channel so far (every attempt, every time it was asked)."""
        return sum(a.asked for a in self.attempts) or 1

    @property
    def tries_in_budget(self) -> int:
        """Calls to the channel since the budget of attempts was last renewed."""
        return self.tries - self.budget_from

    def resolution(self, reference: str) -> ManualResolution | None:
        """The resolution made under ``reference``, if any."""
        return next((r for r in self.resolutions if r.reference == reference), None)


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
    """An attempt at a refund was declined; the refund stays pending for the next one."""

    payment_id: PaymentId
    refund_id: str
    reason: str


@attrs.frozen
class RefundAttempted(DomainEvent):
    """A new attempt at a refund (a new request id, or the same one asked again)."""

    payment_id: PaymentId
    refund_id: str
    request_id: str
    attempt: int
    at: datetime


@attrs.frozen
class RefundEscalated(DomainEvent):
    """A refund failed its configured attempts: it needs manual handling."""

    payment_id: PaymentId
    order_id: OrderId
    refund_id: str
    amount: Money
    attempts: int
    at: datetime


@attrs.frozen
class RefundResolved(DomainEvent):
    """A person resolved an escalated refund (see :class:`RefundResolution`); one refunded
    offline is followed by :class:`RefundSucceeded`."""

    payment_id: PaymentId
    order_id: OrderId
    refund_id: str
    resolution: RefundResolution
    reference: str
    at: datetime


@attrs.define(kw_only=True)
class Payment(Aggregate):
    """A payment of a parent order through one channel: our intents and the channel's facts."""

    id: PaymentId
    order_id: OrderId
    channel: str
    method: str
    amount: Money
    facts: dict[str, PaymentFact] = flat_field(dict)
    notices: dict[str, str] = flat_field(dict)
    refunds: dict[str, Refund] = flat_field(dict)
    anomalies: list[str] = flat_field(list)
    authentication: Authentication | None = None
    term_months: int | None = None  # paid by installments: the plan's term

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
        term_months: int | None = None,
    ) -> Payment:
        if not amount.is_positive():
            raise ValidationError(f"payment {payment_id!r} amount must be positive, got {amount}")
        payment = cls(
            id=payment_id,
            order_id=order_id,
            channel=channel,
            method=method,
            amount=amount,
            term_months=term_months,
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

    def refund_of(self, request_id: str) -> Refund | None:
        """The refund an attempt's request id (the refund id the channel saw) belongs to."""
        refund = self.refunds.get(request_id)
        if refund is not None and request_id in refund.request_ids:
            return refund
        for refund in self.refunds.values():
            if request_id in refund.request_ids:
                return refund
        return None

    def attempt_status(self, request_id: str) -> AttemptStatus:
        """What the channel said of one attempt (a success outweighs a decline)."""
        found = AttemptStatus.UNKNOWN
        for fact in self.facts.values():
            if fact.refund_id == request_id:
                if fact.kind is FactKind.REFUNDED:
                    return AttemptStatus.REFUNDED
                if fact.kind is FactKind.REFUND_FAILED:
                    found = AttemptStatus.DECLINED
        return found

    def refund_status(self, refund_id: str) -> RefundStatus:
        refund = self.refunds[refund_id]
        if any(self.attempt_status(r) is AttemptStatus.REFUNDED for r in refund.request_ids):
            return RefundStatus.SUCCEEDED
        if refund.escalated_at is not None:
            return RefundStatus.ESCALATED
        return RefundStatus.PENDING

    def refunds_in(self, status: RefundStatus) -> tuple[Refund, ...]:
        return tuple(r for r in self.refunds.values() if self.refund_status(r.refund_id) is status)

    @property
    def has_refund_pending(self) -> bool:
        return bool(self.refunds_in(RefundStatus.PENDING))

    @property
    def has_refund_escalated(self) -> bool:
        return bool(self.refunds_in(RefundStatus.ESCALATED))

    @property
    def refund_pending(self) -> Money:
        """Refunds not (yet) paid back: pending or escalated, the money is still owed."""
        return Money.sum(
            (
                r.amount
                for r in self.refunds.values()
                if self.refund_status(r.refund_id) is not RefundStatus.SUCCEEDED
            ),
            self.amount.currency,
        )

    @property
    def refundable(self) -> Money:
        return self.captured - self.refunded - self.refund_pending

    def refunded_to(self, order_id: OrderId) -> Money:
        """Refunds for the seller's order ``order_id``, succeeded, pending or escalated
        (money committed to leave: a refund intent always finishes or is handled by hand)."""
        return Money.sum(
            (r.amount for r in self.refunds.values() if r.order_id == order_id),
            self.amount.currency,
        )

    def refundable_to(self, order_id: OrderId, paid: Money) -> Money:
        """What may still be refunded for the seller's order ``order_id``, which ``paid``
        of this payment: its share less its refunds (pending, escalated or succeeded),
        within what the payment as a whole can still refund; never negative."""
        left = (paid - self.refunded_to(order_id)).min(self.refundable)
        return left.max(Money.zero(self.amount.currency))

    @property
    def unattributed_refunds(self) -> tuple[Refund, ...]:
        """Refunds not attributed to a seller's order."""
        return tuple(r for r in self.refunds.values() if r.order_id is None)

    @property
    def status(self) -> PaymentStatus:
        if self.captured >= self.amount:
            return PaymentStatus.SUCCEEDED
        if any(f.kind is FactKind.CHARGE_FAILED for f in self.facts.values()):
            return PaymentStatus.FAILED
        if self.awaits_authentication:
            return PaymentStatus.AWAITING_AUTHENTICATION
        auth = self.authentication
        if auth is not None and auth.status is not AuthenticationStatus.VERIFIED:
            return PaymentStatus.FAILED
        return PaymentStatus.INITIATED

    @property
    def failure(self) -> str | None:
        if self.status is not PaymentStatus.FAILED:
            return None
        declined = (f for f in self.facts.values() if f.kind is FactKind.CHARGE_FAILED)
        fact = next(declined, None)
        if fact is not None:
            return fact.reason or "declined"
        assert self.authentication is not None, "a payment fails by the channel or by its proof"
        if self.authentication.status is AuthenticationStatus.LOCKED:
            return f"authentication locked after {self.authentication.failures} wrong proofs"
        return "authentication expired"

    @property
    def awaits_authentication(self) -> bool:
        """Risk control asked for a proof that has not come (nor locked, nor expired)."""
        auth = self.authentication
        return auth is not None and auth.status is AuthenticationStatus.REQUIRED

    @property
    def awaits_sync(self) -> bool:
        """The outcome at the channel is unknown (a timeout, a pending answer): a sync asks
        again. (A payment just initiated, its charge not answered yet, is one too.)"""
        return self.status is PaymentStatus.INITIATED and self.chargeable

    @property
    def chargeable(self) -> bool:
        """Whether the channel may be asked to charge: no proof needed, or one verified."""
        auth = self.authentication
        return auth is None or auth.status is AuthenticationStatus.VERIFIED

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
        if fact.refund_id is not None and self.refund_of(fact.refund_id) is None:
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
        refund = self.refund_of(fact.refund_id) if fact.refund_id is not None else None
        if (
            fact.kind is FactKind.REFUNDED
            and refund is not None
            and before[1][refund.refund_id] is RefundStatus.SUCCEEDED
        ):  # paid back twice (say, offline, then a late attempt): for a person, not folded
            note = f"refund {refund.refund_id!r} refunded again after it succeeded"
            self.anomalies.append(f"{fact.reference}: {note}")
            self.record(PaymentAnomalyRecorded(self.id, fact.reference, note))
            return False
        self.facts[fact.reference] = fact  # new, or a success superseding a failure
        self.record(PaymentFactRecorded(self.id, fact.kind, fact.reference, fact.amount))
        if fact.kind is FactKind.REFUND_FAILED:
            refund = self.refund_of(fact.refund_id or "")
            assert refund is not None, "a refund's outcome names its attempt"
            self.record(RefundFailed(self.id, refund.refund_id, fact.reason or "refused"))
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

    # -- our intents ---------------------------------------------------------------------

    def reserve_refund(
        self,
        refund_id: str,
        amount: Money,
        reason: str,
        *,
        at: datetime,
        order_id: OrderId | None = None,
    ) -> bool:
        """Hold ``amount`` for a refund and record its first attempt (request id
        ``refund_id``); ``False`` if this refund id was already reserved.

        ``order_id`` attributes the refund to one seller's order of the parent order (what
        an invoice of that order subtracts); ``None`` leaves it to the parent as a whole.
        """
        earlier = self.refunds.get(refund_id)
        if earlier is not None:
            if earlier.amount != amount or (order_id is not None and earlier.order_id != order_id):
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
        attempt = RefundAttempt(attempt_request_id(refund_id, 1), at)
        self.refunds[refund_id] = Refund(refund_id, amount, reason, order_id, (attempt,))
        self.record(RefundReserved(self.id, refund_id, amount))
        self.record(RefundAttempted(self.id, refund_id, attempt.request_id, 1, at))
        return True

    def _attempts(self, refund: Refund) -> tuple[RefundAttempt, ...]:
        """A refund stored before attempts were kept had one, under its own id."""
        return refund.attempts or (RefundAttempt(refund.refund_id, _LONG_AGO),)

    def _pending_refund(self, refund_id: str) -> Refund:
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise RefundNotFound(f"payment {self.id!r} has no refund {refund_id!r}")
        status = self.refund_status(refund_id)
        if status is not RefundStatus.PENDING:
            raise RefundNotPending(
                f"refund {refund_id!r} of payment {self.id!r} is {status.value}, not pending"
            )
        return refund

    def refund_due(self, refund_id: str, now: datetime, policy: RefundPolicy) -> bool:
        """Whether a pending refund's next try (or its escalation) is due at ``now``: its
        last call was ``policy.delay(tries)`` ago or more."""
        if self.refund_status(refund_id) is not RefundStatus.PENDING:
            return False
        refund = self.refunds[refund_id]
        if refund.tries_in_budget == 0:
            return True  # sent back to pending by a person: due at once
        last = self._attempts(refund)[-1]
        return now >= last.at + policy.delay(refund.tries_in_budget)

    def exhausted(self, refund_id: str, policy: RefundPolicy) -> bool:
        """The refund has had every try the policy allows (since its budget was renewed)."""
        return self.refunds[refund_id].tries_in_budget >= policy.max_attempts

    def attempt_refund(self, refund_id: str, now: datetime) -> RefundAttempt:
        """The refund's next try: its last attempt asked again (same request id and key)
        while the channel's answer to it is unknown, since a new request could pay twice;
        else, the last one declined, a new attempt under a new request id."""
        refund = self._pending_refund(refund_id)
        made = self._attempts(refund)
        last = made[-1]
        if self.attempt_status(last.request_id) is AttemptStatus.UNKNOWN:
            attempt = RefundAttempt(last.request_id, now, last.asked + 1)
            attempts = (*made[:-1], attempt)
        else:
            attempt = RefundAttempt(attempt_request_id(refund_id, len(made) + 1), now)
            attempts = (*made, attempt)
        self.refunds[refund_id] = attrs.evolve(refund, attempts=attempts)
        number = len(attempts)
        self.record(RefundAttempted(self.id, refund_id, attempt.request_id, number, now))
        return attempt

    def escalate_refund(self, refund_id: str, now: datetime, policy: RefundPolicy) -> None:
        """The refund failed every try the policy allows: hand it to a person."""
        refund = self._pending_refund(refund_id)
        if not self.exhausted(refund_id, policy):
            raise RefundNotPending(
                f"refund {refund_id!r} of payment {self.id!r} has had {refund.tries_in_budget}"
                f" of {policy.max_attempts} tries: not yet to escalate"
            )
        self.refunds[refund_id] = attrs.evolve(refund, escalated_at=now)
        self.record(
            RefundEscalated(self.id, self.order_id, refund_id, refund.amount, refund.tries, now)
        )

    def resolve_refund(
        self, refund_id: str, resolution: RefundResolution, reference: str, at: datetime
    ) -> bool:
        """A person resolves an escalated refund under ``reference``: ``REFUNDED_OFFLINE``
        records the money as paid back (a fact of the whole amount, so the refund succeeds:
        :class:`RefundSucceeded`), ``RETRY`` sends it back to pending with a fresh budget of
        attempts, due at once. ``False`` if this reference already resolved it the same way
        (a repeat changes nothing); another resolution under it is an
        :class:`IdempotencyConflict`. Raises :class:`RefundNotFound`,
        :class:`RefundNotEscalated`."""
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise RefundNotFound(f"payment {self.id!r} has no refund {refund_id!r}")
        if not reference.strip():
            raise ValidationError(f"resolving refund {refund_id!r} needs a reference")
        earlier = refund.resolution(reference)
        if earlier is not None:
            if earlier.resolution is resolution:
                return False
            raise IdempotencyConflict(
                f"refund {refund_id!r}: reference {reference!r} already resolved it as "
                f"{earlier.resolution.value}, not {resolution.value}"
            )
        status = self.refund_status(refund_id)
        if status is not RefundStatus.ESCALATED:
            raise RefundNotEscalated(
                f"refund {refund_id!r} of payment {self.id!r} is {status.value}, not escalated"
            )
        resolved = (*refund.resolutions, ManualResolution(reference, resolution, at))
        if resolution is RefundResolution.RETRY:
            self.refunds[refund_id] = attrs.evolve(
                refund, escalated_at=None, resolutions=resolved, budget_from=refund.tries
            )
        else:
            self.refunds[refund_id] = attrs.evolve(refund, resolutions=resolved)
        self.record(RefundResolved(self.id, self.order_id, refund_id, resolution, reference, at))
        if resolution is RefundResolution.REFUNDED_OFFLINE:
            offline = PaymentFact(
                FactKind.REFUNDED, f"{refund_id}/offline/{reference}", refund.amount, at,
                refund_id=refund_id, reason=f"refunded outside the channel: {reference}",
            )  # fmt: skip
            self.record_fact(offline)
        return True

    # -- transaction authentication -------------------------------------------------------

    def require_authentication(
        self, factor: AuthFactor, *, at: datetime, expires_at: datetime, max_attempts: int
    ) -> None:
        """Risk control asks the payer to prove ``factor`` before the channel is called."""
        if self.authentication is not None or self.facts:
            raise ValidationError(
                f"payment {self.id!r}: authentication is asked before anything else happens"
            )
        self.authentication = Authentication(
            factor=factor, required_at=at, expires_at=expires_at, max_attempts=max_attempts
        )
        self.record(AuthenticationRequired(self.id, self.order_id, factor, expires_at, at))

    def _pending_authentication(self, command: str, now: datetime) -> Authentication:
        auth = self.authentication
        if auth is None:
            raise NoAuthenticationPending(f"payment {self.id!r} needs no authentication")
        if auth.status is AuthenticationStatus.LOCKED:
            raise AuthenticationLocked(
                f"payment {self.id!r}: authentication locked after {auth.failures} wrong proofs",
                attempts_left=0,
            )
        if auth.status is AuthenticationStatus.EXPIRED:
            raise AuthenticationExpired(
                f"payment {self.id!r}: authentication expired at {auth.expires_at}"
            )
        AUTHENTICATION_FLOW.target(auth.status, command)
        if auth.due(now):
            raise AuthenticationExpired(
                f"payment {self.id!r}: authentication window closed at {auth.expires_at}"
            )
        return auth

    def check_proof(self, factor: AuthFactor, now: datetime) -> None:
        """Raise unless a proof of ``factor`` may be checked now (changes nothing)."""
        auth = self._pending_authentication("verify", now)
        if factor is not auth.factor:
            raise WrongAuthenticationFactor(
                f"payment {self.id!r} asks for {auth.factor.value}, got {factor.value}"
            )

    def verify_proof(self, factor: AuthFactor, now: datetime) -> None:
        """The proof verified: the payment may now be charged."""
        self.check_proof(factor, now)
        assert self.authentication is not None
        self.authentication = attrs.evolve(
            self.authentication, status=AuthenticationStatus.VERIFIED, ended_at=now
        )
        self.record(TransactionAuthenticated(self.id, factor, now))

    def reject_proof(self, factor: AuthFactor, now: datetime) -> bool:
        """A wrong proof, counted; the last allowed one locks the authentication and fails
        the payment. Returns whether it locked."""
        self.check_proof(factor, now)
        auth = self.authentication
        assert auth is not None
        failures = auth.failures + 1
        locks = failures >= auth.max_attempts
        command = "lock" if locks else "reject proof"
        status = AUTHENTICATION_FLOW.target(auth.status, command)
        self.authentication = attrs.evolve(
            auth, status=status, failures=failures, ended_at=now if locks else None
        )
        self.record(
            AuthenticationProofRejected(
                self.id, factor, failures, auth.max_attempts - failures, now
            )
        )
        if locks:
            self.record(AuthenticationLockedOut(self.id, failures, now))
            self.record(PaymentFailed(self.id, self.order_id, self.failure or "", now))
        return locks

    def lapse_authentication(self, now: datetime) -> bool:
        """If the authentication window has closed before a verified proof, the payment
        fails, uncharged (:class:`AuthenticationLapsed`, :class:`PaymentFailed`). Returns
        whether it lapsed; a payment whose authentication is not due is left as it was."""
        auth = self.authentication
        if auth is None or not auth.due(now):
            return False
        status = AUTHENTICATION_FLOW.target(auth.status, "expire")
        self.authentication = attrs.evolve(auth, status=status, ended_at=now)
        self.record(AuthenticationLapsed(self.id, auth.expires_at, now))
        self.record(PaymentFailed(self.id, self.order_id, self.failure or "", now))
        return True
