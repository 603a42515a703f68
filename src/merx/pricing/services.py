"""The pricing use cases: quote a cart (:func:`merx.pricing.quote`, in the engine) and
quote a serialized request, such as a pricing spec case (:func:`quote_from_dict`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from merx.kernel.money import Money
from merx.pricing.engine import quote
from merx.pricing.errors import MalformedPricingInput
from merx.pricing.freight import FreightTemplate
from merx.pricing.kinds import KINDS, KindRegistry
from merx.pricing.model import CartLine, Customer, Promotion, Quote, Range, TaxMode
from merx.pricing.serde import structure


@attrs.frozen
class PricingRequest:
    """Everything :func:`merx.pricing.quote` takes, as one serializable value."""

    lines: tuple[CartLine, ...]
    customer: Customer
    at: datetime
    promotions: tuple[Promotion, ...] = ()
    wallet: tuple[Promotion, ...] = ()
    payment_method: str | None = None
    destination: str | None = None
    freight: tuple[FreightTemplate, ...] = ()
    ranges: dict[str, Range] = attrs.field(factory=dict)
    #: promotion id -> times everyone used it (for ``global_limit``)
    usage: dict[str, int] = attrs.field(factory=dict)
    tax_mode: TaxMode = "inclusive"

    def quote(self) -> Quote:
        return quote(
            self.lines,
            self.promotions,
            self.wallet,
            self.customer,
            self.at,
            self.payment_method,
            destination=self.destination,
            freight=self.freight,
            ranges=self.ranges,
            usage=self.usage,
            tax_mode=self.tax_mode,
        )


def quote_to_dict(result: Quote) -> dict[str, Any]:
    """A quote in the shape of a spec case's ``expect``."""
    return {
        "payable": str(result.payable.amount),
        "discount": str(result.discount.amount),
        "applied": sorted(result.applied),
        "lines": {line.sku: str(line.amount.amount) for line in result.lines},
        "cost": {funding.party: str(funding.amount.amount) for funding in result.cost},
        "gifts": {gift.sku: gift.quantity for gift in result.gifts},
        "hints": {hint.promotion_id: str(hint.amount.amount) for hint in result.hints},
        "freight": {seller: str(fee.amount) for seller, fee in _freight_by_seller(result).items()},
        "tax": {line.sku: str(line.tax.amount) for line in result.lines},
    }


def _freight_by_seller(result: Quote) -> dict[str, Money]:
    """Each seller's freight charged (summed over its origins)."""
    fees: dict[str, Money] = {}
    for shipment in result.freight:
        known = fees.get(shipment.seller)
        fees[shipment.seller] = shipment.fee if known is None else known + shipment.fee
    return fees


def quote_from_dict(case: Mapping[str, Any], kinds: KindRegistry = KINDS) -> dict[str, Any]:
    """Load one pricing spec case (``name`` and ``expect`` are ignored), quote it and return
    a dict shaped like ``expect``. ``kinds`` names the promotion kinds the case may use.
    Malformed input raises a MerxError subclass."""
    if not isinstance(case, Mapping):
        raise MalformedPricingInput(f"a pricing case must be an object, got {case!r}")
    currency = case.get("currency")
    if not isinstance(currency, str):
        raise MalformedPricingInput(f"currency must be an ISO code string, got {currency!r}")
    fields = {
        key: value for key, value in case.items() if key not in ("name", "expect", "currency")
    }
    request = structure(fields, PricingRequest, currency, kinds)
    return quote_to_dict(request.quote())
