"""The contract of ``FactStore`` (:mod:`merx.data.ports`), where the data system keeps facts.

Run it against a store by subclassing :class:`FactStoreContract` and providing its fixture
``make_facts`` (``Callable[[], FactStore]``: a new, empty store at each call)::

    class TestClickHouseFacts(FactStoreContract):
        @pytest.fixture
        def make_facts(self) -> Callable[[], FactStore]:
            return lambda: ClickHouseFactStore(sandbox_dsn(), database=fresh_name())

A fact id is kept once (a replay adds nothing, the first fact kept wins); facts are read
back by time range, kind and merchant, in time order; and every measure of every metric
of :data:`merx.data.METRICS`, over any window (hours or days, any breakdown, one merchant
or all), equals the definition in Python (:func:`merx.data.tally_facts`), so two stores
holding the same facts give the same metrics to the cent. Late facts land in their bucket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from merx.data import (
    DIMENSIONS,
    GRAINS,
    METRICS,
    US_PER_DAY,
    US_PER_HOUR,
    Fact,
    Measure,
    Window,
    metric_series,
    tally_facts,
    to_us,
)
from merx.data.ports import FactStore

#: The first instant generated facts may have (a Monday, 00:00 UTC).
BASE = datetime(2026, 3, 2, tzinfo=UTC)
BASE_US = to_us(BASE)
BASE_DAY = BASE_US // US_PER_DAY


def measures() -> Iterator[Measure]:
    """Every measure the catalogue uses, each once."""
    seen: list[Measure] = []
    for metric in METRICS.values():
        for measure in (metric.numerator, metric.denominator):
            if measure is not None and measure not in seen:
                seen.append(measure)
                yield measure


KINDS = sorted({kind for m in measures() for kind in (*m.kind_names, *m.closes)})


@st.composite
def facts(draw: st.DrawFn, *, ids: int = 40) -> Fact:
    """A fact of a kind the catalogue counts, in the three days from :data:`BASE`, with
    few values per dimension (so breakdowns group) and few subjects (so items close)."""
    return Fact(
        fact_id=f"f{draw(st.integers(0, ids))}",
        kind=draw(st.sampled_from(KINDS)),
        at_us=BASE_US
        + draw(  # often on an hour's edge: where a bucket's stock is taken
            st.integers(0, 3 * US_PER_DAY - 1) | st.integers(0, 71).map(lambda h: h * US_PER_HOUR)
        ),
        **{name: draw(st.sampled_from(["", "a", "b"])) for name in DIMENSIONS},
        subject=draw(st.sampled_from(["s1", "s2", "s3", "s4"])),
        customer=draw(st.sampled_from(["", "c1", "c2"])),
        units=draw(st.integers(0, 3)),
        amount_minor=draw(st.integers(0, 10**7)),
        currency="CNY",
        due_day=draw(st.none() | st.integers(BASE_DAY - 70, BASE_DAY + 2)),
    )


@st.composite
def windows(draw: st.DrawFn) -> Window:
    """A window over the generated facts' days (and a little before and after)."""
    grain = draw(st.sampled_from(sorted(GRAINS)))
    start = BASE_US + draw(st.integers(-2, 60)) * US_PER_HOUR
    length = draw(st.integers(1, 80)) * US_PER_HOUR
    by = tuple(draw(st.lists(st.sampled_from(DIMENSIONS), max_size=2, unique=True)))
    merchant = draw(st.none() | st.sampled_from(["a", "b", ""]))
    return Window(start, start + length, GRAINS[grain], by, merchant)


class FactStoreContract:
    """The contract of a ``FactStore`` adapter. Subclass it under a name pytest collects
    and provide the fixture ``make_facts``."""

    def test_a_fact_id_is_kept_once(self, make_facts: Callable[[], FactStore]) -> None:
        store = make_facts()
        first = Fact("e1", "order.paid", BASE_US, amount_minor=100, currency="CNY")
        other = Fact("e1", "order.paid", BASE_US, amount_minor=999, currency="CNY")
        second = Fact("e2", "order.paid", BASE_US + 1, amount_minor=50, currency="CNY")
        store.add([first, first, second])
        assert store.count() == 2
        store.add([other, second])
        assert store.count() == 2
        assert store.facts(start_us=BASE_US, end_us=BASE_US + 2) == [first, second]

    def test_a_large_batch_keeps_every_text_as_it_was(
        self, make_facts: Callable[[], FactStore]
    ) -> None:
        texts = ["", "a,b", 'say "hi"', "line\nbreak", "\\N", "NULL", "商户 7", " pad "]
        made = [
            Fact(
                f"big{n % 150}",
                "order.placed",
                BASE_US + n,
                merchant=texts[n % len(texts)],
                subject=texts[(n + 3) % len(texts)],
                customer=texts[(n + 5) % len(texts)],
                units=n % 4,
                amount_minor=n * 7 if n % 3 else 0,
                currency="CNY" if n % 3 else "",
                due_day=None if n % 2 else n,
            )
            for n in range(300)
        ]
        store = make_facts()
        store.add(made[:200])
        store.add(made)
        assert store.count() == 150
        assert store.facts(start_us=0, end_us=BASE_US + 400) == made[:150]

    def test_facts_are_read_by_time_kind_and_merchant(
        self, make_facts: Callable[[], FactStore]
    ) -> None:
        store = make_facts()
        made = [
            Fact("x3", "order.paid", BASE_US + 30, merchant="m1", due_day=5),
            Fact("x1", "order.placed", BASE_US + 10, merchant="m2"),
            Fact("x2", "order.paid", BASE_US + 10, merchant="m1"),
            Fact("x0", "order.paid", BASE_US + 40, merchant="m1"),
        ]
        store.add(made)
        ordered = store.facts(start_us=BASE_US, end_us=BASE_US + 40)
        assert [f.fact_id for f in ordered] == ["x1", "x2", "x3"]
        assert ordered[2] == made[0]
        paid = store.facts(start_us=BASE_US, end_us=BASE_US + 41, kinds=["order.paid"])
        assert [f.fact_id for f in paid] == ["x2", "x3", "x0"]
        mine = store.facts(start_us=0, end_us=BASE_US + 41, merchant="m2")
        assert [f.fact_id for f in mine] == ["x1"]

    def test_every_measure_is_the_definition(self, make_facts: Callable[[], FactStore]) -> None:
        @settings(max_examples=20, deadline=None)
        @given(st.lists(facts(), max_size=40), st.lists(windows(), min_size=1, max_size=2))
        def check(made: list[Fact], asked: list[Window]) -> None:
            store = make_facts()
            store.add(made)
            kept = list({fact.fact_id: fact for fact in reversed(made)}.values())
            for window in asked:
                for measure in measures():
                    assert store.tally(measure, window) == tally_facts(measure, window, kept), (
                        measure,
                        window,
                    )

        check()

    def test_a_stock_is_taken_just_before_the_next_bucket(
        self, make_facts: Callable[[], FactStore]
    ) -> None:
        store = make_facts()
        next_day = BASE_US + US_PER_DAY
        store.add([
            Fact("f", "asset.funded", BASE_US + 1, subject="a1", funder="x", amount_minor=700,
                 currency="CNY"),
            Fact("c", "asset.closed", next_day, subject="a1"),  # the next day's first instant
            Fact("d", "credit.drawn", next_day, subject="p1", amount_minor=300, currency="CNY"),
        ])  # fmt: skip
        start, end = BASE, BASE + timedelta(days=2)
        exposure = metric_series(store, "funder_exposure", start=start, end=end)
        assert [str(row.value) for row in exposure] == ["7.00", "0"]
        owed = metric_series(store, "credit_outstanding", start=start, end=end)
        assert [str(row.value) for row in owed] == ["0", "3.00"]

    def test_a_late_fact_lands_in_its_day(self, make_facts: Callable[[], FactStore]) -> None:
        store = make_facts()
        day_two = BASE + timedelta(days=1, hours=3)
        store.add([Fact("p2", "order.paid", to_us(day_two), amount_minor=500, currency="CNY")])
        start, end = BASE, BASE + timedelta(days=2)
        before = metric_series(store, "gmv", start=start, end=end)
        assert [str(row.value) for row in before] == ["0", "5.00"]
        late = Fact("p1", "order.paid", to_us(BASE + timedelta(hours=5)), amount_minor=250,
                    currency="CNY")  # fmt: skip
        store.add([late])
        after = metric_series(store, "gmv", start=start, end=end)
        assert [str(row.value) for row in after] == ["2.50", "5.00"]
        store.add([late])
        assert store.count() == 2
        assert metric_series(store, "gmv", start=start, end=end) == after
