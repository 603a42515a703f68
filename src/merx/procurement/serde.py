"""The cattrs converter for procurement's public types: to plain JSON-ready dicts and back.

Money is ``{"amount": "12.50", "currency": "CNY"}`` (the amount a decimal string, so no
float ever touches it); enums are their values; dates and datetimes are ISO 8601 strings
(datetimes keep their offset); tuples become lists. Aggregates are written without their
pending events (those leave through the unit of work, never through storage) but with
their version. :func:`structure` raises :class:`~merx.kernel.errors.ValidationError` when
the data is malformed or breaks a rule the model checks on construction.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base
from merx.procurement.model import Contract, PurchaseOrder, SettledPeriods, SupplierStatement

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (Contract, PurchaseOrder, SupplierStatement, SettledPeriods)


def make_converter() -> cattrs.Converter:
    """A fresh converter for procurement's types (hosts may extend their own copy)."""
    return base.make_converter(AGGREGATES)


converter = make_converter()


def unstructure(value: object) -> Any:
    """``value`` as plain dicts, lists, strings, numbers and booleans."""
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
