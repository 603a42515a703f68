"""Pre-sale orders on a database (SQLite and PostgreSQL): a deposit paid, the balance paid
in its window after a restart, and a deposit refunded through the outbox relay under the
refund rule; the books reconcile and the stock is right."""

from __future__ import annotations

from datetime import timedelta

from merx import aftersales, catalog, customers, inventory, orders, payments, settlement
from merx.adapters.memory import FixedClock
from merx.app import StoredApp, build_app
from merx.customers import Address
from merx.inventory import StockItem, stock_key
from merx.kernel.ids import PLATFORM, CustomerId
from merx.orders import DepositRule, PresaleOrder, PresaleStatus
from tests.orders.test_presale import BALANCE_ENDS, BALANCE_STARTS, DC, T0, TERMS, WATCH, cny
from tests.stores.test_stored_app import Storage


def open_shop(storage: Storage, clock: FixedClock) -> StoredApp:
    return build_app(storage.open(), clock=clock, relay_owner="shop")  # ids safe across starts


def buyer(app: StoredApp, who: str) -> CustomerId:
    cid: CustomerId = app.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
    app.handle(customers.AddAddress(cid, "home", Address(who, "1", "sh", "r"), default=True))
    return cid


def available(app: StoredApp) -> int:
    return app.get(StockItem, stock_key(DC, WATCH)).available


def test_a_pre_sale_lives_through_a_restart_on_a_database(storage: Storage) -> None:
    clock = FixedClock(T0)
    app = open_shop(storage, clock)
    app.handle(catalog.CreateSku(WATCH, "Watch", PLATFORM, "watch", cny("1200.00")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, WATCH, 3, "po"))
    app.handle(orders.CreatePresale("ps-watch", PLATFORM, TERMS, DepositRule.REFUND))
    kept = app.handle(orders.PlaceDepositOrder(buyer(app, "ann"), "ps-watch", 1))
    dropped = app.handle(orders.PlaceDepositOrder(buyer(app, "bo"), "ps-watch", 1))
    for placed in (kept, dropped):
        app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    assert app.get(PresaleOrder, kept.parent_id).status is PresaleStatus.AWAITING_BALANCE
    app.close()

    clock.set(BALANCE_STARTS)
    again = open_shop(storage, clock)  # a restart: the pre-sale orders are in the database
    again.gateways["alipay"] = app.gateways["alipay"]  # the channel outlives the process
    balance = again.handle(orders.PlaceBalanceOrder(kept.parent_id))
    outcome = again.handle(payments.PayOrder(balance.parent_id, "alipay"))
    assert outcome.status is payments.PaymentStatus.SUCCEEDED
    assert again.get(PresaleOrder, kept.parent_id).status is PresaleStatus.BALANCE_PAID

    clock.set(BALANCE_ENDS + timedelta(hours=1))
    assert again.handle(orders.EndUnpaidPresales()) == [dropped.parent_id]
    assert again.relay.parked() == []
    assert again.get(PresaleOrder, dropped.parent_id).status is PresaleStatus.REFUNDED
    assert available(again) == 2  # one unit sold, the refunded one back
    with again.unit_of_work() as uow:
        report = settlement.reconciliation_report(uow, "CNY", journals=again.journals)
    assert report.ok, report.problems
    assert again.relay.parked() == []
    again.close()


def test_units_refunded_after_the_balance_give_the_deposit_back_on_a_database(
    storage: Storage,
) -> None:
    clock = FixedClock(T0)
    app = open_shop(storage, clock)
    app.handle(catalog.CreateSku(WATCH, "Watch", PLATFORM, "watch", cny("1200.00")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, WATCH, 3, "po"))
    app.handle(orders.CreatePresale("ps-watch", PLATFORM, TERMS))
    deposit = app.handle(orders.PlaceDepositOrder(buyer(app, "ann"), "ps-watch", 2))
    app.handle(payments.PayOrder(deposit.parent_id, "alipay"))
    clock.set(BALANCE_STARTS)
    balance = app.handle(orders.PlaceBalanceOrder(deposit.parent_id))
    app.handle(payments.PayOrder(balance.parent_id, "alipay"))
    case = app.handle(aftersales.RequestRefund(balance.order_ids[0], "changed my mind"))
    app.handle(aftersales.ApproveAfterSale(case))
    assert app.relay.parked() == []
    for parent_id, refunded in ((deposit.parent_id, "100.00"), (balance.parent_id, "1800.00")):
        payment_id = app.get(orders.ParentOrder, parent_id).payment_id
        assert app.get(payments.Payment, payment_id or "").refunded == cny(refunded)
    assert app.get(PresaleOrder, deposit.parent_id).returns == ((case, 2),)
    assert available(app) == 3
    app.close()
