"""The cattrs converter for the risk context: to plain JSON-ready dicts and back.

Built on :mod:`merx.kernel.serde` (instants as ISO strings, enums by value, aggregates with
their version and without pending events). :func:`structure` raises
:class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any

import cattrs

from merx.kernel import serde as base
from merx.risk.model import ReviewCase, RiskKey, RuleScores

AGGREGATES: tuple[type[Any], ...] = (RiskKey, ReviewCase, RuleScores)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the risk context's types."""
    return base.make_converter(AGGREGATES)


_serde = base.ContextSerde(make_converter())
converter = _serde.converter
unstructure = _serde.unstructure
structure = _serde.structure
