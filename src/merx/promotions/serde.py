"""The cattrs converter of the promotions context, and the pricing spec's case format.

Amounts travel as decimal strings of one currency (the converter is built per currency),
instants as ISO-8601 strings, ``funded_by`` as a ``{party: share}`` object and a promotion
as an object whose ``kind`` names its class. Reading is strict: floats, booleans where a
number belongs, unknown keys and unknown kinds are refused with a typed error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import BaseValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from dateutil.parser import isoparse

from merx.kernel import serde as base
from merx.kernel.errors import MerxError
from merx.kernel.money import Money, minor_unit
from merx.promotions.budgets import CampaignUse, PromotionUsage
from merx.promotions.engine import quote
from merx.promotions.errors import MalformedPricingInput, UnknownPromotionKind
from merx.promotions.lifecycle import Campaign, LiveCampaigns
from merx.promotions.model import (
    PROMOTION_KINDS,
    CartLine,
    Customer,
    FundingShare,
    Promotion,
    Quote,
)
from merx.promotions.wallet import Wallet

T = TypeVar("T")


@attrs.frozen
class PricingRequest:
    """Everything :func:`merx.promotions.quote` takes, as one serializable value."""

    lines: tuple[CartLine, ...]
    customer: Customer
    at: datetime
    promotions: tuple[Promotion, ...] = ()
    wallet: tuple[Promotion, ...] = ()
    payment_method: str | None = None

    def quote(self) -> Quote:
        return quote(
            self.lines, self.promotions, self.wallet, self.customer, self.at, self.payment_method
        )


def _strict(kind: type[T], name: str) -> Callable[[Any, type[T]], T]:
    def structure(value: Any, _: type[T]) -> T:
        if isinstance(value, bool) is not (kind is bool) or not isinstance(value, kind):
            raise MalformedPricingInput(f"expected {name}, got {value!r}")
        return value

    return structure


def _decimal(value: Any, _: type[Decimal]) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise MalformedPricingInput(f"expected a decimal string, got {value!r}")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise MalformedPricingInput(f"{value!r} is not a decimal number") from None
    if not result.is_finite():
        raise MalformedPricingInput(f"{value!r} is not a finite number")
    return result


def _instant(value: Any, _: type[datetime]) -> datetime:
    if not isinstance(value, str):
        raise MalformedPricingInput(f"expected an ISO-8601 string, got {value!r}")
    try:
        instant = isoparse(value)
    except ValueError:
        raise MalformedPricingInput(f"{value!r} is not an ISO-8601 instant") from None
    if instant.utcoffset() is None:
        raise MalformedPricingInput(f"instant {value!r} has no timezone")
    return instant


def _is_homogeneous_tuple(kind: Any) -> bool:
    args = get_args(kind)
    return get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis


def _build(currency: str) -> cattrs.Converter:
    minor_unit(currency)  # an unknown currency fails here, with a typed error
    converter = cattrs.Converter(forbid_extra_keys=True, omit_if_default=True, use_alias=True)

    def money(value: Any, _: type[Money]) -> Money:
        return Money.of(value, currency)  # refuses floats and sub-minor digits (InvalidAmount)

    converter.register_structure_hook(Money, money)
    converter.register_unstructure_hook(Money, lambda m: str(m.amount))
    converter.register_structure_hook(Decimal, _decimal)
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(datetime, _instant)
    converter.register_unstructure_hook(datetime, lambda d: d.isoformat())
    converter.register_structure_hook(int, _strict(int, "a whole number"))
    converter.register_structure_hook(bool, _strict(bool, "true or false"))
    converter.register_structure_hook(str, _strict(str, "a string"))

    def tuple_of(kind: Any) -> Callable[[Any, Any], tuple[Any, ...]]:
        item = get_args(kind)[0]

        def structure(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, list | tuple):
                raise MalformedPricingInput(f"expected a list, got {value!r}")
            return tuple(converter.structure(element, item) for element in value)

        return structure

    converter.register_structure_hook_factory(_is_homogeneous_tuple, tuple_of)

    def funded_by(value: Any, _: Any) -> tuple[FundingShare, ...]:
        if not isinstance(value, Mapping):
            raise MalformedPricingInput(f"funded_by must be an object, got {value!r}")
        return tuple(
            FundingShare(converter.structure(party, str), _decimal(share, Decimal))
            for party, share in value.items()
        )

    shares_type = tuple[FundingShare, ...]
    converter.register_structure_hook_func(lambda kind: kind == shares_type, funded_by)
    converter.register_unstructure_hook_func(
        lambda kind: kind == shares_type,
        lambda shares: {s.party: str(s.share) for s in shares},
    )

    def promotion(value: Any, _: Any) -> Promotion:
        if not isinstance(value, Mapping):
            raise MalformedPricingInput(f"a promotion must be an object, got {value!r}")
        kind = value.get("kind")
        cls = PROMOTION_KINDS.get(kind) if isinstance(kind, str) else None
        if cls is None:
            raise UnknownPromotionKind(f"unknown promotion kind {kind!r} in {value.get('id')!r}")
        fields = {key: field for key, field in value.items() if key != "kind"}
        result: Promotion = converter.structure(fields, cls)
        return result

    converter.register_structure_hook_func(lambda kind: kind == Promotion, promotion)
    for cls in PROMOTION_KINDS.values():
        plain = converter.get_unstructure_hook(cls)
        converter.register_unstructure_hook(
            cls, lambda p, plain=plain: {"kind": p.kind, **plain(p)}
        )
    converter.register_unstructure_hook_func(
        lambda kind: kind == Promotion, lambda p: converter.unstructure(p, p.__class__)
    )
    return converter


@lru_cache(maxsize=64)
def converter_for(currency: str) -> cattrs.Converter:
    """The converter for promotions, carts and requests priced in ``currency``.

    Shared per currency: add hooks to a copy (``converter_for(c).copy()``), not to it.
    """
    return _build(currency)


def _merx_leaf(error: BaseException) -> MerxError | None:
    """The first MerxError inside a (possibly nested) cattrs validation error."""
    if isinstance(error, MerxError):
        return error
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            found = _merx_leaf(inner)
            if found is not None:
                return found
    return None


def structure(data: Any, kind: type[T], currency: str) -> T:
    """Read ``data`` as ``kind``; any failure is a :class:`~merx.errors.MerxError`."""
    converter = converter_for(currency)
    try:
        result: T = converter.structure(data, kind)
    except MerxError:
        raise
    except (BaseValidationError, KeyError, TypeError, ValueError, AttributeError) as error:
        leaf = _merx_leaf(error)
        if leaf is not None:
            raise leaf from error
        detail = "; ".join(cattrs.transform_error(error)) if isinstance(
            error, BaseValidationError
        ) else repr(error)  # fmt: skip
        raise MalformedPricingInput(f"cannot read {kind.__name__}: {detail}") from error
    return result


def unstructure(value: Any, currency: str) -> Any:
    """Write ``value`` as plain JSON-ready data."""
    return converter_for(currency).unstructure(value)


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
    }


def quote_from_dict(case: Mapping[str, Any]) -> dict[str, Any]:
    """Load one pricing spec case (``name`` and ``expect`` are ignored), quote it and return
    a dict shaped like ``expect``. Malformed input raises a MerxError subclass."""
    if not isinstance(case, Mapping):
        raise MalformedPricingInput(f"a pricing case must be an object, got {case!r}")
    currency = case.get("currency")
    if not isinstance(currency, str):
        raise MalformedPricingInput(f"currency must be an ISO code string, got {currency!r}")
    fields = {
        key: value for key, value in case.items() if key not in ("name", "expect", "currency")
    }
    request = structure(fields, PricingRequest, currency)
    return quote_to_dict(request.quote())


# -- storage: campaigns, wallets and order usages -----------------------------------------

#: The aggregates of the campaign life cycle (the definitions above are their values).
AGGREGATES: tuple[type[Any], ...] = (Campaign, Wallet, PromotionUsage, CampaignUse, LiveCampaigns)


def make_lifecycle_converter() -> cattrs.Converter:
    """A fresh converter for :class:`Campaign`, :class:`Wallet`, :class:`PromotionUsage`,
    :class:`CampaignUse` and :class:`LiveCampaigns`:
    the kernel's shapes (Money as ``{"amount", "currency"}``, aggregates with their version
    and without pending events), a definition as an object whose ``kind`` names its class."""
    converter = base.make_converter()
    plain = {cls: converter.get_unstructure_hook(cls) for cls in PROMOTION_KINDS.values()}

    def unstructure_promotion(value: Promotion) -> dict[str, Any]:
        return {"kind": value.kind, **plain[type(value)](value)}

    def structure_promotion(value: Any, _: Any) -> Promotion:
        if not isinstance(value, Mapping):
            raise MalformedPricingInput(f"a promotion must be an object, got {value!r}")
        kind = value.get("kind")
        cls = PROMOTION_KINDS.get(kind) if isinstance(kind, str) else None
        if cls is None:
            raise UnknownPromotionKind(f"unknown promotion kind {kind!r} in {value.get('id')!r}")
        result: Promotion = converter.structure(
            {key: item for key, item in value.items() if key != "kind"}, cls
        )
        return result

    for cls in PROMOTION_KINDS.values():
        converter.register_unstructure_hook(cls, unstructure_promotion)
    converter.register_unstructure_hook_func(lambda kind: kind == Promotion, unstructure_promotion)
    converter.register_structure_hook_func(lambda kind: kind == Promotion, structure_promotion)
    for kind in AGGREGATES:  # after the Promotion hooks, which their fields use
        converter.register_unstructure_hook(
            kind, make_dict_unstructure_fn(kind, converter, pending_events=override(omit=True))
        )
        converter.register_structure_hook(
            kind, make_dict_structure_fn(kind, converter, pending_events=override(omit=True))
        )
    return converter


@lru_cache(maxsize=1)
def lifecycle_converter() -> cattrs.Converter:
    """The shared life-cycle converter (extend a :func:`make_lifecycle_converter` instead)."""
    return make_lifecycle_converter()


def unstructure_record(value: object) -> Any:
    """A campaign, wallet or usage (or any of their parts) as plain JSON-ready data."""
    return lifecycle_converter().unstructure(value)


def structure_record(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure_record`'s output; malformed data raises a
    :class:`~merx.errors.ValidationError`."""
    return base.structure_or_raise(lifecycle_converter(), data, kind)
