"""Behaviour events (the seed's 行为数据): what shoppers look at, search, click and put in
the cart, as a host tracks them, kept bounded and with nothing personal.

Privacy (the people issue's rules): a behaviour names the customer by its opaque id (or
none: a visitor), the session by the host's opaque id, and a device only by the vault's
keyed digest (:class:`~merx.kernel.vault.PersonalKind` ``DEVICE``); a search's text has
every run of 5 or more digits masked (``#``) before it is kept or published, so a phone,
card or ID number typed in the box never reaches a document or an event.

Bounded storage: a customer's :class:`CustomerTrail` keeps the last
:data:`RECENT_VIEWS` SKUs viewed, the last :data:`RECENT_CLICKS` clicks and the last
:data:`RECENT_EVENTS` event ids (what dedupes a host's re-send); a day's
:class:`BehaviourDay` counts each kind and keeps at most :data:`SEARCHES_PER_DAY`
searches (the query log hot and related words read; beyond it they are counted as
``dropped``).
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime

import attrs

from merx.behaviour.errors import InvalidBehaviour
from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.clock import require_aware
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId

#: SKUs a customer's trail keeps, most recent last (a SKU viewed again moves to the end)
RECENT_VIEWS = 50
#: clicks a customer's trail keeps (attribution reads them)
RECENT_CLICKS = 50
#: event ids a trail remembers to drop a re-sent event
RECENT_EVENTS = 200
#: searches a day's log keeps (the rest only counted)
SEARCHES_PER_DAY = 20_000
#: digits in a row that are masked in a search's text
_NUMBER = re.compile(r"\d{5,}")


class BehaviourKind(enum.Enum):
    VIEW = "view"
    SEARCH = "search"
    CLICK = "click"
    ADD_TO_CART = "add_to_cart"


def mask_numbers(text: str) -> str:
    """``text`` with every run of 5 or more digits replaced by one ``#``."""
    return _NUMBER.sub("#", text)


@attrs.frozen
class Behaviour:
    """One thing a shopper did, as kept: ``sku_id`` for views, clicks and carts, ``text``
    (numbers masked) for searches; ``source``: where a click came from (``"search"``,
    ``"ad:<campaign>"``, ``"rec:<experiment>:<variation>"``: what attribution reads)."""

    event_id: str
    kind: BehaviourKind
    session_id: str
    at: datetime
    customer_id: CustomerId | None = None
    device: str | None = None  # the vault's digest of the device id, never the id
    sku_id: str | None = None
    text: str | None = None
    source: str | None = None

    def __attrs_post_init__(self) -> None:
        require_aware(self.at, "time of the behaviour")
        for name in ("event_id", "session_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise InvalidBehaviour(f"a behaviour needs a {name}, got {value!r}")
        if not isinstance(self.kind, BehaviourKind):
            raise InvalidBehaviour(
                f"kind is one of {[k.value for k in BehaviourKind]}, got {self.kind!r}"
            )
        if self.kind is BehaviourKind.SEARCH:
            if not self.text or not self.text.strip():
                raise InvalidBehaviour(f"a search needs its text, got {self.text!r}")
            if _NUMBER.search(self.text):
                raise InvalidBehaviour("a search's text is kept with its numbers masked")
        elif not self.sku_id or not self.sku_id.strip():
            raise InvalidBehaviour(f"a {self.kind.value} needs a SKU id, got {self.sku_id!r}")

    @property
    def day(self) -> date:
        return self.at.date()


@attrs.frozen
class BehaviourTracked(DomainEvent):
    """A shopper's behaviour was tracked (for the data system and the subscribers that
    keep recommendations and ad tallies)."""

    behaviour: Behaviour


@attrs.frozen
class Click:
    """A click a trail keeps: on which SKU, from where, when."""

    sku_id: str
    source: str | None
    at: datetime


@attrs.frozen
class LoggedSearch:
    """A search a day's log keeps: the session, the text (numbers masked), when."""

    session_id: str
    text: str
    at: datetime


def _keep_last(items: list[str], item: str, cap: int) -> None:
    if item in items:
        items.remove(item)
    items.append(item)
    del items[:-cap]


@attrs.define(kw_only=True)
class CustomerTrail(Aggregate):
    """A customer's recent behaviour (bounded: see the module)."""

    id: str
    views: list[str] = flat_field(list)
    clicks: list[Click] = flat_field(list)
    seen: list[str] = flat_field(list)

    def knows(self, event_id: str) -> bool:
        return event_id in self.seen

    def track(self, behaviour: Behaviour) -> None:
        """Keep ``behaviour`` (a re-sent one, by event id, is the caller's to skip)."""
        assert not self.knows(behaviour.event_id)
        sku = behaviour.sku_id
        if behaviour.kind is BehaviourKind.VIEW and sku is not None:
            _keep_last(self.views, sku, RECENT_VIEWS)
        if behaviour.kind is BehaviourKind.CLICK and sku is not None:
            self.clicks.append(Click(sku, behaviour.source, behaviour.at))
            del self.clicks[:-RECENT_CLICKS]
        self.seen.append(behaviour.event_id)
        del self.seen[:-RECENT_EVENTS]

    def clicks_since(self, since: datetime) -> list[Click]:
        return [click for click in self.clicks if click.at >= since]


@attrs.define(kw_only=True)
class BehaviourDay(Aggregate):
    """A day's counts by kind and its query log (bounded: see the module). Its id is the
    day in ISO form."""

    id: str
    counts: dict[str, int] = flat_field(dict)
    searches: list[LoggedSearch] = flat_field(list)
    dropped: int = 0

    def track(self, behaviour: Behaviour) -> None:
        kind = behaviour.kind.value
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if behaviour.kind is BehaviourKind.SEARCH and behaviour.text is not None:
            if len(self.searches) < SEARCHES_PER_DAY:
                self.searches.append(
                    LoggedSearch(behaviour.session_id, behaviour.text, behaviour.at)
                )
            else:
                self.dropped += 1
