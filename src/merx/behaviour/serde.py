"""The cattrs converter for the behaviour context: its aggregates and event as plain dicts.

Built on :mod:`merx.kernel.serde` (datetimes as ISO strings, enums by value, aggregates with
their version and without pending events). :func:`structure` raises
:class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any

import cattrs

from merx.behaviour.model import BehaviourDay, CustomerTrail
from merx.kernel import serde as base

AGGREGATES: tuple[type[Any], ...] = (CustomerTrail, BehaviourDay)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the behaviour context's types."""
    return base.make_converter(AGGREGATES)


_serde = base.ContextSerde(make_converter())
converter = _serde.converter
unstructure = _serde.unstructure
structure = _serde.structure
