"""The data system on DuckDB: ingestion rate and the metric queries over 1,000,000 order
events (issue 18: "metrics over 1,000,000 order events in < 5 s with DuckDB once ingested").

A month of orders across 200 merchants, 12 categories and 4 payment channels: each order
placed (``OrderPlaced``), 90% paid (``OrderPaid``), 4% of the paid refunded
(``RefundSucceeded``), about 1,000,000 events in all. Ingestion is timed whole: each event
turned into its facts by :func:`merx.data.facts_of` (the merchant and category of an order
from an in-memory :class:`~merx.data.Attribution`, standing for the subscriber's read),
then the facts added to the DuckDB store (in batches through CSV). Then every query is
timed: GMV, orders, paid rate, average order value, refund rate and amount by day; GMV by
merchant, by category; orders by hour; paid rate by merchant and day. Their sum is the
figure to hold under 5 s.

Run: ``python benchmarks/bench_data.py [events]``. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from merx import data, orders, payments
from merx.data import OrderSide
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId, OrderId, PaymentId
from merx.kernel.money import Money

START = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 30

#: (metric, breakdown, grain) of each timed query.
QUERIES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("gmv", (), "day"),
    ("orders", (), "day"),
    ("paid_rate", (), "day"),
    ("average_order_value", (), "day"),
    ("refund_rate", (), "day"),
    ("refund_amount", (), "day"),
    ("gmv", ("merchant",), "day"),
    ("gmv", ("category",), "day"),
    ("orders", (), "hour"),
    ("paid_rate", ("merchant",), "day"),
)


class Sides:
    """An :class:`~merx.data.Attribution` from a dict: each order's merchant and category."""

    def __init__(self) -> None:
        self.orders: dict[str, OrderSide] = {}

    def order(self, order_id: str) -> OrderSide | None:
        return self.orders.get(order_id)

    def payment_channel(self, payment_id: str) -> str | None:
        return None

    def campaign_funder(self, campaign_id: str) -> str | None:
        return None


def month_of_orders(events: int, seed: int = 18) -> tuple[list[DomainEvent], Sides]:
    """About ``events`` order events (placed, paid, refunded) over :data:`DAYS` days."""
    rng = random.Random(seed)
    sides = Sides()
    made: list[DomainEvent] = []
    span_s = DAYS * 86_400
    n = 0
    while len(made) < events:
        n += 1
        order_id, customer = OrderId(f"o{n:07d}"), CustomerId(f"c{rng.randrange(50_000):05d}")
        amount = Money.from_minor(rng.randrange(500, 200_000), "CNY")
        placed = START + timedelta(seconds=rng.randrange(span_s))
        categories = ((f"cat-{rng.randrange(12):02d}", amount.minor),)
        sides.orders[order_id] = OrderSide(
            f"mer-{rng.randrange(200):03d}", "goods", categories, amount.minor, "CNY"
        )
        made.append(orders.OrderPlaced(order_id, customer, amount, placed))
        if rng.random() < 0.9:
            paid = placed + timedelta(minutes=rng.randrange(1, 30))
            made.append(orders.OrderPaid(order_id, f"pay-{n}", amount, paid, customer))
            if rng.random() < 0.04:
                refund = Money.from_minor(amount.minor // 2, "CNY")
                made.append(payments.RefundSucceeded(
                    PaymentId(f"pay-{n}"), order_id, f"r{n}", refund, paid + timedelta(days=2)
                ))  # fmt: skip
    return made[:events], sides


def run(events: int) -> tuple[float, float, dict[str, float]]:
    """Ingest ``events`` order events into a DuckDB store and time the queries; returns
    (events ingested per second, the queries' total seconds, seconds per query). The CPU
    seconds the queries used (every DuckDB thread) are printed beside: on a shared machine
    the wall time says more about the neighbours than about the queries."""
    from merx.adapters.duckdb_facts import DuckDBFactStore  # needs merx[duckdb]

    made, sides = month_of_orders(events)
    store = DuckDBFactStore()
    began, cpu_began = time.perf_counter(), time.process_time()
    data.ingest(store, made, at=START, attribution=sides)
    store.flush()
    ingest_s = time.perf_counter() - began
    print(f"ingestion's CPU time: {time.process_time() - cpu_began:.1f} s (all threads)")
    seconds: dict[str, float] = {}
    end = START + timedelta(days=DAYS + 3)
    cpu_began = time.process_time()
    for metric, by, grain in QUERIES:
        began = time.perf_counter()
        data.metric_series(store, metric, start=START, end=end, grain=grain, by=by)
        seconds[f"{metric} by {'/'.join(by) or grain}"] = time.perf_counter() - began
    cpu_s = time.process_time() - cpu_began
    print(f"queries' CPU time: {cpu_s:.2f} s (all threads)")
    store.close()
    return len(made) / ingest_s, sum(seconds.values()), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("events", type=int, nargs="?", default=1_000_000)
    events = parser.parse_args().events
    rate, total_s, seconds = run(events)
    print(f"ingestion: {rate:,.0f} events/s ({events:,} order events into DuckDB)")
    for name, spent in seconds.items():
        print(f"  {name:<32} {spent * 1000:8.1f} ms")
    print(f"metric queries: {total_s:.2f} s for {len(seconds)} queries over {events:,} events")


if __name__ == "__main__":
    main()
