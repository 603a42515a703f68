"""The issue's checks on a simulated day (examples/simulate.py, smaller): its events
collected by two subscribers into the memory store and into DuckDB.

* every metric of the catalogue, by day and by hour, with no breakdown, each breakdown
  and each merchant alone, is the same in both stores (money to the cent), and the day's
  GMV and refunds equal the events' own sums;
* a replay of every event (the outbox relay's redelivery, a bulk ingestion of the day)
  adds nothing and changes no metric;
* the facts store holds no personal data: the people issue's scan (phone, ID card and card
  numbers by shape, and every clear value the day sent) finds nothing in any row, and
  finds a number planted in one;
* a merchant's report holds only that merchant's facts.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from merx import data, orders, payments
from merx.adapters.memory import FixedClock, MemoryVault
from merx.adapters.memory.facts import MemoryFactStore
from merx.app import MemoryApp, build_memory_app
from merx.app.data import collect_facts
from merx.data import DIMENSIONS, METRICS, FactStore, merchant_report, metric_series
from merx.kernel.money import Money
from tests.people.test_simulated_day import Recorder, people_day, scan

duckdb_facts = pytest.importorskip(
    "merx.adapters.duckdb_facts", reason="duckdb is not installed (merx[duckdb])"
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import simulate  # noqa: E402

START = simulate.START
END = START + timedelta(days=40)  # the day, and the settlements and bills that follow it


class Day:
    def __init__(self, app: MemoryApp, memory: FactStore, duck: Any, recorder: Recorder) -> None:
        self.app, self.memory, self.duck, self.recorder = app, memory, duck, recorder


@pytest.fixture(scope="module")
def day() -> Iterator[Day]:
    clock = FixedClock(START)
    app = build_memory_app(
        clock=clock, order_policy=simulate.ORDER_POLICY, check_views=False, vault=MemoryVault()
    )
    memory, duck = MemoryFactStore(), duckdb_facts.DuckDBFactStore(flush_at=200)
    collect_facts(app.bus, memory, clock)
    collect_facts(app.bus, duck, clock)
    recorder = Recorder(app)
    world = simulate.World(120, seed=16, app=app, clock=clock)
    world.build()
    simulate.Day(world, simulate.JOURNEYS).run(120, lambda done: None)
    people_day(app, [cid for cid, _ in world.customers], seed=16)
    yield Day(app, memory, duck, recorder)
    duck.close()


def merchants(store: FactStore) -> list[str]:
    return sorted({f.merchant for f in store.facts(start_us=0, end_us=2**62) if f.merchant})


def test_both_stores_hold_the_same_facts(day: Day) -> None:
    assert day.memory.count() == day.duck.count() > 500
    assert day.memory.facts(start_us=0, end_us=2**62) == day.duck.facts(start_us=0, end_us=2**62)


@pytest.mark.parametrize("grain", ["day", "hour"])
def test_every_metric_is_the_same_in_memory_and_in_duckdb(day: Day, grain: str) -> None:
    end = END if grain == "day" else START + timedelta(days=2)
    asks: list[dict[str, Any]] = [{}, *({"by": (name,)} for name in DIMENSIONS)]
    asks += [{"merchant": merchant} for merchant in merchants(day.memory)]
    nonzero = 0
    for name in METRICS:
        for ask in asks:
            rows = [
                metric_series(store, name, start=START, end=end, grain=grain, **ask)
                for store in (day.memory, day.duck)
            ]
            assert rows[0] == rows[1], (name, ask)
            nonzero += sum(1 for row in rows[0] if row.value)
    assert nonzero > 500


def test_the_days_gmv_and_refunds_are_the_events_to_the_cent(day: Day) -> None:
    paid = [e for e in day.app.events.events if isinstance(e, orders.OrderPaid)]
    refunded = [e for e in day.app.events.events if isinstance(e, payments.RefundSucceeded)]
    assert paid
    assert refunded
    for metric, events in (("gmv", paid), ("refund_amount", refunded)):
        rows = metric_series(day.duck, metric, start=START, end=END)
        total = Money.sum((e.amount for e in events), "CNY")
        assert sum(row.value for row in rows) == total.amount, metric
    by_merchant = metric_series(day.duck, "merchant_gmv", start=START, end=END, by=("merchant",))
    assert (
        sum(row.value for row in by_merchant) == Money.sum((e.amount for e in paid), "CNY").amount
    )
    assert len({row.dims for row in by_merchant}) == 4  # the platform and three merchants


def test_a_replay_of_every_event_changes_nothing(day: Day) -> None:
    before = {
        name: metric_series(day.duck, name, start=START, end=END, by=("merchant",))
        for name in METRICS
    }
    count = day.duck.count()
    events = list(day.app.events.events)
    for store in (day.memory, day.duck):
        with day.app.unit_of_work() as uow:
            attribution = data.StoredAttribution(uow)
            assert data.ingest(store, events, at=START, attribution=attribution) == count
        # without the lookups an event makes fewer facts, with fewer dimensions: the
        # facts kept first stay as they were
        assert 0 < data.ingest(store, events, at=START) < count
    for event in events[:300]:  # the relay delivers again: the subscribers run again
        for subscriber in day.app.bus.subscribers_of(type(event)):
            if "merx.data" in getattr(getattr(subscriber, "func", None), "__module__", ""):
                with day.app.new_unit_of_work() as uow:
                    subscriber(event, uow)
    assert day.duck.count() == day.memory.count() == count
    for name, rows in before.items():
        assert metric_series(day.duck, name, start=START, end=END, by=("merchant",)) == rows


def fact_texts(store: FactStore) -> list[str]:
    """Every fact as text, its time as an ISO time (microseconds since the epoch are no
    personal number, but some pass Luhn's check)."""
    texts = []
    for fact in store.facts(start_us=0, end_us=2**62):
        shown = attrs.asdict(fact) | {"at_us": fact.occurred_at.isoformat()}
        texts.append(json.dumps(shown))
    return texts


def duckdb_texts(store: Any) -> list[str]:
    """Every row of the DuckDB table, every column, the time shown as above."""
    rows = store._db.execute(
        "SELECT * EXCLUDE (at_us), make_timestamp(at_us) FROM merx_facts"
    ).fetchall()
    return [json.dumps(row, default=str) for row in rows]


def test_the_facts_store_holds_no_personal_data(day: Day) -> None:
    assert len(day.recorder.used) > 100  # the day sent clear values: phones, names, cards
    assert scan(fact_texts(day.memory), day.recorder.used) == []
    assert scan(duckdb_texts(day.duck), day.recorder.used) == []


def test_the_scan_finds_a_number_planted_in_a_fact(day: Day) -> None:
    planted = duckdb_facts.DuckDBFactStore()
    phone = next(value for value in day.recorder.used if value.startswith("1") and len(value) == 11)
    fact = day.memory.facts(start_us=0, end_us=2**62)[0]
    planted.add([data.Fact(fact.fact_id, fact.kind, fact.at_us, subject=f"to {phone}")])
    assert scan(duckdb_texts(planted), set()) == [phone]
    planted.close()


def test_a_merchants_report_reads_only_its_facts(day: Day) -> None:
    every = merchants(day.duck)
    assert len(every) == 4
    for merchant in every:
        report = merchant_report(day.duck, merchant, start=START, end=END)
        alone = MemoryFactStore()
        alone.add(day.memory.facts(start_us=0, end_us=2**62, merchant=merchant))
        assert report == merchant_report(alone, merchant, start=START, end=END)
        exported = report.to_csv() + report.to_json()
        assert not [other for other in every if other != merchant and other in exported]
        gmv = metric_series(day.duck, "gmv", start=START, end=END, by=("merchant",))
        totals = dict(zip(report.totals_names, report.totals, strict=True))
        assert totals["gmv"] == sum(row.value for row in gmv if row.dims == (merchant,))


def test_gmv_by_category_is_by_the_lines_catalog_categories_and_adds_up(day: Day) -> None:
    paid = [e for e in day.app.events.events if isinstance(e, orders.OrderPaid)]
    lines = {
        line.category: line
        for e in paid
        if (order := day.app.get(orders.Order, e.order_id)) is not None
        for line in order.lines
    }
    by_category = metric_series(day.duck, "gmv", start=START, end=END, by=("category",))
    assert {row.dims[0] for row in by_category} <= set(lines)
    assert len({row.dims for row in by_category}) > 1
    total = Money.sum((e.amount for e in paid), "CNY").amount
    assert sum(row.value for row in by_category) == total
