"""merx.inventory: warehouses, stock per SKU per warehouse, holds per order; never oversold.

The command handlers are in ``merx.inventory.services`` (for the composition root). The
hold functions (``hold_for_order``, ``confirm_holds``, ``relax_holds``, ``release_holds``,
``deduct_holds``, ``receive_into``) are the domain services orders, payments,
fulfillment, after-sales and supply call in-process, staged in the caller's unit of work.
"""

from merx.inventory.errors import NoFirmLock, OutOfDeliveryRange, OutOfStock
from merx.inventory.model import (
    Allocation,
    InventoryPolicy,
    LockPolicy,
    StockDeducted,
    StockItem,
    StockLocked,
    StockReceived,
    StockReleased,
    StockReserved,
    StockRestocked,
    Warehouse,
    WarehouseOpened,
    stock_key,
)
from merx.inventory.ports import StockQueries
from merx.inventory.services import (
    ExpireReservations,
    OpenWarehouse,
    ReceiveStock,
    ReturnToStock,
    confirm_holds,
    deduct_holds,
    hold_for_order,
    receive_into,
    relax_holds,
    release_holds,
    stock_of,
)

__all__ = [
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
    "StockQueries",
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
