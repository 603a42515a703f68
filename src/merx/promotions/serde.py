"""The cattrs converter for the promotions context's aggregates: to JSON-ready dicts and back.

Built on :mod:`merx.kernel.serde` (Money as ``{"amount", "currency"}``, aggregates with
their version and without pending events); a promotion definition inside a campaign or a
wallet is written exactly as :mod:`merx.pricing.serde` writes it (an object whose ``kind``
names its class). :func:`structure` raises :class:`~merx.kernel.errors.ValidationError`
on malformed data.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base
from merx.pricing import Promotion
from merx.pricing import serde as pricing_serde
from merx.promotions.budgets import CampaignUse, PromotionUsage
from merx.promotions.codes import CheckoutCodes, CodeSet, CodeSetUse, VoucherCode, VoucherUsage
from merx.promotions.lifecycle import Campaign, LiveCampaigns
from merx.promotions.wallet import Wallet

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (
    Campaign,
    Wallet,
    PromotionUsage,
    CampaignUse,
    LiveCampaigns,
    CodeSet,
    VoucherCode,
    CodeSetUse,
    VoucherUsage,
    CheckoutCodes,
)


def _is_promotion(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, Promotion)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the promotions context's types (hosts may extend their own copy)."""
    converter = base.make_converter()
    converter.register_unstructure_hook_func(_is_promotion, pricing_serde.unstructure)
    converter.register_structure_hook_func(_is_promotion, pricing_serde.structure)
    base.register_aggregates(converter, AGGREGATES)
    return converter


converter = make_converter()


def unstructure(value: object) -> Any:
    """``value`` as plain dicts, lists, strings, numbers and booleans."""
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
