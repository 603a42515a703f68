"""Inventory types go to plain JSON and come back equal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.errors import ValidationError
from merx.inventory import Allocation, InventoryPolicy, LockPolicy, StockItem, Warehouse
from merx.inventory.serde import structure, unstructure
from merx.kernel.ids import SkuId, WarehouseId

T0 = datetime(2026, 6, 18, tzinfo=UTC)


@st.composite
def stock_items(draw: st.DrawFn) -> StockItem:
    item = StockItem.open(WarehouseId(draw(st.sampled_from(["w1", "w2"]))), SkuId("sku"))
    item.receive(draw(st.integers(1, 50)), "po")
    for n in range(draw(st.integers(0, 2))):
        item.receive(draw(st.integers(1, 5)), f"po-{n}")
        item.restock(draw(st.integers(1, 5)), f"return-{n}")
    for n in range(draw(st.integers(0, 4))):
        quantity = draw(st.integers(1, 3))
        if quantity <= item.available:
            if draw(st.booleans()):
                item.lock(f"o{n}", quantity)
            else:
                item.reserve(f"o{n}", quantity, T0 + timedelta(minutes=draw(st.integers(1, 90))))
    item.pull_events()
    return item


@given(stock_items())
def test_stock_items_round_trip_through_json(item: StockItem) -> None:
    data = json.loads(json.dumps(unstructure(item)))
    assert structure(data, StockItem) == item


def test_a_stock_item_stored_before_it_remembered_its_receipts_still_loads() -> None:
    item = StockItem.open(WarehouseId("w1"), SkuId("sku"))
    item.receive(5, "po")
    data = json.loads(json.dumps(unstructure(item)))
    del data["receipts"], data["returns"]  # as an earlier merx wrote it
    loaded = structure(data, StockItem)
    assert (loaded.on_hand, loaded.receipts, loaded.returns) == (5, {}, {})
    assert loaded.receive(5, "po")  # what it never knew, it counts (the receipt was older)


def test_values_round_trip() -> None:
    warehouse = Warehouse.open(
        warehouse_id=WarehouseId("w"), name="W", address="-", delivery_km={"sh": 10}
    )
    warehouse.pull_events()
    policy = InventoryPolicy(LockPolicy.AT_PLACEMENT, timedelta(minutes=15), allow_split=False)
    allocation = Allocation(WarehouseId("w"), SkuId("s"), 2)
    for value, kind in (
        (warehouse, Warehouse),
        (policy, InventoryPolicy),
        (allocation, Allocation),
    ):
        assert structure(json.loads(json.dumps(unstructure(value))), kind) == value


def test_malformed_data_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        structure({"warehouse": "w", "sku": "s", "quantity": "two"}, Allocation)
    with pytest.raises(ValidationError):
        structure({"lock_at": "whenever"}, InventoryPolicy)
