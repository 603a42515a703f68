"""merx.pricing: the billing core, "the best discount for the user".

``quote(lines, promotions, wallet, customer, at, payment_method)`` prices a cart under the
promotions in force, choosing the best valid selection exactly; a definition is a frozen
value of one of the kinds (``DirectReduction``, ``Bundle``, ``ThresholdOff``,
``ThresholdPercent``, ``GiftPromotion``, ``Coupon``, ``PaymentOff``), each a subclass of
``Promotion``; ``KINDS`` names them for JSON, and a host adds a kind with
``KINDS.with_kind``. ``quote_from_dict`` runs one pricing spec case; ``QuoteMemo``
remembers recent quotes. Pure: no state, no I/O. Campaigns, budgets and wallets, which
decide *which* promotions are in force, are ``merx.promotions``.
"""

from merx.pricing.engine import exhaustive_quote, quote
from merx.pricing.errors import (
    InvalidCart,
    InvalidLineQuantity,
    InvalidPromotion,
    MalformedPricingInput,
    PromotionCurrencyMismatch,
    UnknownPromotionKind,
)
from merx.pricing.kinds import (
    KINDS,
    Bundle,
    BundleItem,
    Coupon,
    DirectReduction,
    GiftPromotion,
    KindRegistry,
    PaymentOff,
    PercentTier,
    ThresholdOff,
    ThresholdPercent,
    Tier,
)
from merx.pricing.memo import QuoteMemo, in_force_window
from merx.pricing.model import (
    Allocation,
    AppliedPromotion,
    BaseRule,
    CartLine,
    Customer,
    Effect,
    Funding,
    FundingShare,
    GiftItem,
    Hint,
    Level,
    MerchantPromotion,
    Promotion,
    Quote,
    QuoteLine,
    Rejection,
    RejectionCode,
    Scope,
    SellerFreight,
    Taken,
    TaxMode,
    UnitGroupRule,
    UnitGroups,
    UnitPriceRule,
)
from merx.pricing.ports import Pricer
from merx.pricing.services import PricingRequest, quote_from_dict

__all__ = [
    "KINDS",
    "Allocation",
    "AppliedPromotion",
    "BaseRule",
    "Bundle",
    "BundleItem",
    "CartLine",
    "Coupon",
    "Customer",
    "DirectReduction",
    "Effect",
    "Funding",
    "FundingShare",
    "GiftItem",
    "GiftPromotion",
    "Hint",
    "InvalidCart",
    "InvalidLineQuantity",
    "InvalidPromotion",
    "KindRegistry",
    "Level",
    "MalformedPricingInput",
    "MerchantPromotion",
    "PaymentOff",
    "PercentTier",
    "Pricer",
    "PricingRequest",
    "Promotion",
    "PromotionCurrencyMismatch",
    "Quote",
    "QuoteLine",
    "QuoteMemo",
    "Rejection",
    "RejectionCode",
    "Scope",
    "SellerFreight",
    "Taken",
    "TaxMode",
    "ThresholdOff",
    "ThresholdPercent",
    "Tier",
    "UnitGroupRule",
    "UnitGroups",
    "UnitPriceRule",
    "UnknownPromotionKind",
    "exhaustive_quote",
    "in_force_window",
    "quote",
    "quote_from_dict",
]
