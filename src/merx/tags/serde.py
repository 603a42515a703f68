"""The cattrs converter for the tags context's types: to JSON-ready dicts and back.

Built on :mod:`merx.kernel.serde`. A stored tag value is written with its kind, so it
reads back as the same Python type: ``{"bool": true}``, ``{"text": "A"}`` (an enum's
value too), ``{"number": "12.5"}``, ``{"date": "2026-01-31"}``, ``{"set": ["a", "b"]}``
(sorted). :func:`structure` raises :class:`~merx.kernel.errors.ValidationError` on
malformed data.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base
from merx.kernel.errors import ValidationError
from merx.tags.activity import UserActivity
from merx.tags.model import HeldValue, SubjectTags, TagCatalogVersion, TagDefinition, TagValue

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (TagDefinition, SubjectTags, UserActivity, TagCatalogVersion)


def unstructure_value(value: TagValue) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, str):
        return {"text": value}
    if isinstance(value, Decimal):
        return {"number": str(value)}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return {"set": sorted(value)}


def structure_value(data: Any) -> TagValue:
    if not isinstance(data, dict) or len(data) != 1:
        raise ValidationError(f"a tag value is one of bool, text, number, date, set: {data!r}")
    ((kind, raw),) = data.items()
    if kind == "bool" and type(raw) is bool:
        return bool(raw)
    if kind == "text" and isinstance(raw, str):
        return raw
    if kind == "number":
        return base.structure_decimal(raw, Decimal)
    if kind == "date" and isinstance(raw, str):
        return date.fromisoformat(raw)
    if kind == "set" and isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return frozenset(raw)
    raise ValidationError(f"not a tag value: {data!r}")


def make_converter() -> cattrs.Converter:
    """A fresh converter for the tags context's types (hosts may extend their own copy)."""
    converter = base.make_converter()

    def unstructure_held(held: HeldValue) -> dict[str, Any]:
        return {
            "value": unstructure_value(held.value),
            "set_at": held.set_at.isoformat(),
            "expires_at": None if held.expires_at is None else held.expires_at.isoformat(),
        }

    def structure_held(data: Any, _: type[HeldValue]) -> HeldValue:
        if not isinstance(data, dict) or set(data) != {"value", "set_at", "expires_at"}:
            raise ValidationError(f"not a held tag value: {data!r}")
        expires = data["expires_at"]
        return HeldValue(
            structure_value(data["value"]),
            converter.structure(data["set_at"], datetime),
            None if expires is None else converter.structure(expires, datetime),
        )

    converter.register_unstructure_hook(HeldValue, unstructure_held)
    converter.register_structure_hook(HeldValue, structure_held)
    base.register_aggregates(converter, AGGREGATES)
    return converter


converter = make_converter()


def unstructure(value: object) -> Any:
    """``value`` as plain dicts, lists, strings, numbers and booleans."""
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
