"""``SearchIndex`` on SQLite FTS5: the embedded default, one file beside the store's.

Everything a query needs runs in SQL, so Python touches only the page:

- **matching**: the rule of :mod:`merx.search.ranking` as an FTS5 ``MATCH`` expression:
  the query's words joined by ``AND``; a Chinese word of *n* pairs needing ⌈2n/3⌉ of them
  is the ``OR`` of every group of ⌈2n/3⌉ pairs joined by ``AND``. A word with more groups
  than :data:`MAX_GROUPS` (a run of ten characters or more) is checked in Python on the
  candidates instead, and the ids that pass go back to SQL;
- **ranking**: FTS5's ``bm25()``, which :func:`merx.search.ranking.score` computes alike
  in Python. ``bm25()`` sums over the phrases of the expression it is given, so when a
  term stands in several groups the score is taken from the ``OR`` of the distinct terms
  and the exact expression only filters (``rowid IN``). Under another sort the page is
  picked without scores and ``bm25()`` runs for its rows only;
- **filters** as SQL over the columns of ``search_documents`` (category, brand, seller,
  price in minor units, the regions in stock and sold to);
- **facets** with one ``GROUP BY`` over the matched set, **paging** with
  ``LIMIT``/``OFFSET``; ties broken as the memory index breaks them (by sales, then SKU
  id, which SQLite compares byte by byte in UTF-8: the order of Python's ``str``).

Tables (``PRAGMA user_version`` :data:`LAYOUT`; a file of another layout is emptied and
laid out again, the index being a cache the app rebuilds from the store):
``search_documents`` (a row per SKU: its fields, its terms as FTS5's content),
``search_text`` (FTS5 over ``search_documents.terms``, external content, the ``ascii``
tokenizer so each space-separated term is one token exactly) and ``search_vocabulary``
(word -> documents holding it); ``search_sales`` (SKU, order: the sales counted, so a
paid order delivered twice counts once).

A bulk :meth:`SqliteSearchIndex.put_many` writes every row with ``executemany`` in one
transaction, merges FTS5's segments at the end (``optimize``) and checkpoints the
write-ahead log (a query reading its pages from a long log runs several times slower).
"""

from __future__ import annotations

import itertools
import json
import math
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import attrs

from merx.kernel.money import Money
from merx.search import (
    BigramSegmenter,
    Pinyin,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
    Segmenter,
    Sort,
)
from merx.search.ranking import (
    Need,
    document_terms,
    document_words,
    matches,
    micros,
    plan,
    price_key,
    query_terms,
)

#: the layout of the tables (``PRAGMA user_version``)
LAYOUT = 2
#: the most ``AND`` groups one Chinese word may expand to in the ``MATCH`` expression
MAX_GROUPS = 64
#: a bulk put of at least this many documents merges FTS5's segments when done
_OPTIMIZE_AFTER = 1_000
#: the page cache of a connection the index opens (KiB): the facts of 100,000 SKUs fit
_CACHE_KIB = 65_536
#: separates the regions in the ``stocked_in`` and ``sold_to`` columns
_SEP = "\x1f"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS search_documents (
    id INTEGER PRIMARY KEY,
    sku_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    merchant TEXT NOT NULL,
    brand TEXT,
    price TEXT NOT NULL,
    currency TEXT NOT NULL,
    price_minor INTEGER NOT NULL,
    price_key INTEGER NOT NULL,
    sales INTEGER NOT NULL,
    listed_at TEXT NOT NULL,
    listed_us INTEGER NOT NULL,
    stocked_in TEXT NOT NULL,
    sold_to TEXT NOT NULL,
    terms TEXT NOT NULL,
    words TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS search_facts (
    id INTEGER PRIMARY KEY,
    sku_id TEXT NOT NULL,
    category TEXT NOT NULL,
    brand TEXT,
    merchant TEXT NOT NULL,
    currency TEXT NOT NULL,
    price_minor INTEGER NOT NULL,
    price_key INTEGER NOT NULL,
    sales INTEGER NOT NULL,
    listed_us INTEGER NOT NULL,
    stocked_in TEXT NOT NULL,
    sold_to TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS search_facts_category ON search_facts (category);
CREATE INDEX IF NOT EXISTS search_facts_brand ON search_facts (brand);
CREATE INDEX IF NOT EXISTS search_facts_merchant ON search_facts (merchant);
CREATE INDEX IF NOT EXISTS search_facts_sales ON search_facts (sales DESC, sku_id);
CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5 (
    terms, content = 'search_documents', content_rowid = 'id', tokenize = 'ascii'
);
CREATE TABLE IF NOT EXISTS search_sales (
    sku_id TEXT NOT NULL, order_id TEXT NOT NULL, units INTEGER NOT NULL,
    PRIMARY KEY (sku_id, order_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS search_vocabulary (
    word TEXT PRIMARY KEY, documents INTEGER NOT NULL
) WITHOUT ROWID;
"""
_DROP = """
DROP TABLE IF EXISTS search_text;
DROP TABLE IF EXISTS search_terms;
DROP TABLE IF EXISTS search_words;
DROP TABLE IF EXISTS search_vocabulary;
DROP TABLE IF EXISTS search_facts;
DROP TABLE IF EXISTS search_sales;
DROP TABLE IF EXISTS search_documents;
"""

_COLUMNS = (
    "sku_id, title, category, merchant, brand, price, currency, sales, listed_at, stocked_in, "
    "sold_to"
)
_ALL = f"{_COLUMNS}, price_minor, price_key, listed_us, terms, words, id"
#: the narrow row a query filters, counts and sorts on (the row of ``_ALL`` it is taken from)
_FACTS = (
    "id, sku_id, category, brand, merchant, currency, price_minor, price_key, sales, "
    "listed_us, stocked_in, sold_to"
)
_FACT_FIELDS = (0, 2, 4, 3, 6, 11, 12, 7, 13, 9, 10)

_BM25 = "-bm25(search_text)"
_ORDER = {
    Sort.RELEVANCE: "score DESC, d.sales DESC, d.sku_id",
    Sort.SALES: "d.sales DESC, d.sku_id",
    Sort.PRICE_ASC: "d.price_key, d.sku_id",
    Sort.PRICE_DESC: "d.price_key DESC, d.sku_id",
    Sort.NEWEST: "d.listed_us DESC, d.sku_id",
}


class SqliteSearchIndex:
    """The index in a SQLite database (a path, or an open connection it then shares).

    ``segmenter`` and ``pinyin`` as for :class:`~merx.adapters.memory.search.
    MemorySearchIndex`; ``max_groups``: see :data:`MAX_GROUPS`."""

    def __init__(
        self,
        database: str | Path | sqlite3.Connection,
        segmenter: Segmenter | None = None,
        pinyin: Pinyin | None = None,
        *,
        max_groups: int = MAX_GROUPS,
    ) -> None:
        self.segmenter = segmenter or BigramSegmenter()
        self.pinyin = pinyin
        self._max_groups = max_groups
        if isinstance(database, sqlite3.Connection):
            self._db = database
        else:
            self._db = sqlite3.connect(database, isolation_level=None)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")  # a cache: rebuilt if lost
        self._db.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        (layout,) = self._db.execute("PRAGMA user_version").fetchone()
        if layout != LAYOUT:
            self._db.executescript(_DROP)
            self._db.execute(f"PRAGMA user_version = {LAYOUT}")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    # -- writing -------------------------------------------------------------------------

    def put(self, document: SearchDocument) -> None:
        self.put_many([document])

    def put_many(self, documents: Iterable[SearchDocument]) -> None:
        fresh = {doc.sku_id: doc for doc in documents}  # the last of a SKU's wins
        if not fresh:
            return
        held = {sku: document_words(doc) for sku, doc in fresh.items()}
        rows = [self._row(doc, held[sku]) for sku, doc in fresh.items()]
        with _transaction(self._db):
            self._delete(list(fresh))
            (last,) = self._db.execute(
                "SELECT coalesce(max(id), 0) FROM search_documents"
            ).fetchone()
            numbered = [(*row, last + n) for n, row in enumerate(rows, start=1)]
            self._db.executemany(
                f"INSERT INTO search_documents ({_ALL}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                numbered,
            )
            self._db.executemany(
                f"INSERT INTO search_facts ({_FACTS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(row[-1], *(row[i] for i in _FACT_FIELDS)) for row in numbered],
            )
            self._db.executemany(
                "INSERT INTO search_text (rowid, terms) VALUES (?, ?)",
                [(row[-1], row[-3]) for row in numbered],
            )
            words = Counter(word for each in held.values() for word in each)
            self._db.executemany(
                "INSERT INTO search_vocabulary (word, documents) VALUES (?, ?) "
                "ON CONFLICT (word) DO UPDATE SET documents = documents + excluded.documents",
                sorted(words.items()),
            )
            if len(rows) >= _OPTIMIZE_AFTER:
                self._db.execute("INSERT INTO search_text (search_text) VALUES ('optimize')")
        if len(rows) >= _OPTIMIZE_AFTER:
            # pages read from a long write-ahead log cost several times pages read from the file
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _row(self, document: SearchDocument, words: set[str]) -> tuple[object, ...]:
        terms = document_terms(document, self.segmenter, self.pinyin)
        return (
            document.sku_id, document.title, document.category, document.merchant,
            document.brand, str(document.price.amount), document.price.currency,
            document.sales, document.listed_at.isoformat(), _regions(document.stocked_in),
            _regions(document.sold_to), document.price.minor, price_key(document),
            micros(document.listed_at),
            " ".join(" ".join([term] * count) for term, count in sorted(terms.items())),
            json.dumps(sorted(words), ensure_ascii=False),
        )  # fmt: skip

    def count_sale(self, sku_id: str, order_id: str, units: int) -> bool:
        with _transaction(self._db):
            held = self._db.execute(
                "SELECT 1 FROM search_documents WHERE sku_id = ?", (sku_id,)
            ).fetchone()
            if held is None:
                return False
            fresh = self._db.execute(
                "INSERT OR IGNORE INTO search_sales (sku_id, order_id, units) VALUES (?, ?, ?)",
                (sku_id, order_id, units),
            ).rowcount
            if fresh:
                for table in ("search_documents", "search_facts"):
                    self._db.execute(
                        f"UPDATE {table} SET sales = sales + ? WHERE sku_id = ?", (units, sku_id)
                    )
            return bool(fresh)

    def remove(self, sku_id: str) -> None:
        with _transaction(self._db):
            self._delete([sku_id])

    def _delete(self, sku_ids: Sequence[str]) -> None:
        """Take ``sku_ids`` out of every table (inside the caller's transaction)."""
        (held,) = self._db.execute("SELECT count(*) FROM search_documents").fetchone()
        if not held:
            return
        found: list[tuple[int, str, str]] = []
        for start in range(0, len(sku_ids), 500):
            chunk = sku_ids[start : start + 500]
            found.extend(
                self._db.execute(
                    "SELECT id, terms, words FROM search_documents "
                    f"WHERE sku_id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
            )
        if not found:
            return
        self._db.executemany(
            "INSERT INTO search_text (search_text, rowid, terms) VALUES ('delete', ?, ?)",
            [(key, terms) for key, terms, _ in found],
        )
        self._db.executemany("DELETE FROM search_documents WHERE id = ?", [(f[0],) for f in found])
        self._db.executemany("DELETE FROM search_facts WHERE id = ?", [(f[0],) for f in found])
        gone = Counter(word for _, _, words in found for word in json.loads(words))
        self._db.executemany(
            "UPDATE search_vocabulary SET documents = documents - ? WHERE word = ?",
            [(count, word) for word, count in sorted(gone.items())],
        )
        self._db.execute("DELETE FROM search_vocabulary WHERE documents <= 0")

    # -- reading -------------------------------------------------------------------------

    def get(self, sku_id: str) -> SearchDocument | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM search_documents WHERE sku_id = ?", (sku_id,)
        ).fetchone()
        return None if row is None else _document(row)

    def search(self, query: SearchQuery) -> SearchResults:
        sql = self._statements(query)
        facets = tuple(query.facets)
        columns = ", ".join(f"d.{name}" for name in facets)
        grouped = self._db.execute(
            f"SELECT {columns + ', ' if columns else ''}count(*) FROM {sql.source} "
            f"WHERE {sql.exact}" + (f" GROUP BY {columns}" if columns else ""),
            sql.exact_params,
        ).fetchall()
        counts: dict[str, Counter[str]] = {name: Counter() for name in facets}
        total = 0
        for row in grouped:
            total += row[-1]
            for name, value in zip(facets, row, strict=False):
                if value is not None:
                    counts[name][value] += row[-1]
        return SearchResults(
            hits=self._page(query, sql),
            total=total,
            facets={name: dict(sorted(c.items())) for name, c in counts.items()},
        )

    def _statements(self, query: SearchQuery) -> _Statements:
        """The ``FROM`` and ``WHERE`` parts that answer ``query`` (see the module)."""
        where, params = _filters(query)
        needs = plan(query.text, self.segmenter)
        if not needs:
            return _Statements("search_facts AS d", "0.0", "", where, params, where, params)
        source = "search_text CROSS JOIN search_facts AS d ON d.id = search_text.rowid"
        every = " OR ".join(map(_phrase, query_terms(needs)))
        expression = _expression(needs, self._max_groups)
        if expression is None:  # too many groups: checked in Python, by id
            ids = json.dumps(self._matching(needs))
            exact = (
                "search_text MATCH ? AND +search_text.rowid IN "
                f"(SELECT value FROM json_each(?)) AND {where}"
            )
            exact_params = [every, ids, *params]
            return _Statements(source, _BM25, every, exact, exact_params, exact, exact_params)
        text, repeats = expression
        exact, exact_params = f"search_text MATCH ? AND {where}", [text, *params]
        if not repeats:
            return _Statements(source, _BM25, every, exact, exact_params, exact, exact_params)
        # bm25() over the distinct terms; the expression filters
        scoring = (
            "search_text MATCH ? AND +search_text.rowid IN "
            f"(SELECT rowid FROM search_text WHERE search_text MATCH ?) AND {where}"
        )
        return _Statements(
            source, _BM25, every, exact, exact_params, scoring, [every, text, *params]
        )

    def _page(self, query: SearchQuery, sql: _Statements) -> tuple[SearchHit, ...]:
        window = [query.page_size, (query.page - 1) * query.page_size]
        order = _ORDER[query.sort]
        if not sql.every or query.sort is Sort.RELEVANCE:
            page = self._db.execute(
                f"SELECT d.sku_id, {sql.score} AS score FROM {sql.source} WHERE {sql.scoring} "
                f"ORDER BY {order} LIMIT ? OFFSET ?",
                [*sql.scoring_params, *window],
            ).fetchall()
            return tuple(SearchHit(str(sku), float(value)) for sku, value in page)
        # ordered by a column: bm25() for the page's rows only
        rows = self._db.execute(
            f"SELECT d.id, d.sku_id FROM {sql.source} WHERE {sql.exact} "
            f"ORDER BY {order} LIMIT ? OFFSET ?",
            [*sql.exact_params, *window],
        ).fetchall()
        scores = dict(
            self._db.execute(
                f"SELECT rowid, {_BM25} FROM search_text WHERE search_text MATCH ? "
                "AND +rowid IN (SELECT value FROM json_each(?))",
                (sql.every, json.dumps([key for key, _ in rows])),
            ).fetchall()
        )
        return tuple(SearchHit(str(sku), float(scores[key])) for key, sku in rows)

    def _matching(self, needs: Sequence[Need]) -> list[int]:
        """The ids of the documents holding a term of each need that meet every need
        (the rule checked in Python: a word with too many groups for the expression)."""
        holds_each = " AND ".join(
            "(" + " OR ".join(map(_phrase, need.terms)) + ")" for need in needs
        )
        rows = self._db.execute(
            "SELECT d.id, d.terms FROM search_text CROSS JOIN search_documents AS d "
            "ON d.id = search_text.rowid WHERE search_text MATCH ?",
            (holds_each,),
        )
        return [key for key, terms in rows if matches(needs, set(terms.split()).__contains__)]

    def vocabulary(self) -> Mapping[str, int]:
        return dict(self._db.execute("SELECT word, documents FROM search_vocabulary").fetchall())


@attrs.frozen
class _Statements:
    """How to ask SQLite one query: ``source`` (the ``FROM``), ``score`` (the text score's
    expression), ``every`` (the ``OR`` of the query's distinct terms: what ``bm25()``
    ranks; empty without words), ``exact`` (the ``WHERE`` of the hits: what the total and
    facets count) and ``scoring`` (the same hits, in a form ``bm25()`` ranks alike)."""

    source: str
    score: str
    every: str
    exact: str
    exact_params: list[object]
    scoring: str
    scoring_params: list[object]


class _transaction:
    """``BEGIN`` ... ``COMMIT`` (``ROLLBACK`` on an error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _expression(needs: Sequence[Need], max_groups: int) -> tuple[str, bool] | None:
    """The FTS5 expression of the matching rule, and whether a term stands in it more
    than once; ``None`` when a need would take more than ``max_groups`` groups."""
    parts: list[str] = []
    phrases: list[str] = []
    for need in needs:
        if math.comb(len(need.terms), need.at_least) > max_groups:
            return None
        groups = list(itertools.combinations(need.terms, need.at_least))
        parts.append(" OR ".join("(" + " AND ".join(map(_phrase, g)) + ")" for g in groups))
        phrases.extend(term for group in groups for term in group)
    return " AND ".join(f"({part})" for part in parts), len(phrases) != len(set(phrases))


def _regions(regions: frozenset[str]) -> str:
    """``regions`` as one column: each between separators, ``''`` when none."""
    return _SEP + _SEP.join(sorted(regions)) + _SEP if regions else ""


def _filters(query: SearchQuery) -> tuple[str, list[object]]:
    clauses, params = ["1 = 1"], list[object]()
    for column in ("category", "brand", "merchant"):
        value = getattr(query, column)
        if value is not None:
            clauses.append(f"d.{column} = ?")
            params.append(value)
    for bound, op in ((query.price.low, ">="), (query.price.high, "<=")):
        if bound is not None:
            clauses.append(f"d.currency = ? AND d.price_minor {op} ?")
            params.extend((bound.currency, bound.minor))
    if query.region is not None:
        clauses.append("(d.sold_to = '' OR instr(d.sold_to, ?) > 0)")
        params.append(f"{_SEP}{query.region}{_SEP}")
    if query.in_stock and query.region is not None:
        clauses.append("instr(d.stocked_in, ?) > 0")
        params.append(f"{_SEP}{query.region}{_SEP}")
    elif query.in_stock:
        clauses.append("d.stocked_in != ''")
    return " AND ".join(clauses), params


def _document(row: tuple[object, ...]) -> SearchDocument:
    (sku, title, category, merchant, brand, price, currency, sales, listed, stocked,
     sold) = row  # fmt: skip
    return SearchDocument(
        sku_id=str(sku),
        title=str(title),
        category=str(category),
        merchant=str(merchant),
        brand=None if brand is None else str(brand),
        price=Money.of(Decimal(str(price)), str(currency)),
        sales=int(str(sales)),
        listed_at=datetime.fromisoformat(str(listed)),
        stocked_in=frozenset(filter(None, str(stocked).split(_SEP))),
        sold_to=frozenset(filter(None, str(sold).split(_SEP))),
    )
