"""The cattrs converter for the points context: to plain JSON-ready dicts and back.

Built on :mod:`merx.kernel.serde` (dates as ISO strings, enums by value, aggregates with
their version and without pending events, whole numbers strict); an entry's draws are
``[lot key, points]`` pairs, and every number of points an ``int`` (a float, even a whole
one, is refused). An account's document leaves out the entries it made since it was loaded
(``appended``: they are stored as :class:`~merx.points.model.PointsRecord` documents).
:func:`structure` raises :class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base
from merx.points.model import PointsAccount, PointsRecord

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (PointsAccount, PointsRecord)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the points context's types."""
    converter = base.make_converter()
    converter.register_structure_hook(int, base.structure_whole_number)
    base.register_aggregates(converter, AGGREGATES, omit=("appended",))  # after the int hook
    return converter


converter = make_converter()


def unstructure(value: object) -> Any:
    """``value`` as plain dicts, lists, strings, numbers and booleans."""
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
