"""Matching and ranking, shared by every index adapter so they answer alike.

**What a document holds**: the terms of its title, brand and category (a brand's terms
count twice: a shopper typing a brand wants the brand's goods first).

**What matches**: a query is cut into words (:func:`merx.search.text.words`); a document
matches when it matches every word. A Latin or digit word matches when the document holds
it; a Chinese word of *n* pairs (:class:`~merx.search.text.BigramSegmenter`) when the
document holds at least ⌈2n/3⌉ of them, so ``华为手机`` finds "华为 Mate 60 手机" (``华为``
and ``手机``, not ``为手``).

**Rank**: Okapi BM25 (k1 = 1.2, b = 0.75) over the query's distinct terms, computed as
SQLite FTS5's ``bm25()`` computes it (idf ``log((N - n + 0.5) / (n + 0.5))``, at least
1e-6; the terms summed in the query's order, one float operation after the other), so an
index that ranks inside FTS5 and one that ranks in Python give the very same scores. Ties
go to the better seller, then to the SKU id; the other sorts order by their field, then
by SKU id.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import attrs

from merx.search.model import SearchDocument, SearchHit, SearchQuery, SearchResults, Sort
from merx.search.text import Pinyin, Segmenter, distinct, is_han, words

K1 = 1.2
B = 0.75
BRAND_WEIGHT = 2
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def document_terms(
    doc: SearchDocument, segmenter: Segmenter, pinyin: Pinyin | None = None
) -> dict[str, int]:
    """Term -> weighted count in ``doc`` (title and category once, brand twice); with
    ``pinyin``, each Chinese term's readings (``手机`` -> ``shouji``, ``sj``) counted as
    the term is, so a query typed in pinyin finds it."""
    counts: Counter[str] = Counter()
    for text, weight in ((doc.title, 1), (doc.category, 1), (doc.brand or "", BRAND_WEIGHT)):
        for term in segmenter.terms(text):
            counts[term] += weight
            if pinyin is not None and is_han(term):
                for reading in pinyin.readings(term):
                    counts[reading] += weight
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


def idf(df: int, documents: int) -> float:  # float-ok: a ranking weight, never money
    """A term's inverse document frequency as FTS5 has it: never below 1e-6."""
    value = math.log((documents - df + 0.5) / (df + 0.5))
    return value if value > 0.0 else 1e-6


def bm25(  # float-ok: a ranking weight, never money
    tf: float, df: int, documents: int, length: float, average_length: float
) -> float:
    """One term's Okapi BM25 contribution, the float operations in FTS5's order."""
    return idf(df, documents) * (
        (tf * (K1 + 1.0)) / (tf + K1 * (1 - B + B * length / average_length))
    )


def score(  # float-ok: a ranking weight, never money
    terms: Sequence[str],
    held: Mapping[str, int],
    frequency: Mapping[str, int],
    *,
    documents: int,
    length: int,
    average_length: float,  # float-ok: a ranking weight
) -> float:
    """A document's BM25 score for the query's distinct ``terms`` (in the query's order,
    added one by one as FTS5 adds them: ``sum()`` would round differently)."""
    total = 0.0
    for term in terms:
        total += bm25(held.get(term, 0), frequency.get(term, 0), documents, length, average_length)
    return total


def micros(at: datetime) -> int:
    """``at`` as whole microseconds since the epoch (the newest sort's key)."""
    return (at - EPOCH) // timedelta(microseconds=1)


def price_key(doc: SearchDocument) -> int:
    """The price as a whole number of millionths (the price sorts' key, exact)."""
    return int(doc.price.amount.scaleb(6))


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
        Sort.PRICE_ASC: lambda h: (price_key(docs[h.sku_id]), h.sku_id),
        Sort.PRICE_DESC: lambda h: (-price_key(docs[h.sku_id]), h.sku_id),
        Sort.NEWEST: lambda h: (-micros(docs[h.sku_id].listed_at), h.sku_id),
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
