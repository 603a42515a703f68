"""The cattrs converter for the monitoring context: alarms and their events to plain
JSON-ready dicts and back (Decimals as strings, instants as ISO text, enums by value).
:func:`structure` raises :class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base
from merx.monitoring.model import Alarm

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (Alarm,)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the monitoring context's types."""
    converter = base.make_converter()
    base.register_aggregates(converter, AGGREGATES)
    return converter


converter = make_converter()


def unstructure(value: object) -> Any:
    """``value`` as plain dicts, lists, strings, numbers and booleans."""
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
