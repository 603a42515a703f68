"""Search speed (issue 19): a bulk rebuild of 100,000 SKUs, then 1,000 queries with
filters and facets, on the SQLite FTS5 index (and the memory one beside it).

The catalogue is derived from tests/search/catalogue.json's families: each SKU a family's
title with a variant, a price in its range, a seller, stock regions and sales drawn from a
fixed seed. The query mix is derived from the same words: single words, two words, a
Chinese run, with a category, brand, price or region filter on some, facets on all,
sorted by relevance, sales or price.

Run: ``python benchmarks/bench_search.py [skus] [queries]``. Goals: rebuild < 60 s,
query p50 <= 5 ms and p99 <= 20 ms on SQLite FTS5. Figures are printed, never asserted.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from merx.adapters.memory.search import MemorySearchIndex
from merx.adapters.search_sqlite import SqliteSearchIndex
from merx.kernel.money import Money
from merx.search import PriceRange, SearchDocument, SearchIndex, SearchQuery, Sort, words

CATALOGUE = Path(__file__).resolve().parents[1] / "tests" / "search" / "catalogue.json"
VARIANTS = ("128GB", "256GB", "黑色", "白色", "蓝色", "S", "M", "L", "礼盒装", "新款", "2026款",
            "Pro", "Max", "Lite", "旗舰版", "青春版")  # fmt: skip
#: the memory index ranks every hit in Python: timed on the first queries of the mix only
MEMORY_QUERIES = 100
REGIONS = ("sh", "bj", "gz", "cd", "hz", "wh")


def catalogue(count: int, seed: int = 19) -> list[SearchDocument]:
    rows = json.loads(CATALOGUE.read_text(encoding="utf-8"))["skus"]
    families = {(r["category"], r["brand"], r["merchant"]): r for r in rows}
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    keys = sorted(families)
    docs = []
    for n in range(count):
        category, brand, merchant = keys[n % len(keys)]
        base = families[(category, brand, merchant)]["title"].split()
        title = " ".join([*base[: rng.randrange(2, len(base) + 1)], *rng.sample(VARIANTS, 2)])
        docs.append(
            SearchDocument(
                sku_id=f"sku-{n:06d}", title=title, category=category,
                merchant=f"{merchant}-{n % 50}", brand=brand,
                price=Money.of(f"{rng.randrange(20, 12000)}.00", "CNY"),
                listed_at=start + timedelta(minutes=n), sales=rng.randrange(0, 10_000),
                stocked_in=frozenset(rng.sample(REGIONS, rng.randrange(0, 4))),
            )
        )  # fmt: skip
    return docs


def queries(docs: list[SearchDocument], count: int, seed: int = 7) -> list[SearchQuery]:
    rng = random.Random(seed)
    vocabulary = sorted({w for d in docs[:2000] for w in words(d.title)})
    categories = sorted({d.category for d in docs[:2000]})
    brands = sorted({d.brand for d in docs[:2000] if d.brand})
    out = []
    for _ in range(count):
        text = " ".join(rng.sample(vocabulary, rng.choice((1, 1, 2))))
        filters: dict[str, object] = {}
        pick = rng.randrange(5)
        if pick == 0:
            filters["category"] = rng.choice(categories)
        elif pick == 1:
            filters["brand"] = rng.choice(brands)
        elif pick == 2:
            low = rng.randrange(20, 5000)
            filters["price"] = PriceRange(
                Money.of(f"{low}.00", "CNY"), Money.of(f"{low + 2000}.00", "CNY")
            )
        elif pick == 3:
            filters["region"] = rng.choice(REGIONS)
            filters["in_stock"] = True
        sort = rng.choice((Sort.RELEVANCE, Sort.RELEVANCE, Sort.SALES, Sort.PRICE_ASC))
        out.append(SearchQuery(text, sort=sort, **filters))  # type: ignore[arg-type]
    return out


def timed(index: SearchIndex, mix: list[SearchQuery]) -> tuple[float, float, float, float, float]:
    """p50 and p99 in ms over ``mix`` on the wall clock and in this process's CPU time
    (what the query costs, whatever else the machine runs), and the hits a query on
    average."""
    wall, cpu = [], []
    hits = 0
    for query in mix:
        began, began_cpu = time.perf_counter(), time.process_time()
        hits += index.search(query).total
        cpu.append((time.process_time() - began_cpu) * 1000)
        wall.append((time.perf_counter() - began) * 1000)
    walls, cpus = statistics.quantiles(wall, n=100), statistics.quantiles(cpu, n=100)
    return walls[49], walls[98], cpus[49], cpus[98], hits / len(mix)


def plain(mix: list[SearchQuery]) -> list[SearchQuery]:
    """``mix`` with neither filters nor facets (the words and sort kept)."""
    return [SearchQuery(q.text, sort=q.sort, facets=()) for q in mix]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    asked = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    main_with(count, asked)


def main_with(count: int, asked: int) -> None:
    """Build ``count`` SKUs both ways and time ``asked`` queries on each."""
    docs = catalogue(count)
    mix = queries(docs, asked)
    with tempfile.TemporaryDirectory() as folder:
        sqlite = SqliteSearchIndex(Path(folder) / "search.db")
        began, began_cpu = time.perf_counter(), time.process_time()
        sqlite.put_many(docs)
        rebuild, rebuild_cpu = time.perf_counter() - began, time.process_time() - began_cpu
        print(
            f"{count:,} SKUs: SQLite FTS5 bulk rebuild {rebuild:6.1f} s wall,"
            f" {rebuild_cpu:6.1f} s CPU (goal < 60 s)"
        )
        memory = MemorySearchIndex()
        began = time.perf_counter()
        memory.put_many(docs)
        print(f"{count:,} SKUs: memory bulk rebuild      {time.perf_counter() - began:6.1f} s")
        began = time.perf_counter()
        updated = docs[: min(200, count)]
        for doc in updated:
            sqlite.put(doc)
        each = (time.perf_counter() - began) / len(updated) * 1000
        print(f"incremental update (one SKU from an event): {each:.2f} ms on SQLite")
        for name, index, asked_of in (
            ("sqlite fts5", sqlite, mix),
            ("sqlite fts5", sqlite, plain(mix)),
            ("memory", memory, mix[: max(MEMORY_QUERIES, 1)]),
        ):
            p50, p99, cpu50, cpu99, hits = timed(index, asked_of)
            what = "plain" if asked_of[0].facets == () else "filters+facets"
            print(
                f"{name:12} {len(asked_of):,} queries ({what}): p50 {p50:6.2f} ms  p99"
                f" {p99:7.2f} ms wall, CPU p50 {cpu50:6.2f} ms  p99 {cpu99:7.2f} ms (goal p50"
                f" <= 5, p99 <= 20 on SQLite); {hits:,.0f} hits a query on average"
            )
        sqlite.close()


if __name__ == "__main__":
    main()
