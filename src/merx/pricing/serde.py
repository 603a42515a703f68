"""The cattrs converter of the pricing context, and the pricing spec's case format.

merx writes Money one way everywhere: ``{"amount": "12.50", "currency": "CNY"}`` (the
amount a decimal string). A pricing spec case names its currency once and gives amounts as
bare decimal strings; a converter built for a currency (:func:`converter_for`) also reads
that shorthand. Instants are ISO-8601 strings, ``funded_by`` is a ``{party: share}``
object and a promotion is an object whose ``kind`` names its class in a
:class:`~merx.pricing.kinds.KindRegistry`. Reading is strict: floats, booleans where a
number belongs, unknown keys and unknown kinds are refused with a typed error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar, get_args, get_origin

import cattrs
from cattrs.errors import BaseValidationError
from dateutil.parser import isoparse

from merx.kernel.errors import MerxError
from merx.kernel.money import Money, minor_unit
from merx.kernel.serde import unstructure_money
from merx.pricing.errors import MalformedPricingInput
from merx.pricing.kinds import KINDS, KindRegistry
from merx.pricing.model import FundingShare, Promotion

T = TypeVar("T")


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


def _is_promotion(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, Promotion)


def _money_reader(currency: str | None) -> Callable[[Any, type[Money]], Money]:
    """Money from ``{"amount", "currency"}``; with a case currency, also from a bare
    decimal string (the spec's shorthand). Floats and sub-minor digits are refused."""

    def money(value: Any, _: type[Money]) -> Money:
        if isinstance(value, Mapping):
            if set(value) != {"amount", "currency"}:
                raise MalformedPricingInput(f"money is {{'amount', 'currency'}}, got {value!r}")
            amount, named = value["amount"], value["currency"]
            if currency is not None and named != currency:
                raise MalformedPricingInput(f"{value!r} is not in {currency}")
            if not isinstance(amount, str) or not isinstance(named, str):
                raise MalformedPricingInput(f"money amount and currency are strings: {value!r}")
            return Money.of(amount, named)
        if currency is None:
            raise MalformedPricingInput(f"money is {{'amount', 'currency'}}, got {value!r}")
        return Money.of(value, currency)

    return money


def make_converter(currency: str | None = None, kinds: KindRegistry = KINDS) -> cattrs.Converter:
    """A fresh pricing converter; with ``currency``, it also reads the spec's bare amounts."""
    if currency is not None:
        minor_unit(currency)  # an unknown currency fails here, with a typed error
    converter = cattrs.Converter(forbid_extra_keys=True, omit_if_default=True, use_alias=True)
    converter.register_structure_hook(Money, _money_reader(currency))
    converter.register_unstructure_hook(Money, unstructure_money)
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
    _register_kinds(converter, kinds)
    return converter


def _register_kinds(converter: cattrs.Converter, kinds: KindRegistry) -> None:
    """A promotion is ``{"kind": name, ...its fields}``: one dispatch for every kind, for
    fields typed ``Promotion`` or a kind."""
    writers = {cls: converter.get_unstructure_hook(cls) for cls in kinds.classes}
    readers = {cls: converter.get_structure_hook(cls) for cls in kinds.classes}

    def unstructure(value: Promotion) -> dict[str, Any]:
        writer = writers.get(type(value))
        if writer is None:
            raise MalformedPricingInput(f"{type(value).__name__} is not a registered kind")
        return {"kind": value.kind, **writer(value)}

    def structure(value: Any, wanted: type[Promotion]) -> Promotion:
        if not isinstance(value, Mapping):
            raise MalformedPricingInput(f"a promotion must be an object, got {value!r}")
        cls = kinds[value.get("kind")]
        if not issubclass(cls, wanted):
            raise MalformedPricingInput(f"expected a {wanted.__name__}, got kind {cls.kind!r}")
        fields = {key: item for key, item in value.items() if key != "kind"}
        result: Promotion = readers[cls](fields, cls)
        return result

    converter.register_unstructure_hook_func(_is_promotion, unstructure)
    converter.register_structure_hook_func(_is_promotion, structure)


@lru_cache(maxsize=64)
def converter_for(currency: str | None = None, kinds: KindRegistry = KINDS) -> cattrs.Converter:
    """The shared converter for ``currency`` (``None``: amounts carry their currency).

    Add hooks to a copy (``converter_for(c).copy()``), not to it.
    """
    return make_converter(currency, kinds)


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


def structure(
    data: Any, kind: type[T], currency: str | None = None, kinds: KindRegistry = KINDS
) -> T:
    """Read ``data`` as ``kind``; any failure is a :class:`~merx.errors.MerxError`."""
    converter = converter_for(currency, kinds)
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


def unstructure(value: Any, kinds: KindRegistry = KINDS) -> Any:
    """Write ``value`` (a definition, a cart line, a request...) as plain JSON-ready data."""
    return converter_for(None, kinds).unstructure(value)
