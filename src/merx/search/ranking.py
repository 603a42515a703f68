"""Matching and ranking, shared by every index adapter so they answer alike.

**What a document holds**: the terms of its title, brand and category (a brand's terms
count twice: a shopper typing a brand wants the brand's goods first).

**What matches**: a query is cut into words (:func:`merx.search.text.words`); a document
matches when it matches every word. A Latin or digit word matches when the document holds
it; a Chinese word of *n* pairs (:class:`~merx.search.text.BigramSegmenter`) when the
document holds at least ⌈2n/3⌉ of them, so ``华为手机`` finds "华为 Mate 60 手机" (``华为``
and ``手机``, not ``为手``).

**Rank**: Okapi BM25 (k1 = 1.2, b = 0.75) over the query's distinct terms, ties broken
by SKU id; the other sorts order by their field, then by SKU id.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from merx.search.model import SearchDocument, SearchHit, SearchQuery, SearchResults, Sort
from merx.search.text import Segmenter, distinct, is_han, words

K1 = 1.2
B = 0.75
BRAND_WEIGHT = 2


def document_terms(doc: SearchDocument, segmenter: Segmenter) -> dict[str, int]:
    """Term -> weighted count in ``doc`` (title and category once, brand twice)."""
    counts: Counter[str] = Counter(segmenter.terms(doc.title))
    counts.update(segmenter.terms(doc.category))
    if doc.brand is not None:
        for term in segmenter.terms(doc.brand):
            counts[term] += BRAND_WEIGHT
    return dict(counts)


@attrs.frozen
class Need:
    """One query word: its terms, of which at least ``at_least`` must be held."""

    terms: tuple[str, ...]
    at_least: int


def plan(text: str, segmenter: Segmenter) -> tuple[Need, ...]:
    """The words of ``text`` as needs (see the module), repeats dropped."""
    needs: list[Need] = []
    for word in distinct(words(text)):
        terms = tuple(distinct(segmenter.terms(word)))
        if not terms:
            continue
        at_least = math.ceil(2 * len(terms) / 3) if is_han(word) and len(terms) > 1 else len(terms)
        needs.append(Need(terms, at_least))
    return tuple(needs)


def matches(needs: Sequence[Need], held: Callable[[str], bool]) -> bool:
    """Whether a document holding the terms ``held`` says yes to meets every need."""
    return all(sum(1 for t in need.terms if held(t)) >= need.at_least for need in needs)


def bm25(  # float-ok: a ranking weight, never money
    tf: float, df: int, documents: int, length: float, average_length: float
) -> float:
    """One term's Okapi BM25 contribution (idf never negative)."""
    idf = math.log(1 + (documents - df + 0.5) / (df + 0.5))
    norm = K1 * (1 - B + B * length / average_length) if average_length else K1
    return idf * tf * (K1 + 1) / (tf + norm)


def document_words(doc: SearchDocument) -> set[str]:
    """The words of ``doc``'s title, category and brand: what the vocabulary counts."""
    return {*words(doc.title), *words(doc.category), *words(doc.brand or "")}


def query_terms(needs: Iterable[Need]) -> tuple[str, ...]:
    return tuple(distinct(t for need in needs for t in need.terms))


def ordered(
    hits: Iterable[SearchHit], docs: Mapping[str, SearchDocument], sort: Sort
) -> list[SearchHit]:
    """``hits`` in ``sort``'s order, ties by SKU id."""
    keyed: dict[Sort, Callable[[SearchHit], tuple[object, ...]]] = {
        Sort.RELEVANCE: lambda h: (-h.score, -docs[h.sku_id].sales, h.sku_id),
        Sort.SALES: lambda h: (-docs[h.sku_id].sales, h.sku_id),
        Sort.PRICE_ASC: lambda h: (docs[h.sku_id].price.amount, h.sku_id),
        Sort.PRICE_DESC: lambda h: (-docs[h.sku_id].price.amount, h.sku_id),
        Sort.NEWEST: lambda h: (-docs[h.sku_id].listed_at.timestamp(), h.sku_id),
    }
    return sorted(hits, key=keyed[sort])


def facet_counts(docs: Iterable[SearchDocument], names: Sequence[str]) -> dict[str, dict[str, int]]:
    """For each facet in ``names``: value -> documents with it (a missing value uncounted)."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in names}
    for doc in docs:
        for name in names:
            value = doc.facet(name)
            if value is not None:
                counts[name][value] += 1
    return {name: dict(sorted(c.items())) for name, c in counts.items()}


def results(
    query: SearchQuery, scored: Mapping[str, float], docs: Mapping[str, SearchDocument]
) -> SearchResults:
    """The page ``query`` asks of the documents ``scored`` (SKU id -> text score) that
    pass its filters, with the facets counted over all of them."""
    admitted = [sku for sku in scored if query.admits(docs[sku])]
    hits = ordered((SearchHit(sku, scored[sku]) for sku in admitted), docs, query.sort)
    start = (query.page - 1) * query.page_size
    return SearchResults(
        hits=tuple(hits[start : start + query.page_size]),
        total=len(hits),
        facets=facet_counts((docs[sku] for sku in admitted), query.facets),
    )
