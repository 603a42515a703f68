"""The cattrs converter for the merchants context: to plain JSON-ready dicts and back.

Built on :mod:`merx.kernel.serde` (Money as a decimal string and a currency, enums as
their values, dates as ISO strings); the :class:`Merchant` aggregate is written with its
version and without its pending events.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base
from merx.merchants.model import Merchant

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (Merchant,)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the merchants context's types."""
    return base.make_converter(AGGREGATES)


converter = make_converter()


def unstructure(value: object) -> Any:
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
