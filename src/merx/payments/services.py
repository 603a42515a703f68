"""Cashier use cases: pay a parent order through a channel, take the channel's
notifications, sync unknown outcomes, refund.

Every gateway call happens *between* two commits: what merx intends is stored before the
call (a payment initiated, a refund reserved), what the channel answered after it, as a
fact. A timeout leaves the intent stored and pending, never guessed: :class:`SyncPayment`
repeats the calls with the same idempotency keys, so the channel answers what it did (or
does it now) and nothing is ever charged twice.

Before a payment is stored, risk control assesses it (:class:`TransactionRisk`): a denied
one raises :class:`PaymentDenied` and nothing is stored; one that needs authentication is
stored *awaiting authentication*, holding no stock and asking no channel, until
:class:`AuthenticateTransaction` brings a verified proof (then it is charged exactly as
:class:`PayOrder` charges) or its window closes (:class:`ExpirePaymentAuthentications`,
or :class:`SyncPayment`), which fails it and frees the parent order for another attempt
or for :class:`~merx.orders.CloseUnpaidOrders`. :class:`PayOrderRouted` picks the channel
by the routing rules (:mod:`merx.payments.routing`) instead of taking one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TypeAlias

import attrs

from merx.inventory import (
    InventoryPolicy,
    confirm_holds,
    hold_for_order,
    relax_holds,
    release_holds,
)
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import AlreadyExists, BusinessRuleViolation, NotFound, ValidationError
from merx.kernel.ids import IdSource, OrderId, PaymentId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork, prefetch
from merx.orders import Order, ParentOrder
from merx.payments.errors import (
    AuthenticationExpired,
    AuthenticationLocked,
    GatewayTimeout,
    PaymentDenied,
    UnknownChannel,
    WrongProof,
)
from merx.payments.model import (
    FactKind,
    Payment,
    PaymentFact,
    PaymentStatus,
    RefundPolicy,
    RefundResolution,
    RefundStatus,
)
from merx.payments.ports import (
    AuthFactor,
    ChannelHealth,
    GatewayOperation,
    GatewayResult,
    GatewayStatus,
    PaymentGateway,
    PaymentNotification,
    PaymentQueries,
    RiskDecision,
    RiskVerdict,
    TransactionRisk,
)
from merx.payments.routing import DEFAULT_ROUTING, RoutingRule, choose_channel


@attrs.frozen
class AuthenticationPolicy:
    """Transaction authentication limits: the payer has ``window`` to prove the
    transaction, and ``max_attempts`` proofs; the last wrong one locks it.

    Keep ``window`` well under :attr:`merx.orders.OrderPolicy.unpaid_ttl`, so an abandoned
    authentication has expired (and freed the order) before unpaid orders are closed.
    """

    window: timedelta = timedelta(minutes=5)
    max_attempts: int = 3

    def __attrs_post_init__(self) -> None:
        if self.window <= timedelta(0):
            raise ValidationError(f"authentication window must be positive, got {self.window}")
        if self.max_attempts < 1:
            raise ValidationError(f"max_attempts must be at least 1, got {self.max_attempts}")


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
class PayOrderRouted(Command[PaymentOutcome]):
    """Pay a parent order in full with the payer's ``method``, through the channel the
    routing rules choose among those available now; then exactly as :class:`PayOrder`.
    ``customer_tags`` (``"vip"``, ``"new_user"``...) are the host's, for rules that use them."""

    parent_id: OrderId
    method: str
    customer_tags: frozenset[str] = frozenset()


@attrs.frozen
class AuthenticateTransaction(Command[PaymentOutcome]):
    """The payer's proof for a payment awaiting authentication (an SMS code, a password,
    a face or fingerprint scan token): verified, the payment is charged."""

    payment_id: PaymentId
    factor: AuthFactor
    proof: str = attrs.field(repr=False)


@attrs.frozen
class ExpirePaymentAuthentications(Command[list[PaymentId]]):
    """Fail every payment whose authentication window has closed (run it from the host's
    scheduler, before :class:`~merx.orders.CloseUnpaidOrders`)."""


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
    risk: TransactionRisk | None = None,
    authentication: AuthenticationPolicy = AuthenticationPolicy(),
) -> PaymentOutcome:
    """Assess, lock the orders' stock, charge the parent order, and settle the outcome.

    Stock is locked firmly when the charge starts (a reservation taken at placement is
    confirmed), so a successful charge always has goods behind it; a declined charge
    gives the stock back. Without ``risk`` every transaction is allowed.
    """
    gateway_for(gateways, cmd.channel)
    parent = uow.repo(ParentOrder).get(cmd.parent_id)
    return _pay(
        uow,
        parent,
        channel=cmd.channel,
        method=cmd.method,
        gateways=gateways,
        clock=clock,
        ids=ids,
        inventory=inventory,
        risk=risk,
        authentication=authentication,
    )


def pay_order_routed(
    cmd: PayOrderRouted,
    uow: UnitOfWork,
    *,
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
    ids: IdSource,
    inventory: InventoryPolicy,
    rules: Sequence[RoutingRule] = DEFAULT_ROUTING,
    health: ChannelHealth | None = None,
    risk: TransactionRisk | None = None,
    authentication: AuthenticationPolicy = AuthenticationPolicy(),
) -> PaymentOutcome:
    """Choose the channel (configured, up per ``health``, first matching rule), then pay
    exactly as :func:`pay_order`. Raises :class:`~merx.payments.NoChannelAvailable`."""
    parent = uow.repo(ParentOrder).get(cmd.parent_id)
    available = frozenset(c for c in gateways if health is None or health.is_available(c))
    channel = choose_channel(
        rules,
        amount=parent.payable,
        method=cmd.method,
        available=available,
        customer_tags=cmd.customer_tags,
    )
    return _pay(
        uow,
        parent,
        channel=channel,
        method=cmd.method,
        gateways=gateways,
        clock=clock,
        ids=ids,
        inventory=inventory,
        risk=risk,
        authentication=authentication,
    )


def _pay(
    uow: UnitOfWork,
    parent: ParentOrder,
    *,
    channel: str,
    method: str,
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
    ids: IdSource,
    inventory: InventoryPolicy,
    risk: TransactionRisk | None,
    authentication: AuthenticationPolicy,
) -> PaymentOutcome:
    gateway = gateway_for(gateways, channel)
    payment, waiting = begin_payment(
        uow, parent, channel=channel, method=method, risk=risk, ids=ids, clock=clock,
        inventory=inventory, authentication=authentication,
    )  # fmt: skip
    return waiting or _charge_and_settle(uow, payment, gateway, clock)


def begin_payment(
    uow: UnitOfWork,
    parent: ParentOrder,
    *,
    channel: str,
    method: str,
    risk: TransactionRisk | None,
    ids: IdSource,
    clock: Clock,
    inventory: InventoryPolicy,
    authentication: AuthenticationPolicy,
    term_months: int | None = None,
) -> tuple[Payment, PaymentOutcome | None]:
    """Ask risk control (:func:`assess`), then record a new payment of ``parent`` and the
    attempt on it, and commit: awaiting the payer's proof when risk control asked for one
    (nothing locked; that outcome is returned), else with the stock locked and ``None``
    returned (the charge goes on)."""
    decision = assess(risk, parent, channel=channel, method=method)
    now = clock.now()
    payment = Payment.initiate(
        payment_id=PaymentId(ids.next_id("pay")),
        order_id=parent.id,
        channel=channel,
        method=method,
        amount=parent.payable,
        at=now,
        term_months=term_months,
    )
    parent.start_payment(payment.id, now)
    prefetch(uow.repo(Payment), [payment.id])  # new: read as missing with the orders
    prefetch(uow.repo(Order), parent.order_ids)
    if decision.factor is not None:
        payment.require_authentication(
            decision.factor,
            at=now,
            expires_at=now + authentication.window,
            max_attempts=authentication.max_attempts,
        )
    else:
        lock_stock(uow, parent, inventory)
    uow.repo(ParentOrder).save(parent)
    uow.repo(Payment).add(payment)
    uow.commit()
    if decision.factor is None:
        return payment, None
    return payment, PaymentOutcome(
        payment.id,
        PaymentStatus.AWAITING_AUTHENTICATION,
        f"{decision.factor.value} authentication required",
    )


def assess(
    risk: TransactionRisk | None, parent: ParentOrder, *, channel: str, method: str
) -> RiskDecision:
    """Risk control's decision on paying ``parent`` (allowed when there is none); raises
    :class:`PaymentDenied` on a denial, before anything is stored."""
    if risk is None:
        return RiskDecision.allow()
    decision = risk.assess(
        customer_id=parent.customer_id,
        parent_id=parent.id,
        amount=parent.payable,
        channel=channel,
        method=method,
    )
    if decision.verdict is RiskVerdict.DENY:
        raise PaymentDenied(
            f"risk control denied paying order {parent.id!r} ({parent.payable} by {method!r} "
            f"through {channel!r}): {decision.reason}",
            reason=decision.reason or "",
        )
    return decision


def lock_stock(uow: UnitOfWork, parent: ParentOrder, inventory: InventoryPolicy) -> None:
    """Lock every order's stock firmly (staged): confirm a reservation, or hold now."""
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


# -- transaction authentication ------------------------------------------------------------


#: The cashier's channel for credit: no gateway, the funders pay the platform.
INSTALLMENTS = "installments"

#: Finances a verified installment payment (its stock locked and committed) and settles
#: it: :func:`merx.payments.finance_installment_payment` with its dependencies bound.
Finance: TypeAlias = Callable[[UnitOfWork, Payment, ParentOrder], PaymentOutcome]


def authenticate_transaction(
    cmd: AuthenticateTransaction,
    uow: UnitOfWork,
    *,
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
    inventory: InventoryPolicy,
    risk: TransactionRisk,
    finance: Finance | None = None,
) -> PaymentOutcome:
    """Check the payer's proof through risk control; verified, lock the stock and charge
    exactly as :func:`pay_order` does (an installment payment is financed by ``finance``
    instead, as :class:`~merx.payments.PayByInstallments` would have).

    A wrong proof is recorded (committed) and raised as :class:`WrongProof`; the last
    allowed one as :class:`AuthenticationLocked`, which fails the payment and frees the
    order. A proof after the window closed expires the payment (committed) and raises
    :class:`AuthenticationExpired`. A proof of another factor changes nothing.
    """
    payment = uow.repo(Payment).get(cmd.payment_id)
    gateway = None if payment.channel == INSTALLMENTS else gateway_for(gateways, payment.channel)
    if gateway is None and finance is None:
        raise UnknownChannel(f"payment {payment.id!r} is by installments: no financing wired")
    now = clock.now()
    if _lapse(uow, payment, now):
        uow.commit()
        assert payment.authentication is not None
        raise AuthenticationExpired(
            f"payment {payment.id!r}: authentication window closed at "
            f"{payment.authentication.expires_at}"
        )
    payment.check_proof(cmd.factor, now)
    parent = uow.repo(ParentOrder).get(payment.order_id)
    parent.check_accepts(payment.id)
    if not risk.verify(payment_id=payment.id, factor=cmd.factor, proof=cmd.proof):
        locked = payment.reject_proof(cmd.factor, now)
        uow.repo(Payment).save(payment)
        if locked:
            parent.payment_failed(payment.id, payment.failure or "", now)
            uow.repo(ParentOrder).save(parent)
        uow.commit()
        left = payment.authentication.attempts_left if payment.authentication else 0
        error = AuthenticationLocked if locked else WrongProof
        raise error(
            f"payment {payment.id!r}: wrong {cmd.factor.value} proof, {left} attempt(s) left",
            attempts_left=left,
        )
    payment.verify_proof(cmd.factor, now)
    uow.repo(Payment).save(payment)
    lock_stock(uow, parent, inventory)
    uow.commit()
    if gateway is None:
        assert finance is not None
        return finance(uow, payment, parent)
    return _charge_and_settle(uow, payment, gateway, clock)


def _lapse(uow: UnitOfWork, payment: Payment, now: datetime) -> bool:
    """If the payment's authentication window has closed, fail the payment and free its
    parent order (staged; it held no stock, so none is released). Returns whether it did."""
    if not payment.lapse_authentication(now):
        return False
    uow.repo(Payment).save(payment)
    parent = uow.repo(ParentOrder).get(payment.order_id)
    parent.payment_failed(payment.id, payment.failure or "", now)
    uow.repo(ParentOrder).save(parent)
    return True


def expire_payment_authentications(
    cmd: ExpirePaymentAuthentications,
    uow: UnitOfWork,
    *,
    clock: Clock,
    queries: PaymentQueries,
) -> list[PaymentId]:
    """Fail the payments whose authentication window has closed (``queries`` finds the
    candidates; :meth:`Payment.lapse_authentication` decides on each)."""
    now = clock.now()
    expired: list[PaymentId] = []
    repo = uow.repo(Payment)
    for key in list(queries.awaiting_authentication()):
        payment = repo.get(key)
        if _lapse(uow, payment, now):
            expired.append(payment.id)
    uow.commit()
    return expired


def sync_payment(
    cmd: SyncPayment, uow: UnitOfWork, *, gateways: Mapping[str, PaymentGateway], clock: Clock
) -> PaymentOutcome:
    """Ask the channel again (same keys). A payment awaiting authentication is never
    charged here: it stays awaiting, or fails if its window has closed."""
    payment = uow.repo(Payment).get(cmd.payment_id)
    if _lapse(uow, payment, clock.now()):
        uow.commit()
    if payment.status is PaymentStatus.SUCCEEDED and payment.refundable.is_positive():
        gateway = gateway_for(gateways, payment.channel)  # a late success not refunded yet?
        return record_and_settle(uow, payment.id, [], clock=clock, gateway=gateway)
    if payment.status is not PaymentStatus.INITIATED:
        return PaymentOutcome(payment.id, payment.status, payment.failure)
    return _charge_and_settle(uow, payment, gateway_for(gateways, payment.channel), clock)


def _charge_and_settle(
    uow: UnitOfWork, payment: Payment, gateway: PaymentGateway, clock: Clock
) -> PaymentOutcome:
    """Authorize then capture (same keys every time), record the facts, settle."""
    assert payment.chargeable, "never call the channel before a required proof is verified"
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
    prefetch(uow.repo(Payment), [payment.id])  # read together
    prefetch(uow.repo(ParentOrder), [payment.order_id])
    outcome = record_and_settle(uow, payment.id, facts, clock=clock, gateway=gateway)
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
    if payment.notices.get(note.event_id) == fingerprint:  # redelivered: nothing to write
        return PaymentOutcome(payment.id, payment.status, payment.failure)
    return record_and_settle(
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


def record_and_settle(
    uow: UnitOfWork,
    payment_id: PaymentId,
    facts: Sequence[PaymentFact],
    *,
    clock: Clock,
    gateway: PaymentGateway | None,
    notice: tuple[str, str] | None = None,
) -> PaymentOutcome:
    """Fold the facts into the payment, then make the orders follow its status (commits).

    A success for a parent order that no longer waits for this payment (closed, or paid
    by another attempt) is refunded in full at once: money is never kept for nothing.
    """
    payment = uow.repo(Payment).get(payment_id)
    changed = notice is not None and payment.notices.get(notice[0]) != notice[1]
    for fact in facts:
        changed = payment.record_fact(fact, notice=notice) or changed
    changed = changed or bool(payment.pending_events)
    parent = uow.repo(ParentOrder).get(payment.order_id)
    prefetch(uow.repo(Order), parent.order_ids)
    now = clock.now()
    late = False
    parent_changed = False
    if payment.status is PaymentStatus.SUCCEEDED and parent.payment_id != payment.id:
        if parent.accepts_payment(payment.id):
            parent_changed = True
            parent.mark_paid(payment.id, payment.amount, now)
            for order_id in parent.order_ids:
                order = uow.repo(Order).get(order_id)
                order.mark_paid(payment.id, now)
                uow.repo(Order).save(order)
        else:
            late = payment.refundable.is_positive()
    elif payment.status is PaymentStatus.FAILED and parent.payment_failed(
        payment.id, payment.failure or "declined", now
    ):
        parent_changed = True
        for order_id in parent.order_ids:
            order = uow.repo(Order).get(order_id)
            if order.release_stock_after_failed_payment(now):
                release_holds(uow, order.id, order.allocations)
                order.assign_stock(())
            else:  # the reservation taken at placement still runs: keep it for a retry
                assert order.reserved_until is not None
                relax_holds(uow, order.id, order.allocations, order.reserved_until)
            uow.repo(Order).save(order)
    if parent_changed or parent.pending_events:  # an unchanged parent keeps its version
        uow.repo(ParentOrder).save(parent)
    if changed or parent_changed:
        uow.repo(Payment).save(payment)
    uow.commit()
    if late:
        assert gateway is not None, "only a channel's success can arrive late"
        refund = refund_payment(
            uow,
            gateway,
            payment_id=payment.id,
            refund_id=f"{payment.id}/late",
            amount=payment.refundable,
            reason=f"order {parent.id} was {parent.status.value} when the payment succeeded",
            clock=clock,
        )
        if refund is RefundStatus.SUCCEEDED:
            reason = "refunded: order not payable"
        else:  # RetryRefunds, a notification or a sync finishes it
            reason = "refund pending: order not payable"
        return PaymentOutcome(payment.id, PaymentStatus.SUCCEEDED, reason)
    return PaymentOutcome(payment.id, payment.status, payment.failure)


# -- refunding ---------------------------------------------------------------------------


def reserve_refund(
    uow: UnitOfWork,
    payment_id: PaymentId,
    refund_id: str,
    amount: Money,
    reason: str,
    *,
    order_id: OrderId | None,
    at: datetime,
) -> RefundStatus | None:
    """Reserve the refund on the payment with its first attempt and commit (a repeat
    reuses the reservation). Returns the refund's status if it is not pending, ``None``
    while it is (the money still has to be sent back)."""
    payment = uow.repo(Payment).get(payment_id)
    if payment.reserve_refund(refund_id, amount, reason, order_id=order_id, at=at):
        uow.repo(Payment).save(payment)
        uow.commit()
        return None
    status = payment.refund_status(refund_id)
    return None if status is RefundStatus.PENDING else status


def refund_payment(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    *,
    payment_id: PaymentId,
    refund_id: str,
    amount: Money,
    reason: str,
    clock: Clock,
    order_id: OrderId | None = None,
) -> RefundStatus:
    """Reserve the refund intent with its first attempt, then ask the channel, then record
    its answer: a refund is never paid twice.

    ``order_id`` names the seller's order the refund is for (invoices subtract it).

    Commits the reservation before the gateway call. A repeat with the same refund id
    reuses it and makes the refund's next try now (:func:`try_refund`). Returns the
    refund's status: ``PENDING`` while no attempt has succeeded (a timeout, a pending or a
    declined answer): :class:`RetryRefunds` tries again on its schedule, and a
    notification or a sync that brings the outcome settles it.
    """
    payment = uow.repo(Payment).get(payment_id)
    if not payment.reserve_refund(refund_id, amount, reason, order_id=order_id, at=clock.now()):
        return try_refund(uow, gateway, payment_id=payment_id, refund_id=refund_id, clock=clock)
    uow.repo(Payment).save(payment)
    uow.commit()
    return _ask_channel(
        uow, gateway, payment_id=payment_id, refund_id=refund_id, request_id=refund_id, clock=clock
    )


def try_refund(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    *,
    payment_id: PaymentId,
    refund_id: str,
    clock: Clock,
) -> RefundStatus:
    """The refund's next try now (:meth:`Payment.attempt_refund`: the same request asked
    again while its outcome is unknown, else a new attempt), committed, then asked."""
    payment = uow.repo(Payment).get(payment_id)
    if payment.refund_status(refund_id) is not RefundStatus.PENDING:
        return payment.refund_status(refund_id)
    attempt = payment.attempt_refund(refund_id, clock.now())
    uow.repo(Payment).save(payment)
    uow.commit()
    return _ask_channel(
        uow, gateway, payment_id=payment_id, refund_id=refund_id, request_id=attempt.request_id,
        clock=clock,
    )  # fmt: skip


def _ask_channel(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    *,
    payment_id: PaymentId,
    refund_id: str,
    request_id: str,
    clock: Clock,
) -> RefundStatus:
    """Call the channel for one attempt and record its answer (commit 2). A timeout
    records nothing; a channel that refuses the call (its own invariants) is a decline."""
    payment = uow.repo(Payment).get(payment_id)
    amount = payment.refunds[refund_id].amount
    try:
        result = gateway.refund(
            payment_id=payment_id,
            refund_id=request_id,
            amount=amount,
            idempotency_key=f"{payment_id}/refund/{request_id}",
        )
        fact = _fact_of(GatewayOperation.REFUND, result.status, result, clock.now())
    except GatewayTimeout:
        return RefundStatus.PENDING
    except (BusinessRuleViolation, AlreadyExists, NotFound) as refused:
        fact = PaymentFact(
            FactKind.REFUND_FAILED, f"{request_id}/refused", amount, clock.now(),
            reason=f"{type(refused).__name__}: {refused}",
        )  # fmt: skip
    if fact is not None:
        payment.record_fact(attrs.evolve(fact, refund_id=request_id))
        uow.repo(Payment).save(payment)
        uow.commit()
    return payment.refund_status(refund_id)


@attrs.frozen
class RefundOutcome:
    """What a try did to a refund: ``PENDING`` (tried again, not yet refunded),
    ``SUCCEEDED`` or ``ESCALATED``."""

    payment_id: PaymentId
    refund_id: str
    status: RefundStatus


#: The next try of a pending refund of an installment payment (no channel: the plan is
#: paid down): :func:`merx.payments.installments.try_installment_refund`.
InstallmentRefundTry: TypeAlias = Callable[[UnitOfWork, PaymentId, str, Clock], RefundStatus]


@attrs.frozen
class RetryRefunds(Command[list[RefundOutcome]]):
    """Try again every pending refund whose next try is due, and escalate those that
    have had every try the policy allows (run it from the host's scheduler)."""


def retry_refunds(
    cmd: RetryRefunds,
    uow: UnitOfWork,
    *,
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
    queries: PaymentQueries,
    policy: RefundPolicy,
    installments: InstallmentRefundTry | None = None,
) -> list[RefundOutcome]:
    """``queries`` finds the payments with a pending refund; for each refund due
    (:meth:`Payment.refund_due`), either escalate it (:meth:`Payment.escalate_refund`,
    committed, event :class:`RefundEscalated`) or make its next try (:func:`try_refund`;
    for an installment payment, ``installments``: its plan paid down again, after a stop
    or a refusal between its reservation and its outcome). Refunds of every kind of
    order are tried, a pre-sale deposit's among them."""
    done: list[RefundOutcome] = []
    for key in list(queries.with_refunds_pending()):
        payment = uow.repo(Payment).get(PaymentId(key))
        if payment.channel == INSTALLMENTS and installments is None:
            continue  # no way to pay a plan down wired
        now = clock.now()
        for refund in payment.refunds_in(RefundStatus.PENDING):
            payment = uow.repo(Payment).get(payment.id)
            if not payment.refund_due(refund.refund_id, now, policy):
                continue
            if payment.exhausted(refund.refund_id, policy):
                payment.escalate_refund(refund.refund_id, now, policy)
                uow.repo(Payment).save(payment)
                uow.commit()
                status = RefundStatus.ESCALATED
            elif payment.channel == INSTALLMENTS:
                assert installments is not None
                status = installments(uow, payment.id, refund.refund_id, clock)
            else:
                gateway = gateway_for(gateways, payment.channel)
                status = try_refund(
                    uow, gateway, payment_id=payment.id, refund_id=refund.refund_id, clock=clock
                )
            done.append(RefundOutcome(payment.id, refund.refund_id, status))
    return done


@attrs.frozen
class ResolveEscalatedRefund(Command[RefundStatus]):
    """A person resolves an escalated refund under the host's ``reference`` (a ticket, a
    bank transfer's reference): ``REFUNDED_OFFLINE`` (the money went back outside the
    channel: the refund succeeds, and what follows a refund's success follows: after-sales
    cases complete, a failed top-up closes, a deposit's pre-sale order is refunded) or
    ``RETRY`` (pending again, due at once, with a fresh budget of attempts). The same
    call again changes nothing."""

    payment_id: PaymentId
    refund_id: str
    resolution: RefundResolution
    reference: str


def resolve_escalated_refund(
    cmd: ResolveEscalatedRefund, uow: UnitOfWork, *, clock: Clock
) -> RefundStatus:
    """:meth:`Payment.resolve_refund`, committed; the refund's status after it."""
    payment = uow.repo(Payment).get(cmd.payment_id)
    if payment.resolve_refund(cmd.refund_id, cmd.resolution, cmd.reference, clock.now()):
        uow.repo(Payment).save(payment)
        uow.commit()
    return payment.refund_status(cmd.refund_id)
