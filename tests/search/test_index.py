"""The search index through its port, on the test catalogue: matching, ranking, filters,
sorts, facets, paging, on the memory and the SQLite FTS5 adapters (the contract every
adapter passes is merx.testing.search)."""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx.adapters.memory.search import MemorySearchIndex
from merx.adapters.search_sqlite import SqliteSearchIndex
from merx.kernel.money import Money
from merx.search import (
    InvalidSearchDocument,
    InvalidSearchQuery,
    PriceRange,
    SearchDocument,
    SearchIndex,
    SearchQuery,
    Sort,
    normalize,
)
from tests.search.catalogue import documents

DOCS = documents()
BY_ID = {doc.sku_id: doc for doc in DOCS}


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def full_index(kind: str = "memory") -> SearchIndex:
    index: SearchIndex = MemorySearchIndex() if kind == "memory" else SqliteSearchIndex(":memory:")
    for doc in DOCS:
        index.put(doc)
    return index


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def index(request: pytest.FixtureRequest) -> SearchIndex:
    return full_index(request.param)


def top(index: SearchIndex, text: str, n: int = 5) -> list[SearchDocument]:
    found = index.search(SearchQuery(text, page_size=n))
    return [BY_ID[sku] for sku in found.sku_ids]


# -- what a shopper types ------------------------------------------------------------------


def test_a_chinese_query_without_spaces_finds_the_brands_phones_first(index: SearchIndex) -> None:
    found = top(index, "华为手机", 10)
    assert found
    assert all(d.brand == "华为" and d.category == "phone" for d in found)


def test_an_english_query_finds_across_case_and_width(index: SearchIndex) -> None:
    for text in ("iphone", "IPHONE", "\uff49\uff30\uff48\uff4f\uff4e\uff45"):  # full width
        found = top(index, text, 15)
        assert len(found) == 15
        assert all("iPhone" in d.title for d in found)


def test_words_of_two_languages_narrow_together(index: SearchIndex) -> None:
    assert {d.brand for d in top(index, "跑步鞋", 30)} == {"Nike", "李宁"}  # Adidas says 跑鞋
    assert {d.brand for d in top(index, "running shoes", 30)} == {"Nike", "Adidas"}
    both = top(index, "running shoes 跑步鞋", 30)
    assert len(both) == 15
    assert {d.brand for d in both} == {"Nike"}


def test_a_brand_outranks_a_passing_mention(index: SearchIndex) -> None:
    assert {d.brand for d in top(index, "apple", 5)} == {"Apple"}
    assert top(index, "咖啡豆", 3)[0].category == "coffee"


def test_every_hit_holds_every_word_of_the_query(index: SearchIndex) -> None:
    for doc in top(index, "coffee beans", 30):
        assert {"coffee", "beans"} <= set(normalize(doc.title).split())


def test_a_word_no_document_holds_finds_nothing(index: SearchIndex) -> None:
    found = index.search(SearchQuery("hoverboard"))
    assert (found.total, found.hits) == (0, ())
    assert all(counts == {} for counts in found.facets.values())


# -- filters, sorts, pages, facets ---------------------------------------------------------


def test_filters_narrow_by_category_brand_merchant_price_and_region(index: SearchIndex) -> None:
    query = SearchQuery(
        "手机", brand="小米", price=PriceRange(cny("4000.00"), cny("4999.00")), region="sh",
        in_stock=True,
        page_size=100,
    )  # fmt: skip
    found = index.search(query)
    expected = {
        d.sku_id
        for d in DOCS
        if d.brand == "小米"
        and cny("4000.00") <= d.price <= cny("4999.00")
        and "sh" in d.stocked_in
        and (not d.sold_to or "sh" in d.sold_to)
    }
    assert expected
    assert set(found.sku_ids) == expected
    assert found.total == len(expected)


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        (Sort.PRICE_ASC, lambda d: (d.price.amount, d.sku_id)),
        (Sort.PRICE_DESC, lambda d: (-d.price.amount, d.sku_id)),
        (Sort.SALES, lambda d: (-d.sales, d.sku_id)),
        (Sort.NEWEST, lambda d: (-d.listed_at.timestamp(), d.sku_id)),
    ],
)
def test_sorts_order_every_hit_and_break_ties_by_sku(
    index: SearchIndex, sort: Sort, key: Callable[[SearchDocument], tuple[object, ...]]
) -> None:
    found = index.search(SearchQuery("手机", sort=sort, page_size=100))
    docs = [BY_ID[sku] for sku in found.sku_ids]
    assert docs == sorted(docs, key=key)
    assert len(docs) == found.total


def test_pages_cover_the_hits_once_each(index: SearchIndex) -> None:
    whole = index.search(SearchQuery("running", sort=Sort.SALES, page_size=100))
    pages = [
        index.search(SearchQuery("running", sort=Sort.SALES, page=p, page_size=7)).sku_ids
        for p in range(1, math.ceil(whole.total / 7) + 2)
    ]
    assert [sku for page in pages for sku in page] == whole.sku_ids
    assert pages[-1] == []  # past the last page: empty, not an error


def test_facet_counts_are_exact_over_every_hit(index: SearchIndex) -> None:
    found = index.search(SearchQuery("笔记本电脑", page_size=1))
    hits = [d for d in DOCS if "笔记本电脑" in d.title]
    assert found.total == len(hits) == 30
    assert found.facets["brand"] == dict(Counter(d.brand for d in hits if d.brand))
    assert found.facets["merchant"] == {"m-digital": 15, "platform": 15}
    assert found.facets["category"] == {"laptop": 30}


def test_no_words_lists_everything_best_selling_first(index: SearchIndex) -> None:
    found = index.search(SearchQuery(page_size=3, facets=("merchant",)))
    assert found.total == len(DOCS)
    assert found.sku_ids == [d.sku_id for d in sorted(DOCS, key=lambda d: (-d.sales, d.sku_id))][:3]
    assert sum(found.facets["merchant"].values()) == len(DOCS)


# -- keeping up with the catalog -----------------------------------------------------------


def test_a_sku_restricted_to_other_regions_never_shows_there(index: SearchIndex) -> None:
    restricted = {d.sku_id for d in DOCS if d.sold_to == {"bj"}}
    assert restricted
    in_sh = set(index.search(SearchQuery(region="sh", page_size=100)).sku_ids)
    every_sh = index.search(SearchQuery(region="sh", page_size=1))
    assert every_sh.total == len(DOCS) - len(restricted)
    assert not restricted & in_sh
    in_bj = index.search(SearchQuery(region="bj", page_size=1))
    assert in_bj.total == len(DOCS)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_a_removed_sku_is_never_found_and_a_replaced_one_loses_its_old_words(kind: str) -> None:
    index = full_index(kind)
    index.remove("sku-001")
    assert "sku-001" not in index.search(SearchQuery("华为", page_size=100)).sku_ids
    index.remove("sku-001")  # twice: nothing
    renamed = SearchDocument(
        sku_id="sku-002", title="Kettle 电水壶", category="kitchen", merchant="platform",
        price=cny("99.00"), listed_at=datetime(2026, 3, 1, tzinfo=UTC),
    )  # fmt: skip
    index.put(renamed)
    assert "sku-002" not in index.search(SearchQuery("mate", page_size=100)).sku_ids
    assert index.search(SearchQuery("kettle")).sku_ids == ["sku-002"]
    assert index.vocabulary()["kettle"] == 1
    index.remove("sku-002")
    assert "kettle" not in index.vocabulary()


def test_the_vocabulary_counts_documents_per_word(index: SearchIndex) -> None:
    vocabulary = index.vocabulary()
    assert vocabulary["iphone"] == 15
    assert vocabulary["手机"] == sum(1 for d in DOCS if "手机" in d.title.split())


# -- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"page": 0},
        {"page_size": 101},
        {"page_size": True},
        {"facets": ("colour",)},
        {"sort": "cheapest"},
        {"text": None},
    ],
)
def test_a_query_the_index_cannot_answer_is_a_typed_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidSearchQuery):
        SearchQuery(**kwargs)  # type: ignore[arg-type]


def test_a_price_range_upside_down_or_in_two_currencies_is_refused() -> None:
    with pytest.raises(InvalidSearchQuery, match="low to high"):
        PriceRange(cny("10.00"), cny("5.00"))
    with pytest.raises(InvalidSearchQuery, match="one currency"):
        PriceRange(cny("1.00"), Money.of("5.00", "USD"))


@pytest.mark.parametrize(
    "change", [{"title": " "}, {"sales": -1}, {"price": Money.of("0.00", "CNY")}, {"brand": ""}]
)
def test_a_malformed_document_is_refused(change: dict[str, object]) -> None:
    fields = {
        "sku_id": "s", "title": "t", "category": "c", "merchant": "m",
        "price": cny("1.00"), "listed_at": datetime(2026, 1, 1, tzinfo=UTC),
    }  # fmt: skip
    with pytest.raises(InvalidSearchDocument):
        SearchDocument(**{**fields, **change})  # type: ignore[arg-type]


# -- the matching rule, against a reference written from the docs -------------------------


def reference(text: str, query: SearchQuery) -> set[str]:
    """Every word of the query held: a Latin/digit word as a word of the document, a
    Chinese word of n >= 2 characters by at least ceil(2(n-1)/3) of its character pairs
    found anywhere in the document's Chinese runs."""
    import re

    def runs(s: str) -> list[str]:
        return re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\W_]+", normalize(s))

    def pairs(run: str) -> set[str]:
        return {run[i : i + 2] for i in range(len(run) - 1)} if len(run) > 1 else {run}

    found = set()
    for doc in DOCS:
        doc_runs = runs(f"{doc.title} {doc.category} {doc.brand or ''}")
        held = set().union(
            *(pairs(r) if re.fullmatch(r"[\u4e00-\u9fff]+", r) else {r} for r in doc_runs)
        )
        ok = True
        for word in dict.fromkeys(runs(text)):
            if re.fullmatch(r"[\u4e00-\u9fff]+", word) and len(word) > 1:
                want = pairs(word)
                ok = ok and sum(p in held for p in want) >= math.ceil(2 * len(want) / 3)
            else:
                ok = ok and word in held
        sold = query.region is None or not doc.sold_to or query.region in doc.sold_to
        stocked = not query.in_stock or (
            query.region in doc.stocked_in if query.region else bool(doc.stocked_in)
        )
        if ok and sold and stocked and query.category in (None, doc.category):
            found.add(doc.sku_id)
    return found


WORDS = sorted({w for d in DOCS for w in normalize(d.title).split()})


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([*WORDS, "华为手机", "咖啡", "跑步", "nope", "笔记本"]), max_size=3),
    st.sampled_from([None, "sh", "gz", "bj"]),
    st.booleans(),
    st.sampled_from([None, "phone", "shoes", "coffee"]),
)
def test_hits_are_exactly_the_documents_the_rule_admits(
    index: SearchIndex,
    picked: list[str],
    region: str | None,
    in_stock: bool,
    category: str | None,
) -> None:
    text = " ".join(picked)
    query = SearchQuery(text, region=region, in_stock=in_stock, category=category, page_size=100)
    found = index.search(query)
    expected = reference(text, query)
    assert found.total == len(expected)
    if found.total <= 100:
        assert set(found.sku_ids) == expected
    docs = [BY_ID[sku] for sku in expected]
    assert found.facets["category"] == dict(sorted(Counter(d.category for d in docs).items()))


def test_the_adapters_rank_alike() -> None:
    memory, sqlite = full_index("memory"), full_index("sqlite")
    for text in ("华为手机", "running shoes", "apple 耳机", "咖啡豆", "t恤", "2026款 新款", ""):
        for sort in Sort:
            query = SearchQuery(text, sort=sort, page_size=50)
            a, b = memory.search(query), sqlite.search(query)
            assert a.sku_ids == b.sku_ids
            assert [h.score for h in a.hits] == pytest.approx([h.score for h in b.hits])
            assert (a.total, a.facets) == (b.total, b.facets)


def test_a_word_with_too_many_groups_for_the_expression_is_checked_by_id_alike() -> None:
    memory = full_index("memory")
    checked = SqliteSearchIndex(":memory:", max_groups=1)  # every Chinese word goes the slow way
    checked.put_many(DOCS)
    for text in ("华为手机", "笔记本电脑", "降噪耳机 apple", "咖啡豆", "running"):
        for sort in (Sort.RELEVANCE, Sort.PRICE_ASC):
            query = SearchQuery(text, sort=sort, page_size=40)
            assert checked.search(query) == memory.search(query)


def test_an_index_file_of_an_older_layout_is_laid_out_again_empty(tmp_path: Path) -> None:
    path = tmp_path / "shop.search"
    with sqlite3.connect(path) as old:
        old.execute("CREATE TABLE search_documents (id INTEGER PRIMARY KEY, sku_id TEXT)")
        old.execute("INSERT INTO search_documents VALUES (1, 'sku-001')")
    index = SqliteSearchIndex(path)
    assert index.search(SearchQuery()).total == 0  # the app rebuilds an empty index
    index.put_many(DOCS[:5])
    index.close()
    again = SqliteSearchIndex(path)  # the current layout is kept
    assert again.search(SearchQuery()).total == 5
    again.close()
