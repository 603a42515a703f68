"""The suppliers context's errors, each under one family of :mod:`merx.errors`.

The qualification review's errors (an expired or missing document, an incomplete review)
are :mod:`merx.qualification`'s; the ones below are the supplier relationship's and its
ports'.
"""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, NotFound, OutcomeUnknown


class SupplierNotActive(BusinessRuleViolation):
    """The supplier is not approved (still applying, rejected, suspended or terminated)."""


class WrongSupplierType(BusinessRuleViolation):
    """The supplier's type does not allow this (a purchase order for a consignment one)."""


class SupplierTimeout(OutcomeUnknown):
    """The supplier did not answer in time: the purchase may or may not have happened."""


class UnknownPurchase(NotFound):
    """The supplier has no purchase under this idempotency key (it never received it)."""


class ConsignmentTimeout(OutcomeUnknown):
    """The supplier did not answer in time: the order may or may not have been pushed."""


class UnknownConsignmentOrder(NotFound):
    """The supplier has no order under this reference."""
