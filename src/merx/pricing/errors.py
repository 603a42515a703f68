"""Errors of the pricing context, each under one of the ``merx.errors`` families.

``InvalidPromotion`` and ``InvalidCart`` are raised while a definition or a cart line is
built (before any pricing happens); ``MalformedPricingInput`` wraps what the converter
cannot read at all (a missing field, a list where a string belongs).
"""

from __future__ import annotations

from merx.kernel.errors import (
    BusinessRuleViolation,
    CurrencyMismatch,
    InvalidQuantity,
    ValidationError,
)


class InvalidPromotion(ValidationError):
    """A promotion or coupon definition is malformed (bad percent, negative amount...)."""


class UnknownPromotionKind(InvalidPromotion):
    """The ``kind`` of a promotion is not one merx prices."""


class PromotionCurrencyMismatch(InvalidPromotion, CurrencyMismatch):
    """A promotion's amounts are not all in the cart's currency."""


class InvalidCart(ValidationError):
    """A cart line, the customer or the quote's inputs are malformed."""


class InvalidLineQuantity(InvalidCart, InvalidQuantity):
    """A cart line's quantity is not a whole number of at least one."""


class MalformedPricingInput(ValidationError):
    """Serialized pricing input has a missing, extra or wrongly typed field."""


class UnknownRange(InvalidPromotion):
    """A promotion's scope names a range the quote was not given."""


class InvalidFreightTemplate(ValidationError):
    """A freight template is malformed (no rule, a non-positive step, a negative fee...)."""


class UndeliverableDestination(BusinessRuleViolation):
    """A seller's template does not deliver to the destination (or none was given)."""
