"""The cattrs converter for the monitoring context: alarms and their events to plain
JSON-ready dicts and back (Decimals as strings, instants as ISO text, enums by value).
:func:`structure` raises :class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any

import cattrs

from merx.kernel import serde as base
from merx.monitoring.model import Alarm

AGGREGATES: tuple[type[Any], ...] = (Alarm,)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the monitoring context's types."""
    return base.make_converter(AGGREGATES)


_serde = base.ContextSerde(make_converter())
converter = _serde.converter
unstructure = _serde.unstructure
structure = _serde.structure
