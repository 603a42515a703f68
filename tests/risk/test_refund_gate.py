"""A refund screened by ``risk.refund`` before money moves: DENY refuses the after-sale
request (or the granted refund), nothing changed; REVIEW opens the case held (it cannot be
approved) until the review closes: approved (a reviewer or the timeout) the seller approves
it as usual, rejected the case is rejected. A granted refund under review is refused until
the review approves it."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import aftersales, orders, payments, risk
from merx.app import MemoryApp
from merx.kernel.ids import OrderId
from merx.kernel.money import Money
from tests.risk.test_wiring import pay, place, shop
from tests.risk.world import A, advance, cny

REVIEW = risk.RiskRule("refund_review", A.REFUND, "context.amount >= 1", risk.Outcome.REVIEW)
DENY = risk.RiskRule("refund_never", A.REFUND, "context.amount >= 1", risk.Outcome.DENY)


def paid(
    rules: tuple[risk.RiskRule, ...], who: str, *, on: bool = True
) -> tuple[MemoryApp, OrderId]:
    app = shop(rules, on=on)
    placed = place(app, who)
    assert pay(app, placed).status is payments.PaymentStatus.SUCCEEDED
    return app, placed.order_ids[0]


def refunded(app: MemoryApp, order_id: OrderId) -> Money:
    with app.unit_of_work() as uow:
        order = uow.repo(orders.Order).get(order_id)
        assert order.payment_id is not None
        payment = uow.repo(payments.Payment).get(order.payment_id)
        return sum((r.amount for r in payment.refunds.values()), start=Money.zero("CNY"))


def case_status(app: MemoryApp, case_id: str) -> aftersales.AfterSaleStatus:
    with app.unit_of_work() as uow:
        return uow.repo(aftersales.AfterSale).get(case_id).status


def state(app: MemoryApp) -> dict[Any, Any]:
    modules = ("merx.aftersales", "merx.orders", "merx.payments", "merx.inventory")
    return copy.deepcopy(
        {k: v for k, v in app.store.tables.items() if k.__module__.startswith(modules)}
    )


def test_a_denied_refund_request_opens_no_case() -> None:
    app, order_id = paid((DENY,), "ann")
    before = state(app)
    with pytest.raises(aftersales.RefundDenied, match="refund_never"):
        app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    assert state(app) == before
    assert refunded(app, order_id) == cny("0")


def test_a_reviewed_refund_is_held_until_the_review_approves_it() -> None:
    app, order_id = paid((REVIEW,), "bo")
    case_id = app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    before = state(app)
    with pytest.raises(aftersales.RefundHeld, match=f"refund:{case_id}"):
        app.handle(aftersales.ApproveAfterSale(case_id))
    assert state(app) == before
    app.handle(risk.DecideReview(f"refund:{case_id}", risk.ReviewOutcome.APPROVE, "auditor"))
    assert app.handle(aftersales.ApproveAfterSale(case_id)) is aftersales.AfterSaleStatus.COMPLETED
    assert refunded(app, order_id) > cny("0")


def test_a_rejected_refund_review_rejects_the_case_and_moves_no_money() -> None:
    app, order_id = paid((REVIEW,), "cy")
    case_id = app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    app.handle(risk.DecideReview(f"refund:{case_id}", risk.ReviewOutcome.REJECT, "auditor"))
    assert case_status(app, case_id) is aftersales.AfterSaleStatus.REJECTED
    with pytest.raises(aftersales.RefundDenied):
        app.handle(aftersales.ApproveAfterSale(case_id))
    assert refunded(app, order_id) == cny("0")


def test_a_refund_review_nobody_decides_times_out_to_approve() -> None:
    app, order_id = paid((REVIEW,), "di")
    case_id = app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    advance(app, timedelta(hours=24))
    assert app.handle(risk.ExpireReviews()) == 1
    assert app.handle(aftersales.ApproveAfterSale(case_id)) is aftersales.AfterSaleStatus.COMPLETED


def test_a_denied_granted_refund_moves_no_money() -> None:
    app, order_id = paid((DENY,), "ed")
    before = state(app)
    with pytest.raises(aftersales.RefundDenied, match="refund_never"):
        app.handle(aftersales.GrantRefund(order_id, "g1", cny("10.00"), "goodwill"))
    assert state(app) == before


def test_a_granted_refund_under_review_goes_on_once_approved() -> None:
    app, order_id = paid((REVIEW,), "fa")
    grant = aftersales.GrantRefund(order_id, "g1", cny("10.00"), "goodwill")
    with pytest.raises(aftersales.RefundHeld):
        app.handle(grant)
    assert refunded(app, order_id) == cny("0")
    (case_id,) = list(app.queries.risk.reviews_due_by(app.clock.now() + timedelta(days=2)))
    app.handle(risk.DecideReview(case_id, risk.ReviewOutcome.APPROVE, "auditor"))
    assert app.handle(grant) is payments.RefundStatus.SUCCEEDED
    assert refunded(app, order_id) == cny("10.00")


@pytest.mark.parametrize("on", [True, False])
def test_without_the_scenario_or_with_risk_control_off_refunds_go_on(on: bool) -> None:
    app, order_id = paid(() if on else (DENY,), "gu", on=on)
    case_id = app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    assert app.handle(aftersales.ApproveAfterSale(case_id)) is aftersales.AfterSaleStatus.COMPLETED


@settings(max_examples=8, deadline=None)
@given(cents=st.integers(min_value=100, max_value=299_900))
def test_a_denied_granted_refund_changes_nothing(cents: int) -> None:
    app, order_id = paid((DENY,), "hu")
    before = state(app)
    grant = aftersales.GrantRefund(order_id, "g1", Money.from_minor(cents, "CNY"), "goodwill")
    with pytest.raises(aftersales.RefundDenied):
        app.handle(grant)
    assert state(app) == before
