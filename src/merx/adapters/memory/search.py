"""``SearchIndex`` in memory: an inverted index (term -> SKU -> weighted count), ranked
by :mod:`merx.search.ranking` as every adapter is."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import attrs

from merx.search import (
    BigramSegmenter,
    Pinyin,
    SearchDocument,
    SearchQuery,
    SearchResults,
    Segmenter,
)
from merx.search.ranking import (
    document_terms,
    document_words,
    matches,
    plan,
    query_terms,
    results,
    score,
)


class MemorySearchIndex:
    """The index for tests, examples and small shops (every document held in memory)."""

    def __init__(self, segmenter: Segmenter | None = None, pinyin: Pinyin | None = None) -> None:
        self.segmenter = segmenter or BigramSegmenter()
        self.pinyin = pinyin
        self._docs: dict[str, SearchDocument] = {}
        self._terms: dict[str, dict[str, int]] = {}  # SKU -> term -> weighted count
        self._postings: dict[str, dict[str, int]] = {}  # term -> SKU -> weighted count
        self._lengths: dict[str, int] = {}
        self._total_length = 0
        self._words: Counter[str] = Counter()  # word -> documents holding it
        self._counted: set[tuple[str, str]] = set()  # (SKU, order) sales counted

    def put(self, document: SearchDocument) -> None:
        self.remove(document.sku_id)
        terms = document_terms(document, self.segmenter, self.pinyin)
        self._docs[document.sku_id] = document
        self._terms[document.sku_id] = terms
        self._lengths[document.sku_id] = sum(terms.values())
        self._total_length += self._lengths[document.sku_id]
        for term, count in terms.items():
            self._postings.setdefault(term, {})[document.sku_id] = count
        self._words.update(document_words(document))

    def put_many(self, documents: Iterable[SearchDocument]) -> None:
        for document in documents:
            self.put(document)

    def count_sale(self, sku_id: str, order_id: str, units: int) -> bool:
        document = self._docs.get(sku_id)
        if document is None or (sku_id, order_id) in self._counted:
            return False
        self._counted.add((sku_id, order_id))
        self._docs[sku_id] = attrs.evolve(document, sales=document.sales + units)
        return True

    def remove(self, sku_id: str) -> None:
        document = self._docs.pop(sku_id, None)
        if document is None:
            return
        for term in self._terms.pop(sku_id):
            postings = self._postings[term]
            del postings[sku_id]
            if not postings:
                del self._postings[term]
        self._total_length -= self._lengths.pop(sku_id)
        self._words.subtract(document_words(document))
        self._words = +self._words  # drop the words no document holds now

    def get(self, sku_id: str) -> SearchDocument | None:
        return self._docs.get(sku_id)

    def search(self, query: SearchQuery) -> SearchResults:
        needs = plan(query.text, self.segmenter)
        if not needs:
            return results(query, dict.fromkeys(self._docs, 0.0), self._docs)
        terms = query_terms(needs)
        candidates = set().union(*(self._postings.get(t, {}) for t in terms))
        count = len(self._docs)
        average = self._total_length / count if count else 0.0
        frequency = {t: len(self._postings.get(t, ())) for t in terms}
        scored: dict[str, float] = {}
        for sku in candidates:
            held = self._terms[sku]
            if matches(needs, held.__contains__):
                scored[sku] = score(
                    terms,
                    held,
                    frequency,
                    documents=count,
                    length=self._lengths[sku],
                    average_length=average,
                )
        return results(query, scored, self._docs)

    def vocabulary(self) -> Mapping[str, int]:
        return dict(self._words)
