"""merx.invoicing's public API, pinned: a name added or dropped is a visible decision."""

from __future__ import annotations

from merx import invoicing

PUBLIC = [
    "BuyerKind",
    "DuplicateInvoiceNumber",
    "Invoice",
    "InvoiceAlreadyRequested",
    "InvoiceCorrectionDue",
    "InvoiceIssued",
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


def test_the_public_api_is_exactly_these_names() -> None:
    assert sorted(invoicing.__all__) == PUBLIC
    assert len(PUBLIC) <= 60
    for name in PUBLIC:
        assert getattr(invoicing, name) is not None
