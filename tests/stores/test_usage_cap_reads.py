"""What a quote and a placement with capped campaigns ask of a database, counted at its
connections (a count, never a timing): the customer's counts against the caps are read once
per quote, with the freight templates' read, and a placement reads them no more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from merx import catalog, checkout, customers, inventory, orders, promotions
from merx.adapters.memory import FixedClock, SequentialIds
from merx.adapters.roundtrips import RoundTrips
from merx.adapters.sqlite import SqliteDatabase
from merx.app import StoredApp, build_app
from merx.customers import Address
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.pricing import DirectReduction, Scope

CAPS = {
    "U": promotions.BudgetLimits(per_user_limit=1),
    "G": promotions.BudgetLimits(max_uses=1),
    "D": promotions.BudgetLimits(per_user_per_day=1),
    "N": promotions.BudgetLimits(per_order_units=1),
}

#: Reads of one quote: the cart and customer; the live campaigns' index with the SKUs, the
#: wallet and the codes; the campaigns; the freight templates with the customer's counts.
#: A placement: the customer and cart, those three, the orders' with the counts it reserves.
#: Before issue 15's caps work the counts had reads of their own, twice per quote (a count
#: not found was read again): a quote read 5 (6 for a customer without counts), a
#: placement 9.
QUOTE_READS = 4
PLACEMENT_READS = 5


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def _shop(database: SqliteDatabase) -> StoredApp:
    app = build_app(
        database, clock=FixedClock(datetime(2026, 1, 1, 12, tzinfo=UTC)), ids=SequentialIds()
    )
    app.handle(inventory.OpenWarehouse(WarehouseId("wh"), "DC", "-", {"sh": 1}))
    for name, limits in CAPS.items():
        sku = SkuId(f"s{name}")
        app.handle(catalog.CreateSku(sku, name, PLATFORM, "shirt", cny("100.00")))
        app.handle(inventory.ReceiveStock(WarehouseId("wh"), sku, 100, "po"))
        definition = DirectReduction(id=name, scope=Scope(skus=(sku,)), off=cny("10.00"))
        app.handle(promotions.CreateCampaign(PLATFORM, definition, limits))
        for command in (
            promotions.SubmitCampaign,
            promotions.ApproveCampaign,
            promotions.ScheduleCampaign,
        ):
            app.handle(command(name, PLATFORM))
    app.handle(promotions.TickCampaigns())
    for who in ("ann", "ben"):
        cid = CustomerId(who)
        app.handle(customers.RegisterCustomer(cid, who, "1"))
        app.handle(customers.AddAddress(cid, "h", Address(who, "1", "sh", "r"), default=True))
    return app


def _fill(app: StoredApp, cid: CustomerId, units: int) -> None:
    for name in CAPS:
        app.handle(checkout.AddToCart(cid, SkuId(f"s{name}"), units))


def _reads(database: SqliteDatabase, act: Callable[[], Any]) -> tuple[int, Any]:
    tally = database.round_trips()
    assert tally is not None
    before = tally.snapshot()
    result = act()
    return tally.snapshot()[0] - before[0], result


def test_a_quote_reads_the_usage_counts_once(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "shop.db", synchronous="NORMAL")
    database.count_into(RoundTrips())
    app = _shop(database)
    try:
        ann, ben = CustomerId("ann"), CustomerId("ben")
        _fill(app, ann, 1)
        first, _ = _reads(database, lambda: app.handle(orders.PlaceOrder(ann)))
        _fill(app, ann, 2)
        _fill(app, ben, 1)
        capped, shown = _reads(database, lambda: app.quote(ann))
        fresh, _ = _reads(database, lambda: app.quote(ben))
        placed, _ = _reads(database, lambda: app.handle(orders.PlaceOrder(ben)))
    finally:
        app.close()
    assert shown.pricing is not None
    assert {r.promotion_id for r in shown.pricing.rejections if r.code == "usage_cap"} == set(CAPS)
    assert (capped, fresh) == (QUOTE_READS, QUOTE_READS)
    assert (first, placed) == (PLACEMENT_READS, PLACEMENT_READS)
