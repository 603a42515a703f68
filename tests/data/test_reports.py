"""Merchant reports: only the merchant's facts, exported as CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from merx.adapters.memory.facts import MemoryFactStore
from merx.data import (
    MERCHANT_METRICS,
    Fact,
    FactStore,
    Measure,
    Tally,
    Window,
    merchant_report,
    to_us,
)
from merx.testing.data import BASE, facts

T0 = datetime(2026, 6, 1, tzinfo=UTC)
Store = Callable[[], FactStore]


def a_day_of_two_merchants(store: FactStore) -> None:
    day = to_us(T0)
    store.add([
        Fact("p1", "order.placed", day + 1, merchant="mer-1", amount_minor=1000, currency="CNY"),
        Fact("q1", "order.paid", day + 2, merchant="mer-1", amount_minor=1000, currency="CNY"),
        Fact("p2", "order.placed", day + 3, merchant="mer-2", amount_minor=9900, currency="CNY"),
        Fact("q2", "order.paid", day + 4, merchant="mer-2", amount_minor=9900, currency="CNY"),
        Fact("r2", "refund.succeeded", day + 5, merchant="mer-2", amount_minor=900, currency="CNY"),
    ])  # fmt: skip


def test_the_report_shows_the_merchants_days_and_totals(new_store: Store) -> None:
    store = new_store()
    a_day_of_two_merchants(store)
    report = merchant_report(store, "mer-1", start=T0, end=T0 + timedelta(days=2))
    table = list(csv.reader(io.StringIO(report.to_csv())))
    assert table[0] == ["bucket", *MERCHANT_METRICS]
    first = dict(zip(table[0], table[1], strict=True))
    assert first["bucket"] == "2026-06-01T00:00:00+00:00"
    assert (first["orders"], first["gmv"], first["refunds"]) == ("1", "10.00", "0")
    assert first["refund_rate"] == "0.000000"
    assert dict(zip(table[0], table[2], strict=True))["refund_rate"] == ""  # nothing paid
    total = dict(zip(table[0], table[3], strict=True))
    assert (total["bucket"], total["gmv"], total["average_order_value"]) == ("total", "10.00", "")
    document = json.loads(report.to_json())
    assert document["merchant"] == "mer-1"
    assert document["rows"][0]["gmv"] == "10.00"
    assert document["totals"]["gmv"] == "10.00"
    assert "mer-2" not in report.to_csv() + report.to_json()
    assert "99" not in report.to_csv()  # mer-2's amounts: not even in a total


@settings(max_examples=40, deadline=None)
@given(st.lists(facts(), max_size=40), st.sampled_from(["a", "b"]))
def test_a_merchants_report_is_the_same_with_every_other_merchants_facts_gone(
    made: list[Fact], merchant: str
) -> None:
    everyone, alone = MemoryFactStore(), MemoryFactStore()
    everyone.add(made)
    kept = {fact.fact_id: fact for fact in reversed(made)}.values()  # the first of an id
    alone.add(fact for fact in kept if fact.merchant == merchant)
    start, end = BASE - timedelta(days=1), BASE + timedelta(days=4)
    shown = merchant_report(everyone, merchant, start=start, end=end)
    assert shown == merchant_report(alone, merchant, start=start, end=end)


class Spy(MemoryFactStore):
    """A memory store that remembers the merchant of every read."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str | None] = set()

    def tally(self, measure: Measure, window: Window) -> list[Tally]:
        self.asked.add(window.merchant)
        return super().tally(measure, window)


def test_a_report_never_asks_the_store_for_more_than_its_merchant() -> None:
    store = Spy()
    a_day_of_two_merchants(store)
    merchant_report(store, "mer-2", start=T0, end=T0 + timedelta(days=1))
    assert store.asked == {"mer-2"}
