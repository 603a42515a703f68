"""merx.clearing: marketplace orders flow into the settlement ledger.

Subscribers that turn the golden process's events into settlement's bookings: a paid
merchant order books its lines (amount, the merchant's own discount, the platform's
subsidy) through the channel it was paid with; a completed one clears to the merchant;
each after-sales refund reverses its lines. Self-operated (platform) orders are not
cleared: the platform keeps its own sales.
"""

from merx.clearing.services import (
    book_after_sale_refund,
    book_completed_order,
    book_paid_order,
    sale_lines,
)

__all__ = ["book_after_sale_refund", "book_completed_order", "book_paid_order", "sale_lines"]
