"""Reservations per second, 10,000 SKUs in 5 warehouses, one core, in memory.

Two figures:
* model: ``StockItem.reserve`` on the aggregates themselves (the domain's own cost);
* unit of work: ``hold_for_order`` (plan the warehouse, hold, save) and commit through
  ``MemoryUnitOfWork``, one single-line order per unit of work (what a host pays per order
  with the in-memory adapter, copies and version checks included).

Goal (issue 4): >= 100,000 reservations/s. Run: ``python benchmarks/bench_inventory.py``.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from merx.adapters.memory import MemoryStore, MemoryUnitOfWork
from merx.inventory import InventoryPolicy, StockItem, Warehouse, hold_for_order, stock_key
from merx.kernel.ids import SkuId, WarehouseId

SKUS = 10_000
WAREHOUSES = 5
T0 = datetime(2026, 6, 18, tzinfo=UTC)


def build() -> tuple[MemoryStore, list[SkuId], list[WarehouseId]]:
    store = MemoryStore()
    skus = [SkuId(f"sku-{i:05d}") for i in range(SKUS)]
    warehouses = [WarehouseId(f"wh-{w}") for w in range(WAREHOUSES)]
    with MemoryUnitOfWork(store) as uow:
        for w, wid in enumerate(warehouses):
            uow.repo(Warehouse).add(
                Warehouse.open(
                    warehouse_id=wid, name=wid, address="-", delivery_km={"r": 10 * (w + 1)}
                )
            )
            for sku in skus:
                item = StockItem.open(wid, sku)
                item.receive(1_000_000, "seed")
                item.pull_events()
                uow.repo(StockItem).add(item)
        uow.commit()
    return store, skus, warehouses


def bench_model(n: int) -> float:
    rng = random.Random(1)
    items = [
        StockItem.open(WarehouseId(f"wh-{w}"), SkuId(f"s{i}"))
        for w in range(5)
        for i in range(SKUS)
    ]
    for item in items:
        item.receive(1_000_000, "seed")
    expiry = T0 + timedelta(minutes=30)
    picks = [rng.randrange(len(items)) for _ in range(n)]
    start = time.perf_counter()
    for k, index in enumerate(picks):
        items[index].reserve(f"o{k}", 1, expiry)
    elapsed = time.perf_counter() - start
    return n / elapsed


def bench_unit_of_work(n: int) -> float:
    store, skus, _ = build()
    rng = random.Random(2)
    policy = InventoryPolicy()
    expiry = T0 + timedelta(minutes=30)
    picks = [skus[rng.randrange(SKUS)] for _ in range(n)]
    start = time.perf_counter()
    for k, sku in enumerate(picks):
        with MemoryUnitOfWork(store) as uow:
            hold_for_order(uow, f"o{k}", [(sku, 1)], "r", policy=policy, expires_at=expiry)
            uow.commit()
    elapsed = time.perf_counter() - start
    with MemoryUnitOfWork(store) as uow:
        held = sum(
            uow.repo(StockItem).get(stock_key(WarehouseId("wh-0"), s)).reserved for s in set(picks)
        )
    assert held == n, (held, n)
    return n / elapsed


def main() -> None:
    model = bench_model(200_000)
    print(f"inventory model    : {model:>10,.0f} reservations/s (StockItem.reserve)")
    uow = bench_unit_of_work(20_000)
    print(f"inventory unit of work: {uow:>7,.0f} reservations/s (plan + hold + commit per order)")
    print("goal: >= 100,000 reservations/s")


if __name__ == "__main__":
    main()
