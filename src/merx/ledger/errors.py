"""The ledger's errors, each under one family of :mod:`merx.errors`.

Messages name the book, the entry (its key or number) and the offending value.
"""

from __future__ import annotations

from merx.kernel.errors import AlreadyExists, BusinessRuleViolation, NotFound, ValidationError


class InvalidEntry(ValidationError):
    """An entry is malformed: fewer than two legs, an amount that is not a non-zero int,
    an account named twice, a kind that is not an :class:`~merx.ledger.EntryKind`."""


class UnbalancedEntry(InvalidEntry):
    """An entry's legs do not sum to zero."""


class InvalidAccount(ValidationError):
    """An account id is malformed (a role without its channel or merchant, a merchant
    account without its bucket), or a stored name names no account of the chart."""


class UnknownEntryKind(ValidationError):
    """Stored data names an entry kind the ledger does not know."""


class UnknownAccount(NotFound):
    """An entry names an account the ledger has not opened."""


class AccountAlreadyOpen(AlreadyExists):
    """An account was opened twice."""


class UnknownEntry(NotFound):
    """No entry has this sequence number."""


class EntryNotPending(BusinessRuleViolation):
    """Only an open pending entry can be posted or voided."""


class EntryAlreadyReversed(BusinessRuleViolation):
    """An entry can be reversed once (reverse the reversal to undo it)."""
