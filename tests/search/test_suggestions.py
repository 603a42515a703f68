"""Corrections, hot words, related words and intent, on the test catalogue and a
simulated day of searches."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.adapters.memory.search import MemorySearchIndex
from merx.search import (
    Intent,
    InvalidSearchQuery,
    Search,
    correct,
    edit_distance,
    hot_words,
    intent,
    related_words,
)
from tests.search.catalogue import documents

INDEX = MemorySearchIndex()
for _doc in documents():
    INDEX.put(_doc)
VOCABULARY = INDEX.vocabulary()
NOON = datetime(2026, 6, 18, 12, tzinfo=UTC)


# -- corrections ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("iphnoe", "iphone"),  # two letters swapped
        ("ipone 15", "iphone 15"),  # one left out
        ("thinkpadd", "thinkpad"),
        ("咖啡逗", "咖啡豆"),  # a wrong character
        ("Lenvo laptop", "lenovo laptop"),
    ],
)
def test_a_misspelt_word_gets_the_closest_known_one(typed: str, meant: str) -> None:
    assert correct(typed, VOCABULARY) == meant


def test_known_words_and_hopeless_ones_get_no_suggestion() -> None:
    assert correct("iphone 手机", VOCABULARY) is None
    assert correct("zzzzzzzz", VOCABULARY) is None


def test_a_tie_goes_to_the_word_more_documents_and_searches_hold() -> None:
    assert correct("cat", {"car": 3, "cab": 9}) == "cab"
    assert correct("cat", {"car": 9, "cab": 9}) == "cab"  # then in order of the word


def test_short_words_are_corrected_by_one_edit_only() -> None:
    assert correct("abcd", {"abxy": 100}) is None  # two edits on four letters: too far
    assert correct("abcdef", {"abcdxy": 100}) == "abcdxy"


def reference_distance(a: str, b: str) -> int:
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


@given(st.text("abc手机", max_size=7), st.text("abc手机", max_size=7), st.integers(0, 4))
def test_the_bounded_distance_is_the_full_one_up_to_its_limit(a: str, b: str, limit: int) -> None:
    full = reference_distance(a, b)
    assert edit_distance(a, b, limit) == (full if full <= limit else limit + 1)


# -- hot and related words over a simulated day ---------------------------------------------


def simulated_day(seed: int = 7) -> list[Search]:
    """600 sessions in the 24 hours before noon; tastes weighted; some sessions search
    twice; one spammer types the same word 500 times in one session."""
    rng = random.Random(seed)
    tastes = [("iphone 15", 30), ("华为手机", 25), ("连衣裙", 20), ("running shoes", 10),
              ("咖啡豆", 8), ("fake watch", 12), ("龙井", 5)]  # fmt: skip
    pairs = {"iphone 15": "airpods", "华为手机": "华为 matebook", "running shoes": "运动T恤"}
    names, weights = zip(*tastes, strict=True)
    out: list[Search] = []
    for n in range(600):
        at = NOON - timedelta(seconds=rng.randrange(1, 24 * 3600))
        first = rng.choices(names, weights)[0]
        out.append(Search(f"s{n}", first, at))
        if first in pairs and rng.random() < 0.5:
            out.append(Search(f"s{n}", pairs[first], at + timedelta(minutes=2)))
    out.extend(Search("spam", "刷单", NOON - timedelta(minutes=m % 60)) for m in range(500))
    out.append(Search("old", "yesterday's word", NOON - timedelta(days=2)))
    return out


def test_hot_words_after_a_simulated_day_count_sessions_not_keystrokes() -> None:
    day = simulated_day()
    hot = hot_words(day, now=NOON, top=3, blocked=["fake"])
    assert [word for word, _ in hot] == ["iphone 15", "华为手机", "连衣裙"]
    counted = {w: len({s.session_id for s in day if s.query == w}) for w, _ in hot}
    assert dict(hot) == counted
    everything = dict(hot_words(day, now=NOON, top=50))
    assert everything["刷单"] == 1  # one session, however many times it typed it
    assert "fake watch" in everything
    assert "yesterday's word" not in everything  # outside the window


def test_a_blocked_word_is_never_hot_in_any_form() -> None:
    day = simulated_day()
    hot = dict(hot_words(day, now=NOON, top=50, blocked=["FAKE", "刷单"]))
    assert not [w for w in hot if "fake" in w or "刷单" in w]


def test_related_words_are_what_the_same_sessions_typed() -> None:
    day = simulated_day()
    related = related_words("iPhone 15", day, now=NOON)
    assert related[0][0] == "airpods"
    sessions = {s.session_id for s in day if s.query == "iphone 15"}
    both = {s.session_id for s in day if s.query == "airpods"} & sessions
    assert related[0][1] == len(both)
    assert related_words("nothing typed", day, now=NOON) == []


def test_a_window_or_a_top_that_cannot_be_is_refused() -> None:
    with pytest.raises(InvalidSearchQuery):
        hot_words([], now=NOON, window=timedelta(0))
    with pytest.raises(InvalidSearchQuery):
        hot_words([], now=NOON, top=0)


# -- intent --------------------------------------------------------------------------------


def test_a_query_that_is_a_category_or_brand_goes_to_it() -> None:
    categories, brands = ["phone", "laptop"], ["Apple", "华为", "Levi's"]
    assert intent("Phone", categories, brands) == Intent("category", "phone")
    assert intent(" 华为 ", categories, brands) == Intent("brand", "华为")
    assert intent("levi s", categories, brands) == Intent("brand", "Levi's")
    assert intent("华为手机", categories, brands) is None
    assert intent("", categories, brands) is None
