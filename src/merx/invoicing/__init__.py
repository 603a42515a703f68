"""merx.invoicing: invoices of sellers' orders: requested, issued, corrected, voided.

The command handlers and the two subscribers that keep invoices in step with refunds are in
``merx.invoicing.services`` (for the composition root); the transition table
(``INVOICE_FLOW``) in ``merx.invoicing.model``.
"""

from merx.invoicing.errors import (
    DuplicateInvoiceNumber,
    InvoiceAlreadyRequested,
    InvoiceStillOwed,
    MissingTaxId,
    NothingToInvoice,
    OrderNotPaid,
    RefundsNotAttributed,
)
from merx.invoicing.model import (
    BuyerKind,
    Invoice,
    InvoiceCorrectionDue,
    InvoiceIssued,
    InvoiceLine,
    InvoiceReissued,
    InvoiceRequested,
    InvoiceStatus,
    InvoiceTitle,
    InvoiceVoided,
)
from merx.invoicing.services import IssueInvoice, ReissueInvoice, RequestInvoice, VoidInvoice

__all__ = [
    "BuyerKind",
    "DuplicateInvoiceNumber",
    "Invoice",
    "InvoiceAlreadyRequested",
    "InvoiceCorrectionDue",
    "InvoiceIssued",
    "InvoiceLine",
    "InvoiceReissued",
    "InvoiceRequested",
    "InvoiceStatus",
    "InvoiceStillOwed",
    "InvoiceTitle",
    "InvoiceVoided",
    "IssueInvoice",
    "MissingTaxId",
    "NothingToInvoice",
    "OrderNotPaid",
    "RefundsNotAttributed",
    "ReissueInvoice",
    "RequestInvoice",
    "VoidInvoice",
]
