"""The cattrs converter for inventory's public types (see :mod:`merx.kernel.serde`)."""

from __future__ import annotations

from typing import Any, TypeVar

from merx.inventory.model import StockItem, Warehouse
from merx.kernel import serde as base

T = TypeVar("T")

converter = base.make_converter((StockItem, Warehouse))


def unstructure(value: object) -> Any:
    """``value`` as plain dicts, lists, strings, numbers and booleans."""
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
