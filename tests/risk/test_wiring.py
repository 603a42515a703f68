"""Risk control wired into the app (``risk_control=True``): the cashier's risk answered by
``risk.payment``, placed orders decided by ``risk.order``, and a review holding an order
until a reviewer or the timeout ends it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from merx import (
    aftersales,
    catalog,
    checkout,
    customers,
    inventory,
    orders,
    payments,
    risk,
)
from merx.app import MemoryApp
from merx.customers import Address
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.payments import AuthFactor
from tests.risk.world import A, advance, risky_app

PHONE = SkuId("phone-x")
REVIEW_BIG_ORDERS = risk.RiskRule(
    "big_order", A.ORDER, "context.amount >= 2000", risk.Outcome.REVIEW
)


def shop(rules: tuple[risk.RiskRule, ...], *, on: bool = True) -> MemoryApp:
    app = risky_app(rules, risk_control=on)
    app.handle(catalog.CreateSku(PHONE, "Phone X", PLATFORM, "phone", Money.of("2999.00", "CNY")))
    app.handle(inventory.OpenWarehouse(WarehouseId("wh"), "DC", "1 Rd", {"Shanghai": 30}))
    app.handle(inventory.ReceiveStock(WarehouseId("wh"), PHONE, 10, reference="po-1"))
    return app


def place(app: MemoryApp, who: str) -> orders.PlacedOrder:
    buyer = app.handle(customers.RegisterCustomer(CustomerId(who), who, "13800000000"))
    app.handle(customers.AddAddress(buyer, "home", Address(who, "138", "Shanghai", "1 Bund Rd")))
    app.handle(checkout.AddToCart(buyer, PHONE, 1))
    return app.handle(orders.PlaceOrder(buyer))


def pay(app: MemoryApp, placed: orders.PlacedOrder) -> payments.PaymentOutcome:
    return app.handle(payments.PayOrder(placed.parent_id, "alipay"))


def parent_status(app: MemoryApp, placed: orders.PlacedOrder) -> str:
    return str(app.get(orders.ParentOrder, placed.parent_id).status.value)


def test_a_payment_rule_asks_its_factor_at_the_cashier() -> None:
    rule = risk.RiskRule(
        "pay_big", A.PAYMENT, "context.amount >= 2000", risk.Outcome.CHALLENGE, AuthFactor.SMS
    )
    app = shop((rule,))
    waiting = pay(app, place(app, "ann"))
    assert waiting.status is payments.PaymentStatus.AWAITING_AUTHENTICATION
    done = app.handle(
        payments.AuthenticateTransaction(waiting.payment_id, AuthFactor.SMS, "000000")
    )
    assert done.status is payments.PaymentStatus.SUCCEEDED
    with app.unit_of_work() as uow:
        account = uow.repo(risk.RiskKey).get("account:ann")
        assert [d.rules for d in account.decisions] == [("pay_big",)]


def test_a_denied_payment_fails_and_names_the_rules() -> None:
    rule = risk.RiskRule("pay_never", A.PAYMENT, "context.amount >= 1", risk.Outcome.DENY)
    app = shop((rule,))
    with pytest.raises(payments.PaymentDenied, match="pay_never"):
        pay(app, place(app, "bo"))


def test_a_reviewed_order_cannot_be_paid_and_a_rejection_cancels_it() -> None:
    app = shop((REVIEW_BIG_ORDERS,))
    placed = place(app, "cy")
    with pytest.raises(payments.PaymentDenied, match="held by risk review"):
        pay(app, placed)
    case_id = f"order:{placed.order_ids[0]}"
    app.handle(risk.DecideReview(case_id, risk.ReviewOutcome.REJECT, "auditor"))
    assert parent_status(app, placed) == "cancelled"


def test_an_approved_order_is_paid() -> None:
    app = shop((REVIEW_BIG_ORDERS,))
    placed = place(app, "di")
    app.handle(risk.DecideReview(f"order:{placed.order_ids[0]}", risk.ReviewOutcome.APPROVE, "a"))
    assert pay(app, placed).status is payments.PaymentStatus.SUCCEEDED


def test_a_review_nobody_decides_is_rejected_by_its_timeout() -> None:
    app = shop((REVIEW_BIG_ORDERS,))
    placed = place(app, "ed")
    advance(app, timedelta(hours=23))
    assert app.handle(risk.ExpireReviews()) == 0
    advance(app, timedelta(hours=1))
    assert app.handle(risk.ExpireReviews()) == 1
    assert parent_status(app, placed) == "cancelled"


def test_a_denied_order_is_cancelled_at_once() -> None:
    rule = risk.RiskRule("no_orders", A.ORDER, "context.amount >= 1", risk.Outcome.DENY)
    app = shop((rule,))
    placed = place(app, "fa")
    assert parent_status(app, placed) == "cancelled"


def test_with_risk_control_off_orders_and_payments_are_not_decided() -> None:
    app = shop((REVIEW_BIG_ORDERS,), on=False)
    placed = place(app, "gu")
    assert pay(app, placed).status is payments.PaymentStatus.SUCCEEDED
    with app.unit_of_work() as uow:
        assert list(uow.repo(risk.RiskKey).ids()) == []
        assert list(uow.repo(risk.ReviewCase).ids()) == []


def test_without_a_risk_scenario_the_cashier_answers_as_before() -> None:
    app = shop(())
    assert pay(app, place(app, "hu")).status is payments.PaymentStatus.SUCCEEDED
    with app.unit_of_work() as uow:  # the phone linked, nothing decided or counted
        held = uow.repo(risk.RiskKey).get("account:hu")
        assert (held.decisions, held.ticks) == ([], [])


def test_customers_sharing_a_phone_are_linked_by_its_digest() -> None:
    app = shop(())
    for who in ("kai", "lu"):
        app.handle(customers.RegisterCustomer(CustomerId(who), who, "13900000001"))
    app.handle(customers.RegisterCustomer(CustomerId("mo"), "mo", "13900000002"))
    address = Address("mo", "13900000003", "Shanghai", "2 Rd")
    app.handle(customers.AddAddress(CustomerId("mo"), "home", address))
    app.handle(customers.AddAddress(CustomerId("kai"), "gift", address))
    with app.unit_of_work() as uow:
        assert risk.linked_accounts_of(uow, "lu") == {"kai"}
        assert risk.linked_accounts_of(uow, "mo") == {"kai"}
        stored = repr([uow.repo(risk.RiskKey).get(key) for key in uow.repo(risk.RiskKey).ids()])
    assert "1390000000" not in stored  # digests only


def test_a_payment_sent_to_review_asks_for_a_face_scan() -> None:
    rule = risk.RiskRule("pay_review", A.PAYMENT, "context.amount >= 1", risk.Outcome.REVIEW)
    app = shop((rule,))
    waiting = pay(app, place(app, "nu"))
    assert waiting.status is payments.PaymentStatus.AWAITING_AUTHENTICATION
    proof = payments.AuthenticateTransaction(waiting.payment_id, AuthFactor.FACE, "face:match")
    assert app.handle(proof).status is payments.PaymentStatus.SUCCEEDED


def test_a_refund_asked_is_decided_after_the_fact_and_the_payment_names_its_seller() -> None:
    refunds = risk.RiskRule("any_refund", A.REFUND, "context.amount >= 1", risk.Outcome.REVIEW)
    paying = risk.RiskRule("tiny", A.PAYMENT, "context.amount < 1", risk.Outcome.DENY)
    app = shop((refunds, paying))
    placed = place(app, "ox")
    assert pay(app, placed).status is payments.PaymentStatus.SUCCEEDED
    case = app.handle(aftersales.RequestRefund(placed.order_ids[0], "changed my mind"))
    with app.unit_of_work() as uow:
        account = uow.repo(risk.RiskKey).get("account:ox")
        assert [(d.action, d.outcome) for d in account.decisions] == [
            ("payment", risk.Outcome.ALLOW),
            ("refund", risk.Outcome.REVIEW),
        ]
        review = uow.repo(risk.ReviewCase).get(f"refund:{case}")
        assert review.reference == case
        seller = uow.repo(risk.RiskKey).get(f"account:{PLATFORM}")
        assert [t.counter for t in seller.ticks] == ["payment_in"]
