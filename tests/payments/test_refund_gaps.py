"""Refunds always finish (issue 14), the gaps: the retry policy set through the app, a
pre-sale deposit kept out of goodwill refunds, escalated refunds resolved by hand, and
deposit and installment refunds tried again like every other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from merx import aftersales, catalog, inventory, orders, payments
from merx.adapters.memory import FixedClock, SequentialIds
from merx.app import Settings, build_sqlite_app
from merx.kernel.ids import PLATFORM
from merx.payments import RefundPolicy, RefundStatus
from tests.orders.test_presale import deposited, presale, refused, world
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
