"""The cattrs converter for the traffic context's aggregates and events.

A page's content is stored as its JSON form (:meth:`PageContent.to_json`), read back
through :func:`merx.traffic.components.page_from_json`; :func:`structure` raises
:class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any

import cattrs

from merx.kernel import serde as base
from merx.traffic.components import PageContent, page_from_json
from merx.traffic.model import ImpressionLog, Page, Placement, Position, Storefront

AGGREGATES: tuple[type[Any], ...] = (ImpressionLog, Page, Placement, Position, Storefront)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the traffic context's types."""
    converter = base.make_converter()
    converter.register_unstructure_hook(PageContent, PageContent.to_json)
    converter.register_structure_hook(PageContent, lambda data, _: page_from_json(data))
    base.register_aggregates(converter, AGGREGATES)
    return converter


_serde = base.ContextSerde(make_converter())
converter = _serde.converter
unstructure = _serde.unstructure
structure = _serde.structure
