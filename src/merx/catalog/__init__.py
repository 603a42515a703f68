"""merx.catalog: what is for sale, at what price, how it ships, where it shows, who may buy.

The SKU (one price, one seller, one goods type, one fulfillment mode), its listing with
profit control, placement in page slots and sales restrictions. The product information
SKUs are made from (categories, brands, SPUs) is :mod:`merx.products`. See
docs/catalog.md. Everything not exported here is private; the command handlers are in
``merx.catalog.services`` (for the composition root), the converter in
``merx.catalog.serde``.
"""

from merx.catalog.errors import (
    BelowCost,
    CostNotApplicable,
    InvalidShipping,
    InvalidSpecs,
    InvalidTaxRate,
    NewUsersOnly,
    NotListed,
    PlacementOverlap,
    PurchaseLimitExceeded,
    RestrictedRegion,
    UnknownPlacement,
    VerificationRequired,
)
from merx.catalog.goods import Fulfillment, FulfillmentMode, GoodsType
from merx.catalog.model import (
    InstallmentEligibilityChanged,
    MarginBreached,
    PlacementRemoved,
    PriceChanged,
    PurchaseCostSet,
    SalesRestrictionsChanged,
    Sku,
    SkuCreated,
    SkuDelisted,
    SkuLabelsChanged,
    SkuListed,
    SkuPlaced,
    SkuShippingSet,
    SkuStatus,
    TaxRateSet,
    arrange_slot,
    labels_of,
)
from merx.catalog.placement import Placement
from merx.catalog.profit import AT_COST, ProfitPolicy
from merx.catalog.restrictions import SalesRestrictions
from merx.catalog.services import (
    ChangePrice,
    CreateSku,
    DelistSku,
    ListSku,
    PlaceSku,
    RemovePlacement,
    SetInstallmentEligible,
    SetPurchaseCost,
    SetSalesRestrictions,
    SetSkuLabels,
    SetSkuShipping,
    SetTaxRate,
)
from merx.catalog.tax import INCLUSIVE, TaxMode, TaxPolicy

__all__ = [
    "AT_COST",
    "INCLUSIVE",
    "BelowCost",
    "ChangePrice",
    "CostNotApplicable",
    "CreateSku",
    "DelistSku",
    "Fulfillment",
    "FulfillmentMode",
    "GoodsType",
    "InstallmentEligibilityChanged",
    "InvalidShipping",
    "InvalidSpecs",
    "InvalidTaxRate",
    "ListSku",
    "MarginBreached",
    "NewUsersOnly",
    "NotListed",
    "PlaceSku",
    "Placement",
    "PlacementOverlap",
    "PlacementRemoved",
    "PriceChanged",
    "ProfitPolicy",
    "PurchaseCostSet",
    "PurchaseLimitExceeded",
    "RemovePlacement",
    "RestrictedRegion",
    "SalesRestrictions",
    "SalesRestrictionsChanged",
    "SetInstallmentEligible",
    "SetPurchaseCost",
    "SetSalesRestrictions",
    "SetSkuLabels",
    "SetSkuShipping",
    "SetTaxRate",
    "Sku",
    "SkuCreated",
    "SkuDelisted",
    "SkuLabelsChanged",
    "SkuListed",
    "SkuPlaced",
    "SkuShippingSet",
    "SkuStatus",
    "TaxMode",
    "TaxPolicy",
    "TaxRateSet",
    "UnknownPlacement",
    "VerificationRequired",
    "arrange_slot",
    "labels_of",
]
