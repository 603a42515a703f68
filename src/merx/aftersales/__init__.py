"""merx.aftersales: refunds, returns, exchanges and refund-only after payment.

The command handlers are in ``merx.aftersales.services`` (for the composition root); the
transition tables (``FLOWS``) in ``merx.aftersales.model``.
"""

from merx.aftersales.errors import NotEligible, RefundDenied, RefundHeld
from merx.aftersales.model import (
    AfterSale,
    AfterSaleApproved,
    AfterSaleCompleted,
    AfterSaleKind,
    AfterSaleRejected,
    AfterSaleRequested,
    AfterSaleStatus,
    Funder,
    GrantKind,
    ReturnInspected,
    ReturnShipped,
)
from merx.aftersales.ports import AfterSaleQueries, RefundScreen, RefundScreening, RefundVerdict
from merx.aftersales.services import (
    ApproveAfterSale,
    GrantRefund,
    InspectReturn,
    RejectAfterSale,
    RequestExchange,
    RequestRefund,
    RequestRefundOnly,
    RequestReturn,
    SendReturn,
    ShipReplacement,
    SyncAfterSaleRefund,
    merchant_case,
    open_cases,
)

__all__ = [
    "AfterSale",
    "AfterSaleApproved",
    "AfterSaleCompleted",
    "AfterSaleKind",
    "AfterSaleQueries",
    "AfterSaleRejected",
    "AfterSaleRequested",
    "AfterSaleStatus",
    "ApproveAfterSale",
    "Funder",
    "GrantKind",
    "GrantRefund",
    "InspectReturn",
    "NotEligible",
    "RefundDenied",
    "RefundHeld",
    "RefundScreen",
    "RefundScreening",
    "RefundVerdict",
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
    "open_cases",
]
