"""``FactStore`` in memory: facts in a dict by id, measures by the Python definition."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

from merx.data import Fact, Measure, Tally, Window, tally_facts


class MemoryFactStore:
    """:class:`merx.data.FactStore` in memory: keeps a fact id once, answers measures with
    :func:`merx.data.tally_facts` (the definition the DuckDB store's SQL must match)."""

    def __init__(self) -> None:
        self._by_id: dict[str, Fact] = {}
        self._by_time: list[tuple[int, str]] = []

    def add(self, facts: Iterable[Fact]) -> None:
        for fact in facts:
            if fact.fact_id not in self._by_id:
                self._by_id[fact.fact_id] = fact
                bisect.insort(self._by_time, (fact.at_us, fact.fact_id))

    def facts(
        self,
        *,
        start_us: int,
        end_us: int,
        kinds: Sequence[str] = (),
        merchant: str | None = None,
    ) -> list[Fact]:
        low = bisect.bisect_left(self._by_time, (start_us, ""))
        high = bisect.bisect_left(self._by_time, (end_us, ""))
        found = [self._by_id[fact_id] for _, fact_id in self._by_time[low:high]]
        return [
            fact
            for fact in found
            if (not kinds or fact.kind in kinds) and (merchant is None or fact.merchant == merchant)
        ]

    def count(self) -> int:
        return len(self._by_id)

    def tally(self, measure: Measure, window: Window) -> list[Tally]:
        high = bisect.bisect_left(self._by_time, (window.end_us, ""))
        return tally_facts(measure, window, (self._by_id[i] for _, i in self._by_time[:high]))
