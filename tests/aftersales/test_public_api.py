"""merx.aftersales's public API, pinned: a name added or dropped is a visible decision."""

from __future__ import annotations

from merx import aftersales

PUBLIC = [
    "AfterSale",
    "AfterSaleApproved",
    "AfterSaleCompleted",
    "AfterSaleKind",
    "AfterSaleRejected",
    "AfterSaleRequested",
    "AfterSaleStatus",
    "ApproveAfterSale",
    "InspectReturn",
    "NotEligible",
    "RejectAfterSale",
    "RequestExchange",
    "RequestRefund",
    "RequestRefundOnly",
    "RequestReturn",
    "ReturnInspected",
    "ReturnShipped",
    "SendReturn",
    "ShipReplacement",
    "SyncAfterSaleRefund",
    "merchant_case",
]


def test_the_public_api_is_exactly_these_names() -> None:
    assert sorted(aftersales.__all__) == PUBLIC
    assert len(PUBLIC) <= 60
    for name in PUBLIC:
        assert getattr(aftersales, name) is not None
