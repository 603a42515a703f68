"""The cattrs converter for the recommendation context's stored documents.

Built on :mod:`merx.kernel.serde`; :func:`structure` raises
:class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any

import cattrs

from merx.kernel import serde as base
from merx.recommendation.model import CustomerPurchases, Popular, SkuSignals, VariationTally

AGGREGATES: tuple[type[Any], ...] = (SkuSignals, Popular, CustomerPurchases, VariationTally)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the recommendation context's types."""
    return base.make_converter(AGGREGATES)


_serde = base.ContextSerde(make_converter())
converter = _serde.converter
unstructure = _serde.unstructure
structure = _serde.structure
