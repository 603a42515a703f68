"""Real concurrency, each test on a SQLite file and on PostgreSQL: OS processes over one
database race for the last units of a SKU, for a campaign's last budget or its last uses
(global, or one customer's) and to refund one order; nothing is oversold, no budget is
overspent, no cap is exceeded, nothing is refunded twice, and every loser gets a typed
error. A worker killed with SIGKILL mid-command leaves no partial
state."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from merx import aftersales, catalog, checkout, customers, inventory, orders, payments, promotions
from merx.adapters.memory import FixedClock
from merx.app import StoredApp, build_sqlite_app
from merx.customers import Address
from merx.errors import ConcurrencyError, MerxError
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.payments.ports import GatewayResult
from merx.pricing import FundingShare, Scope, ThresholdOff, Tier
from merx.promotions.budgets import CampaignUse, campaign_use_id

PHONE = SkuId("phone")
WAREHOUSE = WarehouseId("wh")
START = datetime(2026, 1, 1, tzinfo=UTC)
PROCESSES = 3


def is_postgres(path: str) -> bool:
    return path.startswith("postgresql:") or "search_path" in path


def shop(path: str) -> StoredApp:
    """A merx over ``path``: a SQLite file, or a PostgreSQL DSN."""
    if is_postgres(path):
        from merx.app import build_postgres_app

        return build_postgres_app(path, clock=FixedClock(START), max_connections=2)
    return build_sqlite_app(path, clock=FixedClock(START), synchronous="NORMAL")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the racers meet: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return str(tmp_path / "shop.db")
    schema: str = request.getfixturevalue("postgres_schema")()
    return schema


def customer(app: StoredApp, name: str) -> CustomerId:
    cid = app.handle(customers.RegisterCustomer(CustomerId(name), name, "1"))
    app.handle(customers.AddAddress(cid, "h", Address(name, "1", "sh", "road"), default=True))
    app.handle(checkout.AddToCart(cid, PHONE, 1))
    return cid


def setup(
    path: str,
    units: int,
    budget: str | None = None,
    limits: promotions.BudgetLimits | None = None,
) -> None:
    app = shop(path)
    app.handle(catalog.CreateSku(PHONE, "Phone", PLATFORM, "phone", Money.of("100.00", "CNY")))
    app.handle(inventory.OpenWarehouse(WAREHOUSE, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(WAREHOUSE, PHONE, units, "po"))
    if budget is not None:
        limits = promotions.BudgetLimits(total_discount=Money.of(budget, "CNY"))
    if limits is not None:
        definition = ThresholdOff(
            id="FR",
            scope=Scope(skus=(PHONE,)),
            tiers=(Tier(Money.of("100.00", "CNY"), Money.of("30.00", "CNY")),),
            funded_by=(FundingShare("platform", Decimal(1)),),
        )
        campaign = app.handle(promotions.CreateCampaign(PLATFORM, definition, limits))
        for command in (promotions.SubmitCampaign, promotions.ApproveCampaign):
            app.handle(command(campaign, PLATFORM))
        app.handle(promotions.ScheduleCampaign(campaign, PLATFORM))
        app.handle(promotions.TickCampaigns())
    app.close()  # the relay's lease goes: the racers' relays deliver at once


def buy_all(path: str, worker: int, tries: int) -> Counter[str]:
    """Place and pay ``tries`` orders; the outcome of each, by name."""
    app = shop(path)
    outcomes: Counter[str] = Counter()
    for k in range(tries):
        cid = customer(app, f"w{worker}-{k}")
        try:
            placed = app.handle(orders.PlaceOrder(cid))
            outcome = app.handle(payments.PayOrder(placed.parent_id, "alipay"))
            outcomes[outcome.status.value] += 1
        except MerxError as error:
            outcomes[type(error).__name__] += 1
    return outcomes


def place_with_discount(path: str, worker: int, tries: int) -> Counter[str]:
    """Place orders expecting the campaign's price (70.00)."""
    app = shop(path)
    outcomes: Counter[str] = Counter()
    for k in range(tries):
        cid = customer(app, f"w{worker}-{k}")
        try:
            app.handle(orders.PlaceOrder(cid, expected_payable=Money.of("70.00", "CNY")))
            outcomes["discounted"] += 1
        except MerxError as error:
            outcomes[type(error).__name__] += 1
    return outcomes


def reserve_once_per_customer(path: str, worker: int, tries: int) -> Counter[str]:
    """Reserve the campaign for ``tries`` orders of one customer, each retried on fresh
    state after a conflict (as the bus does); the outcome of each, by name."""
    app = shop(path)
    outcomes: Counter[str] = Counter()
    for k in range(tries):
        order_id = OrderId(f"w{worker}-{k}")
        discounts = {"FR": Money.of("30.00", "CNY")}
        outcomes[reserve_retrying(app, order_id, CustomerId("ann"), discounts)] += 1
    return outcomes


def reserve_retrying(
    app: StoredApp, order_id: OrderId, customer: CustomerId, discounts: dict[str, Money]
) -> str:
    """Reserve ``discounts`` for ``order_id``, run again on fresh state after a conflict
    (as the bus does, at most 50 times): ``"reserved"``, or the refusal's error by name."""
    for _ in range(50):
        uow = app.unit_of_work()
        try:
            with uow:
                promotions.reserve_for_order(uow, order_id, customer, discounts, at=START)
                uow.commit()
        except ConcurrencyError:
            continue
        except MerxError as error:
            return type(error).__name__
        return "reserved"
    raise AssertionError(f"order {order_id} met a conflict 50 times running")


def refund(path: str, order_id: str) -> str:
    app = shop(path)
    try:
        app.handle(aftersales.RequestRefund(OrderId(order_id), "changed my mind"))
    except MerxError as error:
        return type(error).__name__
    return "requested"


def race(function: object, *args: object) -> list[object]:
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        return pool.starmap(function, [(*args[:1], n, *args[1:]) for n in range(PROCESSES)])  # type: ignore[arg-type]


def test_processes_racing_for_the_last_units_never_oversell(target: str) -> None:
    path = target
    setup(path, units=5)
    results: list[Counter[str]] = race(buy_all, path, 4)  # type: ignore[assignment]
    total = sum(results, Counter())
    assert total["succeeded"] == 5, total  # 12 tries for 5 units
    assert sum(total.values()) == PROCESSES * 4
    assert set(total) - {"succeeded"} <= {"OutOfStock", "failed"}, total
    app = shop(path)
    item = app.get(inventory.StockItem, inventory.stock_key(WAREHOUSE, PHONE))
    assert item.on_hand == 5
    assert item.reserved == 5  # every unit locked by one paid order, none twice


def test_processes_racing_for_the_last_budget_never_overspend(target: str) -> None:
    path = target
    setup(path, units=50, budget="90.00")  # three 30.00 discounts
    results: list[Counter[str]] = race(place_with_discount, path, 3)  # type: ignore[assignment]
    total = sum(results, Counter())
    assert total["discounted"] == 3, total
    # a loser's quote left the campaign out (QuoteChanged), or the budget went between its
    # quote and its reservation (BudgetExhausted): typed either way, nothing placed
    assert set(total) - {"discounted"} <= {"QuoteChanged", "BudgetExhausted"}, total
    assert sum(total.values()) == PROCESSES * 3
    ledger = shop(path).get(promotions.Campaign, "FR").ledger
    assert ledger.reserved + ledger.consumed == Money.of("90.00", "CNY")


def test_processes_racing_for_the_last_uses_never_exceed_max_uses(target: str) -> None:
    path = target
    setup(path, units=50, limits=promotions.BudgetLimits(max_uses=3))
    results: list[Counter[str]] = race(place_with_discount, path, 3)  # type: ignore[assignment]
    total = sum(results, Counter())
    assert total["discounted"] == 3, total
    assert set(total) - {"discounted"} <= {"QuoteChanged", "UsageCapReached"}, total
    assert sum(total.values()) == PROCESSES * 3
    ledger = shop(path).get(promotions.Campaign, "FR").ledger
    assert (ledger.uses_reserved, ledger.uses_consumed) == (3, 0)


def test_one_customers_orders_racing_use_a_once_per_customer_campaign_once(
    target: str,
) -> None:
    path = target
    setup(path, units=50, limits=promotions.BudgetLimits(per_user_limit=1, per_user_per_day=1))
    results: list[Counter[str]] = race(reserve_once_per_customer, path, 2)  # type: ignore[assignment]
    total = sum(results, Counter())
    assert total == Counter(reserved=1, PerUserLimitReached=PROCESSES * 2 - 1), total
    use = shop(path).get(CampaignUse, campaign_use_id("FR", "ann"))
    assert (use.live, use.days) == (1, {START.date(): 1})


def place_and_pay(path: str, worker: int, tries: int) -> tuple[Counter[str], int]:
    """Place and pay ``tries`` orders on the shared SKU and campaign, one after another
    with no pause: the outcome of each, by name, and the deliveries this process's relay
    parked (a subscriber's conflict must not park one either)."""
    app = shop(path)
    outcomes: Counter[str] = Counter()
    for k in range(tries):
        cid = customer(app, f"p{worker}-{k}")
        try:
            placed = app.handle(orders.PlaceOrder(cid))
            app.handle(payments.PayOrder(placed.parent_id, "alipay"))
            outcomes["paid"] += 1
        except MerxError as error:  # ConcurrencyError too: counted, and the test fails
            outcomes[type(error).__name__] += 1
    parked = len(app.relay.parked())
    app.close()
    return outcomes, parked


def test_processes_placing_and_paying_on_one_sku_and_campaign_lose_no_order_to_a_conflict(
    target: str,
) -> None:
    """Every order writes the SKU's stock item (placed, paid) and the campaign's budget
    (reserved, then consumed by a subscriber): the processes' commits keep meeting on
    them. The bus runs a conflicting command again after a random pause and then alone,
    the relay a conflicting subscriber likewise: every order is paid or refused for a
    business reason (its stock or budget gone), none for the race itself."""
    path = target
    tries = 12
    setup(path, units=PROCESSES * tries - 4, budget=f"{30 * (PROCESSES * tries - 8)}.00")
    results: list[tuple[Counter[str], int]] = race(place_and_pay, path, tries)  # type: ignore[assignment]
    total = sum((outcomes for outcomes, _ in results), Counter())
    assert sum(total.values()) == PROCESSES * tries
    # never a ConcurrencyError: the stock ran out (at placement), or the budget between a
    # quote and its reservation
    assert set(total) <= {"paid", "OutOfStock", "BudgetExhausted"}, total
    assert 0 < total["paid"] <= PROCESSES * tries - 4, total
    assert [parked for _, parked in results] == [0] * PROCESSES
    app = shop(path)
    app.relay.deliver()  # whatever the racers' relays left
    assert app.relay.parked() == []
    item = app.get(inventory.StockItem, inventory.stock_key(WAREHOUSE, PHONE))
    assert item.reserved == total["paid"]  # each paid order holds its unit, none twice
    ledger = app.get(promotions.Campaign, "FR").ledger
    assert ledger.reserved == Money.zero("CNY")  # every paid order's discount consumed
    assert ledger.consumed <= Money.of(f"{30 * (PROCESSES * tries - 8)}.00", "CNY")


def test_processes_asking_to_refund_one_order_refund_it_once(target: str) -> None:
    path = target
    setup(path, units=5)
    app = shop(path)
    placed = app.handle(orders.PlaceOrder(customer(app, "ann")))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        answers = pool.starmap(refund, [(path, placed.order_ids[0])] * PROCESSES)
    assert answers.count("requested") == 1, answers
    losers = {answer for answer in answers if answer != "requested"}
    assert losers == {"ClaimExceedsOrder"}, answers
    cases = shop(path).unit_of_work().repo(aftersales.AfterSale)
    assert len(list(cases.ids())) == 1


def _pay_forever(path: str) -> None:  # pragma: no cover - runs in a child, killed
    app = shop(path)
    k = 0
    while True:
        k += 1
        cid = customer(app, f"k-{k}")
        placed = app.handle(orders.PlaceOrder(cid))
        app.handle(payments.PayOrder(placed.parent_id, "alipay"))


def paid_orders(path: str) -> int:
    """Paid parent orders in the database, read without merx (the worker is writing)."""
    if is_postgres(path):
        import psycopg

        with psycopg.connect(path, autocommit=True) as db:
            row = db.execute(
                "SELECT count(*) FROM merx_documents WHERE kind = 'orders.ParentOrder' "
                "AND document->>'status' = 'paid'"
            ).fetchone()
        return 0 if row is None else int(row[0])
    import json
    import sqlite3

    with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
        rows = db.execute(
            "SELECT document FROM merx_documents WHERE kind = 'orders.ParentOrder'"
        ).fetchall()
    return sum(1 for (document,) in rows if json.loads(document)["status"] == "paid")


def test_a_worker_killed_mid_command_leaves_no_partial_state(target: str) -> None:
    path = target
    setup(path, units=1_000)
    child = multiprocessing.get_context("spawn").Process(target=_pay_forever, args=(path,))
    child.start()
    deadline = time.monotonic() + 120
    while paid_orders(path) < 5 and time.monotonic() < deadline:
        time.sleep(0.2)  # let it commit some orders, then kill it wherever it is
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    app = shop(path)
    with app.unit_of_work() as uow:
        parents = [
            uow.repo(orders.ParentOrder).get(key) for key in uow.repo(orders.ParentOrder).ids()
        ]
        item = uow.repo(inventory.StockItem).get(inventory.stock_key(WAREHOUSE, PHONE))
    paid = [p for p in parents if p.status is orders.ParentStatus.PAID]
    assert paid, "the worker committed nothing before it was killed"
    # every paid order holds exactly its unit; no unit is held by an unpaid order
    assert item.reserved == len(paid) + sum(
        1
        for p in parents
        if p.payment_attempt is not None and p.status is not orders.ParentStatus.PAID
    )
    assert item.on_hand == 1_000


def _pay_and_hang_at_the_channel(path: str, ready: str) -> None:  # pragma: no cover - killed
    """Place an order and pay it; the channel never answers (the process is killed while
    it waits, after the payment's intent was committed)."""
    app = shop(path)
    placed = app.handle(orders.PlaceOrder(customer(app, "hung")))

    def hang(**_: object) -> GatewayResult:
        Path(ready).write_text(placed.parent_id)
        time.sleep(600)
        raise AssertionError("killed before")

    app.gateways["alipay"].authorize = hang  # type: ignore[method-assign]
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))


def test_a_payment_killed_between_its_intent_and_the_channel_resumes_after_a_restart(
    target: str, tmp_path: Path
) -> None:
    path = target
    setup(path, units=5)
    ready = tmp_path / "at-the-channel"
    child = multiprocessing.get_context("spawn").Process(
        target=_pay_and_hang_at_the_channel, args=(path, str(ready))
    )
    child.start()
    deadline = time.monotonic() + 120
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    assert ready.exists(), "the worker never reached the channel"

    app = shop(path)  # a new process: the intent (commit 1) is all that is left
    parent = app.get(orders.ParentOrder, ready.read_text())
    assert parent.status is orders.ParentStatus.PENDING_PAYMENT
    assert parent.payment_attempt is not None
    payment = app.get(payments.Payment, parent.payment_attempt)
    assert payment.status is payments.PaymentStatus.INITIATED
    item = app.get(inventory.StockItem, inventory.stock_key(WAREHOUSE, PHONE))
    assert item.reserved == 1  # locked at the intent, held while the outcome is unknown

    outcome = app.handle(payments.SyncPayment(payment.id))  # the same keys, asked again

    assert outcome.status is payments.PaymentStatus.SUCCEEDED
    assert app.get(orders.ParentOrder, parent.id).status is orders.ParentStatus.PAID
    assert app.get(inventory.StockItem, item.id).reserved == 1
    again = app.handle(payments.SyncPayment(payment.id))  # a replay changes nothing
    assert again.status is payments.PaymentStatus.SUCCEEDED
