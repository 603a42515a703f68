"""``SearchIndex`` on SQLite FTS5: the embedded default, one file beside the store's.

FTS5 finds the candidates (the documents holding any term of the query, through its
inverted index); merx ranks them as every adapter does (:mod:`merx.search.ranking`), from
each document's term counts kept beside it and FTS5's document frequencies
(``fts5vocab``). Filters on category, brand, merchant and price are pushed into the SQL;
the region filter and the rest of the matching rule run on the candidates.

Tables (created when missing): ``search_documents`` (a row per SKU: its fields, its term
counts as JSON), ``search_text`` (FTS5, its rowid the document's ``id``: the SKU's terms,
each repeated as often as it counts), ``search_terms`` (``fts5vocab`` over it) and
``search_words`` (word, SKU: the vocabulary a correction suggests from).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from merx.kernel.money import Money
from merx.search import (
    BigramSegmenter,
    SearchDocument,
    SearchQuery,
    SearchResults,
    Segmenter,
)
from merx.search.ranking import (
    bm25,
    document_terms,
    document_words,
    matches,
    plan,
    query_terms,
    results,
)

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
    sales INTEGER NOT NULL,
    listed_at TEXT NOT NULL,
    stocked_in TEXT NOT NULL,
    sold_to TEXT NOT NULL,
    terms TEXT NOT NULL,
    length INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS search_documents_category ON search_documents (category);
CREATE INDEX IF NOT EXISTS search_documents_merchant ON search_documents (merchant);
CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5 (
    terms, tokenize = "unicode61 remove_diacritics 0"
);
CREATE VIRTUAL TABLE IF NOT EXISTS search_terms USING fts5vocab (search_text, row);
CREATE TABLE IF NOT EXISTS search_words (
    word TEXT NOT NULL, sku_id TEXT NOT NULL, PRIMARY KEY (word, sku_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS search_words_sku ON search_words (sku_id);
"""

_COLUMNS = (
    "sku_id, title, category, merchant, brand, price, currency, sales, listed_at, stocked_in, "
    "sold_to, terms, length"
)


class SqliteSearchIndex:
    """The index in a SQLite database (a path, or an open connection it then shares)."""

    def __init__(
        self, database: str | Path | sqlite3.Connection, segmenter: Segmenter | None = None
    ) -> None:
        self.segmenter = segmenter or BigramSegmenter()
        if isinstance(database, sqlite3.Connection):
            self._db = database
        else:
            self._db = sqlite3.connect(database, isolation_level=None)
            self._db.execute("PRAGMA journal_mode = WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    # -- writing -------------------------------------------------------------------------

    def put(self, document: SearchDocument) -> None:
        self.put_many([document])

    def put_many(self, documents: Iterable[SearchDocument]) -> None:
        with _transaction(self._db):
            for document in documents:
                self._delete(document.sku_id)
                self._insert(document)

    def _insert(self, document: SearchDocument) -> None:
        terms = document_terms(document, self.segmenter)
        text = " ".join(term for term, count in sorted(terms.items()) for _ in range(count))
        row = self._db.execute(
            f"INSERT INTO search_documents ({_COLUMNS}, price_minor) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                document.sku_id, document.title, document.category, document.merchant,
                document.brand, str(document.price.amount), document.price.currency,
                document.sales, document.listed_at.isoformat(),
                json.dumps(sorted(document.stocked_in)), json.dumps(sorted(document.sold_to)),
                json.dumps(terms, ensure_ascii=False), sum(terms.values()), document.price.minor,
            ),
        )  # fmt: skip
        self._db.execute(
            "INSERT INTO search_text (rowid, terms) VALUES (?, ?)", (row.lastrowid, text)
        )
        held = document_words(document)
        self._db.executemany(
            "INSERT INTO search_words (word, sku_id) VALUES (?, ?)",
            [(word, document.sku_id) for word in sorted(held)],
        )

    def remove(self, sku_id: str) -> None:
        with _transaction(self._db):
            self._delete(sku_id)

    def _delete(self, sku_id: str) -> None:
        found = self._db.execute(
            "SELECT id FROM search_documents WHERE sku_id = ?", (sku_id,)
        ).fetchone()
        if found is None:
            return
        self._db.execute("DELETE FROM search_text WHERE rowid = ?", found)
        self._db.execute("DELETE FROM search_documents WHERE id = ?", found)
        self._db.execute("DELETE FROM search_words WHERE sku_id = ?", (sku_id,))

    # -- reading -------------------------------------------------------------------------

    def get(self, sku_id: str) -> SearchDocument | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM search_documents WHERE sku_id = ?",
            (sku_id,),
        ).fetchone()
        return None if row is None else _document(row)[0]

    def search(self, query: SearchQuery) -> SearchResults:
        needs = plan(query.text, self.segmenter)
        where, params = _filters(query)
        if not needs:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM search_documents WHERE {where}",
                params,
            ).fetchall()
            every = {doc.sku_id: doc for doc, _, _ in map(_document, rows)}
            return results(query, dict.fromkeys(every, 0.0), every)
        terms = query_terms(needs)
        match = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM search_documents WHERE {where} AND id IN "
            "(SELECT rowid FROM search_text WHERE search_text MATCH ?)",
            (*params, match),
        ).fetchall()
        count, average = self._db.execute(
            "SELECT count(*), coalesce(avg(length), 0) FROM search_documents"
        ).fetchone()
        frequency = dict(
            self._db.execute(
                f"SELECT term, doc FROM search_terms WHERE term IN ({', '.join('?' * len(terms))})",
                terms,
            ).fetchall()
        )
        docs: dict[str, SearchDocument] = {}
        scored: dict[str, float] = {}
        for doc, held, length in map(_document, rows):
            if not matches(needs, held.__contains__):
                continue
            docs[doc.sku_id] = doc
            scored[doc.sku_id] = sum(
                bm25(held[t], frequency[t], count, length, average) for t in terms if t in held
            )
        return results(query, scored, docs)

    def vocabulary(self) -> Mapping[str, int]:
        return dict(
            self._db.execute("SELECT word, count(*) FROM search_words GROUP BY word").fetchall()
        )


class _transaction:
    """``BEGIN`` ... ``COMMIT`` (``ROLLBACK`` on an error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")


def _filters(query: SearchQuery) -> tuple[str, list[object]]:
    clauses, params = ["1 = 1"], list[object]()
    for column in ("category", "brand", "merchant"):
        value = getattr(query, column)
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    for bound, op in ((query.price.low, ">="), (query.price.high, "<=")):
        if bound is not None:
            clauses.append(f"currency = ? AND price_minor {op} ?")
            params.extend((bound.currency, bound.minor))
    return " AND ".join(clauses), params


def _document(row: tuple[object, ...]) -> tuple[SearchDocument, dict[str, int], int]:
    (sku, title, category, merchant, brand, price, currency, sales, listed, stocked, sold,
     terms, length) = row  # fmt: skip
    doc = SearchDocument(
        sku_id=str(sku),
        title=str(title),
        category=str(category),
        merchant=str(merchant),
        brand=None if brand is None else str(brand),
        price=Money.of(Decimal(str(price)), str(currency)),
        sales=int(str(sales)),
        listed_at=datetime.fromisoformat(str(listed)),
        stocked_in=frozenset(json.loads(str(stocked))),
        sold_to=frozenset(json.loads(str(sold))),
    )
    return doc, json.loads(str(terms)), int(str(length))
