"""merx.checkout: the cart and the quote (trial calculation).

The command handlers are in ``merx.checkout.services`` (for the composition root);
:func:`quote_cart` is the read the checkout page and order placement call.
"""

from merx.checkout.errors import EmptySelection, NoFreightTemplate, NotInCart, OrderLimitExceeded
from merx.checkout.freight import FreightTerms
from merx.checkout.model import (
    Cart,
    CartChanged,
    FreightCharge,
    LineDiscount,
    OrderLimits,
    Quote,
    QuotedLine,
)
from merx.checkout.services import (
    AddToCart,
    Offers,
    RemoveFreightTemplate,
    RemoveFromCart,
    SetCartQuantity,
    SetFreightTemplate,
    no_offers,
    quote_cart,
)

__all__ = [
    "AddToCart",
    "Cart",
    "CartChanged",
    "EmptySelection",
    "FreightCharge",
    "FreightTerms",
    "LineDiscount",
    "NoFreightTemplate",
    "NotInCart",
    "Offers",
    "OrderLimitExceeded",
    "OrderLimits",
    "Quote",
    "QuotedLine",
    "RemoveFreightTemplate",
    "RemoveFromCart",
    "SetCartQuantity",
    "SetFreightTemplate",
    "no_offers",
    "quote_cart",
]
