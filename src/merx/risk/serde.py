"""The cattrs converter for the risk context: to plain JSON-ready dicts and back.

Built on :mod:`merx.kernel.serde` (instants as ISO strings, enums by value, aggregates with
their version and without pending events). :func:`structure` raises
:class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base
from merx.risk.model import ReviewCase, RiskKey, RuleScores

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (RiskKey, ReviewCase, RuleScores)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the risk context's types."""
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
