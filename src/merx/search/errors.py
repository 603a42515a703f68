"""Errors of the search context."""

from __future__ import annotations

from merx.kernel.errors import ValidationError


class InvalidSearchDocument(ValidationError):
    """A document handed to the index is malformed (no title, a negative sales count...)."""


class InvalidSearchQuery(ValidationError):
    """A query asks for something the index cannot answer (a page beyond the limits, a
    price range upside down, prices in two currencies, an unknown sort)."""
