"""merx.inventory's public API, pinned: a name added or dropped is a visible decision."""

from __future__ import annotations

from merx import inventory

PUBLIC = [
    "Allocation",
    "ExpireReservations",
    "InventoryPolicy",
    "LockPolicy",
    "NoFirmLock",
    "OpenWarehouse",
    "OutOfDeliveryRange",
    "OutOfStock",
    "ReceiveStock",
    "ReturnToStock",
    "StockDeducted",
    "StockItem",
    "StockLocked",
    "StockReceived",
    "StockReleased",
    "StockReserved",
    "StockRestocked",
    "Warehouse",
    "WarehouseOpened",
    "confirm_holds",
    "deduct_holds",
    "hold_for_order",
    "receive_into",
    "relax_holds",
    "release_holds",
    "stock_key",
    "stock_of",
]


def test_the_public_api_is_exactly_these_names() -> None:
    assert sorted(inventory.__all__) == PUBLIC
    assert len(PUBLIC) <= 60
    for name in PUBLIC:
        assert getattr(inventory, name) is not None
