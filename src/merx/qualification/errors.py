"""The qualification review's errors, each under one family of :mod:`merx.errors`.

Merchants and suppliers raise these from their own commands (adding, reviewing documents,
submitting, approving); messages name the holder (``supplier 'sup-1'``) and the document.
"""

from __future__ import annotations

from merx.kernel.errors import AlreadyExists, BusinessRuleViolation, NotFound, ValidationError


class InvalidExpiryDate(ValidationError):
    """A document's expiry date is not a plain date (a datetime, a string, ...)."""


class MissingDocument(BusinessRuleViolation):
    """An application lacks a document it needs (a business licence)."""


class DocumentExpired(BusinessRuleViolation):
    """A qualification document's expiry date has passed."""


class ReviewIncomplete(BusinessRuleViolation):
    """The applicant cannot be approved: a document is unreviewed or was rejected."""


class UnknownDocument(NotFound):
    """The applicant holds no qualification document with this number."""


class DuplicateDocument(AlreadyExists):
    """The applicant already holds a qualification document with this number."""
