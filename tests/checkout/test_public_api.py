"""merx.checkout's public API, pinned: a name added or dropped is a visible decision."""

from __future__ import annotations

from merx import checkout

PUBLIC = [
    "AddToCart",
    "Cart",
    "CartChanged",
    "EmptySelection",
    "NotInCart",
    "Offers",
    "Quote",
    "QuotedLine",
    "RemoveFromCart",
    "SetCartQuantity",
    "no_offers",
    "quote_cart",
]


def test_the_public_api_is_exactly_these_names() -> None:
    assert sorted(checkout.__all__) == PUBLIC
    assert len(PUBLIC) <= 60
    for name in PUBLIC:
        assert getattr(checkout, name) is not None
