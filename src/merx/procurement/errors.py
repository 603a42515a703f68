"""The procurement context's errors, each under one family of :mod:`merx.errors`.

A supplier that is not approved, or of the wrong type, raises
:class:`merx.suppliers.SupplierNotActive` / :class:`merx.suppliers.WrongSupplierType`.
"""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, NotFound, ValidationError


class InvalidPeriod(ValidationError):
    """A period does not end after it starts, or a bound is not a plain date."""


class OverlappingPricePeriod(BusinessRuleViolation):
    """A contract price's period overlaps another price's period for the same SKU."""


class NoContractPrice(NotFound):
    """The contract lists no price for this SKU on this date."""


class ContractNotInForce(BusinessRuleViolation):
    """The contract is not signed, not yet in force or already terminated on this date."""


class NotOnPurchaseOrder(ValidationError):
    """A receipt names a SKU the purchase order does not hold."""


class ReceiptExceedsOrder(BusinessRuleViolation):
    """A receipt would take a line's received quantity beyond the quantity ordered."""


class PeriodAlreadySettled(BusinessRuleViolation):
    """A statement's period overlaps one already issued to the supplier on the same basis."""


class PeriodNotClosed(BusinessRuleViolation):
    """A statement's period has not ended yet: receipts or sales may still fall into it."""


class SaleOutsidePeriod(ValidationError):
    """A sold line given for a consignment statement is dated outside the statement period."""
