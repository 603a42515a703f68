"""merx.checkout: the cart and the quote (trial calculation).

The command handlers are in ``merx.checkout.services`` (for the composition root);
:func:`quote_cart` is the read the checkout page and order placement call;
:func:`freight_templates` and :func:`freight_charges` price freight the same way for an
order priced outside the cart (a pre-sale's balance).
"""

from merx.checkout.errors import EmptySelection, NoFreightTemplate, NotInCart, OrderLimitExceeded
from merx.checkout.freight import FreightTerms
from merx.checkout.model import (
    POINTS,
    Cart,
    CartChanged,
    FreightCharge,
    LineDiscount,
    OrderLimits,
    Quote,
    QuotedLine,
    QuoteMade,
    freight_charges,
)
from merx.checkout.services import (
    AddToCart,
    Offers,
    RemoveFreightTemplate,
    RemoveFromCart,
    SetCartQuantity,
    SetFreightTemplate,
    freight_templates,
    no_offers,
    quote_cart,
)

__all__ = [
    "POINTS",
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
    "QuoteMade",
    "QuotedLine",
    "RemoveFreightTemplate",
    "RemoveFromCart",
    "SetCartQuantity",
    "SetFreightTemplate",
    "freight_charges",
    "freight_templates",
    "no_offers",
    "quote_cart",
]
