"""merx.clearing's public API is pinned: its subscribers and how it reads an order."""

from __future__ import annotations

import merx.clearing


def test_the_public_api_is_exactly_the_pinned_names() -> None:
    assert set(merx.clearing.__all__) == {
        "book_after_sale_refund",
        "book_completed_order",
        "book_paid_order",
        "sale_lines",
    }
