"""merx on its stores, in one run: memory, a SQLite file and (when a DSN is given)
PostgreSQL.

For each store: golden-path orders/s (quote, place, pay, ship, deliver, confirm; 3 lines,
2 campaign promotions), p50/p99 of ``PlaceOrder`` and ``PayOrder``, the database round
trips per order (reads, commits and documents written, counted at the database port), and
ledger entries/s (one entry per unit of work, as the services post). Beside each database,
a bare loop issuing the same number of reads, writes and commits per order with the
driver alone (``sqlite3``, ``psycopg``), so merx shows as a share of what the database
itself allows.

Run: ``python benchmarks/bench_stores.py [orders] [--postgres DSN]`` (the DSN defaults to
``$MERX_TEST_POSTGRES``). Figures are printed, never asserted. Goals (issue 13): SQLite at
least 25% of the in-memory throughput; PostgreSQL at least 50% of its bare loop.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import bench_golden_path as golden

import merx.app
from merx.adapters.memory import FixedClock, SequentialIds
from merx.app import App, build_memory_app, build_sqlite_app
from merx.kernel.ids import CustomerId

START = datetime(2026, 1, 1, tzinfo=UTC)


class Counting:
    """Counts the calls a document database gets (wraps one; the stored app keeps it)."""

    def __init__(self, database: Any) -> None:
        self.database = database
        self.reads = 0
        self.commits = 0
        self.documents = 0

    def count(self) -> None:
        for name in ("load", "keys", "find", "is_handled", "events_after"):
            setattr(self.database, name, self._reading(getattr(self.database, name)))
        write = self.database.write

        def counted_write(new: Any, changed: Any, events: Any, handled: Any = ()) -> None:
            self.commits += 1
            self.documents += len(new) + len(changed)
            write(new, changed, events, handled)

        self.database.write = counted_write

    def _reading(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.reads += 1
            return method(*args, **kwargs)

        return counted

    def snapshot(self) -> tuple[int, int, int]:
        return self.reads, self.commits, self.documents


def run(app: App, people: list[CustomerId]) -> tuple[float, list[float], list[float]]:
    """An order per customer through the golden path: orders/s, and the PlaceOrder and
    PayOrder latencies (seconds)."""
    n = len(people)
    place: list[float] = []
    pay: list[float] = []
    started = time.perf_counter()
    for cid in people:
        laps: dict[str, float] = {}
        golden.golden_path(app, cid, laps)
        place.append(laps["place"])
        pay.append(laps["pay"])
    return n / (time.perf_counter() - started), place, pay


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def line(label: str, rate: float, place: list[float], pay: list[float]) -> str:
    ms = 1000
    return (
        f"{label:<22} {rate:>7,.0f} orders/s   PlaceOrder p50 {percentile(place, 0.5) * ms:6.2f} "
        f"p99 {percentile(place, 0.99) * ms:6.2f} ms   PayOrder p50 "
        f"{percentile(pay, 0.5) * ms:6.2f} p99 {percentile(pay, 0.99) * ms:6.2f} ms"
    )


def stored(app: App, n: int, label: str) -> tuple[float, tuple[float, float, float]]:
    """The golden path on a stored app, with the round trips per order counted."""
    database = getattr(app, "database")  # noqa: B009 - the stored apps' database
    counting = Counting(database)
    counting.count()
    app, people = golden.prepare(n, app)  # the customers and their carts, not measured
    before = counting.snapshot()
    rate, place, pay = run(app, people)
    after = counting.snapshot()
    reads, commits, documents = (b - a for a, b in zip(before, after, strict=True))
    print(line(label, rate, place, pay))
    return rate, (reads / n, commits / n, documents / n)


def bare_sqlite(path: Path, reads: float, commits: float, documents: float, n: int) -> float:
    """``n`` orders' worth of plain sqlite3 work: reads, document writes and commits."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, version INT, doc TEXT)")
    doc = "x" * 1_500
    db.executemany("INSERT OR REPLACE INTO t VALUES (?, 1, ?)", [(str(k), doc) for k in range(500)])
    per_commit = max(1, round(documents / commits))
    started = time.perf_counter()
    for order in range(n):
        for k in range(round(reads)):
            db.execute(
                "SELECT version, doc FROM t WHERE id = ?", (str((order + k) % 500),)
            ).fetchone()
        for c in range(round(commits)):
            db.execute("BEGIN IMMEDIATE")
            for k in range(per_commit):
                db.execute(
                    "UPDATE t SET version = version + 1, doc = ? WHERE id = ? AND version > 0",
                    (doc, str((order + c + k) % 500)),
                )
            db.execute("COMMIT")
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("orders", nargs="?", type=int, default=300)
    parser.add_argument("--postgres", default=os.environ.get("MERX_TEST_POSTGRES"))
    args = parser.parse_args()
    n = args.orders
    print(f"{n} golden-path orders per store (3 lines, 2 campaign promotions)")
    memory_rate, place, pay = run(*golden.prepare(n, build_memory_app(check_views=False)))
    print(line("memory", memory_rate, place, pay))
    folder = Path(tempfile.mkdtemp())
    syncs: tuple[Literal["FULL", "NORMAL"], ...] = ("FULL", "NORMAL")
    for sync in syncs:
        app = build_sqlite_app(
            folder / f"shop-{sync}.db", clock=FixedClock(START), ids=SequentialIds(),
            synchronous=sync,
        )  # fmt: skip
        rate, (reads, commits, documents) = stored(app, n, f"sqlite synchronous={sync}")
        print(
            f"{'':<22} {rate / memory_rate:6.1%} of memory; per order {reads:.0f} reads, "
            f"{commits:.0f} commits, {documents:.0f} documents written"
        )
        if sync == "FULL":
            bare = bare_sqlite(folder / "bare.db", reads, commits, documents, n)
            print(f"{'bare sqlite3 loop':<22} {bare:>7,.0f} orders/s  (merx: {rate / bare:.0%})")
    builder = getattr(merx.app, "build_postgres_app", None)
    if args.postgres and builder is not None:
        app = builder(args.postgres, clock=FixedClock(START), ids=SequentialIds())
        rate, (reads, commits, documents) = stored(app, n, "postgres")
        print(f"{'':<22} per order {reads:.0f} reads, {commits:.0f} commits, {documents:.0f} docs")
    else:
        print("postgres: skipped (no DSN, or no PostgreSQL adapter in this merx)")
    print(f"median of PlaceOrder on memory: {statistics.median(place) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
