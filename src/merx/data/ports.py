"""Ports of the data context: where facts are kept, and what an event does not say.

:class:`FactStore` keeps facts and answers the aggregates metrics are made of
(:class:`~merx.data.measures.Measure` over a :class:`~merx.data.measures.Window`): the
memory adapter in Python, the DuckDB adapter in SQL, one definition for both
(``merx.testing.data`` is the contract suite every store runs). :class:`Attribution`
answers what an event leaves out (the merchant of an order, the channel of a payment, the
funder of a campaign) at the moment the event is collected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import attrs

from merx.data.facts import Fact
from merx.data.measures import Measure, Tally, Window


@attrs.frozen
class OrderSide:
    """What the data system needs to know of an order that its events do not carry.

    ``categories``: the catalog categories of its lines, each with its weight (the lines'
    net in minor units), the heaviest first (ties by name): an order's facts are split by
    them (:mod:`merx.data.mapping`); none known, the order's ``kind`` (goods, top-up,
    deposit) stands for its category. ``commission_minor`` the platform's net commission
    once the order's clearing is known (``None`` before)."""

    merchant: str = ""
    kind: str = ""
    categories: tuple[tuple[str, int], ...] = ()
    payable_minor: int = 0
    currency: str = ""
    commission_minor: int | None = None

    @property
    def category(self) -> str:
        """The order's main category: its heaviest line's, else its kind."""
        return self.categories[0][0] if self.categories else self.kind


class Attribution(Protocol):
    """Port: the dimensions an event leaves out, looked up when it is collected."""

    def order(self, order_id: str) -> OrderSide | None: ...

    def payment_channel(self, payment_id: str) -> str | None: ...

    def campaign_funder(self, campaign_id: str) -> str | None: ...


class NoAttribution:
    """An :class:`Attribution` that knows nothing: facts keep only what events say."""

    def order(self, order_id: str) -> OrderSide | None:
        return None

    def payment_channel(self, payment_id: str) -> str | None:
        return None

    def campaign_funder(self, campaign_id: str) -> str | None:
        return None


class FactStore(Protocol):
    """Port: the facts store. ``add`` keeps a fact id once (a fact whose id is stored is
    ignored: ids are event ids, so the same id is the same event); reads never change it,
    and see every fact added before them."""

    def add(self, facts: Iterable[Fact]) -> None:
        """Keep the facts whose ids are not kept yet (the first of an id wins)."""
        ...

    def facts(
        self,
        *,
        start_us: int,
        end_us: int,
        kinds: Sequence[str] = (),
        merchant: str | None = None,
    ) -> list[Fact]:
        """The facts that happened in ``[start_us, end_us)`` (of ``kinds``, if given; of
        ``merchant`` only, if given), by time then id."""
        ...

    def count(self) -> int:
        """How many facts are kept."""
        ...

    def tally(self, measure: Measure, window: Window) -> list[Tally]:
        """``measure`` over ``window``: one tally per bucket, breakdown and currency that
        has facts (a stock measure: per bucket end)."""
        ...
