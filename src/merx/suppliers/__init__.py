"""merx.suppliers: who supplies us, and the supplier systems we buy and order through.

A supplier applies and is approved on a reviewed qualification (the shared
:mod:`merx.qualification` review: business licence, brand authorisations), then may be
suspended, reinstated or terminated. Its :class:`SupplierType` says how its goods reach
the customer: *stocked* (bought into our warehouse on purchase orders, see
:mod:`merx.procurement`), *consignment* (paid orders are pushed to it through the
:class:`ConsignmentChannel` port, :class:`PushConsignmentOrder`, and it ships) or
*real-time API* (virtual goods bought at fulfillment through the
:class:`VirtualGoodsSupplier` port). See docs/supply.md.
"""

from merx.qualification import DocumentKind
from merx.suppliers.errors import (
    ConsignmentTimeout,
    SupplierNotActive,
    SupplierTimeout,
    UnknownConsignmentOrder,
    UnknownPurchase,
    WrongSupplierType,
)
from merx.suppliers.model import (
    QualificationDocumentAdded,
    QualificationDocumentRemoved,
    QualificationDocumentReviewed,
    Supplier,
    SupplierApplicationSubmitted,
    SupplierApplied,
    SupplierApproved,
    SupplierReapplied,
    SupplierReinstated,
    SupplierRejected,
    SupplierState,
    SupplierSuspended,
    SupplierTerminated,
    SupplierType,
)
from merx.suppliers.ports import (
    ConsignmentAck,
    ConsignmentChannel,
    ConsignmentShipment,
    SupplierResult,
    SupplierStatus,
    VirtualGoodsSupplier,
)
from merx.suppliers.services import (
    AddQualificationDocument,
    ApplySupplier,
    ApproveSupplier,
    PushConsignmentOrder,
    ReapplySupplier,
    ReinstateSupplier,
    RejectSupplier,
    RemoveQualificationDocument,
    ReviewQualificationDocument,
    SubmitSupplierApplication,
    SuspendSupplier,
    TerminateSupplier,
    push_consignment_order,
)

__all__ = [
    "AddQualificationDocument",
    "ApplySupplier",
    "ApproveSupplier",
    "ConsignmentAck",
    "ConsignmentChannel",
    "ConsignmentShipment",
    "ConsignmentTimeout",
    "DocumentKind",
    "PushConsignmentOrder",
    "QualificationDocumentAdded",
    "QualificationDocumentRemoved",
    "QualificationDocumentReviewed",
    "ReapplySupplier",
    "ReinstateSupplier",
    "RejectSupplier",
    "RemoveQualificationDocument",
    "ReviewQualificationDocument",
    "SubmitSupplierApplication",
    "Supplier",
    "SupplierApplicationSubmitted",
    "SupplierApplied",
    "SupplierApproved",
    "SupplierNotActive",
    "SupplierReapplied",
    "SupplierReinstated",
    "SupplierRejected",
    "SupplierResult",
    "SupplierState",
    "SupplierStatus",
    "SupplierSuspended",
    "SupplierTerminated",
    "SupplierTimeout",
    "SupplierType",
    "SuspendSupplier",
    "TerminateSupplier",
    "UnknownConsignmentOrder",
    "UnknownPurchase",
    "VirtualGoodsSupplier",
    "WrongSupplierType",
    "push_consignment_order",
]
