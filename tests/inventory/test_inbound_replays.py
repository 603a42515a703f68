"""Issue 14: inbound stock documents (receipts, returns) count once, by reference."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merx import catalog, inventory
from merx.app import MemoryApp, build_memory_app
from merx.errors import IdempotencyConflict, MerxError
from merx.inventory import StockItem, stock_key
from merx.kernel.ids import PLATFORM, SkuId, WarehouseId
from merx.kernel.money import Money

SKU, DC = SkuId("phone"), WarehouseId("wh")


def shop() -> MemoryApp:
    app = build_memory_app()
    app.handle(catalog.CreateSku(SKU, "Phone", PLATFORM, "phone", Money.of("10.00", "CNY")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    return app


def snapshot(app: MemoryApp) -> tuple[dict[tuple[str, str], int], int]:
    """Every aggregate's version and how many events were published."""
    versions = {
        (kind.__name__, key): row[0]
        for kind, table in app.store.tables.items()
        for key, row in table.items()
    }
    return versions, len(app.events.events)


def stock(app: MemoryApp) -> StockItem:
    return app.get(StockItem, stock_key(DC, SKU))


def test_receive_stock_sent_twice_with_the_same_reference_does_not_double_the_stock() -> None:
    app = shop()
    app.handle(inventory.ReceiveStock(DC, SKU, 5, "grn-1"))
    before = snapshot(app)
    app.handle(inventory.ReceiveStock(DC, SKU, 5, "grn-1"))
    assert stock(app).on_hand == 5
    assert snapshot(app) == before  # no new version, no event


def test_the_same_reference_with_another_quantity_is_refused_and_changes_nothing() -> None:
    app = shop()
    app.handle(inventory.ReceiveStock(DC, SKU, 5, "grn-1"))
    before = snapshot(app)
    with pytest.raises(IdempotencyConflict, match="grn-1"):
        app.handle(inventory.ReceiveStock(DC, SKU, 6, "grn-1"))
    assert snapshot(app) == before
    app.handle(inventory.ReceiveStock(DC, SKU, 6, "grn-2"))  # another receipt counts
    assert stock(app).on_hand == 11


def test_a_return_sent_twice_is_restocked_once() -> None:
    app = shop()
    app.handle(inventory.ReceiveStock(DC, SKU, 5, "grn-1"))
    app.handle(inventory.ReturnToStock(DC, SKU, 2, "rma-1"))
    before = snapshot(app)
    app.handle(inventory.ReturnToStock(DC, SKU, 2, "rma-1"))
    assert snapshot(app) == before
    with pytest.raises(IdempotencyConflict):
        app.handle(inventory.ReturnToStock(DC, SKU, 3, "rma-1"))
    assert stock(app).on_hand == 7


anything: st.SearchStrategy[Any] = st.one_of(
    st.integers(),
    st.integers(min_value=10**12, max_value=10**40),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True),
    st.decimals(allow_nan=True),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
)
idents: st.SearchStrategy[Any] = st.one_of(st.sampled_from([DC, SKU, "nowhere", ""]), anything)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    warehouse=st.one_of(st.just(DC), idents),
    sku=st.one_of(st.just(SKU), idents),
    quantity=anything,
    reference=st.one_of(st.sampled_from(["grn-1", "grn-2"]), anything),
)
def test_receive_stock_takes_any_input_and_a_refusal_or_a_replay_changes_nothing(
    warehouse: Any, sku: Any, quantity: Any, reference: Any
) -> None:
    app = SHARED
    command = inventory.ReceiveStock(warehouse, sku, quantity, reference)
    before = snapshot(app)
    try:
        app.handle(command)
    except MerxError:
        assert snapshot(app) == before
        return
    after = snapshot(app)
    app.handle(command)  # delivered again
    assert snapshot(app) == after


SHARED = shop()
