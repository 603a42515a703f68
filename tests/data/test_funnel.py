"""The funnel's first step: a quote (the seed's "trial calculation") is counted.

``App.quote`` publishes :class:`merx.checkout.QuoteMade` when someone subscribes to it
(the facts collector), in a unit of work it never commits; the mapping makes ``quote.made``
facts per seller and category (the payable split with ``Money.allocate``); the metrics
``quotes``, ``conversion_quote_order`` and ``conversion_quote_paid`` are read from them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from merx import checkout, orders
from merx.adapters.memory import FixedClock
from merx.adapters.memory.facts import MemoryFactStore
from merx.app import MemoryApp
from merx.app.data import collect_facts
from merx.app.documents import documents
from merx.data import Fact, FactStore, facts_of, metric_series, to_us
from merx.kernel.ids import CustomerId, MerchantId
from merx.kernel.money import Money

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import simulate

AT = datetime(2026, 6, 1, 10, tzinfo=UTC)
Store = Callable[[], FactStore]


def cny(minor: int) -> Money:
    return Money.from_minor(minor, "CNY")


def quote_made(
    payable: int, *goods: tuple[str, str, int], customer: str = "c1"
) -> checkout.QuoteMade:
    return checkout.QuoteMade(
        "quo-1",
        CustomerId(customer),
        skus=len(goods),
        payable=cny(payable),
        goods=tuple((MerchantId(m), category, cny(net)) for m, category, net in goods),
        at=AT,
    )


def test_a_quote_makes_a_fact_per_seller_and_category_with_its_share() -> None:
    event = quote_made(10_500, ("m1", "cases", 2_000), ("m2", "phones", 8_000))
    facts = facts_of(event, at=AT + timedelta(hours=1))
    assert [(f.merchant, f.category, f.amount_minor, f.units) for f in facts] == [
        ("m2", "phones", 8_400, 1),
        ("m1", "cases", 2_100, 0),
    ]
    assert {(f.kind, f.subject, f.customer, f.at_us) for f in facts} == {
        ("quote.made", "quo-1", "c1", to_us(AT))
    }


def test_a_quote_of_nothing_counts_once_without_dimensions() -> None:
    (fact,) = facts_of(quote_made(0), at=AT)
    assert (fact.kind, fact.units, fact.merchant, fact.amount_minor) == ("quote.made", 1, "", 0)


def test_the_quote_event_round_trips_as_a_document() -> None:
    event = quote_made(10_500, ("m1", "cases", 2_000), ("m2", "phones", 8_000))
    known = documents()
    name = known.name_of(checkout.QuoteMade)
    assert known.read_event(name, json.loads(json.dumps(known.write(event)))) == event


def test_quotes_and_the_conversion_from_quote_to_order_and_to_paid(new_store: Store) -> None:
    store = new_store()
    day = to_us(AT)
    store.add([
        Fact("q1", "quote.made", day, customer="c1", merchant="m1"),
        Fact("q2", "quote.made", day + 1, customer="c1", merchant="m1"),
        Fact("q3", "quote.made", day + 2, customer="c2", merchant="m2"),
        Fact("q4", "quote.made", day + 3, customer="c3", merchant="m1"),
        Fact("q5", "quote.made", day + 4, customer="c4", merchant="m2"),
        Fact("p1", "order.placed", day + 5, customer="c1", merchant="m1"),
        Fact("p2", "order.placed", day + 6, customer="c2", merchant="m2"),
        Fact("p3", "order.placed", day + 7, customer="c3", merchant="m1"),
        Fact("y1", "order.paid", day + 8, customer="c1", merchant="m1"),
    ])  # fmt: skip
    start, end = AT - timedelta(hours=10), AT + timedelta(hours=14)

    def value(metric: str, **ask: object) -> list[str]:
        rows = metric_series(store, metric, start=start, end=end, **ask)  # type: ignore[arg-type]
        return [f"{'/'.join(row.dims)}={row.value}" for row in rows]

    assert value("quotes") == ["=5"]
    assert value("conversion_quote_order") == ["=0.750000"]
    assert value("conversion_quote_paid") == ["=0.250000"]
    assert value("conversion_quote_order", by=("merchant",)) == ["m1=1.000000", "m2=0.500000"]
    assert value("conversion_quote_paid", merchant="m2") == ["=0.000000"]
    hours = metric_series(store, "quotes", start=start, end=end, grain="hour")
    assert [(row.bucket, row.value) for row in hours if row.value] == [(AT, Decimal(5))]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 10_000_000),
    st.lists(
        st.tuples(
            st.sampled_from(["m1", "m2"]), st.sampled_from(["a", "b"]), st.integers(0, 9_999)
        ),
        max_size=4,
        unique_by=lambda item: item[:2],
    ),
)
def test_a_quotes_facts_add_up_to_its_payable_and_one_quote(
    payable: int, goods: list[tuple[str, str, int]]
) -> None:
    facts = facts_of(quote_made(payable, *goods), at=AT)
    assert sum(f.amount_minor for f in facts) == payable
    assert sum(f.units for f in facts) == 1
    assert len({(f.merchant, f.category) for f in facts}) == len(facts)
    store = MemoryFactStore()
    store.add(facts)
    start, end = AT - timedelta(hours=10), AT + timedelta(hours=14)
    for by in (("merchant",), ("category",)):
        rows = metric_series(store, "quotes", start=start, end=end, by=by)
        assert sum(row.value for row in rows) == 1


def small_world(*, collect: FactStore | None) -> simulate.World:
    world = simulate.World(6, seed=18, clock=FixedClock(simulate.START))
    if collect is not None:
        collect_facts(world.app.bus, collect, world.clock)
    world.build()
    return world


def shopper_with_a_cart(world: simulate.World) -> CustomerId:
    cid, _ = world.customer()
    world.app.handle(checkout.AddToCart(cid, world.phones[0], 1))
    world.app.handle(checkout.AddToCart(cid, world.cases[0], 2))
    return cid


def test_the_apps_quote_is_counted_once_per_quote_and_writes_nothing() -> None:
    store = MemoryFactStore()
    world = small_world(collect=store)
    app = world.app
    assert isinstance(app, MemoryApp)
    cid = shopper_with_a_cart(world)
    before = {kind: dict(rows) for kind, rows in app.store.tables.items()}
    first, second = app.quote(cid), app.quote(cid)
    assert {kind: dict(rows) for kind, rows in app.store.tables.items()} == before
    quoted = store.facts(start_us=0, end_us=2**62, kinds=("quote.made",))
    assert len({f.subject for f in quoted}) == 2
    assert sum(f.amount_minor for f in quoted) == first.payable.minor + second.payable.minor
    assert {f.customer for f in quoted} == {cid}
    made = [e for e in app.events.events if isinstance(e, checkout.QuoteMade)]
    assert [e.payable for e in made] == [first.payable, second.payable]
    assert {f.category for f in quoted} == {"phone", "accessory"}
    app.handle(orders.PlaceOrder(cid, expected_payable=second.payable))
    placed = store.facts(start_us=0, end_us=2**62, kinds=("order.placed",))
    assert sorted(f.category for f in placed) == ["accessory", "phone"]
    assert sum(f.amount_minor for f in placed) == second.payable.minor
    assert sum(f.units for f in placed) == 1
    start = simulate.START
    rows = metric_series(
        store, "conversion_quote_order", start=start, end=start + timedelta(days=1)
    )
    assert [row.value for row in rows] == [1]


def test_without_a_subscriber_the_quote_mints_no_id_and_publishes_nothing() -> None:
    world = small_world(collect=None)
    cid = shopper_with_a_cart(world)
    world.app.quote(cid)
    assert not [e for e in world.app.events.events if isinstance(e, checkout.QuoteMade)]
    assert "quo" not in world.app.ids.counters()  # type: ignore[attr-defined]
