"""The cattrs converter for the behaviour context: its aggregates and event as plain dicts.

Built on :mod:`merx.kernel.serde` (datetimes as ISO strings, enums by value, aggregates with
their version and without pending events). :func:`structure` raises
:class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.behaviour.model import BehaviourDay, CustomerTrail
from merx.kernel import serde as base

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (CustomerTrail, BehaviourDay)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the behaviour context's types."""
    converter = base.make_converter()
    base.register_aggregates(converter, AGGREGATES)
    return converter


converter = make_converter()


def unstructure(value: object) -> Any:
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    return base.structure_or_raise(converter, data, kind)
