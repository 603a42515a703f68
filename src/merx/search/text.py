"""Search text: normalizing and cutting text into terms.

Both the index and the query go through the same :class:`Segmenter`, so a term the index
holds is a term a query can name. The default, :class:`BigramSegmenter`, needs no
dictionary: a run of Latin letters or digits is one term (``iPhone15`` -> ``iphone15``);
a run of Chinese characters is cut into overlapping pairs (``华为手机`` -> ``华为``,
``为手``, ``手机``), and a single character stands as itself. Pairs find any word of two
or more characters without knowing the words, at the cost of some loose matches
(``为手``), which ranking pushes down. A host with a dictionary segmenter (jieba, in the
``merx[chinese]`` extra: :class:`merx.adapters.chinese.JiebaSegmenter`, chosen by
:func:`merx.adapters.chinese.segmenter`) passes it instead.

A :class:`Pinyin` gives a Chinese term's readings in Latin letters (``手机`` ->
``shouji`` and the initials ``sj``); an index given one holds them beside the term, so a
shopper typing pinyin finds the goods (:class:`merx.adapters.chinese.PypinyinReadings`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Protocol

#: Chinese characters (CJK unified ideographs, with extension A and compatibility forms)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_HAN}]+|[^\W_]+", re.UNICODE)
_HAN_RUN = re.compile(rf"[{_HAN}]+")


def normalize(text: str) -> str:
    """Full-width forms folded (NFKC) and case folded: a full-width ``IPHONE`` -> ``iphone``."""
    return unicodedata.normalize("NFKC", text).casefold()


def is_han(term: str) -> bool:
    """Whether ``term`` is made of Chinese characters only."""
    return bool(_HAN_RUN.fullmatch(term))


class Segmenter(Protocol):
    """Port: cut normalized text into terms, in order (repeats kept)."""

    def terms(self, text: str) -> list[str]: ...


class Pinyin(Protocol):
    """Port: the readings of a Chinese ``term`` to index beside it (lower-case ASCII
    letters: the full pinyin, and the initials when they are two letters or more)."""

    def readings(self, term: str) -> Sequence[str]: ...


class BigramSegmenter:
    """Latin and digit runs whole; Chinese runs in overlapping pairs (see the module)."""

    def terms(self, text: str) -> list[str]:
        out: list[str] = []
        for run in _RUNS.findall(normalize(text)):
            if _HAN_RUN.fullmatch(run) and len(run) > 1:
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
            else:
                out.append(run)
        return out


def words(text: str) -> list[str]:
    """The runs of ``text`` (Latin words, digit runs, whole Chinese runs), normalized: the
    units a query log counts and a correction suggests."""
    return _RUNS.findall(normalize(text))


def distinct(terms: Iterable[str]) -> Sequence[str]:
    """``terms`` without repeats, in first-seen order."""
    return tuple(dict.fromkeys(terms))
