"""merx.inventory: stock per SKU per warehouse; locks per order; never oversold."""

from merx.inventory.model import (
    OutOfStock,
    StockDeducted,
    StockItem,
    StockLocked,
    StockReceived,
    StockReleased,
    StockRestocked,
    stock_key,
)
from merx.inventory.services import (
    ReceiveStock,
    deduct_stock,
    lock_stock,
    receive_stock,
    release_stock,
    stock_of,
)

__all__ = [
    "OutOfStock",
    "ReceiveStock",
    "StockDeducted",
    "StockItem",
    "StockLocked",
    "StockReceived",
    "StockReleased",
    "StockRestocked",
    "deduct_stock",
    "lock_stock",
    "receive_stock",
    "release_stock",
    "stock_key",
    "stock_of",
]
