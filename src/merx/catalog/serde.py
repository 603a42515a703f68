"""The catalog's cattrs converter: public types to plain, JSON-ready dicts and back.

* :class:`~merx.kernel.money.Money` as ``{"amount": "2999.00", "currency": "CNY"}``
  (the amount a string, so no float ever touches it); ``Decimal`` as a string;
* enums by value; datetimes as ISO 8601 with their offset (naive ones are refused);
* sets of labels/regions as sorted lists, tuples as lists;
* aggregates as their state only: ``version`` and unpublished ``pending_events`` belong
  to the store and the unit of work and are neither written nor read.

Structuring runs the model's constructors, so a dict that breaks an invariant raises the
model's own :class:`~merx.errors.MerxError`, not a cattrs error. The model never imports
this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, get_origin

from cattrs import Converter
from cattrs.errors import BaseValidationError, ForbiddenExtraKeysError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from merx.catalog.model import Sku
from merx.kernel.clock import require_aware
from merx.kernel.errors import InvalidAmount, MerxError, ValidationError
from merx.kernel.money import Money

T = TypeVar("T")

#: The catalog's stored aggregates.
AGGREGATES: tuple[type[Any], ...] = (Sku,)


def _money_to(money: Money) -> dict[str, str]:
    return {"amount": str(money.amount), "currency": money.currency}


def _money_from(data: object, _: type[Any]) -> Money:
    if not isinstance(data, Mapping) or set(data) != {"amount", "currency"}:
        raise InvalidAmount(f"money must be {{'amount': str, 'currency': str}}, got {data!r}")
    return Money.of(data["amount"], data["currency"])


def _decimal_from(data: object, _: type[Any]) -> Decimal:
    if isinstance(data, bool) or not isinstance(data, (str, int, Decimal)):
        raise InvalidAmount(f"a decimal must be a string or an int, got {data!r}")
    try:
        return Decimal(data)
    except InvalidOperation:
        raise InvalidAmount(f"{data!r} is not a decimal number") from None


def _datetime_from(data: object, _: type[Any]) -> datetime:
    if not isinstance(data, str):
        raise ValidationError(f"a datetime must be an ISO 8601 string, got {data!r}")
    try:
        parsed = datetime.fromisoformat(data)
    except ValueError:
        raise ValidationError(f"{data!r} is not an ISO 8601 datetime") from None
    return require_aware(parsed, "datetime")


def _is_set(kind: Any) -> bool:
    return kind in (frozenset, set) or get_origin(kind) in (frozenset, set)


def _is_tuple(kind: Any) -> bool:
    return kind is tuple or get_origin(kind) is tuple


def make_converter() -> Converter:
    """A fresh converter for the catalog's types (hosts may extend their own copy)."""
    conv = Converter(forbid_extra_keys=True, detailed_validation=False)
    conv.register_unstructure_hook(Money, _money_to)
    conv.register_structure_hook(Money, _money_from)
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(Decimal, _decimal_from)
    conv.register_unstructure_hook(datetime, datetime.isoformat)
    conv.register_structure_hook(datetime, _datetime_from)
    conv.register_unstructure_hook_func(
        _is_set, lambda values: sorted(conv.unstructure(v) for v in values)
    )
    conv.register_unstructure_hook_func(
        _is_tuple, lambda values: [conv.unstructure(v) for v in values]
    )
    for aggregate in AGGREGATES:
        conv.register_unstructure_hook(
            aggregate,
            make_dict_unstructure_fn(
                aggregate,
                conv,
                version=override(omit=True),
                pending_events=override(omit=True),
            ),
        )
        conv.register_structure_hook(
            aggregate,
            make_dict_structure_fn(
                aggregate,
                conv,
                _cattrs_forbid_extra_keys=True,
                version=override(omit=True),
                pending_events=override(omit=True),
            ),
        )
    return conv


#: The converter for every public type of :mod:`merx.catalog`.
converter: Converter = make_converter()


def unstructure(value: object) -> dict[str, Any]:
    """``value`` (an aggregate, value, event or command of the catalog) as a plain dict."""
    data = converter.unstructure(value)
    if not isinstance(data, dict):
        raise ValidationError(f"{type(value).__name__} does not unstructure to a dict")
    return data


def structure(data: Mapping[str, Any], kind: type[T]) -> T:
    """The ``kind`` that :func:`unstructure` turned into ``data``.

    Raises the model's own error for a broken invariant, and :class:`ValidationError`
    for a dict of the wrong shape (missing or unknown keys, wrong types).
    """
    try:
        return converter.structure(data, kind)
    except MerxError:
        raise
    except (
        BaseValidationError,
        ForbiddenExtraKeysError,
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
    ) as error:
        raise ValidationError(
            f"cannot read a {kind.__name__} from {data!r}: {type(error).__name__} {error}"
        ) from error
