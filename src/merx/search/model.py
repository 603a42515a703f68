"""What the search index holds and what a query asks (pure values, no I/O).

A :class:`SearchDocument` is one SKU as a shopper finds it: its words (title, brand,
category), what filters and sorts need (seller, price, sales, listing time, the regions
it is in stock for) and nothing personal. A :class:`SearchQuery` is the shopper's words
with filters, a sort and a page; :class:`SearchResults` the page of hits, the total and
the facet counts.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

import attrs

from merx.kernel.clock import require_aware
from merx.kernel.money import Money
from merx.search.errors import InvalidSearchDocument, InvalidSearchQuery

#: the most hits one page may hold
MAX_PAGE_SIZE = 100
#: the facets a query may ask for: a document attribute each
FACETS = ("category", "brand", "merchant")


class Sort(enum.Enum):
    """How hits are ordered; every order breaks ties by SKU id, so pages never overlap."""

    RELEVANCE = "relevance"  # best text match first (with no words: best selling first)
    SALES = "sales"  # most units sold first
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"  # most recently listed first


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidSearchDocument(f"a search document needs a {what}, got {value!r}")
    return value


@attrs.frozen
class SearchDocument:
    """One listed SKU in the index. ``stocked_in``: the delivery regions it is in stock
    for (empty: out of stock everywhere); ``sold_to``: the regions its sales restrictions
    allow (empty: everywhere)."""

    sku_id: str
    title: str
    category: str
    merchant: str
    price: Money
    listed_at: datetime
    brand: str | None = None
    sales: int = 0
    stocked_in: frozenset[str] = frozenset()
    sold_to: frozenset[str] = frozenset()

    def __attrs_post_init__(self) -> None:
        _text(self.sku_id, "SKU id")
        _text(self.title, "title")
        _text(self.category, "category")
        _text(self.merchant, "merchant")
        if self.brand is not None:
            _text(self.brand, "brand (or None)")
        if isinstance(self.sales, bool) or not isinstance(self.sales, int) or self.sales < 0:
            raise InvalidSearchDocument(
                f"SKU {self.sku_id!r}: sales is a whole number >= 0, got {self.sales!r}"
            )
        if not self.price.is_positive():
            raise InvalidSearchDocument(
                f"SKU {self.sku_id!r}: a price above zero, got {self.price}"
            )
        require_aware(self.listed_at, "listing time")

    def facet(self, name: str) -> str | None:
        """The document's value for facet ``name`` (one of :data:`FACETS`)."""
        value: str | None = getattr(self, name)
        return value


@attrs.frozen
class PriceRange:
    """Prices from ``low`` to ``high``, both included (either may be open: ``None``)."""

    low: Money | None = None
    high: Money | None = None

    def __attrs_post_init__(self) -> None:
        if self.low is not None and self.high is not None:
            if self.low.currency != self.high.currency:
                raise InvalidSearchQuery(
                    f"a price range in one currency, got {self.low} to {self.high}"
                )
            if self.low > self.high:
                raise InvalidSearchQuery(
                    f"a price range from low to high, got {self.low} to {self.high}"
                )

    def holds(self, price: Money) -> bool:
        for bound in (self.low, self.high):
            if bound is not None and bound.currency != price.currency:
                return False
        return (self.low is None or price >= self.low) and (self.high is None or price <= self.high)


@attrs.frozen
class SearchQuery:
    """The shopper's ``text`` with filters (each ``None``: any), a sort and a 1-based page.

    ``region``: the shopper's delivery region: SKUs not sold there are left out, and with
    ``in_stock`` those not in stock for it too (``in_stock`` without a region: in stock
    somewhere). ``facets``: the attributes to count over every hit of the query (all
    pages, the filters applied)."""

    text: str = ""
    category: str | None = None
    brand: str | None = None
    merchant: str | None = None
    price: PriceRange = PriceRange()
    region: str | None = None
    in_stock: bool = False
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    page_size: int = 20
    facets: tuple[str, ...] = FACETS

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise InvalidSearchQuery(f"search text is a string, got {self.text!r}")
        if not isinstance(self.sort, Sort):
            raise InvalidSearchQuery(f"sort is one of {[s.value for s in Sort]}, got {self.sort!r}")
        for name, value, low, high in (
            ("page", self.page, 1, 10_000),
            ("page_size", self.page_size, 1, MAX_PAGE_SIZE),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise InvalidSearchQuery(
                    f"{name} is a whole number in [{low}, {high}], got {value!r}"
                )
        unknown = set(self.facets) - set(FACETS)
        if unknown:
            raise InvalidSearchQuery(f"facets are among {FACETS}, got {sorted(unknown)}")

    def admits(self, doc: SearchDocument) -> bool:
        """Whether ``doc`` passes the filters (the words aside)."""
        return (
            (self.category is None or doc.category == self.category)
            and (self.brand is None or doc.brand == self.brand)
            and (self.merchant is None or doc.merchant == self.merchant)
            and (self.region is None or not doc.sold_to or self.region in doc.sold_to)
            and (not self.in_stock or _stocked(doc, self.region))
            and self.price.holds(doc.price)
        )


def _stocked(doc: SearchDocument, region: str | None) -> bool:
    return region in doc.stocked_in if region is not None else bool(doc.stocked_in)


@attrs.frozen
class SearchHit:
    """One SKU found, with its text score (0 when the query has no words)."""

    sku_id: str
    score: float  # float-ok: a ranking weight, never money


@attrs.frozen
class SearchResults:
    """A page of ``hits``; ``total`` hits over all pages; ``facets``: for each facet asked,
    value -> hits with it (over all pages)."""

    hits: tuple[SearchHit, ...]
    total: int
    facets: Mapping[str, Mapping[str, int]]

    @property
    def sku_ids(self) -> list[str]:
        return [hit.sku_id for hit in self.hits]
