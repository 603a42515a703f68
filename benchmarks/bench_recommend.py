"""Recommendation for one user: p50 and p99 of :meth:`merx.app.App.recommend` on the
memory app, over a catalogue of 2,000 SKUs in 20 categories and 10 merchants with stock
in two regions, and the documents 20,000 paid orders of 1-4 lines left behind (what the
subscribers of paid orders write: co-purchase neighbours per SKU, popularity per region
and category, each customer's purchases) and 8 views per customer on their trails.

Issue 19's goal: p50 <= 5 ms. The documents are written through the same model methods
the subscribers call (placing 20,000 orders through checkout would time checkout, not
recommendation); SKUs, stock and views go through commands.

Run: ``python benchmarks/bench_recommend.py [skus] [customers] [orders] [requests]``.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime

from merx import catalog, inventory
from merx.adapters.memory import FixedClock
from merx.app import App, build_memory_app
from merx.behaviour import BehaviourKind, TrackBehaviour
from merx.kernel.ids import CustomerId, MerchantId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.kernel.uow import add_or_save
from merx.recommendation import Pipeline
from merx.recommendation.model import (
    CustomerPurchases,
    Popular,
    SkuSignals,
    category_key,
    region_key,
)

START = datetime(2026, 3, 1, tzinfo=UTC)
REGIONS = ("sh", "bj")


def build(skus: int, customers: int, orders: int, seed: int = 19) -> App:
    """The memory app with the catalogue, the stock, the orders' documents and the views."""
    rng = random.Random(seed)
    app = build_memory_app(clock=FixedClock(START))
    app.handle(inventory.OpenWarehouse(WarehouseId("sh-dc"), "SH", "-", {"sh": 10}))
    app.handle(inventory.OpenWarehouse(WarehouseId("bj-dc"), "BJ", "-", {"bj": 10}))
    category_of = {}
    for n in range(skus):
        sku = SkuId(f"sku-{n:05d}")
        category_of[sku] = f"cat-{n % 20}"
        price = Money.of(f"{10 + n % 300}.00", "CNY")
        app.handle(
            catalog.CreateSku(sku, f"Item {n}", MerchantId("platform"), category_of[sku], price)
        )
        warehouse = WarehouseId("sh-dc" if n % 3 else "bj-dc")
        app.handle(inventory.ReceiveStock(warehouse, sku, 100, f"po-{n}"))
    ids = list(category_of)
    weights = [1 / (1 + k) for k in range(len(ids))]  # a few SKUs sell most
    with app.unit_of_work() as uow:
        for n in range(orders):
            customer = f"c-{rng.randrange(customers):05d}"
            lines = sorted(set(rng.choices(ids, weights, k=rng.randint(1, 4))))
            region = REGIONS[n % 2]
            purchases = uow.repo(CustomerPurchases).find(customer) or CustomerPurchases(id=customer)
            before = purchases.last_bought(5)
            for sku in lines:
                signals = uow.repo(SkuSignals).find(sku) or SkuSignals(id=sku)
                signals.bought_together([*lines, *before], 1)
                add_or_save(uow.repo(SkuSignals), signals)
                for key in (region_key(region), category_key(category_of[SkuId(sku)])):
                    popular = uow.repo(Popular).find(key) or Popular(id=key)
                    popular.sold(sku, 1)
                    add_or_save(uow.repo(Popular), popular)
            purchases.bought_now(f"p-{n}", lines, START)
            add_or_save(uow.repo(CustomerPurchases), purchases)
        uow.commit()
    for c in range(customers):
        for v in range(8):
            sku = rng.choice(ids)
            who = CustomerId(f"c-{c:05d}")
            app.handle(TrackBehaviour(f"v-{c}-{v}", BehaviourKind.VIEW, f"s-{c}", who, sku_id=sku))
    return app


def _percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return times[len(times) // 2] * 1000, times[min(len(times) - 1, int(len(times) * 0.99))] * 1000


def timed(
    app: App, customers: int, requests: int, seed: int = 7
) -> tuple[tuple[float, float], tuple[float, float], int]:
    """p50 and p99 in milliseconds of ``requests`` recommendations, by the wall clock and
    by this process's CPU time (the figure a loaded machine disturbs less), and the items
    returned."""
    rng = random.Random(seed)
    pipeline = Pipeline("bench", consumables=frozenset({"cat-0", "cat-1"}))
    wall: list[float] = []
    cpu: list[float] = []
    items = 0
    for _ in range(requests):
        who = f"c-{rng.randrange(customers):05d}"
        began, began_cpu = time.perf_counter(), time.process_time()
        found = app.recommend(who, pipeline, region=rng.choice(REGIONS), count=20)
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
        items += len(found.items)
    return _percentiles(wall), _percentiles(cpu), items


def run(skus: int, customers: int, orders: int, requests: int) -> tuple[float, float]:
    """Build, time and print; the wall-clock p50 and p99."""
    began = time.perf_counter()
    app = build(skus, customers, orders)
    built = time.perf_counter() - began
    (p50, p99), (cpu50, cpu99), items = timed(app, customers, requests)
    print(
        f"recommend: {skus} SKUs, {customers} customers, {orders} orders (built in "
        f"{built:.1f} s): {requests} requests, p50 {p50:.2f} ms, p99 {p99:.2f} ms "
        f"(CPU time p50 {cpu50:.2f} ms, p99 {cpu99:.2f} ms), "
        f"{items / requests:.1f} items each (goal p50 <= 5 ms)"
    )
    return p50, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("skus", nargs="?", type=int, default=2_000)
    parser.add_argument("customers", nargs="?", type=int, default=1_000)
    parser.add_argument("orders", nargs="?", type=int, default=20_000)
    parser.add_argument("requests", nargs="?", type=int, default=1_000)
    args = parser.parse_args()
    run(args.skus, args.customers, args.orders, args.requests)


if __name__ == "__main__":
    main()
