"""The cattrs converter for the recommendation context's stored documents.

Built on :mod:`merx.kernel.serde`; :func:`structure` raises
:class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base
from merx.recommendation.model import CustomerPurchases, Popular, SkuSignals, VariationTally

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (SkuSignals, Popular, CustomerPurchases, VariationTally)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the recommendation context's types."""
    converter = base.make_converter()
    base.register_aggregates(converter, AGGREGATES)
    return converter


converter = make_converter()


def unstructure(value: object) -> Any:
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    return base.structure_or_raise(converter, data, kind)
