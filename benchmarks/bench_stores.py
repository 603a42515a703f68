"""merx on its stores, in one run: memory, a SQLite file and (when a DSN is given)
PostgreSQL.

For each store: golden-path orders/s (quote, place, pay, ship, deliver, confirm; 3 lines,
2 campaign promotions), p50/p99 of ``PlaceOrder`` and ``PayOrder``, and what each order
asks of the database, counted at its connections (:mod:`merx.adapters.roundtrips`): reads,
writes, commits and round trips (on SQLite every statement the library runs, ``BEGIN`` and
``COMMIT`` included; on PostgreSQL every wait for the server, a pipeline with its ``Sync``
counting as one). Beside each database, a bare loop issuing the same number of reads,
writes and commits per order with the driver alone (``sqlite3``, ``psycopg``), so merx
shows as a share of what the database itself allows.

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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import attrs
import bench_golden_path as golden

from merx.adapters.memory import FixedClock, SequentialIds
from merx.adapters.roundtrips import RoundTrips
from merx.adapters.sqlite import SqliteDatabase
from merx.app import App, build_app, build_memory_app
from merx.app.documents import documents
from merx.kernel.ids import CustomerId

START = datetime(2026, 1, 1, tzinfo=UTC)


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


@attrs.frozen
class PerOrder:
    """What one order asked of the database, on average, counted at its connections."""

    reads: float
    writes: float
    commits: float
    other: float
    round_trips: float

    def __str__(self) -> str:
        return (
            f"per order {self.reads:.1f} reads, {self.writes:.1f} writes, "
            f"{self.commits:.1f} commits, {self.other:.1f} other statements: "
            f"{self.round_trips:.1f} round trips"
        )


def stored(database: Any, n: int, label: str) -> tuple[float, PerOrder]:
    """The golden path over ``database``, with what each order asked of it counted at its
    connections from the start (:mod:`merx.adapters.roundtrips`)."""
    database.count_into(RoundTrips())
    stored_app = build_app(database, clock=FixedClock(START), ids=SequentialIds())
    app, people = golden.prepare(n, stored_app)  # the customers and their carts, not measured
    before = database.round_trips().snapshot()
    rate, place, pay = run(app, people)
    after = database.round_trips().snapshot()
    print(line(label, rate, place, pay))
    return rate, PerOrder(*((b - a) / n for a, b in zip(before, after, strict=True)))


def bare_sqlite(path: Path, work: PerOrder, n: int) -> float:
    """``n`` orders' worth of plain sqlite3 work: the reads, writes and commits of ``work``."""
    reads, commits, writes = work.reads, work.commits, work.writes
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, version INT, doc TEXT)")
    doc = "x" * 1_500
    db.executemany("INSERT OR REPLACE INTO t VALUES (?, 1, ?)", [(str(k), doc) for k in range(500)])
    per_commit = max(1, round(writes / commits))
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


def bare_postgres(dsn: str, work: PerOrder, n: int) -> float:
    """``n`` orders' worth of plain psycopg work over one connection: each read one round
    trip, each commit one pipeline (``BEGIN``, its share of the writes, ``COMMIT``), so the
    round trips match ``work``'s."""
    import psycopg

    reads, commits, writes = work.reads, work.commits, work.writes
    per_commit = max(1, round(writes / commits))
    doc = psycopg.types.json.Json({"x": "x" * 1_500})
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute("CREATE TABLE IF NOT EXISTS bare (id text PRIMARY KEY, version int, doc json)")
        with db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO bare VALUES (%s, 1, %s) ON CONFLICT (id) DO NOTHING",
                [(str(k), doc) for k in range(500)],
            )
        started = time.perf_counter()
        for order in range(n):
            for k in range(round(reads)):
                db.execute(
                    "SELECT version, doc::text FROM bare WHERE id = %s", (str((order + k) % 500),)
                ).fetchone()
            for c in range(round(commits)):
                with db.pipeline(), db.cursor() as cursor:
                    cursor.execute("BEGIN")
                    for k in range(per_commit):
                        cursor.execute(
                            "UPDATE bare SET version = version + 1, doc = %s WHERE id = %s",
                            (doc, str((order + c + k) % 500)),
                        )
                    cursor.execute("COMMIT")
        rate = n / (time.perf_counter() - started)
        db.execute("DROP TABLE bare")
    return rate


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
        database = SqliteDatabase(
            folder / f"shop-{sync}.db", synchronous=sync, documents=documents()
        )
        rate, work = stored(database, n, f"sqlite synchronous={sync}")
        print(f"{'':<22} {rate / memory_rate:6.1%} of memory; {work}")
        if sync == "FULL":
            bare = bare_sqlite(folder / "bare.db", work, n)
            print(f"{'bare sqlite3 loop':<22} {bare:>7,.0f} orders/s  (merx: {rate / bare:.0%})")
    if args.postgres:
        from merx.adapters.postgres import PostgresDatabase

        rate, work = stored(PostgresDatabase(args.postgres, documents=documents()), n, "postgres")
        print(f"{'':<22} {work}")
        bare = bare_postgres(args.postgres, work, n)
        print(f"{'bare psycopg loop':<22} {bare:>7,.0f} orders/s  (merx: {rate / bare:.0%})")
    else:
        print("postgres: skipped (no DSN: --postgres or $MERX_TEST_POSTGRES)")
    print(f"median of PlaceOrder on memory: {statistics.median(place) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
