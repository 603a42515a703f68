"""merx.checkout: the cart and the quote (trial calculation)."""

from merx.checkout.model import (
    Cart,
    CartChanged,
    CartItem,
    EmptySelection,
    LineDiscount,
    Quote,
    QuotedLine,
    line_discounts,
)
from merx.checkout.services import (
    AddToCart,
    Offers,
    RemoveFromCart,
    SetCartQuantity,
    add_to_cart,
    no_offers,
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
    "LineDiscount",
    "Offers",
    "Quote",
    "QuotedLine",
    "RemoveFromCart",
    "SetCartQuantity",
    "add_to_cart",
    "line_discounts",
    "no_offers",
    "quote_cart",
    "remove_from_cart",
    "set_cart_quantity",
]
