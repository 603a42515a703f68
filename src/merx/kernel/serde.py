"""The base cattrs converter every context's ``serde`` module builds on.

Plain, JSON-ready shapes: Money is ``{"amount": "12.50", "currency": "CNY"}`` (the amount a
decimal string, so no float ever touches it); ``Decimal`` is a string; enums are their
values; dates, datetimes and timedeltas are ISO 8601 strings (datetimes keep their offset
and must have one; a timedelta is its seconds as a string); tuples and frozensets become
lists. Aggregates are written with their version and without their pending events (those
leave through the unit of work, never through storage). :func:`structure_or_raise` turns
any malformed input into a :class:`~merx.kernel.errors.ValidationError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from merx.kernel.clock import require_aware
from merx.kernel.errors import MerxError, ValidationError
from merx.kernel.money import Money
from merx.kernel.vault import Sealed

T = TypeVar("T")


def unstructure_money(money: Money) -> dict[str, str]:
    return {"amount": str(money.amount), "currency": money.currency}


def structure_money(data: Any, _: type[Money]) -> Money:
    if not isinstance(data, dict) or set(data) != {"amount", "currency"}:
        raise ValidationError(f"money must be {{'amount', 'currency'}}, got {data!r}")
    amount = data["amount"]
    if not isinstance(amount, str | int) or isinstance(amount, bool):
        raise ValidationError(f"money amount must be a decimal string, got {amount!r}")
    return Money.of(amount, data["currency"])


def structure_decimal(data: Any, _: type[Decimal]) -> Decimal:
    if isinstance(data, bool) or not isinstance(data, str | int):
        raise ValidationError(f"a decimal must be a string or an integer, got {data!r}")
    try:
        value = Decimal(data)
    except InvalidOperation:
        raise ValidationError(f"{data!r} is not a decimal number") from None
    if not value.is_finite():
        raise ValidationError(f"{data!r} is not a finite decimal number")
    return value


def _structure_date(data: Any, _: type[date]) -> date:
    if not isinstance(data, str):
        raise ValidationError(f"a date must be an ISO string, got {data!r}")
    return date.fromisoformat(data)


def _structure_datetime(data: Any, _: type[datetime]) -> datetime:
    if not isinstance(data, str):
        raise ValidationError(f"an instant must be an ISO string, got {data!r}")
    return require_aware(datetime.fromisoformat(data))


def _unstructure_timedelta(delta: timedelta) -> str:
    whole = delta.days * 86_400 + delta.seconds
    if not delta.microseconds:
        return str(whole)
    return str(Decimal(whole) + Decimal(delta.microseconds).scaleb(-6))


def _structure_timedelta(data: Any, _: type[timedelta]) -> timedelta:
    seconds = structure_decimal(data, Decimal)
    micros = seconds.scaleb(6)
    if micros != micros.to_integral_value():
        raise ValidationError(f"a duration is whole microseconds, got {data!r} seconds")
    return timedelta(microseconds=int(micros))


def make_converter(aggregates: Iterable[type[Any]] = ()) -> cattrs.Converter:
    """A fresh converter with merx's base hooks; ``aggregates`` omit pending events."""
    converter = cattrs.Converter(
        unstruct_collection_overrides={tuple: list, frozenset: list, set: list}
    )
    converter.register_unstructure_hook(Money, unstructure_money)
    converter.register_structure_hook(Money, structure_money)
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, structure_decimal)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(date, _structure_date)
    converter.register_unstructure_hook(timedelta, _unstructure_timedelta)
    converter.register_structure_hook(timedelta, _structure_timedelta)
    converter.register_structure_hook_func(
        lambda kind: kind == (str | Sealed), partial(_structure_maybe_sealed, converter)
    )
    register_aggregates(converter, aggregates)
    return converter


def _structure_maybe_sealed(converter: cattrs.Converter, data: Any, _: Any) -> str | Sealed:
    """A personal value a command holds in clear and a stored aggregate sealed."""
    if isinstance(data, str):
        return data
    return converter.structure(data, Sealed)


def register_aggregates(
    converter: cattrs.Converter, aggregates: Iterable[type[Any]], *, omit: Iterable[str] = ()
) -> None:
    """Hooks that write ``aggregates`` with their version and without pending events
    (register them after the hooks of the types their fields hold); ``omit``: more fields
    an aggregate holds only in memory, left out of its document (those it has)."""
    for kind in aggregates:
        names = {field.name for field in attrs.fields(kind)}
        left_out: dict[str, Any] = {
            name: override(omit=True) for name in ("pending_events", *omit) if name in names
        }
        converter.register_unstructure_hook(
            kind, make_dict_unstructure_fn(kind, converter, **left_out)
        )
        converter.register_structure_hook(kind, make_dict_structure_fn(kind, converter, **left_out))


def structure_whole_number(value: Any, _: type[int]) -> int:
    """A strict ``int`` hook: an ``int`` as JSON holds it, never a float, a string or a bool
    (cattrs' own would cut ``1.5`` down to ``1``)."""
    if type(value) is not int:
        raise ValidationError(f"expected a whole number, not {value!r}")
    return value


def structure_or_raise(converter: cattrs.Converter, data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from plain data; any malformed input is a ``ValidationError``."""
    try:
        return converter.structure(data, kind)
    except ValidationError:
        raise
    except (cattrs.BaseValidationError, MerxError, ValueError, TypeError, KeyError) as error:
        raise ValidationError(
            f"cannot read a {kind.__name__} from {_shape(data)}: {error}"
        ) from error


def _shape(data: Any) -> str:
    """What ``data`` is, without its values (a document may hold personal data in clear,
    which an error message must not repeat): its type, and a mapping's keys."""
    if isinstance(data, dict):
        return f"a mapping of {sorted(map(str, data))}"
    return f"a {type(data).__name__}"


def reader(converter: cattrs.Converter) -> Callable[[Any, type[Any]], Any]:
    """``structure_or_raise`` bound to ``converter``: ``read(data, kind)``."""

    def read(data: Any, kind: type[Any]) -> Any:
        return structure_or_raise(converter, data, kind)

    return read


class ContextSerde:
    """What a context's ``serde`` module exports, over one converter: ``unstructure`` to
    plain data and ``structure`` back (refusing malformed data, :func:`structure_or_raise`).
    A module binds them as its own (``unstructure = serde.unstructure``)."""

    def __init__(self, converter: cattrs.Converter) -> None:
        self.converter = converter

    def unstructure(self, value: object) -> Any:
        """``value`` as plain dicts, lists, strings, numbers and booleans."""
        return self.converter.unstructure(value)

    def structure(self, data: Any, kind: type[T]) -> T:
        """Rebuild a ``kind`` from :meth:`unstructure`'s output; refuse malformed data."""
        return structure_or_raise(self.converter, data, kind)
