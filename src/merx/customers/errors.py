"""The customers context's errors, each under one family of :mod:`merx.errors`."""

from __future__ import annotations

from merx.kernel.errors import NotFound


class UnknownAddress(NotFound):
    """The customer has no address under this label (or no default address)."""
