"""merx.catalog's public API, pinned: a name added or dropped is a visible decision."""

from __future__ import annotations

from merx import catalog

PUBLIC = [
    "AT_COST",
    "BelowCost",
    "ChangePrice",
    "CostNotApplicable",
    "CreateSku",
    "DelistSku",
    "Fulfillment",
    "FulfillmentMode",
    "GoodsType",
    "InstallmentEligibilityChanged",
    "InvalidSpecs",
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
    "Sku",
    "SkuCreated",
    "SkuDelisted",
    "SkuLabelsChanged",
    "SkuListed",
    "SkuPlaced",
    "SkuStatus",
    "UnknownPlacement",
    "VerificationRequired",
    "arrange_slot",
    "labels_of",
]


def test_the_public_api_is_exactly_these_names() -> None:
    assert sorted(catalog.__all__) == PUBLIC
    assert len(PUBLIC) <= 60
    for name in PUBLIC:
        assert getattr(catalog, name) is not None
