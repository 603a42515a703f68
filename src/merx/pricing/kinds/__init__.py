"""The promotion kinds: one module each, and the registry that names them.

A kind is a :class:`~merx.pricing.model.Promotion` subclass with a ``kind`` name, a
``stage`` within its level, a ``level`` and a ``rule()``; the engine prices any such class.
The registry maps kind names to classes for what reads definitions from JSON (the pricing
serde, campaign storage, spec cases). Adding a kind is a new module here and one more class
in :data:`KINDS`; a host adds its own with ``KINDS.with_kind(MyKind)``.
"""

from __future__ import annotations

import attrs

from merx.pricing.errors import InvalidPromotion, UnknownPromotionKind
from merx.pricing.kinds.bundle import Bundle, BundleItem
from merx.pricing.kinds.coupon import Coupon, CouponLevel
from merx.pricing.kinds.direct import DirectReduction
from merx.pricing.kinds.freight import FreeShipping, FreightCoupon
from merx.pricing.kinds.gift import GiftPromotion
from merx.pricing.kinds.multibuy import Multibuy
from merx.pricing.kinds.payment_off import PaymentOff
from merx.pricing.kinds.threshold_off import ThresholdOff, Tier
from merx.pricing.kinds.threshold_percent import PercentTier, ThresholdPercent
from merx.pricing.model import Promotion


def _check_kind(cls: object) -> type[Promotion]:
    if not isinstance(cls, type) or not issubclass(cls, Promotion) or cls is Promotion:
        raise InvalidPromotion(f"a promotion kind is a subclass of Promotion, got {cls!r}")
    if "__attrs_attrs__" not in cls.__dict__:  # decorated itself, not only its base
        raise InvalidPromotion(f"promotion kind {cls.__name__} must be an attrs class")
    name = cls.__dict__.get("kind")
    if not isinstance(name, str) or not name:
        raise InvalidPromotion(f"promotion kind {cls.__name__} must name its kind")
    if not isinstance(cls.stage, int) or isinstance(cls.stage, bool):
        raise InvalidPromotion(f"promotion kind {name}: stage must be an integer")
    return cls


@attrs.frozen
class KindRegistry:
    """Promotion kinds by name: immutable; :meth:`with_kind` gives a larger registry."""

    classes: tuple[type[Promotion], ...]

    def __attrs_post_init__(self) -> None:
        names = [_check_kind(cls).kind for cls in self.classes]
        if len(set(names)) != len(names):
            raise InvalidPromotion(f"promotion kinds must have distinct names, got {names}")

    def with_kind(self, cls: type[Promotion]) -> KindRegistry:
        """This registry and ``cls`` (its ``kind`` name must be new)."""
        return KindRegistry((*self.classes, cls))

    def __getitem__(self, name: object) -> type[Promotion]:
        for cls in self.classes:
            if cls.kind == name:
                return cls
        raise UnknownPromotionKind(f"unknown promotion kind {name!r}")

    def names(self) -> tuple[str, ...]:
        return tuple(cls.kind for cls in self.classes)


#: The kinds merx prices (the pricing spec's kinds).
KINDS = KindRegistry(
    (
        DirectReduction,
        Bundle,
        ThresholdOff,
        ThresholdPercent,
        GiftPromotion,
        Coupon,
        PaymentOff,
        Multibuy,
        FreeShipping,
        FreightCoupon,
    )
)

__all__ = [
    "KINDS",
    "Bundle",
    "BundleItem",
    "Coupon",
    "CouponLevel",
    "DirectReduction",
    "FreeShipping",
    "FreightCoupon",
    "GiftPromotion",
    "KindRegistry",
    "Multibuy",
    "PaymentOff",
    "PercentTier",
    "ThresholdOff",
    "ThresholdPercent",
    "Tier",
]
