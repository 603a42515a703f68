"""Around the query: corrections ("did you mean"), hot words, related words and intent.

All of them read what shoppers typed (:class:`Search`: a session's query at an instant;
no customer, nothing personal) and what the index holds (its vocabulary), and are pure:
the caller brings the searches of the window it wants.

- **Correction**: each word of a query that no document holds is replaced by the closest
  known word (the index's vocabulary and the hot words) within an edit distance of 1 for
  words of up to 4 characters and 2 beyond (insert, delete, substitute, swap two
  neighbours); ties go to the word more documents and searches hold, then the first in
  order. No word to correct: no suggestion.
- **Hot words**: the queries typed most in a sliding window ending now, each session
  counted once per query, with a block list (words never shown as hot, matched on the
  normalized query and on each of its words).
- **Related words**: queries typed in the same sessions as the given one, by how many
  sessions typed both.
- **Intent**: a query that is exactly a category or a brand goes to it.
- **Hidden word** (the placeholder in the search box): chosen per shopper through the
  strategy scenario :data:`HIDDEN_WORD_SCENARIO` of :mod:`merx.decisions`: the deciding
  strategy's (or the default's) materials are the candidate words, one shown at a time,
  rotating each hour and starting at a place of the shopper's own; no scenario, a failed
  decision or no words: the host's fallback word. :class:`HiddenWord` says why.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta

import attrs

from merx.decisions import Decision
from merx.kernel.clock import require_aware
from merx.kernel.errors import MerxError
from merx.search.errors import InvalidSearchQuery
from merx.search.text import normalize, words


@attrs.frozen
class Search:
    """What one session typed, when (the text as typed)."""

    session_id: str
    text: str
    at: datetime

    def __attrs_post_init__(self) -> None:
        require_aware(self.at, "time of the search")

    @property
    def query(self) -> str:
        """The text normalized, its words joined by one space (what is counted)."""
        return " ".join(words(self.text))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance between ``a`` and ``b``; ``limit + 1`` as soon as
    it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] | None = None
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(current[j - 1] + 1, row[j] + 1, row[j - 1] + cost)
            if (
                before is not None
                and i > 1
                and j > 1
                and a[i - 1] == b[j - 2]
                and a[i - 2] == b[j - 1]
            ):
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return min(row[-1], limit + 1)


def _allowed(word: str) -> int:
    return 1 if len(word) <= 4 else 2


def correct(text: str, known: Mapping[str, int]) -> str | None:
    """``text`` with each unknown word replaced by its correction (see the module), or
    ``None`` when every word is known or no word has a correction."""
    said = words(text)
    fixed: list[str] = []
    for word in said:
        if word in known:
            fixed.append(word)
            continue
        limit = _allowed(word)
        best: tuple[int, int, str] | None = None
        for candidate, weight in known.items():
            distance = edit_distance(word, candidate, limit)
            if distance <= limit:
                key = (distance, -weight, candidate)
                best = key if best is None or key < best else best
        fixed.append(word if best is None else best[2])
    return None if fixed == said else " ".join(fixed)


def _window(searches: Iterable[Search], now: datetime, window: timedelta) -> list[Search]:
    require_aware(now, "now")
    if window <= timedelta(0):
        raise InvalidSearchQuery(f"a window of time above zero, got {window}")
    return [s for s in searches if now - window < s.at <= now]


def hot_words(
    searches: Iterable[Search],
    *,
    now: datetime,
    window: timedelta = timedelta(hours=24),
    top: int = 10,
    blocked: Collection[str] = (),
) -> list[tuple[str, int]]:
    """The ``top`` queries of the ``window`` ending at ``now``, with the sessions that
    typed each, most first (ties in order of the query); blocked ones never listed."""
    if top < 1:
        raise InvalidSearchQuery(f"top is a whole number >= 1, got {top!r}")
    block = {normalize(b).strip() for b in blocked}
    sessions: dict[str, set[str]] = {}
    for search in _window(searches, now, window):
        query = search.query
        if query and query not in block and not block.intersection(query.split()):
            sessions.setdefault(query, set()).add(search.session_id)
    ranked = sorted(((q, len(s)) for q, s in sessions.items()), key=lambda qs: (-qs[1], qs[0]))
    return ranked[:top]


def related_words(
    query: str,
    searches: Iterable[Search],
    *,
    now: datetime,
    window: timedelta = timedelta(days=7),
    top: int = 5,
) -> list[tuple[str, int]]:
    """The queries typed in the sessions that typed ``query`` (inside the window), with
    how many of those sessions typed each, most first (ties in order of the query)."""
    asked = " ".join(words(query))
    by_session: dict[str, set[str]] = {}
    for search in _window(searches, now, window):
        if search.query:
            by_session.setdefault(search.session_id, set()).add(search.query)
    together: Counter[str] = Counter()
    for queries in by_session.values():
        if asked in queries:
            together.update(queries - {asked})
    return sorted(together.items(), key=lambda qs: (-qs[1], qs[0]))[:top]


@attrs.frozen
class Intent:
    """Where a query points: ``kind`` is ``"category"`` or ``"brand"``."""

    kind: str
    value: str


def intent(text: str, categories: Iterable[str], brands: Iterable[str]) -> Intent | None:
    """The category or brand ``text`` names exactly (normalized; a category first), else
    ``None``."""
    said = " ".join(words(text))
    if not said:
        return None
    for kind, names in (("category", categories), ("brand", brands)):
        for name in names:
            if " ".join(words(name)) == said:
                return Intent(kind, name)
    return None


#: the strategy scenario that picks a shopper's hidden words (its caller: ``search``)
HIDDEN_WORD_SCENARIO = "search.hidden_word"
#: how long one hidden word stays before the next of the shopper's words
HIDDEN_WORD_TURN = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@attrs.frozen
class HiddenWord:
    """The placeholder shown to ``customer_id`` at ``at`` (``None``: leave the box empty)
    and why: the decision's ``reason`` (``"UNAVAILABLE"`` when it could not be asked),
    its ``strategy`` and ``variant``, the candidate ``words`` it gave, and a sentence."""

    customer_id: str
    at: datetime
    word: str | None
    words: tuple[str, ...]
    reason: str
    strategy: str | None
    variant: str | None
    explanation: str


def hidden_word(
    customer_id: str,
    at: datetime,
    decide: Callable[[str, str, Mapping[str, object]], Decision],
    *,
    fallback: str | None = None,
) -> HiddenWord:
    """The hidden word for ``customer_id`` at ``at``: ``decide(scenario, customer_id,
    context)`` asks :data:`HIDDEN_WORD_SCENARIO` (the context offers ``hour``, the UTC
    hour of ``at``); its materials are the words, the one shown turning each
    :data:`HIDDEN_WORD_TURN` from a place set by the shopper's id (so shoppers of one
    strategy do not all see the same word at once). A decision that cannot be asked or
    failed, or that gives no words, shows ``fallback``."""
    require_aware(at, "hidden word instant")
    try:
        decision = decide(HIDDEN_WORD_SCENARIO, customer_id, {"hour": at.astimezone(UTC).hour})
    except MerxError as error:
        return HiddenWord(
            customer_id, at, fallback, (), "UNAVAILABLE", None, None,
            f"fallback {fallback!r}: {HIDDEN_WORD_SCENARIO} could not be asked ({error})",
        )  # fmt: skip
    candidates = tuple(w for w in dict.fromkeys(decision.materials) if w.strip())
    reason = str(decision.reason)
    if decision.error is not None or not candidates:
        why = decision.error or "it gave no words"
        return HiddenWord(
            customer_id, at, fallback, candidates, reason, decision.strategy, decision.variant,
            f"fallback {fallback!r}: {HIDDEN_WORD_SCENARIO} answered {reason} ({why})",
        )  # fmt: skip
    turn = (at - _EPOCH) // HIDDEN_WORD_TURN
    start = zlib.crc32(customer_id.encode("utf-8"))
    word = candidates[(start + turn) % len(candidates)]
    source = f"strategy {decision.strategy!r}" if decision.strategy else "the default"
    return HiddenWord(
        customer_id, at, word, candidates, reason, decision.strategy, decision.variant,
        f"{word!r}: word {(start + turn) % len(candidates) + 1} of {len(candidates)} from "
        f"{source} of {HIDDEN_WORD_SCENARIO} ({reason}, variant {decision.variant!r}), "
        f"turning each {HIDDEN_WORD_TURN}",
    )  # fmt: skip
