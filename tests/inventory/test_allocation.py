"""Choosing warehouses: nearest that can fill the order, else split, else a clear error."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.inventory import Allocation, OutOfDeliveryRange, OutOfStock, Warehouse
from merx.inventory.model import plan_allocations
from merx.kernel.ids import SkuId, WarehouseId

A, B = SkuId("a"), SkuId("b")


def wh(wid: str, **km: int) -> Warehouse:
    return Warehouse.open(warehouse_id=WarehouseId(wid), name=wid, address="-", delivery_km=km)


NEAR = wh("near", sh=10)
FAR = wh("far", sh=500, bj=20)
STOCK = {("near", A): 1, ("near", B): 5, ("far", A): 5, ("far", B): 5}


def available(w: WarehouseId, sku: SkuId) -> int:
    return STOCK.get((w, sku), 0)


def test_the_nearest_warehouse_that_can_fill_everything_wins() -> None:
    plan = plan_allocations([(A, 1), (B, 2)], "sh", [FAR, NEAR], available, allow_split=True)
    assert plan == (Allocation(WarehouseId("near"), A, 1), Allocation(WarehouseId("near"), B, 2))


def test_a_farther_warehouse_wins_when_the_near_one_cannot_fill_the_order() -> None:
    plan = plan_allocations([(A, 2), (B, 2)], "sh", [NEAR, FAR], available, allow_split=True)
    assert {a.warehouse for a in plan} == {"far"}


def test_split_when_no_single_warehouse_can() -> None:
    stock = {("near", A): 1, ("far", A): 1}
    plan = plan_allocations(
        [(A, 2)], "sh", [NEAR, FAR], lambda w, s: stock.get((w, s), 0), allow_split=True
    )
    assert plan == (Allocation(WarehouseId("near"), A, 1), Allocation(WarehouseId("far"), A, 1))
    with pytest.raises(OutOfStock):
        plan_allocations(
            [(A, 2)], "sh", [NEAR, FAR], lambda w, s: stock.get((w, s), 0), allow_split=False
        )


def test_no_warehouse_in_range_and_short_stock_are_distinct_errors() -> None:
    with pytest.raises(OutOfDeliveryRange):
        plan_allocations([(A, 1)], "gz", [NEAR, FAR], available, allow_split=True)
    with pytest.raises(OutOfStock):
        plan_allocations([(A, 7)], "sh", [NEAR, FAR], available, allow_split=True)


@given(
    stock=st.dictionaries(
        st.tuples(st.sampled_from(["w1", "w2", "w3"]), st.sampled_from(["a", "b", "c"])),
        st.integers(0, 6),
    ),
    wanted=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(1, 8), min_size=1),
    km=st.lists(st.integers(0, 100), min_size=3, max_size=3),
    allow_split=st.booleans(),
)
def test_a_plan_fills_exactly_what_was_asked_from_stock_in_range(
    stock: dict[tuple[str, str], int], wanted: dict[str, int], km: list[int], allow_split: bool
) -> None:
    warehouses = [wh(f"w{i + 1}", r=k) for i, k in enumerate(km)]
    lines = [(SkuId(s), q) for s, q in sorted(wanted.items())]
    try:
        plan = plan_allocations(
            lines, "r", warehouses, lambda w, s: stock.get((w, s), 0), allow_split=allow_split
        )
    except OutOfStock:
        total = Counter[str]()
        for (_, sku), units in stock.items():
            total[sku] += units
        short = any(total[s] < q for s, q in wanted.items())
        whole = any(
            all(stock.get((f"w{i}", s), 0) >= q for s, q in wanted.items()) for i in (1, 2, 3)
        )
        assert short or (not allow_split and not whole)
        return
    filled = Counter[str]()
    for allocation in plan:
        assert 0 < allocation.quantity <= stock.get((allocation.warehouse, allocation.sku), 0)
        filled[allocation.sku] += allocation.quantity
    assert dict(filled) == wanted
    if not allow_split:
        assert len({a.warehouse for a in plan}) == 1
