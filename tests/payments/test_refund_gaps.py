"""Refunds always finish (issue 14), the gaps: the retry policy set through the app, a
pre-sale deposit kept out of goodwill refunds, escalated refunds resolved by hand, and
deposit and installment refunds tried again like every other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from journey_presale import paid as paid_for

from merx import aftersales, catalog, installments, inventory, orders, payments
from merx.adapters.memory import FixedClock, SequentialIds
from merx.aftersales import AfterSaleStatus
from merx.app import MemoryApp, Settings, build_memory_app, build_sqlite_app
from merx.errors import BusinessRuleViolation, IdempotencyConflict, NotFound, ValidationError
from merx.kernel.ids import PLATFORM, AfterSaleId, PaymentId
from merx.orders import PresaleStatus
from merx.payments import RefundPolicy, RefundResolution, RefundStatus
from tests.orders.test_presale import deposited, presale, refused, state, world
from tests.payments.test_installments import available, ready
from tests.payments.test_refunds_finish import DC, SHIRT, cny, delivered, make_app, payment

# -- the policy reaches the app ----------------------------------------------------------


def test_the_refund_policy_is_set_through_build_memory_app() -> None:
    policy = RefundPolicy(max_attempts=2, retry_after=timedelta(minutes=1))
    app = make_app(refund_policy=policy)
    order_id, payment_id = delivered(app)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "faded"))
    app.gateways["alipay"].decline_next(5)
    app.handle(aftersales.ApproveAfterSale(case))
    app.clock.advance(timedelta(minutes=1))
    assert [o.status for o in app.handle(payments.RetryRefunds())] == [RefundStatus.PENDING]
    app.clock.advance(timedelta(minutes=1))
    assert app.handle(payments.RetryRefunds()) == []  # the 2nd try waits 2 minutes
    app.clock.advance(timedelta(minutes=1))
    assert [o.status for o in app.handle(payments.RetryRefunds())] == [RefundStatus.ESCALATED]
    assert payment(app, payment_id).refund_status(f"{case}/refund") is RefundStatus.ESCALATED


def test_the_refund_policy_is_set_through_build_app_settings(tmp_path: Path) -> None:
    policy = RefundPolicy(max_attempts=1, retry_after=timedelta(minutes=1))
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    app = build_sqlite_app(
        tmp_path / "shop.db", clock=clock,
        ids=SequentialIds(), settings=Settings(refund_policy=policy), synchronous="NORMAL",
    )  # fmt: skip
    app.handle(catalog.CreateSku(SHIRT, "Shirt", PLATFORM, "shirt", cny("100.00")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SHIRT, 20, "po"))
    order_id, payment_id = delivered(app)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "faded"))
    app.gateways["alipay"].decline_next()
    app.handle(aftersales.ApproveAfterSale(case))
    clock.advance(timedelta(minutes=1))  # one try allowed: escalated at once
    assert [o.status for o in app.handle(payments.RetryRefunds())] == [RefundStatus.ESCALATED]
    assert payment(app, payment_id).refund_status(f"{case}/refund") is RefundStatus.ESCALATED


# -- a pre-sale deposit is the pre-sale's ------------------------------------------------


def test_a_goodwill_refund_of_a_presale_deposit_is_refused() -> None:
    app, _ = world(rule=orders.DepositRule.REFUND)
    presale_id = deposited(app)
    deposit_order = presale(app, presale_id).deposit_order_id
    grant = aftersales.GrantRefund(deposit_order, "g-1", cny("10.00"), "sorry")
    refused(app, grant, aftersales.NotEligible)


# -- an escalated refund resolved by hand ------------------------------------------------

ONE_TRY = RefundPolicy(max_attempts=1, retry_after=timedelta(minutes=1))


def escalated(app: MemoryApp) -> tuple[AfterSaleId, PaymentId, str]:
    """A refund-only case whose refund was declined on its one try and escalated."""
    order_id, payment_id = delivered(app)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "faded"))
    app.gateways["alipay"].decline_next(reason="account frozen")
    app.handle(aftersales.ApproveAfterSale(case))
    app.clock.advance(timedelta(minutes=1))
    assert [o.status for o in app.handle(payments.RetryRefunds())] == [RefundStatus.ESCALATED]
    return case, payment_id, f"{case}/refund"


def resolve(
    payment_id: PaymentId, refund_id: str, resolution: RefundResolution, reference: str
) -> payments.ResolveEscalatedRefund:
    return payments.ResolveEscalatedRefund(payment_id, refund_id, resolution, reference)


def test_an_escalated_refund_refunded_offline_succeeds_and_completes_its_case() -> None:
    app = make_app(refund_policy=ONE_TRY)
    case, payment_id, refund_id = escalated(app)
    offline = resolve(payment_id, refund_id, RefundResolution.REFUNDED_OFFLINE, "bank-77")
    assert app.handle(offline) is RefundStatus.SUCCEEDED
    assert payment(app, payment_id).refunded == cny("100.00")
    assert app.get(aftersales.AfterSale, case).status is AfterSaleStatus.COMPLETED
    resolved = [e for e in app.events.events if isinstance(e, payments.RefundResolved)]
    assert [(e.refund_id, e.resolution, e.reference) for e in resolved] == [
        (refund_id, RefundResolution.REFUNDED_OFFLINE, "bank-77")
    ]
    assert [e.refund_id for e in app.events.events if isinstance(e, payments.RefundSucceeded)] == [
        refund_id
    ]
    assert list(app.queries.payments.with_refunds_escalated()) == []
    # the same call again is a no-op; the same reference with another resolution is refused
    before = state(app)
    assert app.handle(offline) is RefundStatus.SUCCEEDED
    assert state(app) == before
    with pytest.raises(IdempotencyConflict):
        app.handle(resolve(payment_id, refund_id, RefundResolution.RETRY, "bank-77"))
    assert state(app) == before
    # succeeded: nothing is left to resolve under a new reference
    refused(
        app,
        resolve(payment_id, refund_id, RefundResolution.RETRY, "ticket-2"),
        payments.RefundNotEscalated,
    )


def test_an_escalated_refund_sent_back_is_tried_at_once_with_a_fresh_budget() -> None:
    app = make_app(refund_policy=RefundPolicy(max_attempts=2, retry_after=timedelta(minutes=1)))
    order_id, payment_id = delivered(app)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "faded"))
    gateway = app.gateways["alipay"]
    gateway.decline_next(2)
    app.handle(aftersales.ApproveAfterSale(case))
    refund_id = f"{case}/refund"
    for _ in range(2):
        app.clock.advance(timedelta(minutes=5))
        app.handle(payments.RetryRefunds())
    assert payment(app, payment_id).refund_status(refund_id) is RefundStatus.ESCALATED
    retry = resolve(payment_id, refund_id, RefundResolution.RETRY, "ticket-1")
    assert app.handle(retry) is RefundStatus.PENDING
    assert app.handle(retry) is RefundStatus.PENDING  # a repeat changes nothing
    assert list(app.queries.payments.with_refunds_pending()) == [payment_id]
    gateway.decline_next()  # the first try of the new budget is declined...
    assert [o.status for o in app.handle(payments.RetryRefunds())] == [RefundStatus.PENDING]
    app.clock.advance(timedelta(minutes=1))  # ...the second succeeds, no escalation before
    assert [o.status for o in app.handle(payments.RetryRefunds())] == [RefundStatus.SUCCEEDED]
    assert app.get(aftersales.AfterSale, case).status is AfterSaleStatus.COMPLETED
    assert payment(app, payment_id).refunded == cny("100.00")


def test_only_an_escalated_refund_is_resolved() -> None:
    app = make_app(refund_policy=ONE_TRY)
    order_id, payment_id = delivered(app)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "faded"))
    app.gateways["alipay"].decline_next()
    app.handle(aftersales.ApproveAfterSale(case))  # declined: pending, not escalated
    refund_id = f"{case}/refund"
    offline = RefundResolution.REFUNDED_OFFLINE
    refused(app, resolve(payment_id, refund_id, offline, "t"), payments.RefundNotEscalated)
    refused(app, resolve(payment_id, "nope", offline, "t"), payments.RefundNotFound)
    refused(app, resolve(payment_id, refund_id, offline, " "), ValidationError)
    refused(app, resolve(PaymentId("pay-404"), refund_id, offline, "t"), NotFound)


# -- refunds of installment payments and pre-sale deposits are tried again ---------------


def test_an_installment_refund_stopped_after_its_reservation_is_finished_by_retry_refunds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = build_memory_app()
    placed = ready(app)
    outcome = app.handle(payments.PayByInstallments(placed.parent_id, 6))
    (order_id,) = placed.order_ids
    limit = available(app)
    real = installments.refund_installment_order

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the process stopped")

    monkeypatch.setattr(installments, "refund_installment_order", crash)
    with pytest.raises(RuntimeError):
        app.handle(aftersales.GrantRefund(order_id, "g-1", cny("100.00"), "scratch"))
    refund_id = f"{order_id}/goodwill/g-1"
    assert payment(app, outcome.payment_id).refund_status(refund_id) is RefundStatus.PENDING
    assert list(app.queries.payments.with_refunds_pending()) == [outcome.payment_id]
    monkeypatch.setattr(installments, "refund_installment_order", real)
    app.clock.advance(timedelta(minutes=10))
    retried = app.handle(payments.RetryRefunds())
    assert [(o.refund_id, o.status) for o in retried] == [(refund_id, RefundStatus.SUCCEEDED)]
    assert available(app) == limit + cny("100.00")
    assert payment(app, outcome.payment_id).refunded == cny("100.00")
    assert app.handle(payments.RetryRefunds()) == []


def test_an_installment_refund_credit_refuses_is_declined_tried_again_and_escalated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = build_memory_app(refund_policy=RefundPolicy(2, timedelta(minutes=1)))
    placed = ready(app)
    outcome = app.handle(payments.PayByInstallments(placed.parent_id, 6))
    (order_id,) = placed.order_ids

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise BusinessRuleViolation("the plan is with a collection agency")

    monkeypatch.setattr(installments, "refund_installment_order", refuse)
    grant = aftersales.GrantRefund(order_id, "g-1", cny("100.00"), "scratch")
    assert app.handle(grant) is RefundStatus.PENDING  # declined, not raised
    for _ in range(3):
        app.clock.advance(timedelta(minutes=5))
        app.handle(payments.RetryRefunds())
    paid = payment(app, outcome.payment_id)
    refund_id = f"{order_id}/goodwill/g-1"
    assert paid.refund_status(refund_id) is RefundStatus.ESCALATED
    assert [a.request_id for a in paid.refunds[refund_id].attempts] == [
        refund_id,
        f"{refund_id}/attempt-2",
    ]
    assert paid.refunded == cny("0.00")


def test_a_declined_deposit_refund_is_finished_by_retry_refunds() -> None:
    app, _ = world(rule=orders.DepositRule.REFUND)
    presale_id = deposited(app)
    app.gateways["alipay"].decline_next(reason="card closed")
    app.handle(orders.CancelPresaleOrder(presale_id, "changed mind"))
    assert presale(app, presale_id).status is PresaleStatus.REFUNDING
    assert paid_for(app, presale_id) == cny("50.00")
    app.clock.advance(timedelta(minutes=10))
    assert [o.status for o in app.handle(payments.RetryRefunds())] == [RefundStatus.SUCCEEDED]
    assert presale(app, presale_id).status is PresaleStatus.REFUNDED
    assert paid_for(app, presale_id) == cny("0.00")


def test_an_escalated_deposit_refund_refunded_offline_refunds_its_presale_order() -> None:
    app, _ = world(rule=orders.DepositRule.REFUND)
    presale_id = deposited(app)
    app.gateways["alipay"].decline_next(5, reason="card closed")
    app.handle(orders.CancelPresaleOrder(presale_id, "changed mind"))
    outcomes = []
    for _ in range(5):
        app.clock.advance(timedelta(days=1))
        outcomes += app.handle(payments.RetryRefunds())
    assert outcomes[-1].status is RefundStatus.ESCALATED
    assert presale(app, presale_id).status is PresaleStatus.REFUNDING
    offline = resolve(
        outcomes[-1].payment_id, outcomes[-1].refund_id, RefundResolution.REFUNDED_OFFLINE, "b-9"
    )
    assert app.handle(offline) is RefundStatus.SUCCEEDED
    assert presale(app, presale_id).status is PresaleStatus.REFUNDED


def test_a_late_channel_success_after_an_offline_resolution_is_an_anomaly_not_a_refund() -> None:
    app = make_app(refund_policy=ONE_TRY)
    order_id, payment_id = delivered(app)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "faded"))
    gateway = app.gateways["alipay"]
    gateway.take_notifications()
    gateway.timeout_next(applied=True)  # the channel refunded it, unseen
    app.handle(aftersales.ApproveAfterSale(case))
    gateway.timeout_next(applied=True)
    app.clock.advance(timedelta(minutes=1))
    assert [o.status for o in app.handle(payments.RetryRefunds())] == [RefundStatus.ESCALATED]
    refund_id = f"{case}/refund"
    offline = resolve(payment_id, refund_id, RefundResolution.REFUNDED_OFFLINE, "bank-1")
    assert app.handle(offline) is RefundStatus.SUCCEEDED
    for note in gateway.take_notifications():  # the channel's success arrives at last
        app.handle(payments.HandlePaymentNotification(note))
    paid = payment(app, payment_id)
    assert paid.refunded == cny("100.00")  # not 200.00: the second payout is flagged
    assert any("refunded again" in anomaly for anomaly in paid.anomalies)
