"""Errors of the behaviour context."""

from __future__ import annotations

from merx.kernel.errors import ValidationError


class InvalidBehaviour(ValidationError):
    """A tracked behaviour is malformed: a view or click without a SKU, a search without
    words, an empty session id, an unknown kind."""
