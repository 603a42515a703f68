"""merx.checkout: the cart and the quote (trial calculation)."""

from merx.checkout.model import Cart, CartChanged, CartItem, EmptySelection, Quote, QuotedLine
from merx.checkout.services import (
    AddToCart,
    RemoveFromCart,
    SetCartQuantity,
    add_to_cart,
    quote_cart,
    remove_from_cart,
    set_cart_quantity,
)

__all__ = [
    "AddToCart",
    "Cart",
    "CartChanged",
    "CartItem",
    "EmptySelection",
    "Quote",
    "QuotedLine",
    "RemoveFromCart",
    "SetCartQuantity",
    "add_to_cart",
    "quote_cart",
    "remove_from_cart",
    "set_cart_quantity",
]
