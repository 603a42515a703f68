"""Journey 5, a pre-sale: a deposit now, the balance in its window, or the deposit lost.

The platform pre-sells a watch: 50.00 down, worth 100.00 against the pre-sale price of
1000.00, the balance payable from 1 to 4 November; a balance left unpaid forfeits the
deposit. Ann and Bo each pay a deposit, which holds a watch for each. In the window Ann
places her balance (1000.00 less the deposit's 100.00) and pays it; the watch ships. Bo
never pays: when the window closes, the host's timer (``EndUnpaidPresales``) forfeits her
deposit and her watch goes back on sale. Run: ``python examples/journey_presale.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from no_options import takes_no_options

from merx import catalog, customers, fulfillment, inventory, orders, payments, promotions
from merx.adapters.memory import FixedClock
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money

Say = Callable[[str], None]
WATCH, DC = SkuId("watch-s1"), WarehouseId("sh-dc")
OPENS = datetime(2026, 10, 20, 10, tzinfo=UTC)
BALANCE_STARTS = datetime(2026, 11, 1, tzinfo=UTC)
BALANCE_ENDS = datetime(2026, 11, 4, tzinfo=UTC)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def build_app() -> MemoryApp:
    """An in-memory merx whose clock starts when the pre-sale takes deposits."""
    return build_memory_app(clock=FixedClock(OPENS))


def list_presale(app: MemoryApp, say: Say) -> None:
    """Three watches in the warehouse and a pre-sale of them under the forfeit rule."""
    app.handle(catalog.CreateSku(WATCH, "Watch S1", PLATFORM, "watch", cny("1200.00")))
    app.handle(inventory.OpenWarehouse(DC, "Shanghai DC", "Pudong", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, WATCH, 3, "po-watch"))
    terms = promotions.Presale(
        sku=WATCH,
        deposit=cny("50.00"),
        deposit_value=cny("100.00"),
        final_price=cny("1000.00"),
        balance_starts=BALANCE_STARTS,
        balance_ends=BALANCE_ENDS,
    )
    app.handle(orders.CreatePresale("ps-watch", PLATFORM, terms, orders.DepositRule.FORFEIT))
    say(
        f"pre-sale of {WATCH}: 50.00 CNY down, worth 100.00 CNY against 1000.00 CNY; "
        f"balance from {BALANCE_STARTS:%d %b} to {BALANCE_ENDS:%d %b}; {available(app)} in stock"
    )


def available(app: MemoryApp) -> int:
    return app.get(inventory.StockItem, inventory.stock_key(DC, WATCH)).available


def status(app: MemoryApp, presale_id: OrderId) -> str:
    return app.get(orders.PresaleOrder, presale_id).status.value


def paid(app: MemoryApp, parent_id: OrderId) -> Money:
    """What the customer paid, net of refunds, for the parent order ``parent_id``."""
    parent = app.get(orders.ParentOrder, parent_id)
    if parent.payment_id is None:
        return cny("0.00")
    payment = app.get(payments.Payment, parent.payment_id)
    return payment.captured - payment.refunded


def put_down_a_deposit(app: MemoryApp, who: str, say: Say) -> OrderId:
    cid = app.handle(customers.RegisterCustomer(CustomerId(who), who.title(), "1"))
    home = Address(who.title(), "1", "sh", "1 Road")
    app.handle(customers.AddAddress(cid, "home", home, default=True))
    placed = app.handle(orders.PlaceDepositOrder(cid, "ps-watch", 1))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    say(
        f"{who} pays a deposit of {paid(app, placed.parent_id)}: pre-sale order "
        f"{placed.parent_id} {status(app, placed.parent_id)}; {available(app)} available"
    )
    return placed.parent_id


def pay_the_balance(app: MemoryApp, presale_id: OrderId, say: Say) -> None:
    app.clock.set(BALANCE_STARTS + timedelta(hours=9))
    balance = app.handle(orders.PlaceBalanceOrder(presale_id))
    payable = app.get(orders.ParentOrder, balance.parent_id).payable
    app.handle(payments.PayOrder(balance.parent_id, "wechat_pay"))
    total = paid(app, presale_id) + paid(app, balance.parent_id)
    say(
        f"ann pays the balance of {payable} in the window: {status(app, presale_id)}, "
        f"{total} paid in all"
    )
    goods = balance.order_ids[0]
    app.handle(fulfillment.ShipOrder(goods))
    say(f"her watch ships: goods order {goods} {app.get(orders.Order, goods).status.value}")


def forfeit_after_the_window(app: MemoryApp, presale_id: OrderId, say: Say) -> None:
    app.clock.set(BALANCE_ENDS - timedelta(hours=1))
    early = app.handle(orders.EndUnpaidPresales())
    say(f"an hour before the window closes the timer ends {len(early)} pre-sale order(s)")
    app.clock.set(BALANCE_ENDS)
    ended = app.handle(orders.EndUnpaidPresales())
    assert ended == [presale_id]
    deposit = app.get(orders.PresaleOrder, presale_id).deposit_order_id
    say(
        f"the window closes with bo's balance unpaid: {status(app, presale_id)}, the seller "
        f"keeps {paid(app, presale_id)} (deposit order "
        f"{app.get(orders.Order, deposit).status.value}); her watch is back on sale, "
        f"{available(app)} available"
    )


def run(app: MemoryApp, say: Say = print) -> None:
    list_presale(app, say)
    ann = put_down_a_deposit(app, "ann", say)
    bo = put_down_a_deposit(app, "bo", say)
    pay_the_balance(app, ann, say)
    forfeit_after_the_window(app, bo, say)


if __name__ == "__main__":
    takes_no_options(__doc__)
    run(build_app())
