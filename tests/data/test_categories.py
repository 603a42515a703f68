"""An order's facts by the catalog category of its lines: one fact per category with its
share of the amount (``Money.allocate``: the shares add up to it), the order's units on
its heaviest category; and the laws that a breakdown by category adds up to the total on
both stores."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merx import orders, payments
from merx.data import Fact, FactStore, OrderSide, facts_of, metric_series
from merx.data.services import categories_of
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId, OrderId, PaymentId
from merx.kernel.money import Money

AT = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)
Store = Callable[[], FactStore]


class Sides:
    """Each order's side, from a dict."""

    def __init__(self, sides: dict[str, OrderSide]) -> None:
        self.sides = sides

    def order(self, order_id: str) -> OrderSide | None:
        return self.sides.get(order_id)

    def payment_channel(self, payment_id: str) -> str | None:
        return None

    def campaign_funder(self, campaign_id: str) -> str | None:
        return None


def cny(minor: int) -> Money:
    return Money.from_minor(minor, "CNY")


def paid(order_id: str, minor: int, at: datetime = AT) -> orders.OrderPaid:
    return orders.OrderPaid(OrderId(order_id), f"pay-{order_id}", cny(minor), at, CustomerId("c1"))


def made(event: DomainEvent, side: OrderSide) -> tuple[Fact, ...]:
    return facts_of(event, at=AT, attribution=Sides({"o1": side}))


MIXED = OrderSide("m1", "goods", (("phones", 8_000), ("cases", 2_000)), 10_000, "CNY")


def test_an_order_of_two_categories_makes_a_fact_for_each_with_its_share() -> None:
    facts = made(paid("o1", 9_001), MIXED)
    assert [(f.category, f.amount_minor, f.units) for f in facts] == [
        ("phones", 7_201, 1),
        ("cases", 1_800, 0),
    ]
    assert len({f.fact_id for f in facts}) == 2
    assert {(f.merchant, f.subject, f.customer, f.kind) for f in facts} == {
        ("m1", "o1", "c1", "order.paid")
    }


def test_a_refund_is_split_the_same_way_and_a_cancellation_counts_once() -> None:
    refund = payments.RefundSucceeded(PaymentId("p1"), OrderId("o1"), "r1", cny(500), AT)
    assert [(f.category, f.amount_minor) for f in made(refund, MIXED)] == [
        ("phones", 400),
        ("cases", 100),
    ]
    (cancelled,) = made(orders.OrderCancelled(OrderId("o1"), "unpaid", AT), MIXED)
    assert (cancelled.category, cancelled.units) == ("phones", 1)


def test_a_category_with_no_share_makes_no_fact_and_nothing_weighed_splits_evenly() -> None:
    tiny = made(paid("o1", 1), MIXED)
    assert [(f.category, f.amount_minor, f.units) for f in tiny] == [("phones", 1, 1)]
    free = OrderSide("m1", "goods", (("cases", 0), ("phones", 0)), 0, "CNY")
    assert [(f.category, f.amount_minor) for f in made(paid("o1", 3), free)] == [
        ("cases", 2),
        ("phones", 1),
    ]


def test_without_its_lines_categories_an_order_is_of_its_kind() -> None:
    (fact,) = made(paid("o1", 100), OrderSide("m1", "top-up"))
    assert fact.category == "top-up"
    (unknown,) = facts_of(paid("o9", 100), at=AT, attribution=Sides({}))
    assert unknown.category == ""


def test_categories_of_lines_weigh_their_net_heaviest_first() -> None:
    class Line:
        def __init__(self, category: str, net: int) -> None:
            self.category, self.net = category, cny(net)

    lines = [Line("cases", 300), Line("phones", 900), Line("cases", 700), Line("audio", -5)]
    assert categories_of(lines) == (("cases", 1_000), ("phones", 900), ("audio", 0))  # type: ignore[arg-type]


categories = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 10_000)),
    min_size=0,
    max_size=4,
    unique_by=lambda item: item[0],
)


@settings(max_examples=60, deadline=None)
@given(categories, st.integers(0, 10_000_000))
def test_the_shares_add_up_to_the_amount_and_the_units_to_one(
    weights: list[tuple[str, int]], minor: int
) -> None:
    side = OrderSide("m1", "goods", tuple(weights), minor, "CNY")
    facts = made(paid("o1", minor), side)
    assert sum(f.amount_minor for f in facts) == minor
    assert sum(f.units for f in facts) == 1
    assert facts[0].category == side.category
    assert len({f.category for f in facts}) == len(facts)
    total_weight = sum(w for _, w in weights)
    for fact in facts:
        if total_weight and len(weights) > 1:
            exact = Decimal(minor) * dict(weights)[fact.category] / total_weight
            assert abs(fact.amount_minor - exact) < 1


order_days = st.lists(
    st.tuples(categories, st.integers(1, 1_000_000), st.integers(0, 47), st.booleans()),
    max_size=12,
)


# new_store makes a new store per call: nothing is shared between examples
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order_days)
def test_gmv_and_orders_by_category_add_up_to_their_totals(
    new_store: Store, days: list[tuple[list[tuple[str, int]], int, int, bool]]
) -> None:
    sides: dict[str, OrderSide] = {}
    events: list[DomainEvent] = []
    for n, (weights, minor, hour, pays) in enumerate(days):
        order_id = f"o{n}"
        sides[order_id] = OrderSide(f"m{n % 2}", "goods", tuple(weights), minor, "CNY")
        at = AT + timedelta(hours=hour)
        events.append(
            orders.OrderPlaced(OrderId(order_id), CustomerId(f"c{n % 3}"), cny(minor), at)
        )
        if pays:
            events.append(paid(order_id, minor, at))
    store = new_store()
    store.add([f for e in events for f in facts_of(e, at=AT, attribution=Sides(sides))])
    start, end = AT - timedelta(hours=AT.hour, minutes=30), AT + timedelta(days=3)
    paid_minor = sum(minor for _, minor, _, pays in days if pays)
    for metric, total in (
        ("gmv", Decimal(paid_minor).scaleb(-2)),
        ("merchant_gmv", Decimal(paid_minor).scaleb(-2)),
        ("orders", Decimal(len(days))),
        ("paid_orders", Decimal(sum(1 for *_, pays in days if pays))),
    ):
        for by in ((), ("category",), ("merchant", "category")):
            rows = metric_series(store, metric, start=start, end=end, by=by)
            assert sum((row.value for row in rows), Decimal(0)) == total, (metric, by)
