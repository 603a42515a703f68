"""Issue 14 on a database: a top-up whose buying subscriber fails after the payment is
never left paid and forgotten. The relay tries it, parks it where the host sees it, and
replaying it completes the top-up (or refunds it when the supplier then refuses)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from merx import checkout, orders, payments
from merx.adapters.memory import FixedClock, SequentialIds
from merx.adapters.relay import OutboxRelay
from merx.app import StoredApp, build_sqlite_app
from merx.app.documents import documents
from merx.kernel.money import Money
from merx.orders import OrderStatus
from tests.orders.test_input_bounds import ACCOUNT, AMY, TOPUP, BrokenSupplier, furnish, supplier_of


def open_shop(path: Path, pauses: list[float]) -> tuple[StoredApp, BrokenSupplier]:
    app = build_sqlite_app(
        path, clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)), ids=SequentialIds(),
        synchronous="NORMAL",
    )  # fmt: skip
    relay = OutboxRelay(
        app.database, documents(), app.bus, app.new_unit_of_work, "tester", name="test",
        attempts=3, sleep=pauses.append,
    )  # fmt: skip
    app.bus.deliver_through(relay)
    app.relay = relay
    furnish(app)
    supplier_id = supplier_of(app).supplier_id
    broken = app.virtual_suppliers[supplier_id] = BrokenSupplier(supplier_id)
    return app, broken


def pay_for_two(app: StoredApp) -> orders.PlacedOrder:
    app.handle(checkout.AddToCart(AMY, TOPUP, 2))
    placed = app.handle(orders.PlaceOrder(AMY, account=ACCOUNT))
    outcome = app.handle(payments.PayOrder(placed.parent_id, "wechat_pay"))
    assert outcome.status is payments.PaymentStatus.SUCCEEDED  # the caller hears nothing
    return placed


@pytest.mark.parametrize("supplier_then", ["credits", "refuses"])
def test_a_failing_top_up_subscriber_is_parked_visibly_and_its_replay_completes_or_refunds(
    tmp_path: Path, supplier_then: str
) -> None:
    pauses: list[float] = []
    app, broken = open_shop(tmp_path / "shop.db", pauses)
    placed = pay_for_two(app)
    (order_id,) = placed.order_ids
    assert app.get(orders.Order, order_id).status is OrderStatus.PAID  # paid, not bought
    parked = [p for p in app.relay.parked() if p.subscriber.endswith(".fulfill_paid_topup")]
    assert len(parked) == 1
    assert "the supplier's API answered garbage" in parked[0].error
    assert parked[0].attempts == 3
    broken.broken = False
    if supplier_then == "refuses":
        broken.fail_next(2, reason="number not in service")
    assert app.relay.replay(parked[0].id)
    assert [p for p in app.relay.parked() if p.id == parked[0].id] == []
    order = app.get(orders.Order, order_id)
    assert order.payment_id is not None
    payment = app.get(payments.Payment, order.payment_id)
    if supplier_then == "credits":
        assert order.status is OrderStatus.COMPLETED
        assert len(broken.top_ups_of(ACCOUNT)) == 2
        assert payment.refunded == Money.of("0.00", "CNY")
    else:
        assert order.status is OrderStatus.CLOSED
        assert payment.refunded == Money.of("196.00", "CNY")
