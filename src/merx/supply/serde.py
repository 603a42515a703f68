"""The cattrs converter for supply's public types: to plain JSON-ready dicts and back.

Money is ``{"amount": "12.50", "currency": "CNY"}`` (the amount a decimal string, so no
float ever touches it); enums are their values; dates and datetimes are ISO 8601 strings
(datetimes keep their offset); tuples become lists. Aggregates are written without their
pending events (those leave through the unit of work, never through storage) but with
their version. :func:`structure` raises :class:`~merx.kernel.errors.ValidationError` when
the data is malformed or breaks a rule the model checks on construction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from merx.kernel.clock import require_aware
from merx.kernel.errors import MerxError, ValidationError
from merx.kernel.money import Money
from merx.supply.model import Contract, PurchaseOrder, Supplier, SupplierStatement

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (Supplier, Contract, PurchaseOrder, SupplierStatement)


def _unstructure_money(money: Money) -> dict[str, str]:
    return {"amount": str(money.amount), "currency": money.currency}


def _structure_money(data: Any, _: type[Money]) -> Money:
    if not isinstance(data, dict) or set(data) != {"amount", "currency"}:
        raise ValidationError(f"money must be {{'amount', 'currency'}}, got {data!r}")
    amount = data["amount"]
    if not isinstance(amount, str | int) or isinstance(amount, bool):
        raise ValidationError(f"money amount must be a decimal string, got {amount!r}")
    return Money.of(amount, data["currency"])


def _structure_date(data: Any, _: type[date]) -> date:
    if not isinstance(data, str):
        raise ValidationError(f"a date must be an ISO string, got {data!r}")
    return date.fromisoformat(data)


def _structure_datetime(data: Any, _: type[datetime]) -> datetime:
    if not isinstance(data, str):
        raise ValidationError(f"an instant must be an ISO string, got {data!r}")
    return require_aware(datetime.fromisoformat(data))


def make_converter() -> cattrs.Converter:
    """A fresh converter for supply's types (hosts may extend their own copy)."""
    converter = cattrs.Converter(unstruct_collection_overrides={tuple: list})
    converter.register_unstructure_hook(Money, _unstructure_money)
    converter.register_structure_hook(Money, _structure_money)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(date, _structure_date)
    for kind in AGGREGATES:
        converter.register_unstructure_hook(
            kind, make_dict_unstructure_fn(kind, converter, pending_events=override(omit=True))
        )
        converter.register_structure_hook(
            kind, make_dict_structure_fn(kind, converter, pending_events=override(omit=True))
        )
    return converter


converter = make_converter()


def unstructure(value: object) -> Any:
    """``value`` as plain dicts, lists, strings, numbers and booleans."""
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    try:
        return converter.structure(data, kind)
    except (cattrs.BaseValidationError, MerxError, ValueError, TypeError, KeyError) as error:
        raise ValidationError(f"cannot read a {kind.__name__} from {data!r}: {error}") from error
