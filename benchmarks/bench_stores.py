"""merx on its stores, in one run: memory, a SQLite file and (when a DSN is given)
PostgreSQL.

For each store: golden-path orders/s (quote, place, pay, ship, deliver, confirm; 3 lines,
2 campaign promotions), p50/p99 of ``PlaceOrder`` and ``PayOrder``, and what each order
asks of the database, counted at its connections (:mod:`merx.adapters.roundtrips`): reads,
writes, commits and round trips (on SQLite every statement the library runs, ``BEGIN`` and
``COMMIT`` included; on PostgreSQL every wait for the server, a pipeline with its ``Sync``
counting as one). The counting is on while the orders are timed. Beside each database, a
bare loop issuing exactly the reads, writes and commits merx was counted issuing (the same
totals, spread evenly over as many orders) with the driver alone (``sqlite3``; ``psycopg``
over the same DSN, one connection, each commit one pipeline as merx sends it), counted the
same way, so merx shows as a share of what the database itself allows. Then two OS
processes against one SQLite file and against one PostgreSQL (each its own app, its own
customers), against one process over the same setup: the ratio, and the conflicts the
databases refused. Last, ledger entries/s on each store through the public ledger API: one
entry per unit of work (as the settlement services post) and in batches of 500 per unit of
work, with the round trips per entry; beside PostgreSQL, a bare psycopg loop writing the
same rows (one per commit, and in batches of 500) with merx's share of each.

Run: ``python benchmarks/bench_stores.py [orders] [--postgres DSN]`` (the DSN defaults to
``$MERX_TEST_POSTGRES``; each PostgreSQL run gets a fresh schema, dropped at the end), or
``bash .ci/with-postgres .venv/bin/python benchmarks/bench_stores.py 200`` beside a
throwaway cluster. Figures are printed, never asserted. Goals (issue 13): SQLite at least
25% of the in-memory throughput; PostgreSQL at least 50% of its bare loop; at most half the
round trips per order of the old shape (:data:`OLD_ROUND_TRIPS`); two processes faster
than one; the ledger on PostgreSQL at least 1,000 entries/s one per unit of work and
10,000/s in batches.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import attrs
import bench_golden_path as golden

from merx import ledger
from merx.adapters.memory import FixedClock, SequentialIds
from merx.adapters.roundtrips import RoundTrips, WireTrace
from merx.app import App, StoredApp, build_memory_app, build_sqlite_app
from merx.errors import ConcurrencyError, MerxError
from merx.kernel.ids import CustomerId
from merx.ledger import Leg

START = datetime(2026, 1, 1, tzinfo=UTC)
W = 26  # the width of the labels


#: Round trips per order on PostgreSQL before issue 13's work, as the issue counts them
#: (about 52 reads and 13 commits, a commit's writes pipelined into it): the goal is half.
OLD_ROUND_TRIPS = 65

#: (reads, writes, commits, other statements, round trips), as ``RoundTrips.snapshot``.
Tally = tuple[int, int, int, int, int]


@attrs.frozen
class Work:
    """What ``orders`` orders asked of a database, counted at its connections
    (:mod:`merx.adapters.roundtrips`)."""

    orders: int
    reads: int
    writes: int
    commits: int
    other: int  # BEGIN, the outbox lock, settings
    round_trips: int

    @classmethod
    def between(cls, orders: int, before: Tally, after: Tally) -> Work:
        """The work of ``orders`` orders from the tallies taken before and after them."""
        reads, writes, commits, other, round_trips = (
            b - a for a, b in zip(before, after, strict=True)
        )
        return cls(orders, reads, writes, commits, other, round_trips)

    def per_order(self, count: int) -> float:
        return count / self.orders

    def same_statements(self, other: Work) -> bool:
        """Whether ``other`` issued exactly these reads, writes and commits."""
        mine = (self.orders, self.reads, self.writes, self.commits)
        return mine == (other.orders, other.reads, other.writes, other.commits)

    def __str__(self) -> str:
        per = self.per_order
        return (
            f"per order {per(self.reads):.1f} reads, {per(self.writes):.1f} writes, "
            f"{per(self.commits):.1f} commits, {per(self.other):.1f} other: "
            f"{per(self.round_trips):.1f} round trips"
        )


def counted(database: Any) -> Callable[[], Tally]:
    """From now on, count what ``database``'s connections are asked (its ``count_into``);
    a function giving the tally so far (call it between commands)."""
    database.count_into(RoundTrips())
    return lambda: database.round_trips().snapshot()


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
        f"{label:<{W}} {rate:>7,.0f} orders/s   PlaceOrder p50 {percentile(place, 0.5) * ms:6.2f} "
        f"p99 {percentile(place, 0.99) * ms:6.2f} ms   PayOrder p50 "
        f"{percentile(pay, 0.5) * ms:6.2f} p99 {percentile(pay, 0.99) * ms:6.2f} ms"
    )


def stored(app: StoredApp, n: int, label: str) -> tuple[float, Work]:
    """The golden path on a stored app, with what each order asks of the database counted
    at its connections (from the start: libpq's trace names a prepared statement once)."""
    tally = counted(app.database)
    prepared, people = golden.prepare(n, app)  # the customers and their carts, not measured
    before = tally()
    rate, place, pay = run(prepared, people)
    work = Work.between(n, before, tally())
    print(line(label, rate, place, pay))
    return rate, work


def spread(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` whole shares as even as they can be, summing to ``total``."""
    return [total * (k + 1) // parts - total * k // parts for k in range(parts)]


def planned(work: Work) -> list[tuple[int, list[int]]]:
    """``work`` as ``work.orders`` orders: each order's reads and the writes of each of its
    commits, spread evenly; the totals are exactly ``work``'s."""
    writes = iter(spread(work.writes, work.commits))
    return [
        (reads, [next(writes) for _ in range(commits)])
        for reads, commits in zip(
            spread(work.reads, work.orders), spread(work.commits, work.orders), strict=True
        )
    ]


ROWS = 500  # the bare loops' table
#: What the bare loops read and write: about the mean size of merx's documents after the
#: golden path (~600 bytes; an order ~2,300, an outbox row ~110, a mark or index row less).
DOCUMENT = {"x": "x" * 600}


def bare_sqlite(path: Path, work: Work) -> tuple[float, Work]:
    """Plain sqlite3 issuing ``work``'s reads, writes and commits (each commit ``BEGIN
    IMMEDIATE``, its writes, ``COMMIT``), counted as merx is: orders/s and the work done."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, version INT, doc TEXT)")
    doc = json.dumps(DOCUMENT)
    db.executemany(
        "INSERT OR REPLACE INTO t VALUES (?, 1, ?)", [(str(k), doc) for k in range(ROWS)]
    )
    orders = planned(work)
    tally = RoundTrips()
    db.set_trace_callback(lambda sql: tally.statement(sql, 0, round_trip=True))
    row = 0
    started = time.perf_counter()
    for reads, commits in orders:
        for _ in range(reads):
            row = (row + 1) % ROWS
            db.execute("SELECT version, doc FROM t WHERE id = ?", (str(row),)).fetchone()
        for writes in commits:
            db.execute("BEGIN IMMEDIATE")
            for _ in range(writes):
                row = (row + 1) % ROWS
                db.execute(
                    "UPDATE t SET version = version + 1, doc = ? WHERE id = ? AND version > 0",
                    (doc, str(row)),
                )
            db.execute("COMMIT")
    rate = work.orders / (time.perf_counter() - started)
    db.set_trace_callback(None)
    db.close()
    return rate, Work(work.orders, *tally.snapshot())


# -- PostgreSQL: a schema per run, the bare psycopg loop -----------------------------------


class Schemas:
    """Fresh PostgreSQL schemas under one DSN (each run its own, empty), dropped at the end."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.made: list[str] = []

    def fresh(self, name: str) -> str:
        """A DSN whose ``search_path`` is a new, empty schema ``bench_<name>``."""
        import psycopg
        from psycopg.conninfo import make_conninfo

        schema = f"bench_{name}_{os.getpid()}"
        with psycopg.connect(self.dsn, autocommit=True) as db:
            db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            db.execute(f"CREATE SCHEMA {schema}")
        self.made.append(schema)
        return make_conninfo(self.dsn, options=f"-c search_path={schema}")

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as db:
            for schema in self.made:
                db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def bare_psycopg(dsn: str, work: Work) -> tuple[float, Work]:
    """Plain psycopg over one connection (autocommit, as merx's reads) issuing ``work``'s
    reads, writes and commits: each read one round trip, each commit one pipeline
    (``BEGIN``, its writes, ``COMMIT``) as merx sends a commit; counted as merx is, from
    libpq's trace: orders/s and the work done."""
    import psycopg

    doc = json.dumps(DOCUMENT)
    orders = planned(work)
    with psycopg.connect(dsn, autocommit=True) as db:
        wire = WireTrace(RoundTrips())
        wire.attach(db)
        db.execute("CREATE TABLE t (id text PRIMARY KEY, version bigint, doc json)")
        with db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO t VALUES (%s, 1, %s)", [(str(k), doc) for k in range(ROWS)]
            )
        before = wire.collect().snapshot()
        wire.attach(db)  # collecting stopped the trace
        row = 0
        started = time.perf_counter()
        for reads, commits in orders:
            for _ in range(reads):
                row = (row + 1) % ROWS
                db.execute("SELECT version, doc::text FROM t WHERE id = %s", (str(row),)).fetchone()
            for writes in commits:
                rows = [(doc, str((row + k + 1) % ROWS)) for k in range(writes)]
                row = (row + writes) % ROWS
                with db.pipeline(), db.cursor() as cursor:
                    cursor.execute("BEGIN")
                    if rows:
                        cursor.executemany(
                            "UPDATE t SET version = version + 1, doc = %s WHERE id = %s "
                            "AND version > 0",
                            rows,
                        )
                    cursor.execute("COMMIT")
        rate = work.orders / (time.perf_counter() - started)
        done = Work.between(work.orders, before, wire.collect().snapshot())
        wire.close()
    return rate, done


# -- two processes against one database ------------------------------------------------------


def is_postgres(target: str) -> bool:
    return target.startswith("postgresql:") or "search_path" in target


def open_target(target: str, synchronous: Literal["FULL", "NORMAL"] = "FULL") -> StoredApp:
    """A merx over ``target`` (a SQLite file or a PostgreSQL DSN) with merx's defaults but
    ``synchronous``: ids safe across processes (``TimeOrderedIds``), a new relay owner."""
    if is_postgres(target):
        from merx.app import build_postgres_app

        return build_postgres_app(target, clock=FixedClock(START), max_connections=2)
    return build_sqlite_app(target, clock=FixedClock(START), synchronous=synchronous)


def counting_conflicts(app: StoredApp) -> list[int]:
    """A tally of the commits the database refused with ``ConcurrencyError`` (each one
    re-run by the bus, or raised to the caller after a first commit or the last attempt)."""
    tally = [0]
    database: Any = app.database
    write = database.write

    def counted(*args: Any, **kwargs: Any) -> list[int]:
        try:
            seqs: list[int] = write(*args, **kwargs)  # the outbox seqs of the events
        except ConcurrencyError:
            tally[0] += 1
            raise
        return seqs

    database.write = counted
    return tally


def counting_deliveries(app: StoredApp) -> list[int]:
    """A tally of the events this process's relay delivered (to any process's commits)."""
    tally = [0]
    relay: Any = app.relay
    deliver = relay.deliver

    def counted() -> int:
        delivered: int = deliver()
        tally[0] += delivered
        return delivered

    relay.deliver = counted  # the bus calls the relay's attribute after each command
    return tally


def close(app: StoredApp) -> None:
    """Let the relay's lease go and close the database's pool, if it has one."""
    app.close()
    closing = getattr(app.database, "close", None)
    if closing is not None:
        closing()


@attrs.frozen
class Share:
    """What one racing process did."""

    orders: int
    seconds: float  # from the start signal to its last order
    conflicts: int
    delivered: int  # events its relay delivered
    failed: dict[str, int]  # orders whose command raised, by error
    parked: int = 0  # deliveries parked in the relay when it finished (all processes')
    error: str | None = None  # the process itself failed


def _racer(
    target: str, synchronous: Literal["FULL", "NORMAL"], people: list[str], ready: Any, results: Any
) -> None:
    """One process's share of the golden path: its own app, its own customers."""
    try:
        app = open_target(target, synchronous)
        conflicts, delivered = counting_conflicts(app), counting_deliveries(app)
        failed: Counter[str] = Counter()
        ready.wait()
        started = time.perf_counter()
        for cid in people:
            try:
                golden.golden_path(app, CustomerId(cid))
            except MerxError as error:
                failed[type(error).__name__] += 1
        seconds = time.perf_counter() - started
        parked = len(app.relay.parked())
        close(app)
        results.put(Share(len(people), seconds, conflicts[0], delivered[0], dict(failed), parked))
    except BaseException as error:  # the parent reports it instead of waiting for ever
        results.put(Share(0, 0.0, 0, 0, {}, error=repr(error)))
        raise


@attrs.frozen
class Race:
    """``processes`` processes running ``n`` orders together: orders/s over the wall clock."""

    rate: float
    shares: list[Share]

    @property
    def conflicts(self) -> int:
        return sum(share.conflicts for share in self.shares)

    @property
    def failed(self) -> Counter[str]:
        return sum((Counter(share.failed) for share in self.shares), Counter())


def in_processes(
    target: str, n: int, processes: int, synchronous: Literal["FULL", "NORMAL"] = "FULL"
) -> Race:
    """``n`` golden-path orders over ``target`` by ``processes`` OS processes at once, each
    with its own app and its own customers (prepared here, not measured)."""
    setup = open_target(target, synchronous)
    _, people = golden.prepare(n, setup)
    close(setup)
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(processes + 1)
    results = context.Queue()
    workers = [
        context.Process(
            target=_racer, args=(target, synchronous, people[k::processes], ready, results)
        )
        for k in range(processes)
    ]
    for worker in workers:
        worker.start()
    ready.wait(timeout=600)  # every process has opened its app
    started = time.perf_counter()
    shares: list[Share] = [results.get(timeout=3_600) for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()
    errors = [share.error for share in shares if share.error is not None]
    if errors:
        raise RuntimeError(f"a racing process failed: {errors}")
    return Race(n / elapsed, sorted(shares, key=lambda share: share.seconds))


def two_against_one(
    label: str,
    make_target: Callable[[str], str],
    n: int,
    synchronous: Literal["FULL", "NORMAL"] = "FULL",
) -> float:
    """The golden path by one process, then by two over a fresh copy of the same setup:
    the ratio of their throughputs (combined, wall clock)."""
    one = in_processes(make_target("one"), n, 1, synchronous)
    two = in_processes(make_target("two"), n, 2, synchronous)
    for race in (one, two):
        failed = ", ".join(f"{k} {v}" for k, v in sorted(race.failed.items())) or "none"
        seconds = " / ".join(f"{share.seconds:.1f}" for share in race.shares)
        delivered = " / ".join(f"{share.delivered:,}" for share in race.shares)
        count = f"{len(race.shares)} process" + "es" * (len(race.shares) > 1)
        print(
            f"{label + ', ' + count:<{W}} {race.rate:>7,.0f} orders/s   {race.conflicts} "
            f"conflicts re-run, failed orders: {failed}, parked deliveries: "
            f"{max(share.parked for share in race.shares)}; each process {seconds} s, its "
            f"relay delivered {delivered} events"
        )
    ratio = two.rate / one.rate
    print(f"{'':<{W}} two processes / one: {ratio:.2f}x (goal > 1: {goal(ratio > 1)})")
    return ratio


def races(folder: Path, schemas: Schemas | None, n: int) -> None:
    """Two processes against one, on a SQLite file (FULL, then NORMAL) and on PostgreSQL."""
    print("two processes against one database (each its own app and customers):")
    syncs: tuple[Literal["FULL", "NORMAL"], ...] = ("FULL", "NORMAL")
    for sync in syncs:
        files = {name: str(folder / f"race-{sync}-{name}.db") for name in ("one", "two")}
        two_against_one(f"sqlite {sync}", files.__getitem__, n, sync)
    if schemas is not None:
        two_against_one("postgres", lambda name: schemas.fresh(f"race_{name}"), n)


# -- the ledger --------------------------------------------------------------------------------


LEDGER_AT = datetime(2026, 6, 18, 2, 0, tzinfo=UTC)


def clearing_legs(i: int, merchants: list[str]) -> tuple[Leg, ...]:
    """An order's clearing, as settlement books it: Dr transit, Cr the merchant's pending,
    Cr the platform's commission (integer minor units)."""
    amount = 1_000 + (i * 7919) % 100_000
    commission = amount * 15 // 100  # rounded down to the minor unit
    pending = ledger.merchant_account(merchants[i % len(merchants)], ledger.Bucket.PENDING)
    return (
        (ledger.TRANSIT, amount),
        (pending, commission - amount),
        (ledger.COMMISSION, -commission),
    )


def post_entries(app: App, keys: Sequence[int], merchants: list[str], tag: str) -> None:
    """Post one entry per key in one unit of work, as the settlement services post: view
    the book (posting never changes it), post through its journal (``app.journals``),
    commit. One entry is known new, as an order's clearing entry is when the order
    completes (``ledger.prefetch_entries(..., known_new=True)``: no read; a key taken after
    all is refused at commit); a batch reads its keys ahead in one query."""
    with app.unit_of_work() as uow:
        book = uow.repo(ledger.Ledger).view("CNY")
        journal = app.journals(uow, "CNY")
        single = len(keys) == 1
        ledger.prefetch_entries(journal, [f"{tag}-{i}" for i in keys], known_new=single)
        for i in keys:
            key = f"{tag}-{i}"
            legs = clearing_legs(i, merchants)
            book.post(journal, key, ledger.EntryKind.ORDER_CLEARED, key, legs, LEDGER_AT)
        uow.commit()


@attrs.frozen
class LedgerRun:
    """Ledger entries/s, one per unit of work and in batches; on a database, the round
    trips per entry of each, counted at its connections."""

    one_each: float
    batched: float
    trips: tuple[float, float] | None  # (one per unit of work, in batches) per entry


def ledger_rates(app: App, single: int, batches: int, batch: int) -> LedgerRun:
    """Ledger entries/s on ``app``'s store through the public ledger API: ``single``
    entries each in its own unit of work, then ``batches`` units of work of ``batch``
    entries each."""
    tally = counted(app.database) if isinstance(app, StoredApp) else None
    merchants = [f"bench-m{k}" for k in range(20)]
    with app.unit_of_work() as uow:
        book = uow.repo(ledger.Ledger).get("CNY")
        for merchant in merchants:
            book.open_accounts(ledger.merchant_accounts(merchant))
        uow.repo(ledger.Ledger).save(book)
        uow.commit()
    trips = [0 if tally is None else tally()[4]]
    started = time.perf_counter()
    for i in range(single):
        post_entries(app, (i,), merchants, "one")
    one_each = single / (time.perf_counter() - started)
    trips.append(0 if tally is None else tally()[4])
    started = time.perf_counter()
    for b in range(batches):
        post_entries(app, range(b * batch, (b + 1) * batch), merchants, "batch")
    batched = batches * batch / (time.perf_counter() - started)
    trips.append(0 if tally is None else tally()[4])
    if tally is None:
        return LedgerRun(one_each, batched, None)
    per_entry = ((trips[1] - trips[0]) / single, (trips[2] - trips[1]) / (batches * batch))
    return LedgerRun(one_each, batched, per_entry)


def bare_ledger_psycopg(dsn: str, entries: int, batch: int = 1) -> float:
    """Plain psycopg writing what merx's ledger writes, ``batch`` entries per commit in one
    pipeline each (as merx's commit): the entries with their postings in one statement
    (one JSON parameter, as merx sends them), then the balances they move in one upsert; no
    read. Entries/s: what the server allows with its defaults (``synchronous_commit`` on:
    each commit waits for its WAL flush). Tables as merx's, with their indexes and without
    a foreign key from a posting to its entry (schema 9)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute(
            "CREATE TABLE e (row bigserial PRIMARY KEY, book text, key text, kind text, "
            "ref text, at text, UNIQUE (book, key))"
        )
        db.execute("CREATE INDEX e_refs ON e (book, ref)")
        db.execute(
            "CREATE TABLE p (entry bigint, leg int, book text, account text, amount bigint, "
            "PRIMARY KEY (entry, leg))"
        )
        db.execute("CREATE INDEX p_by_account ON p (book, account, entry)")
        db.execute(
            "CREATE TABLE b (book text, account text, debits bigint, credits bigint, "
            "PRIMARY KEY (book, account))"
        )
        started = time.perf_counter()
        for first in range(0, entries, batch):
            rows = [
                ("CNY", f"k{i}", "clearing", f"k{i}", "2026-06-18T02:00:00+00:00",
                 [["transit", 5], [f"m{i % 20}", -4], ["commission", -1]])
                for i in range(first, first + batch)
            ]  # fmt: skip
            with db.pipeline(), db.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute(
                    "WITH u AS (SELECT j, n FROM jsonb_array_elements(%s::jsonb) "
                    "WITH ORDINALITY AS u (j, n)), e AS (INSERT INTO e (book, key, kind, ref, at) "
                    "SELECT j->>0, j->>1, j->>2, j->>3, j->>4 FROM u ORDER BY n "
                    "RETURNING row, book, key) INSERT INTO p SELECT e.row, l.n - 1, e.book, "
                    "l.p->>0, (l.p->>1)::bigint FROM u JOIN e ON e.book = u.j->>0 AND "
                    "e.key = u.j->>1 CROSS JOIN LATERAL jsonb_array_elements(u.j->5) "
                    "WITH ORDINALITY AS l (p, n)",
                    (json.dumps(rows),),
                )
                moved = sorted(
                    {"transit", "commission", *(f"m{i % 20}" for i in range(first, first + batch))}
                )
                cursor.execute(
                    "INSERT INTO b SELECT 'CNY', a, 1, 1 FROM unnest(%s::text[]) AS x(a) "
                    "ON CONFLICT (book, account) DO UPDATE SET debits = b.debits + 1, "
                    "credits = b.credits + 1",
                    (moved,),
                )
                cursor.execute("COMMIT")
        return entries / (time.perf_counter() - started)


def ledger_line(
    label: str, app: App, single: int, batches: int, batch: int, *, goals: bool = False
) -> LedgerRun:
    """Ledger entries/s on ``app``, printed (with the goals for PostgreSQL if ``goals``)."""
    run = ledger_rates(app, single, batches, batch)
    single_goal = f" (goal >= 1,000: {goal(run.one_each >= 1_000)})" if goals else ""
    batch_goal = f" (goal >= 10,000: {goal(run.batched >= 10_000)})" if goals else ""
    trips = (
        ""
        if run.trips is None
        else f"; round trips per entry {run.trips[0]:.1f} and {run.trips[1]:.2f}"
    )
    print(
        f"{label:<{W}} {run.one_each:>7,.0f} entries/s one per unit of work{single_goal}   "
        f"{run.batched:>8,.0f}/s in batches of {batch}{batch_goal}{trips}"
    )
    return run


# -- the run ---------------------------------------------------------------------------------


def goal(met: bool) -> str:
    return "met" if met else "not met"


def on_sqlite(folder: Path, n: int, memory_rate: float) -> None:
    """The golden path on a SQLite file (FULL, then NORMAL), with the bare sqlite3 loop."""
    syncs: tuple[Literal["FULL", "NORMAL"], ...] = ("FULL", "NORMAL")
    for sync in syncs:
        app = build_sqlite_app(
            folder / f"shop-{sync}.db", clock=FixedClock(START), ids=SequentialIds(),
            synchronous=sync,
        )  # fmt: skip
        rate, work = stored(app, n, f"sqlite synchronous={sync}")
        share = rate / memory_rate
        print(f"{'':<{W}} {share:6.1%} of memory (goal >= 25%: {goal(share >= 0.25)}); {work}")
        close(app)
        if sync == "FULL":
            bare, done = bare_sqlite(folder / "bare.db", work)
            assert done.same_statements(work), f"the bare loop did {done}, merx {work}"
            label = "bare sqlite3 loop"
            print(f"{label:<{W}} {bare:>7,.0f} orders/s   (merx: {rate / bare:.0%}); {done}")


def on_postgres(schemas: Schemas, n: int) -> None:
    """The golden path on PostgreSQL, with the bare psycopg loop doing the same work."""
    from merx.app import build_postgres_app

    app = build_postgres_app(schemas.fresh("golden"), clock=FixedClock(START), ids=SequentialIds())
    rate, work = stored(app, n, "postgres")
    trips = work.per_order(work.round_trips)
    print(
        f"{'':<{W}} {work} (goal <= {OLD_ROUND_TRIPS / 2:.1f}, half the old ~{OLD_ROUND_TRIPS}: "
        f"{goal(trips <= OLD_ROUND_TRIPS / 2)})"
    )
    close(app)
    bare, done = bare_psycopg(schemas.fresh("bare"), work)
    assert done.same_statements(work), f"the bare loop did {done}, merx {work}"
    share = rate / bare
    print(
        f"{'bare psycopg loop':<{W}} {bare:>7,.0f} orders/s   (merx: {share:.0%}; "
        f"goal >= 50%: {goal(share >= 0.5)}); {done}"
    )


def ledgers(folder: Path, schemas: Schemas | None, n: int) -> None:
    """Ledger entries/s on every store: one entry per unit of work, and in batches."""
    print("ledger (3-leg clearing entries, posted through the public ledger API):")
    single, batches, batch = max(100, n), 10, 500
    ledger_line("ledger, memory", build_memory_app(check_views=False), single, batches, batch)
    app = build_sqlite_app(folder / "ledger.db", clock=FixedClock(START))
    ledger_line("ledger, sqlite FULL", app, single, batches, batch)
    close(app)
    if schemas is None:
        return
    from merx.app import build_postgres_app

    app = build_postgres_app(schemas.fresh("ledger"), clock=FixedClock(START))
    run = ledger_line("ledger, postgres", app, single, batches, batch, goals=True)
    close(app)
    bare = bare_ledger_psycopg(schemas.fresh("bare_ledger"), single)
    bare_batched = bare_ledger_psycopg(schemas.fresh("bare_batches"), batches * batch, batch)
    print(
        f"{'bare psycopg loop':<{W}} {bare:>7,.0f} entries/s one per commit "
        f"{'':>31}{bare_batched:>8,.0f}/s in batches of {batch}: the same rows, no read, "
        "one pipeline per commit (the ceilings)"
    )
    print(
        f"{'':<{W}} merx: {run.one_each / bare:.0%} of the bare loop one per unit of work, "
        f"{run.batched / bare_batched:.0%} in batches"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("orders", nargs="?", type=int, default=300)
    parser.add_argument("--postgres", default=os.environ.get("MERX_TEST_POSTGRES"))
    args = parser.parse_args()
    n = args.orders
    schemas = Schemas(args.postgres) if args.postgres else None
    print(f"{n} golden-path orders per store (3 lines, 2 campaign promotions)")
    memory_rate, place, pay = run(*golden.prepare(n, build_memory_app(check_views=False)))
    print(line("memory", memory_rate, place, pay))
    folder = Path(tempfile.mkdtemp())
    try:
        on_sqlite(folder, n, memory_rate)
        if schemas is not None:
            on_postgres(schemas, n)
        else:
            print("postgres: skipped (no DSN: --postgres or MERX_TEST_POSTGRES)")
        races(folder, schemas, n)
        ledgers(folder, schemas, n)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if schemas is not None:
            schemas.drop()


if __name__ == "__main__":
    main()
