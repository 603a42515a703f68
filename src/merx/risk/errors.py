"""The risk context's errors, each under one family of :mod:`merx.errors`.

Messages name keys by their kind and digest and accounts by their id: never personal data.
"""

from __future__ import annotations

from merx.kernel.errors import IdempotencyConflict, NotFound, ValidationError


class InvalidRiskInput(ValidationError):
    """A risk command's value is malformed: an empty key or reason, an expiry not after
    now, a clear-text phone where a digest belongs, an amount missing for a transaction
    that needs one."""


class NotListed(NotFound):
    """The key is on no list (or its listing expired): nothing to remove."""


class UnknownReviewCase(NotFound):
    """No manual review case has this id."""


class AssessmentConflict(IdempotencyConflict):
    """A decision id arrived again with a different transaction."""


class UnknownRiskAccount(NotFound):
    """Risk control holds nothing about this account (no decision, no link): it cannot be
    labelled."""
