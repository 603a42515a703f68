"""Paying by installments: reviewed, financed (with fallback), or closed and given back."""

from __future__ import annotations

import copy
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from merx import catalog, checkout, credit, customers, inventory, orders, payments
from merx.adapters.memory import MemoryFunder
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.errors import MerxError
from merx.inventory import StockItem, stock_key
from merx.kernel.ids import PLATFORM, CustomerId, SkuId
from merx.kernel.money import Money
from merx.payments import AuthFactor
from merx.payments.ports import RiskDecision

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_installments as j4


def ready(app: MemoryApp) -> orders.PlacedOrder:
    j4.set_up(app, lambda line: None)
    j4.apply_for_credit(app, lambda line: None)
    app.handle(checkout.AddToCart(j4.MEI, j4.PHONE, 1))
    return app.handle(orders.PlaceOrder(j4.MEI))


def available(app: MemoryApp) -> Money:
    with app.unit_of_work() as uow:
        return credit.limit_position(uow, j4.MEI, clock=app.clock).available


def reserved(app: MemoryApp) -> int:
    return app.get(StockItem, stock_key(j4.DC, j4.PHONE)).reserved


def test_the_first_funder_refuses_and_the_platform_self_holds() -> None:
    app = build_memory_app()
    placed = ready(app)
    outcome = app.handle(payments.PayByInstallments(placed.parent_id, 6))
    assert outcome.status is payments.PaymentStatus.SUCCEEDED
    assert app.get(orders.ParentOrder, placed.parent_id).status is orders.ParentStatus.PAID
    assert available(app) == Money.of("47000.00", "CNY")
    assert reserved(app) == 1
    trust = app.funders["trust-a"]
    assert isinstance(trust, MemoryFunder)
    assert trust.financed == {}  # it refused: the platform's own funds took the asset


def test_when_nothing_funds_the_order_closes_and_everything_comes_back() -> None:
    app = build_memory_app(self_held_funds=Money.of("1.00", "CNY"))
    placed = ready(app)
    limit = available(app)
    outcome = app.handle(payments.PayByInstallments(placed.parent_id, 6))
    assert outcome.status is payments.PaymentStatus.FAILED
    assert app.get(orders.ParentOrder, placed.parent_id).status is orders.ParentStatus.CANCELLED
    assert available(app) == limit
    assert reserved(app) == 0


def test_a_term_the_grade_does_not_offer_is_refused_and_changes_nothing() -> None:
    app = build_memory_app()
    placed = ready(app)
    before = copy.deepcopy(app.store.tables)
    with pytest.raises(credit.TermNotAllowed):
        app.handle(payments.PayByInstallments(placed.parent_id, 5))
    assert app.store.tables == before


def test_a_customer_without_credit_cannot_pay_by_installments() -> None:
    app = build_memory_app()
    j4.set_up(app, lambda line: None)
    cid = app.handle(customers.RegisterCustomer(CustomerId("no-credit"), "N", "1"))
    app.handle(customers.AddAddress(cid, "h", Address("N", "1", "Beijing", "r"), default=True))
    app.handle(checkout.AddToCart(cid, j4.PHONE, 1))
    placed = app.handle(orders.PlaceOrder(cid))
    with pytest.raises(MerxError):
        app.handle(payments.PayByInstallments(placed.parent_id, 6))


def test_a_sku_not_sold_on_installments_is_refused_and_changes_nothing() -> None:
    app = build_memory_app()
    j4.set_up(app, lambda line: None)
    j4.apply_for_credit(app, lambda line: None)
    case = SkuId("case-1")
    app.handle(catalog.CreateSku(case, "Case", PLATFORM, "phone", Money.of("30.00", "CNY")))
    app.handle(inventory.ReceiveStock(j4.DC, case, 5, "po-case"))
    app.handle(checkout.AddToCart(j4.MEI, j4.PHONE, 1))
    app.handle(checkout.AddToCart(j4.MEI, case, 1))
    placed = app.handle(orders.PlaceOrder(j4.MEI))
    before = copy.deepcopy(app.store.tables)
    with pytest.raises(payments.NotInstallmentEligible, match="case-1"):
        app.handle(payments.PayByInstallments(placed.parent_id, 6))
    assert app.store.tables == before


def test_journey_four_end_to_end() -> None:
    app = j4.build_app()
    lines: list[str] = []
    j4.run(app, lines.append)
    assert any(line.startswith("paid by 6 installments: succeeded") for line in lines)
    assert "used 0.00 CNY, available 50000.00 CNY" in lines[-2]
    assert lines[-1] == "what Mei had repaid beyond the plan, 1000.00 CNY, is refunded to her"


def test_risk_control_can_deny_an_installment_payment_and_nothing_changes() -> None:
    app = build_memory_app()
    placed = ready(app)
    app.risk.deny_customer(j4.MEI, "device on the fraud list")
    before = copy.deepcopy(app.store.tables)
    with pytest.raises(payments.PaymentDenied, match="fraud list"):
        app.handle(payments.PayByInstallments(placed.parent_id, 6))
    assert app.store.tables == before
    assert app.risk.assessments[-1].channel == payments.INSTALLMENTS


def test_an_installment_payment_waits_for_authentication_then_is_financed() -> None:
    app = build_memory_app()
    placed = ready(app)
    limit = available(app)
    app.risk.decide_next(RiskDecision.authenticate(AuthFactor.SMS, "new device"))
    waiting = app.handle(payments.PayByInstallments(placed.parent_id, 6))
    assert waiting.status is payments.PaymentStatus.AWAITING_AUTHENTICATION
    assert available(app) == limit  # nothing deducted, nothing financed, no stock locked
    assert reserved(app) == 0
    with pytest.raises(payments.WrongProof):
        app.handle(payments.AuthenticateTransaction(waiting.payment_id, AuthFactor.SMS, "1"))
    assert available(app) == limit
    done = app.handle(
        payments.AuthenticateTransaction(waiting.payment_id, AuthFactor.SMS, "000000")
    )
    assert done.status is payments.PaymentStatus.SUCCEEDED
    assert app.get(orders.ParentOrder, placed.parent_id).status is orders.ParentStatus.PAID
    assert available(app) == limit - Money.of("3000.00", "CNY")
    assert reserved(app) == 1


def test_an_installment_payment_whose_authentication_lapses_finances_nothing() -> None:
    app = build_memory_app()
    placed = ready(app)
    limit = available(app)
    app.risk.decide_next(RiskDecision.authenticate(AuthFactor.FACE, "large amount"))
    waiting = app.handle(payments.PayByInstallments(placed.parent_id, 6))
    app.clock.advance(timedelta(hours=1))
    assert app.handle(payments.ExpirePaymentAuthentications()) == [waiting.payment_id]
    assert app.get(payments.Payment, waiting.payment_id).status is payments.PaymentStatus.FAILED
    parent = app.get(orders.ParentOrder, placed.parent_id)
    assert parent.status is orders.ParentStatus.PENDING_PAYMENT  # free to pay again
    assert available(app) == limit
    assert app.handle(payments.PayByInstallments(placed.parent_id, 6)).status is (
        payments.PaymentStatus.SUCCEEDED
    )
