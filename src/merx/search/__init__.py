"""merx.search: finding SKUs by words (the seed's 搜索), behind an index port.

The index (:class:`SearchIndex`: memory, SQLite FTS5, or a host's engine) holds a
:class:`SearchDocument` per listed SKU; :class:`SearchQuery` asks it with filters, a
sort, a page and facets. Text is cut by a :class:`Segmenter` (Chinese in character
pairs by default); matching and ranking are in :mod:`merx.search.ranking`, shared by
every adapter.
"""

from merx.search.errors import InvalidSearchDocument, InvalidSearchQuery
from merx.search.model import (
    FACETS,
    MAX_PAGE_SIZE,
    PriceRange,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
    Sort,
)
from merx.search.ports import SearchIndex
from merx.search.services import ReindexSearch
from merx.search.suggestions import (
    HIDDEN_WORD_SCENARIO,
    HiddenWord,
    Intent,
    Search,
    correct,
    edit_distance,
    hidden_word,
    hot_words,
    intent,
    related_words,
)
from merx.search.text import BigramSegmenter, Pinyin, Segmenter, is_han, normalize, words

__all__ = [
    "FACETS",
    "HIDDEN_WORD_SCENARIO",
    "MAX_PAGE_SIZE",
    "BigramSegmenter",
    "HiddenWord",
    "Intent",
    "InvalidSearchDocument",
    "InvalidSearchQuery",
    "Pinyin",
    "PriceRange",
    "ReindexSearch",
    "Search",
    "SearchDocument",
    "SearchHit",
    "SearchIndex",
    "SearchQuery",
    "SearchResults",
    "Segmenter",
    "Sort",
    "correct",
    "edit_distance",
    "hidden_word",
    "hot_words",
    "intent",
    "is_han",
    "normalize",
    "related_words",
    "words",
]
