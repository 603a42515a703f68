"""Collection as a life: events delivered, delivered again, delivered late, in any order,
into the memory store and a buffered DuckDB store, against a reference model (a dict of
the first fact of each id, and GMV and orders per day summed from it by hand)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from merx import data, orders
from merx.adapters.memory.facts import MemoryFactStore
from merx.data import Fact, FactStore, OrderSide
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId, OrderId
from merx.kernel.money import Money

duckdb_facts = pytest.importorskip(
    "merx.adapters.duckdb_facts", reason="duckdb is not installed (merx[duckdb])"
)

T0 = datetime(2026, 7, 1, tzinfo=UTC)
END = T0 + timedelta(days=4)


class Sellers:
    """Orders o0..o9 belong to m0..m2."""

    def order(self, order_id: str) -> OrderSide | None:
        return OrderSide(merchant=f"m{int(order_id[1:]) % 3}", kind="goods")

    def payment_channel(self, payment_id: str) -> str | None:
        return None

    def campaign_funder(self, campaign_id: str) -> str | None:
        return None


events = st.builds(
    lambda paid, n, minor, minutes: (
        orders.OrderPaid(
            OrderId(f"o{n}"),
            f"pay-{n}",
            Money.from_minor(minor, "CNY"),
            T0 + timedelta(minutes=minutes),
        )
        if paid
        else orders.OrderPlaced(
            OrderId(f"o{n}"),
            CustomerId(f"c{n}"),
            Money.from_minor(minor, "CNY"),
            T0 + timedelta(minutes=minutes),
        )
    ),
    st.booleans(),
    st.integers(0, 9),
    st.integers(1, 10**6),
    st.integers(0, 3 * 24 * 60),
)


class Collection(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.stores: list[FactStore] = [MemoryFactStore(), duckdb_facts.DuckDBFactStore(flush_at=7)]
        self.delivered: list[DomainEvent] = []
        self.kept: dict[str, Fact] = {}

    def deliver(self, event: DomainEvent) -> None:
        for store in self.stores:
            data.ingest(store, [event], at=T0, attribution=Sellers())
        for fact in data.facts_of(event, at=T0, attribution=Sellers()):
            self.kept.setdefault(fact.fact_id, fact)
        self.delivered.append(event)

    @rule(event=events)
    def an_event_arrives(self, event: DomainEvent) -> None:
        self.deliver(event)

    @precondition(lambda self: bool(self.delivered))
    @rule(data=st.data())
    def an_event_arrives_again(self, data: st.DataObject) -> None:
        self.deliver(data.draw(st.sampled_from(self.delivered)))

    @precondition(lambda self: bool(self.delivered))
    @rule(minor=st.integers(1, 10**6))
    def an_event_arrives_late(self, minor: int) -> None:
        earliest = min(f.occurred_at for f in self.kept.values())
        late = earliest - timedelta(minutes=1)
        if late >= T0:
            self.deliver(
                orders.OrderPaid(OrderId("o1"), "pay-late", Money.from_minor(minor, "CNY"), late)
            )

    @invariant()
    def every_store_holds_the_first_fact_of_each_id(self) -> None:
        for store in self.stores:
            assert store.count() == len(self.kept)
            assert {f.fact_id: f for f in store.facts(start_us=0, end_us=2**62)} == self.kept

    @invariant()
    def gmv_and_orders_per_day_and_merchant_are_the_reference(self) -> None:
        gmv: dict[tuple[datetime, tuple[str, ...]], Decimal] = defaultdict(Decimal)
        placed: dict[tuple[datetime, tuple[str, ...]], Decimal] = defaultdict(Decimal)
        for fact in self.kept.values():
            day = datetime.combine(fact.day, datetime.min.time(), UTC)
            if fact.kind == "order.paid":
                gmv[day, (fact.merchant,)] += Decimal(fact.amount_minor) / 100
            else:
                placed[day, (fact.merchant,)] += 1
        for store in self.stores:
            for metric, expected in (("gmv", gmv), ("orders", placed)):
                rows = data.metric_series(store, metric, start=T0, end=END, by=("merchant",))
                assert {(r.bucket, r.dims): r.value for r in rows if r.value} == {
                    key: value for key, value in expected.items() if value
                }, metric

    def teardown(self) -> None:
        self.stores[1].close()  # type: ignore[attr-defined]


Collection.TestCase.settings = settings(max_examples=15, stateful_step_count=12, deadline=None)
TestCollection = Collection.TestCase
