"""Ports of the search context: the index a host's engine (SQLite FTS5 embedded,
Elasticsearch, OpenSearch, Tantivy) sits behind.

Every adapter answers a query alike (:mod:`merx.search.ranking`): the shipped contract
suite (:mod:`merx.testing.search`) checks an adapter against the memory one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from merx.search.model import SearchDocument, SearchQuery, SearchResults


class SearchIndex(Protocol):
    """Port: the documents shoppers search, kept up to date by the catalog's events."""

    def put(self, document: SearchDocument) -> None:
        """Add ``document``, or replace the one with its SKU id."""
        ...

    def put_many(self, documents: Iterable[SearchDocument]) -> None:
        """:meth:`put` each of ``documents``, in one go (a bulk rebuild)."""
        ...

    def count_sale(self, sku_id: str, order_id: str, units: int) -> bool:
        """Add ``units`` sold by ``order_id`` to the SKU's ``sales``, once per order and
        SKU (a repeat changes nothing); whether it counted (``False`` for a repeat or a
        SKU the index does not hold)."""
        ...

    def remove(self, sku_id: str) -> None:
        """Take the SKU out (nothing when it is not in)."""
        ...

    def get(self, sku_id: str) -> SearchDocument | None: ...

    def search(self, query: SearchQuery) -> SearchResults: ...

    def vocabulary(self) -> Mapping[str, int]:
        """Each word of the indexed titles, brands and categories -> documents holding it
        (what a correction suggests from)."""
        ...
