"""The reservation timer reads only the stock items whose reservations ran out: found
through ``StockQueries``, never by loading every stock item (counted through a unit of
work that counts its reads)."""

from __future__ import annotations

from datetime import timedelta

from merx import catalog, inventory
from merx.app import build_memory_app
from merx.inventory import ExpireReservations, InventoryPolicy, StockItem, hold_for_order
from merx.inventory.services import expire_reservations
from merx.kernel.ids import PLATFORM, SkuId, WarehouseId
from merx.kernel.money import Money
from tests.counting import CountingUnitOfWork

DC = WarehouseId("dc")


def test_the_timer_reads_only_the_stock_items_whose_reservations_ran_out() -> None:
    app = build_memory_app()
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    skus = [SkuId(f"sku-{n}") for n in range(12)]
    for sku in skus:
        app.handle(catalog.CreateSku(sku, sku, PLATFORM, "wear", Money.of("1.00", "CNY")))
        app.handle(inventory.ReceiveStock(DC, sku, 5, f"po-{sku}"))
    now, policy = app.clock.now(), InventoryPolicy()
    with app.unit_of_work() as uow:  # two reservations run out, one later, one firm lock
        for order_id, sku, expires_at in [
            ("o1", skus[0], now + timedelta(minutes=5)),
            ("o2", skus[1], now + timedelta(minutes=10)),
            ("o3", skus[2], now + timedelta(hours=2)),
            ("o4", skus[3], None),
        ]:
            hold_for_order(uow, order_id, [(sku, 1)], "sh", policy=policy, expires_at=expires_at)
        uow.commit()
    app.clock.advance(timedelta(minutes=30))

    with CountingUnitOfWork(app.unit_of_work()) as counting:
        expired = expire_reservations(
            ExpireReservations(), counting, clock=app.clock, queries=app.queries.stock
        )

    assert expired == ["o1", "o2"]
    assert counting.of(StockItem) == {inventory.stock_key(DC, sku) for sku in skus[:2]}
    assert not counting.scans
