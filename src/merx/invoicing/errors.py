"""The invoicing context's errors, each under one family of :mod:`merx.errors`."""

from __future__ import annotations

from merx.kernel.errors import AlreadyExists, BusinessRuleViolation, ValidationError


class OrderNotPaid(BusinessRuleViolation):
    """An invoice was asked for an order that has not been paid."""


class InvoiceAlreadyRequested(AlreadyExists):
    """The order already has an invoice (one per seller's order)."""


class NothingToInvoice(BusinessRuleViolation):
    """The order has nothing left to invoice: everything paid was refunded."""


class InvoiceStillOwed(BusinessRuleViolation):
    """An invoice cannot be voided while its order still has an amount to invoice."""


class MissingTaxId(ValidationError):
    """A company invoice needs the company's tax id (and a personal one takes none)."""


class DuplicateInvoiceNumber(ValidationError):
    """An invoice number already used on this invoice."""


class RefundsNotAttributed(BusinessRuleViolation):
    """The parent order has several sellers' orders and refunds not attributed to one of
    them, so what each order refunded is unknown."""
