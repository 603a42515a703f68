"""Quantities: counts of units are positive whole numbers."""

from __future__ import annotations

from merx.kernel.errors import InvalidQuantity


def require_quantity(quantity: int, what: str = "quantity") -> int:
    """``quantity`` if it is a positive whole number, else :class:`InvalidQuantity`."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidQuantity(f"{what} must be a positive whole number, got {quantity!r}")
    return quantity
