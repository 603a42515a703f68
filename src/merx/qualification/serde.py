"""The cattrs converter for the qualification review's values (documents, a qualification).

Built on :mod:`merx.kernel.serde`: enums as their values, dates as ISO strings, tuples as
lists. The merchants' and suppliers' converters write the same shapes inside their
aggregates.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = ()


def make_converter() -> cattrs.Converter:
    """A fresh converter for the qualification review's values."""
    return base.make_converter(AGGREGATES)


converter = make_converter()


def unstructure(value: object) -> Any:
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
