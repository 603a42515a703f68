"""Chinese text for search, from the ``merx[chinese]`` extra (jieba and pypinyin).

- :class:`JiebaSegmenter`: a :class:`~merx.search.Segmenter` that cuts Chinese runs into
  jieba's dictionary words in its search mode (a long word and the shorter words in it:
  ``笔记本电脑`` -> ``笔记``, ``电脑``, ``笔记本``, ``笔记本电脑``, so ``笔记本`` finds it)
  instead of character pairs; Latin and digit runs stay whole, as with the
  :class:`~merx.search.BigramSegmenter`.
- :class:`PypinyinReadings`: a :class:`~merx.search.Pinyin` giving a Chinese term's full
  pinyin and initials (``手机`` -> ``shouji``, ``sj``), so a shopper typing either finds it.
- :func:`segmenter` and :func:`pinyin`: the choice a host makes, falling back to the
  bigrams (and no pinyin) when the extra is not installed.

Pass them to an index (``SqliteSearchIndex(path, segmenter("jieba"), pinyin())``), the
same to every index that must answer alike: the terms a document holds depend on them.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any, Literal

from merx.search import BigramSegmenter, Pinyin, Segmenter, is_han, words

#: a segmenter's name for :func:`segmenter`
SegmenterChoice = Literal["bigram", "jieba"]


def installed(module: str) -> bool:
    """Whether ``module`` (``jieba``, ``pypinyin``) can be imported."""
    return importlib.util.find_spec(module) is not None


class JiebaSegmenter:
    """Chinese runs cut into jieba's words, search mode, no HMM guesses (its own
    dictionary instance, loaded on the first text); Latin and digit runs whole. Needs
    ``jieba``."""

    def __init__(self) -> None:
        import jieba

        self._tokenizer: Any = jieba.Tokenizer()

    def terms(self, text: str) -> list[str]:
        out: list[str] = []
        for run in words(text):
            if is_han(run) and len(run) > 1:
                cut: list[str] = self._tokenizer.lcut_for_search(run, HMM=False)
                out.extend(piece for piece in cut if piece.strip())
            else:
                out.append(run)
        return out


class PypinyinReadings:
    """A Chinese term's readings: its full pinyin without tones (``shouji``) and, for two
    characters or more, its initials (``sj``). Needs ``pypinyin``."""

    def __init__(self) -> None:
        from pypinyin import Style, lazy_pinyin

        self._lazy_pinyin = lazy_pinyin
        self._style = Style.NORMAL

    def readings(self, term: str) -> Sequence[str]:
        syllables = [
            s for s in self._lazy_pinyin(term, style=self._style, errors="ignore") if s.isascii()
        ]
        full = "".join(syllables).lower()
        initials = "".join(s[0] for s in syllables).lower()
        return [r for r in (full, initials if len(initials) > 1 else "") if r.isalpha()]


def segmenter(choice: SegmenterChoice = "jieba") -> Segmenter:
    """The segmenter chosen: jieba's when chosen and installed, the bigrams otherwise."""
    if choice == "jieba" and installed("jieba"):
        return JiebaSegmenter()
    return BigramSegmenter()


def pinyin() -> Pinyin | None:
    """pypinyin's readings when installed, else ``None`` (no pinyin matching)."""
    return PypinyinReadings() if installed("pypinyin") else None
