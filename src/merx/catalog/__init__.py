"""merx.catalog: what is for sale (SKUs, prices, listing)."""

from merx.catalog.model import (
    SKU_FLOW,
    GoodsType,
    NotListed,
    PriceChanged,
    Sku,
    SkuCreated,
    SkuDelisted,
    SkuListed,
    SkuStatus,
)
from merx.catalog.services import (
    ChangePrice,
    CreateSku,
    DelistSku,
    change_price,
    create_sku,
    delist_sku,
)

__all__ = [
    "SKU_FLOW",
    "ChangePrice",
    "CreateSku",
    "DelistSku",
    "GoodsType",
    "NotListed",
    "PriceChanged",
    "Sku",
    "SkuCreated",
    "SkuDelisted",
    "SkuListed",
    "SkuStatus",
    "change_price",
    "create_sku",
    "delist_sku",
]
