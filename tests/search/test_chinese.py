"""Chinese text: the segmenter choice (jieba when installed and chosen, the character
pairs otherwise) and pinyin matching (``shouji`` / ``sj`` find 手机), each on the memory
and SQLite FTS5 indexes, which answer alike."""

from __future__ import annotations

import functools

import pytest

from merx.adapters import chinese
from merx.adapters.memory.search import MemorySearchIndex
from merx.adapters.search_sqlite import SqliteSearchIndex
from merx.search import BigramSegmenter, Pinyin, SearchIndex, SearchQuery, Segmenter, Sort
from tests.search.catalogue import documents

DOCS = documents()
BY_ID = {doc.sku_id: doc for doc in DOCS}

needs_jieba = pytest.mark.skipif(
    not chinese.installed("jieba"), reason="jieba is not installed (pip install merx[chinese])"
)
needs_pypinyin = pytest.mark.skipif(
    not chinese.installed("pypinyin"),
    reason="pypinyin is not installed (pip install merx[chinese])",
)


@functools.cache
def jieba_segmenter() -> Segmenter:
    """One jieba dictionary for the module's tests (it takes seconds to load)."""
    return chinese.segmenter("jieba")


def both(segmenter: Segmenter, pinyin: Pinyin | None) -> tuple[SearchIndex, SearchIndex]:
    memory = MemorySearchIndex(segmenter, pinyin)
    sqlite = SqliteSearchIndex(":memory:", segmenter, pinyin)
    memory.put_many(DOCS)
    sqlite.put_many(DOCS)
    return memory, sqlite


def alike(memory: SearchIndex, sqlite: SearchIndex, texts: list[str]) -> None:
    for text in texts:
        for sort in (Sort.RELEVANCE, Sort.SALES):
            query = SearchQuery(text, sort=sort, page_size=50)
            assert memory.search(query) == sqlite.search(query), (text, sort)


def test_without_jieba_the_choice_falls_back_to_character_pairs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert isinstance(chinese.segmenter("bigram"), BigramSegmenter)
    monkeypatch.setattr(chinese, "installed", lambda module: False)
    assert isinstance(chinese.segmenter("jieba"), BigramSegmenter)
    assert chinese.pinyin() is None


@needs_jieba
def test_jieba_cuts_words_and_the_indexes_find_and_rank_alike() -> None:
    segmenter = jieba_segmenter()
    assert isinstance(segmenter, chinese.JiebaSegmenter)
    assert segmenter.terms("华为手机 Mate60") == ["华为", "手机", "mate60"]
    assert "笔记本" in segmenter.terms("笔记本电脑")  # search mode: the shorter words too
    memory, sqlite = both(segmenter, None)
    for index in (memory, sqlite):
        found = [BY_ID[s] for s in index.search(SearchQuery("华为手机", page_size=10)).sku_ids]
        assert found
        assert all(d.brand == "华为" and d.category == "phone" for d in found)
        laptops = index.search(SearchQuery("笔记本", page_size=1))
        assert laptops.total == sum(1 for d in DOCS if "笔记本" in d.title)
    alike(memory, sqlite, ["华为手机", "笔记本电脑", "咖啡豆", "running 跑步鞋", "t恤"])


@needs_pypinyin
@pytest.mark.parametrize("kind", ["bigram", "jieba"])
def test_a_query_in_pinyin_full_or_initials_finds_the_chinese_words(kind: str) -> None:
    if kind == "jieba" and not chinese.installed("jieba"):
        pytest.skip("jieba is not installed (pip install merx[chinese])")
    pinyin = chinese.pinyin()
    assert pinyin is not None
    assert list(pinyin.readings("手机")) == ["shouji", "sj"]
    memory, sqlite = both(jieba_segmenter() if kind == "jieba" else BigramSegmenter(), pinyin)
    phones = {d.sku_id for d in DOCS if "手机" in d.title}
    for index in (memory, sqlite):
        for text in ("shouji", "SJ", "ShouJi"):
            found = index.search(SearchQuery(text, page_size=100))
            assert set(found.sku_ids) == phones, text
        huawei = [BY_ID[s] for s in index.search(SearchQuery("huawei shouji")).sku_ids]
        assert huawei
        assert all(d.brand == "华为" for d in huawei)
    alike(memory, sqlite, ["shouji", "sj", "huawei 手机", "kafei", "华为手机", "iphone"])


def test_without_pinyin_a_pinyin_query_finds_nothing() -> None:
    memory, sqlite = both(BigramSegmenter(), None)
    for index in (memory, sqlite):
        assert index.search(SearchQuery("shouji")).total == 0
