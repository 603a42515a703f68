"""The cattrs converter for the traffic context's aggregates and events.

A page's content is stored as its JSON form (:meth:`PageContent.to_json`), read back
through :func:`merx.traffic.components.page_from_json`; :func:`structure` raises
:class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base
from merx.traffic.components import PageContent, page_from_json
from merx.traffic.model import ImpressionLog, Page, Placement, Position, Storefront

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (ImpressionLog, Page, Placement, Position, Storefront)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the traffic context's types."""
    converter = base.make_converter()
    converter.register_unstructure_hook(PageContent, PageContent.to_json)
    converter.register_structure_hook(PageContent, lambda data, _: page_from_json(data))
    base.register_aggregates(converter, AGGREGATES)
    return converter


converter = make_converter()


def unstructure(value: object) -> Any:
    """``value`` as plain dicts, lists, strings, numbers and booleans."""
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
