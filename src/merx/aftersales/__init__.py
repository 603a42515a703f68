"""merx.aftersales: refunds, returns and exchanges after payment."""

from merx.aftersales.model import (
    AFTERSALE_FLOW,
    AfterSale,
    AfterSaleApproved,
    AfterSaleCompleted,
    AfterSaleKind,
    AfterSaleRejected,
    AfterSaleRequested,
    AfterSaleStatus,
)
from merx.aftersales.services import (
    ApproveAfterSale,
    NotEligible,
    RejectAfterSale,
    RequestRefund,
    approve_after_sale,
    reject_after_sale,
    request_refund,
)

__all__ = [
    "AFTERSALE_FLOW",
    "AfterSale",
    "AfterSaleApproved",
    "AfterSaleCompleted",
    "AfterSaleKind",
    "AfterSaleRejected",
    "AfterSaleRequested",
    "AfterSaleStatus",
    "ApproveAfterSale",
    "NotEligible",
    "RejectAfterSale",
    "RequestRefund",
    "approve_after_sale",
    "reject_after_sale",
    "request_refund",
]
