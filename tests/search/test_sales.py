"""Sales counts: the units of paid orders reach the index's documents (the sales sort and
relevance's tie-break), once per order and SKU whatever the deliveries; on both adapters
and through the app."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import checkout, orders, payments
from merx.adapters.memory.search import MemorySearchIndex
from merx.adapters.search_sqlite import SqliteSearchIndex
from merx.search import SearchIndex, SearchQuery, Sort
from merx.search.services import count_sales
from tests.search.catalogue import documents

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_phone as jp

DOCS = documents()[:20]


def index_of(kind: str) -> SearchIndex:
    index: SearchIndex = MemorySearchIndex() if kind == "memory" else SqliteSearchIndex(":memory:")
    index.put_many(DOCS)
    return index


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_a_sale_counts_once_per_order_and_moves_the_sku_up_the_sales_sort(kind: str) -> None:
    index = index_of(kind)
    last = index.search(SearchQuery(sort=Sort.SALES, page_size=100)).sku_ids[-1]
    before = index.get(last)
    assert before is not None
    assert index.count_sale(last, "order-1", 100_000)
    assert not index.count_sale(last, "order-1", 100_000)  # delivered again: nothing
    after = index.get(last)
    assert after is not None
    assert after.sales == before.sales + 100_000
    assert index.search(SearchQuery(sort=Sort.SALES, page_size=1)).sku_ids == [last]
    assert not index.count_sale("no-such-sku", "order-2", 1)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([d.sku_id for d in DOCS[:4]]), st.sampled_from("abcde")),
        max_size=20,
    ),
    st.sampled_from(["memory", "sqlite"]),
)
def test_sales_are_the_units_of_the_distinct_orders(
    sales: list[tuple[str, str]], kind: str
) -> None:
    index = index_of(kind)
    for sku, order in sales:
        index.count_sale(sku, order, 3)
    for doc in DOCS[:4]:
        counted = {order for sku, order in sales if sku == doc.sku_id}
        held = index.get(doc.sku_id)
        assert held is not None
        assert held.sales == doc.sales + 3 * len(counted)


def quiet(line: str) -> None:
    del line


def test_a_paid_order_counts_its_units_in_the_app_index_once() -> None:
    app = jp.build_app()
    jp.procure(app, quiet)
    jp.set_up_shop(app, quiet)
    before = app.search_index.get(jp.PHONE)
    assert before is not None
    bob = jp.new_customer(app, "bob", "Bob")
    app.handle(checkout.AddToCart(bob, jp.PHONE, 2))
    placed = app.handle(orders.PlaceOrder(bob, address_label="home"))
    app.handle(payments.PayOrder(placed.parent_id, "alipay", method="alipay_app"))
    after = app.search_index.get(jp.PHONE)
    assert after is not None
    assert after.sales == before.sales + 2
    (order_id,) = placed.order_ids
    paid = orders.OrderPaid(order_id, "again", after.price, after.listed_at)
    with app.unit_of_work() as uow:  # the event delivered once more
        count_sales(paid, uow, index=app.search_index)
    again = app.search_index.get(jp.PHONE)
    assert again is not None
    assert again.sales == after.sales
