"""The metric catalogue, rule by rule, on both stores: worked examples, the rounding named
in merx.data.metrics, the errors, and two laws (hours add up to their day; a breakdown
adds up to the total)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx.data import (
    DIMENSIONS,
    METRICS,
    Fact,
    FactStore,
    InvalidWindow,
    MixedCurrencies,
    UnknownMetric,
    metric_series,
    to_us,
)
from merx.testing.data import facts as any_facts

T0 = datetime(2026, 6, 1, tzinfo=UTC)
DAY = timedelta(days=1)
Store = Callable[[], FactStore]


def at(hours: float = 0, days: int = 0) -> int:
    return to_us(T0 + timedelta(days=days, hours=hours))


def cny(fact_id: str, kind: str, when: int, minor: int, **dims: object) -> Fact:
    return Fact(fact_id, kind, when, amount_minor=minor, currency="CNY", **dims)  # type: ignore[arg-type]


def values(
    store: FactStore,
    metric: str,
    *,
    start: datetime = T0,
    end: datetime = T0 + 2 * DAY,
    grain: str = "day",
    by: tuple[str, ...] = (),
    merchant: str | None = None,
) -> list[str]:
    rows = metric_series(store, metric, start=start, end=end, grain=grain, by=by, merchant=merchant)
    return [str(row.value) for row in rows]


def test_every_metric_is_defined_in_words_with_a_unit() -> None:
    assert len(METRICS) >= 25
    for name, metric in METRICS.items():
        assert metric.name == name
        assert len(metric.definition) > 10
        assert metric.unit in ("money", "count", "rate", "money_per", "ratio")


def test_gmv_and_orders_by_day_hour_and_merchant(new_store: Store) -> None:
    store = new_store()
    store.add([
        cny("p1", "order.placed", at(1), 1000, merchant="m1", subject="o1"),
        cny("p2", "order.placed", at(1.5), 2050, merchant="m2", subject="o2"),
        cny("q1", "order.paid", at(2), 1000, merchant="m1", subject="o1"),
        cny("q2", "order.paid", at(days=1), 2050, merchant="m2", subject="o2"),
    ])  # fmt: skip
    assert values(store, "gmv") == ["10.00", "20.50"]
    assert values(store, "orders") == ["2", "0"]
    assert values(store, "paid_orders", grain="hour", end=T0 + timedelta(hours=3)) == [
        "0",
        "0",
        "1",
    ]
    rows = metric_series(store, "merchant_gmv", start=T0, end=T0 + 2 * DAY, by=("merchant",))
    assert [(r.bucket, r.dims, str(r.value)) for r in rows] == [
        (T0, ("m1",), "10.00"), (T0 + DAY, ("m2",), "20.50"),
    ]  # fmt: skip
    assert values(store, "gmv", merchant="m2") == ["0", "20.50"]


def test_rates_round_half_even_to_six_places_and_skip_empty_buckets(new_store: Store) -> None:
    store = new_store()
    store.add([
        Fact("p", "order.placed", at(1), units=2_000_000),
        Fact("q", "order.paid", at(1), units=1),
        Fact("p2", "order.placed", at(days=1), units=2_000_000),
        Fact("q2", "order.paid", at(days=1), units=3),
        Fact("q3", "order.paid", at(days=2), units=3),
    ])  # fmt: skip
    # 0.0000005 rounds to 0 (even), 0.0000015 to 0.000002; day 3 placed nothing: no row
    assert values(store, "paid_rate", end=T0 + 3 * DAY) == ["0.000000", "0.000002"]


def test_average_order_value_rounds_half_even_to_the_cent(new_store: Store) -> None:
    store = new_store()
    store.add([
        cny("a", "order.paid", at(1), 500), cny("b", "order.paid", at(2), 501),  # 500.5 -> 500
        cny("c", "order.paid", at(days=1), 501), cny("d", "order.paid", at(days=1), 502),  # 501.5
    ])  # fmt: skip
    assert values(store, "average_order_value") == ["5.00", "5.02"]


def test_conversion_counts_distinct_customers(new_store: Store) -> None:
    store = new_store()
    store.add([
        Fact("p1", "order.placed", at(1), customer="c1"),
        Fact("p2", "order.placed", at(2), customer="c1"),
        Fact("p3", "order.placed", at(3), customer="c2"),
        Fact("p4", "order.placed", at(3), customer="c3"),
        Fact("q1", "order.paid", at(4), customer="c1"),
        Fact("q2", "order.paid", at(5), customer="c1"),
    ])  # fmt: skip
    assert values(store, "conversion_placed_paid", end=T0 + DAY) == ["0.333333"]


def test_refunds_promotions_and_their_return(new_store: Store) -> None:
    store = new_store()
    store.add([
        cny("q1", "order.paid", at(1), 10_000), cny("q2", "order.paid", at(2), 10_000),
        cny("r1", "refund.succeeded", at(3), 2_500),
        cny("u1", "promotion.consumed", at(1), 1_000, campaign="c1", funder="platform"),
        cny("u2", "promotion.consumed", at(2), 500, campaign="c2", funder="mer-1"),
        cny("u3", "promotion.released", at(3), 1_000, campaign="c1", funder="platform"),
        cny("s1", "promotion.sales", at(1), 10_000, campaign="c1", funder="platform"),
        cny("s2", "promotion.sales", at(2), 10_000, campaign="c2", funder="mer-1"),
    ])  # fmt: skip
    one_day = T0 + DAY
    assert values(store, "refund_amount", end=one_day) == ["25.00"]
    assert values(store, "refund_rate", end=one_day) == ["0.500000"]
    assert values(store, "promotion_cost", end=one_day) == ["5.00"]
    by_funder = metric_series(
        store, "promotion_cost", start=T0, end=T0 + DAY, by=("campaign", "funder")
    )
    assert [(r.dims, str(r.value)) for r in by_funder] == [
        (("c1", "platform"), "0.00"), (("c2", "mer-1"), "5.00"),
    ]  # fmt: skip
    assert values(store, "promotion_return", end=one_day) == ["40.000000"]
    c2 = metric_series(store, "promotion_return", start=T0, end=T0 + DAY, by=("campaign",))
    assert [(r.dims, str(r.value)) for r in c2] == [(("c2",), "20.000000")]  # c1 cost nothing


def test_topup_success_and_timeout_rates(new_store: Store) -> None:
    store = new_store()
    store.add([
        Fact("o1", "topup.opened", at(1), units=3), Fact("o2", "topup.opened", at(1), units=1),
        Fact("s1", "topup.succeeded", at(1)), Fact("s2", "topup.succeeded", at(1)),
        Fact("f1", "topup.failed", at(1)),
    ])  # fmt: skip
    assert values(store, "topup_success_rate", end=T0 + DAY) == ["0.500000"]
    assert values(store, "topup_timeout_rate", end=T0 + DAY) == ["0.250000"]


def test_payment_success_rate_by_channel(new_store: Store) -> None:
    store = new_store()
    kinds = ["payment.succeeded"] * 7 + ["payment.failed"] * 3
    store.add(Fact(f"a{n}", kind, at(1), channel="alipay") for n, kind in enumerate(kinds))
    store.add([Fact("w1", "payment.succeeded", at(1), channel="wechat_pay")])
    rows = metric_series(store, "payment_success_rate", start=T0, end=T0 + DAY, by=("channel",))
    assert [(r.dims, str(r.value)) for r in rows] == [
        (("alipay",), "0.700000"), (("wechat_pay",), "1.000000"),
    ]  # fmt: skip


def test_credit_outstanding_is_a_running_balance(new_store: Store) -> None:
    store = new_store()
    store.add([
        cny("d0", "credit.drawn", at(days=-5), 10_000),  # before the window: still owed
        cny("d1", "credit.drawn", at(1), 5_000),
        cny("r1", "credit.restored", at(days=1, hours=2), 3_000),
    ])  # fmt: skip
    assert values(store, "credit_outstanding", end=T0 + 3 * DAY) == ["150.00", "120.00", "120.00"]


def test_overdue_buckets_age_unpaid_bills_by_their_due_day(new_store: Store) -> None:
    store = new_store()
    due = (T0.date() - datetime(1970, 1, 1, tzinfo=UTC).date()).days  # due on T0's day
    store.add([
        cny("b1", "bill.issued", at(days=-10), 30_000, subject="bill-1", due_day=due),
        cny("b2", "bill.issued", at(days=-10), 7_000, subject="bill-2", due_day=due - 40),
        cny("b3", "bill.issued", at(days=-10), 1_000, subject="bill-3", due_day=due - 61),
        Fact("p3", "bill.paid", at(days=1, hours=5), subject="bill-3"),
    ])  # fmt: skip
    end = T0 + 3 * DAY
    # T0's day: bill-1 is due, not yet overdue; from the next day it is M1
    assert values(store, "overdue_m1", end=end) == ["0", "300.00", "300.00"]
    assert values(store, "overdue_m2", end=end) == ["70.00", "70.00", "70.00"]
    # bill-3: 61 days past due on T0, paid the next day
    assert values(store, "overdue_m3_plus", end=end) == ["10.00", "0", "0"]


def test_funder_exposure_counts_assets_until_they_close(new_store: Store) -> None:
    store = new_store()
    store.add([
        cny("f1", "asset.funded", at(1), 50_000, subject="a1", funder="fund-1"),
        cny("f2", "asset.funded", at(2), 20_000, subject="a2", funder="fund-2"),
        Fact("c1", "asset.closed", at(days=1, hours=1), subject="a1"),
    ])  # fmt: skip
    rows = metric_series(store, "funder_exposure", start=T0, end=T0 + 2 * DAY, by=("funder",))
    assert [(r.bucket.day, r.dims, str(r.value)) for r in rows] == [
        (1, ("fund-1",), "500.00"), (1, ("fund-2",), "200.00"), (2, ("fund-2",), "200.00"),
    ]  # fmt: skip


def test_risk_decisions_by_outcome(new_store: Store) -> None:
    store = new_store()
    outcomes = ["allow"] * 5 + ["challenge"] * 2 + ["deny"]
    store.add(Fact(f"r{n}", "risk.decided", at(1), outcome=o) for n, o in enumerate(outcomes))
    rows = metric_series(store, "risk_decisions", start=T0, end=T0 + DAY, by=("outcome",))
    assert [(r.dims, str(r.value)) for r in rows] == [
        (("allow",), "5"),
        (("challenge",), "2"),
        (("deny",), "1"),
    ]


def test_wrong_questions_are_refused(new_store: Store) -> None:
    store = new_store()
    with pytest.raises(UnknownMetric, match="'gvm'"):
        metric_series(store, "gvm", start=T0, end=T0 + DAY)
    with pytest.raises(InvalidWindow, match="'week'"):
        metric_series(store, "gmv", start=T0, end=T0 + DAY, grain="week")
    with pytest.raises(InvalidWindow, match="no time zone"):
        metric_series(store, "gmv", start=datetime(2026, 6, 1), end=T0 + DAY)
    with pytest.raises(InvalidWindow, match="ends"):
        metric_series(store, "gmv", start=T0, end=T0)
    with pytest.raises(InvalidWindow, match="'customer'"):
        metric_series(store, "gmv", start=T0, end=T0 + DAY, by=("customer",))


def test_a_money_metric_refuses_two_currencies_in_one_bucket(new_store: Store) -> None:
    store = new_store()
    store.add(
        [
            cny("a", "order.paid", at(1), 100, merchant="m1"),
            Fact("b", "order.paid", at(2), merchant="m2", amount_minor=100, currency="USD"),
        ]
    )
    with pytest.raises(MixedCurrencies, match=r"\['CNY', 'USD'\]"):
        metric_series(store, "gmv", start=T0, end=T0 + DAY)
    assert values(store, "gmv", end=T0 + DAY, by=("merchant",)) == ["1.00", "1.00"]  # apart


FLOWS = [
    name
    for name, m in METRICS.items()
    if m.unit in ("money", "count") and m.numerator.shape.value == "flow"
]


@settings(max_examples=30, deadline=None)
@given(st.lists(any_facts(), max_size=30), st.sampled_from(FLOWS), st.sampled_from(DIMENSIONS))
def test_hours_add_up_to_their_day_and_a_breakdown_to_the_total(
    made: list[Fact], metric: str, dimension: str
) -> None:
    from merx.adapters.memory.facts import MemoryFactStore
    from merx.testing.data import BASE

    store = MemoryFactStore()
    store.add(made)
    start, end = BASE, BASE + 3 * DAY
    days = metric_series(store, metric, start=start, end=end)
    hours = metric_series(store, metric, start=start, end=end, grain="hour")
    for day in days:
        assert day.value == sum(
            (h.value for h in hours if h.bucket.date() == day.bucket.date()), Decimal(0)
        )
    broken = metric_series(store, metric, start=start, end=end, by=(dimension,))
    for day in days:
        assert day.value == sum((r.value for r in broken if r.bucket == day.bucket), Decimal(0))
