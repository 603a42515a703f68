"""The cattrs converter for the suppliers context's public types: to plain JSON-ready dicts
and back.

Built on :mod:`merx.kernel.serde`: Money as ``{"amount": "12.50", "currency": "CNY"}`` (a
decimal string), enums as their values, dates and datetimes as ISO 8601 strings, tuples as
lists. The :class:`Supplier` aggregate is written with its version and without its pending
events; its qualification is ``{"documents": [...], "rejection_reasons": [...]}``.
:func:`structure` raises :class:`~merx.kernel.errors.ValidationError` when the data is
malformed or breaks a rule the model checks on construction.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base
from merx.suppliers.model import Supplier

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (Supplier,)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the suppliers context's types (hosts may extend their copy)."""
    return base.make_converter(AGGREGATES)


converter = make_converter()


def unstructure(value: object) -> Any:
    """``value`` as plain dicts, lists, strings, numbers and booleans."""
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
