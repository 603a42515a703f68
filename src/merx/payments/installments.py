"""Paying by installments: the seed's journey 4 at the cashier.

The parent order is paid by credit: the installment option is reviewed in real time
(the customer's grade allows the term, the limit covers it), the limit is deducted, a
funder finances the order (with fallback down to self-held funds) and the plan starts.
To the cashier this is a payment through the ``installments`` channel whose capture is
the financing; when nothing funds the order, the order closes and everything (stock,
budgets, limit) is given back. A refund pays the plan down (:func:`refund_installments`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from merx import credit, funding, installments
from merx.catalog import Sku
from merx.inventory import InventoryPolicy
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import MerxError
from merx.kernel.ids import IdSource, OrderId, PaymentId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.orders import CancelOrder, Order, ParentOrder, ParentStatus, cancel_order
from merx.payments.errors import NotInstallmentEligible
from merx.payments.model import FactKind, Payment, PaymentFact, RefundStatus
from merx.payments.ports import PaymentGateway, TransactionRisk
from merx.payments.services import (
    INSTALLMENTS,
    AuthenticationPolicy,
    PaymentOutcome,
    _ask_channel,
    begin_payment,
    gateway_for,
    record_and_settle,
    refund_payment,
)


@attrs.frozen
class PayByInstallments(Command[PaymentOutcome]):
    """Pay a parent order with the customer's credit over ``term_months``."""

    parent_id: OrderId
    term_months: int


def pay_by_installments(
    cmd: PayByInstallments,
    uow: UnitOfWork,
    *,
    clock: Clock,
    ids: IdSource,
    inventory: InventoryPolicy,
    scorer: credit.CreditScorer,
    funders: Mapping[str, funding.Funder],
    risk: TransactionRisk | None = None,
    authentication: AuthenticationPolicy = AuthenticationPolicy(),
    product: installments.ProductSettings | None = None,
    calendar: installments.BusinessCalendar | None = None,
    offered_terms: Callable[[str], frozenset[int] | None] | None = None,
) -> PaymentOutcome:
    """Review the option, ask risk control, lock the stock and finance the order.

    Refused before anything is stored: a SKU not sold on installments
    (:class:`NotInstallmentEligible`), a term the grade does not offer
    (:class:`~merx.credit.TermNotAllowed`), a payable above the limit
    (:class:`~merx.credit.LimitExceeded`), a denial by risk control
    (:class:`PaymentDenied`). When risk control asks the payer to prove who they are,
    the payment waits for :class:`AuthenticateTransaction`, which then finances it.
    ``offered_terms`` narrows the grade's terms for a customer (the app's
    ``checkout.installment_offer`` decision; ``None``: every term the grade offers).
    """
    parent = uow.repo(ParentOrder).get(cmd.parent_id)
    for order_id in parent.order_ids:
        for line in uow.repo(Order).get(order_id).lines:
            if not uow.repo(Sku).get(line.sku).installment_eligible:
                raise NotInstallmentEligible(f"{line.sku!r} cannot be bought on installments")
    options = credit.installment_options(uow, parent.customer_id, parent.payable, clock=clock)
    allowed = offered_terms(parent.customer_id) if offered_terms is not None else None
    if allowed is not None:
        options = tuple(o for o in options if o.offer.term_months in allowed)
    chosen = [o for o in options if o.offer.term_months == cmd.term_months]
    if not chosen:
        offered = sorted(o.offer.term_months for o in options)
        raise credit.TermNotAllowed(f"{cmd.term_months} months is not offered; offered: {offered}")
    if not chosen[0].within_limit:
        raise credit.LimitExceeded(f"the credit limit does not cover {parent.payable}")
    payment, waiting = begin_payment(
        uow, parent, channel=INSTALLMENTS, method=f"{cmd.term_months} months", risk=risk,
        ids=ids, clock=clock, inventory=inventory, authentication=authentication,
        term_months=cmd.term_months,
    )  # fmt: skip
    return waiting or finance_installment_payment(
        uow, payment, parent, clock=clock, ids=ids, scorer=scorer, funders=funders,
        product=product, calendar=calendar,
    )  # fmt: skip


def finance_installment_payment(
    uow: UnitOfWork,
    payment: Payment,
    parent: ParentOrder,
    *,
    clock: Clock,
    ids: IdSource,
    scorer: credit.CreditScorer,
    funders: Mapping[str, funding.Funder],
    product: installments.ProductSettings | None = None,
    calendar: installments.BusinessCalendar | None = None,
) -> PaymentOutcome:
    """Finance an installment payment whose stock is locked (committed): captured when a
    funder (or the platform's own funds) takes the asset; failed, with the order closed and
    everything given back, when the real-time review declines or nothing funds it."""
    assert payment.term_months is not None, f"{payment.id!r} is not an installment payment"
    now = clock.now()
    try:
        financing = funding.finance_installment_order(
            funding.FinanceInstallmentOrder(
                parent.customer_id, parent.id, parent.payable, payment.term_months
            ),
            uow, clock=clock, ids=ids, scorer=scorer, funders=funders, product=product,
            calendar=calendar,
        )  # fmt: skip
    except MerxError as refused:  # the real-time review said no: nothing was deducted
        fact = PaymentFact(FactKind.CHARGE_FAILED, f"{payment.id}/review", payment.amount, now,
                           reason=f"{type(refused).__name__}: {refused}")  # fmt: skip
        return record_and_settle(uow, payment.id, [fact], clock=clock, gateway=None)
    if financing.funded:
        fact = PaymentFact(FactKind.CAPTURED, financing.plan_id, payment.amount, now)
        return record_and_settle(uow, payment.id, [fact], clock=clock, gateway=None)
    fact = PaymentFact(
        FactKind.CHARGE_FAILED, financing.plan_id, payment.amount, now, reason="no funder"
    )
    outcome = record_and_settle(uow, payment.id, [fact], clock=clock, gateway=None)
    if uow.repo(ParentOrder).get(parent.id).status is ParentStatus.PENDING_PAYMENT:
        cancel_order(CancelOrder(parent.id, "installment financing failed"), uow, clock=clock)
    return outcome


def refund_installments(
    uow: UnitOfWork,
    *,
    payment_id: PaymentId,
    refund_id: str,
    amount: Money,
    reason: str,
    clock: Clock,
    order_id: OrderId | None = None,
) -> RefundStatus:
    """A refund of an installment order pays its plan down (credit restores the limit and
    returns any overpayment); reserved on the payment first, so it is never applied twice.
    A repeat of a pending refund makes its next try (:func:`try_installment_refund`)."""
    payment = uow.repo(Payment).get(payment_id)
    if payment.reserve_refund(refund_id, amount, reason, order_id=order_id, at=clock.now()):
        uow.repo(Payment).save(payment)
        uow.commit()
        return _pay_plan_down(uow, payment_id, refund_id, refund_id, clock)
    return try_installment_refund(uow, payment_id, refund_id, clock)


def try_installment_refund(
    uow: UnitOfWork, payment_id: PaymentId, refund_id: str, clock: Clock
) -> RefundStatus:
    """The next try of a pending refund of an installment payment (what
    :class:`~merx.payments.RetryRefunds` calls): an attempt recorded and committed, then the
    plan paid down. A refund left pending (the process stopped between the two, or credit
    refused it) is never left behind."""
    payment = uow.repo(Payment).get(payment_id)
    if payment.refund_status(refund_id) is not RefundStatus.PENDING:
        return payment.refund_status(refund_id)
    attempt = payment.attempt_refund(refund_id, clock.now())
    uow.repo(Payment).save(payment)
    uow.commit()
    return _pay_plan_down(uow, payment_id, refund_id, attempt.request_id, clock)


def _pay_plan_down(
    uow: UnitOfWork, payment_id: PaymentId, refund_id: str, request_id: str, clock: Clock
) -> RefundStatus:
    """Pay the plan down by the refund and record it as the attempt ``request_id``'s
    outcome, in one commit; credit refusing it (a :class:`MerxError`) is a declined
    attempt, tried again like a channel's decline."""
    payment = uow.repo(Payment).get(payment_id)
    amount = payment.refunds[refund_id].amount
    parent = uow.repo(ParentOrder).get(payment.order_id)
    now = clock.now()
    try:
        installments.refund_installment_order(
            installments.RefundInstallmentOrder(parent.customer_id, parent.id, amount),
            uow,
            clock=clock,
        )
        fact = PaymentFact(FactKind.REFUNDED, f"{request_id}/credit", amount, now, request_id)
    except MerxError as refused:
        uow.rollback()  # whatever credit staged before refusing
        payment = uow.repo(Payment).get(payment_id)
        fact = PaymentFact(
            FactKind.REFUND_FAILED, f"{request_id}/refused", amount, now, request_id,
            reason=f"{type(refused).__name__}: {refused}",
        )  # fmt: skip
    payment.record_fact(fact)
    uow.repo(Payment).save(payment)
    uow.commit()
    return payment.refund_status(refund_id)


def refund_to_payer(
    uow: UnitOfWork,
    gateways: Mapping[str, PaymentGateway],
    *,
    payment_id: PaymentId,
    refund_id: str,
    amount: Money,
    reason: str,
    clock: Clock,
    order_id: OrderId | None = None,
) -> RefundStatus:
    """Give money back the way it came: through the channel, or down the installment plan."""
    payment = uow.repo(Payment).get(payment_id)
    if payment.channel == INSTALLMENTS:
        return refund_installments(
            uow, payment_id=payment_id, refund_id=refund_id, amount=amount, reason=reason,
            clock=clock, order_id=order_id,
        )  # fmt: skip
    return refund_payment(
        uow,
        gateway_for(gateways, payment.channel),
        payment_id=payment_id,
        refund_id=refund_id,
        amount=amount,
        reason=reason,
        clock=clock,
        order_id=order_id,
    )


def ask_refund(
    uow: UnitOfWork,
    gateways: Mapping[str, PaymentGateway],
    *,
    payment_id: PaymentId,
    refund_id: str,
    clock: Clock,
) -> RefundStatus:
    """Send a refund the caller reserved (:meth:`Payment.reserve_refund`) and committed with
    its own changes, its first attempt not asked yet: through the channel, or down the
    installment plan; the answer recorded (committed). Returns the refund's status."""
    payment = uow.repo(Payment).get(payment_id)
    status = payment.refund_status(refund_id)
    if status is not RefundStatus.PENDING:
        return status
    request_id = payment.refunds[refund_id].request_ids[-1]
    if payment.channel == INSTALLMENTS:
        return _pay_plan_down(uow, payment_id, refund_id, request_id, clock)
    return _ask_channel(
        uow, gateway_for(gateways, payment.channel), payment_id=payment_id,
        refund_id=refund_id, request_id=request_id, clock=clock,
    )  # fmt: skip
