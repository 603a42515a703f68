"""The cattrs converter for the schedules context's values: to plain JSON-ready dicts and back.

Built on :mod:`merx.kernel.serde` (Money as a decimal string and a currency, dates as ISO
strings, enums as their values). Schedules have no aggregates of their own: a
:class:`~merx.schedules.Schedule` or a :class:`~merx.schedules.GradePricing` is stored
inside credit's and installments' aggregates, or sent to a host as a priced option.
:func:`structure` raises :class:`~merx.kernel.errors.ValidationError` on malformed data.
(The spec's string shape of a schedule is :mod:`merx.schedules.spec`, not this one.)
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base

T = TypeVar("T")


def make_converter() -> cattrs.Converter:
    """A fresh converter for the schedules' values (hosts may extend their own copy)."""
    return base.make_converter()


converter = make_converter()


def unstructure(value: object) -> Any:
    """``value`` as plain dicts, lists, strings, numbers and booleans."""
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
