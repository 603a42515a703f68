"""Subscribers that commit in steps, through the outbox relay on SQLite and PostgreSQL: a
failure (or a stop) after a first step runs the subscriber again until it finishes; one
that keeps failing is parked with its error and a replay finishes it. The failed top-up's
subscriber is the example: it stores the purchase, then ends the procurement with the
refund reserved, then asks the channel for the refund."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from merx import catalog, checkout, customers, inventory, orders, payments
from merx.adapters import relay as relay_module
from merx.adapters.memory import FixedClock, MemoryPaymentGateway
from merx.adapters.relay import OutboxRelay, subscriber_name
from merx.app import StoredApp, build_memory_app, build_postgres_app, build_sqlite_app
from merx.app.documents import documents
from merx.customers import Address
from merx.kernel.bus import commits_in_steps, in_steps
from merx.kernel.ids import PLATFORM, CustomerId, OrderId
from merx.kernel.money import Money
from merx.orders import DepositRule, OrderStatus, PresaleStatus
from tests.orders.test_input_bounds import ACCOUNT, AMY, TOPUP, furnish, supplier_of
from tests.orders.test_presale import DC, T0, TERMS, WATCH, cny
from tests.stores.test_outbox_relay import OPENED, is_postgres

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 1, 1, tzinfo=UTC)


def open_shop(target: str, clock: FixedClock | None = None) -> StoredApp:
    """A merx over ``target`` as the process ``worker-1`` (system ids: a restarted process
    never reuses one)."""
    clock = clock or FixedClock(START)
    if is_postgres(target):
        app = build_postgres_app(target, clock=clock, max_connections=2, relay_owner="worker-1")
        OPENED.append(app)
        return app
    return build_sqlite_app(target, clock=clock, synchronous="NORMAL", relay_owner="worker-1")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLite file or a fresh PostgreSQL schema (its pools closed after the test)."""
    if request.param == "sqlite":
        yield str(tmp_path / "shop.db")
    else:
        yield request.getfixturevalue("postgres_schema")()
        while OPENED:
            OPENED.pop().database.close()  # type: ignore[attr-defined]


def relay_of(app: StoredApp, pauses: list[float], attempts: int = 3) -> OutboxRelay:
    relay = OutboxRelay(
        app.database, documents(), app.bus, app.new_unit_of_work, "tester", name="test",
        attempts=attempts, sleep=pauses.append,
    )  # fmt: skip
    app.bus.deliver_through(relay)
    app.relay = relay
    return relay


def pay_for_two_failing(app: StoredApp) -> orders.PlacedOrder:
    """Two top-up units the supplier refuses: the order is paid, its purchase fails."""
    supplier_of(app).fail_next(2, reason="number not in service")
    app.handle(checkout.AddToCart(AMY, TOPUP, 2))
    placed = app.handle(orders.PlaceOrder(AMY, account=ACCOUNT))
    outcome = app.handle(payments.PayOrder(placed.parent_id, "wechat_pay"))
    assert outcome.status is payments.PaymentStatus.SUCCEEDED
    return placed


class RefundsFailing:
    """The channel's refund call blows up (an error merx does not know) ``times`` times."""

    def __init__(self, gateway: MemoryPaymentGateway, times: int) -> None:
        self.gateway, self.times = gateway, times
        self.real = gateway.refund

    def __call__(self, **kwargs: Any) -> Any:
        if self.times > 0:
            self.times -= 1
            raise RuntimeError("the channel's refund API answered garbage")
        return self.real(**kwargs)


def topup_parked(relay: OutboxRelay) -> list[Any]:
    return [p for p in relay.parked() if p.subscriber.endswith(".fulfill_paid_topup")]


def test_a_subscriber_failing_after_its_first_commit_is_run_again_and_finishes(
    target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_shop(target)
    furnish(app)
    pauses: list[float] = []
    relay = relay_of(app, pauses)
    gateway = app.gateways["wechat_pay"]
    assert isinstance(gateway, MemoryPaymentGateway)
    monkeypatch.setattr(gateway, "refund", RefundsFailing(gateway, times=1))
    (order_id,) = pay_for_two_failing(app).order_ids
    # the purchase and the end of procurement were committed, then the refund call blew up:
    # run again, the subscriber finds them and asks for the refund again
    assert topup_parked(relay) == []
    assert app.get(orders.Order, order_id).status is OrderStatus.CLOSED
    order = app.get(orders.Order, order_id)
    assert order.payment_id is not None
    assert app.get(payments.Payment, order.payment_id).refunded == Money.of("196.00", "CNY")
    assert pauses == [0.05]
    assert relay.undeclared_steps == set()


def test_a_subscriber_that_keeps_failing_after_its_first_commit_is_parked_and_replayed(
    target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_shop(target)
    furnish(app)
    relay = relay_of(app, [])
    gateway = app.gateways["wechat_pay"]
    assert isinstance(gateway, MemoryPaymentGateway)
    failing = RefundsFailing(gateway, times=3)
    monkeypatch.setattr(gateway, "refund", failing)
    (order_id,) = pay_for_two_failing(app).order_ids
    assert app.get(orders.Order, order_id).status is OrderStatus.REFUNDING
    (parked,) = topup_parked(relay)
    assert (parked.attempts, "refund API answered garbage" in parked.error) == (3, True)
    assert relay.replay(parked.id)
    assert topup_parked(relay) == []
    assert app.get(orders.Order, order_id).status is OrderStatus.CLOSED
    assert relay.undeclared_steps == set()


def _killed_between_two_commits(target: str) -> None:  # pragma: no cover - a child process
    """Pay for a failing top-up and die after the subscriber's first commit (the purchase
    stored), before its second (the procurement ended); print the order's id first."""
    app = open_shop(target)

    def die(*args: Any, **kwargs: Any) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    orders.Order.procurement_ended = die  # type: ignore[method-assign]
    supplier_of(app).fail_next(2, reason="number not in service")
    app.handle(checkout.AddToCart(AMY, TOPUP, 2))
    placed = app.handle(orders.PlaceOrder(AMY, account=ACCOUNT))
    print(placed.order_ids[0], flush=True)
    app.handle(payments.PayOrder(placed.parent_id, "wechat_pay"))


def test_a_process_killed_between_two_commits_of_a_subscriber_finishes_on_restart(
    target: str,
) -> None:
    app = open_shop(target)
    furnish(app)
    app.close()
    child = subprocess.run(
        [sys.executable, "-c",
         "from tests.stores.test_relay_steps import _killed_between_two_commits; "
         f"_killed_between_two_commits({target!r})"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}, check=False,
        capture_output=True, text=True,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr
    order_id = OrderId(child.stdout.strip())
    restarted = open_shop(target)
    order = restarted.get(orders.Order, order_id)
    assert order.status is OrderStatus.PROCURING  # the first step was stored, not the second
    assert order.payment_id is not None
    payment = restarted.get(payments.Payment, order.payment_id)
    # the channel is outside the process: it still knows the payment it captured
    channel = restarted.gateways["wechat_pay"]
    keys = f"{payment.id}/authorize", f"{payment.id}/capture"
    channel.authorize(
        payment_id=payment.id, amount=payment.amount, method="balance", idempotency_key=keys[0]
    )
    channel.capture(payment_id=payment.id, amount=payment.amount, idempotency_key=keys[1])
    assert restarted.relay.deliver() > 0  # the event again: its subscriber was not marked
    assert restarted.get(orders.Order, order_id).status is OrderStatus.CLOSED
    refunded = restarted.get(payments.Payment, payment.id).refunded
    assert refunded == Money.of("196.00", "CNY")
    restarted.close()


def test_the_subscribers_that_commit_in_steps_are_declared_and_documented() -> None:
    """The table of the relay's docstring and of docs/persistence.md is the declared list."""
    bus = build_memory_app().bus
    declared = sorted({subscriber_name(s) for s in bus.subscribers() if in_steps(s)})
    assert declared == [
        "merx.fulfillment.services.fulfill_paid_topup",
        "merx.payments.presale.refund_presale_deposit",
    ]
    documented = (ROOT / "docs" / "persistence.md").read_text()
    table = relay_module.__doc__ or ""
    for name in declared:
        short = name.removeprefix("merx.")
        assert f"`{short}`" in documented
        assert f"``{short}``" in table


def test_a_declared_subscriber_committing_nothing_writes_no_mark(target: str) -> None:
    app = open_shop(target)
    calls: list[str] = []

    @commits_in_steps
    def idle(event: Any, uow: Any) -> None:
        calls.append(type(event).__name__)

    app.bus.subscribe(orders.ParentOrderPaid, idle)
    furnish(app)
    app.handle(checkout.AddToCart(AMY, TOPUP, 1))
    placed = app.handle(orders.PlaceOrder(AMY, account=ACCOUNT))
    app.handle(payments.PayOrder(placed.parent_id, "wechat_pay"))
    assert calls == ["ParentOrderPaid"]
    rows = app.database.events_after(0, 10_000)
    paid = [event_id for _, event_id, name, _ in rows if name.endswith("ParentOrderPaid")]
    topup = "merx.fulfillment.services.fulfill_paid_topup"
    assert len(paid) == 1
    assert app.database.handled([f"{subscriber_name(idle)}:{paid[0]}"]) == set()
    ordered = [event_id for _, event_id, name, _ in rows if name.endswith(".OrderPaid")]
    assert app.database.handled([f"{topup}:{ordered[0]}"]) == {f"{topup}:{ordered[0]}"}
    app.close()


def test_a_deposit_refund_failing_after_its_reservation_is_run_again_and_finishes(
    target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_shop(target, FixedClock(T0))
    relay = relay_of(app, [])
    app.handle(catalog.CreateSku(WATCH, "Watch", PLATFORM, "watch", cny("1200.00")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, WATCH, 3, "po"))
    app.handle(orders.CreatePresale("ps-watch", PLATFORM, TERMS, DepositRule.REFUND))
    cid = app.handle(customers.RegisterCustomer(CustomerId("ann"), "ann", "1"))
    app.handle(customers.AddAddress(cid, "home", Address("ann", "1", "sh", "r"), default=True))
    deposit = app.handle(orders.PlaceDepositOrder(cid, "ps-watch", 1))
    app.handle(payments.PayOrder(deposit.parent_id, "alipay"))
    gateway = app.gateways["alipay"]
    assert isinstance(gateway, MemoryPaymentGateway)
    monkeypatch.setattr(gateway, "refund", RefundsFailing(gateway, times=1))
    app.handle(orders.CancelPresaleOrder(deposit.parent_id, "changed mind"))
    # the refund was reserved (committed), then the channel blew up: run again, it asks
    assert relay.parked() == []
    assert app.get(orders.PresaleOrder, deposit.parent_id).status is PresaleStatus.REFUNDED
    payment_id = app.get(orders.ParentOrder, deposit.parent_id).payment_id
    assert payment_id is not None
    assert app.get(payments.Payment, payment_id).refunded == cny("50.00")
    assert relay.undeclared_steps == set()
