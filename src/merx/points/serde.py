"""The cattrs converter for the points context: to plain JSON-ready dicts and back.

Built on :mod:`merx.kernel.serde` (dates as ISO strings, enums by value, aggregates with
their version and without pending events); an entry's draws are ``[lot key, points]``
pairs, and every number of points an ``int`` (a float, even a whole one, is refused).
:func:`structure` raises :class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base
from merx.kernel.errors import ValidationError
from merx.points.model import PointsAccount

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (PointsAccount,)


def _structure_int(value: Any, _kind: type[int]) -> int:
    """A whole number of points as JSON holds it: an ``int``, never a float, a string or a
    bool (the base converter would cut ``1.5`` down to ``1``)."""
    if type(value) is not int:
        raise ValidationError(f"points are a whole number, not {value!r}")
    return value


def make_converter() -> cattrs.Converter:
    """A fresh converter for the points context's types."""
    converter = base.make_converter()
    converter.register_structure_hook(int, _structure_int)
    base.register_aggregates(converter, AGGREGATES)  # after the hooks their fields use
    return converter


converter = make_converter()


def unstructure(value: object) -> Any:
    """``value`` as plain dicts, lists, strings, numbers and booleans."""
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
