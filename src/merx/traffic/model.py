"""Pages, resource positions, placements and impressions.

A :class:`Page` is edited as a draft (:class:`~merx.traffic.components.PageContent`) and
published: each publication is a new, immutable :class:`PageVersion`; one is live, and
rolling back makes an earlier one live again. A :class:`Position` is a place on a screen
(the home banner, the pop-up, a splash ad, an activity page's slot) with a kind, a capacity
(how many placements it shows at once) and a size. A :class:`Placement` puts content (a
page, a banner, a campaign's entrance) on a position for a window, targeted through a
strategy scenario and capped per user and day; an :class:`ImpressionLog` counts what one
user was shown on one day (UTC). A merchant's :class:`Storefront` lists its store
positions, within :data:`STORE_CAPS`.
"""

from __future__ import annotations

import enum
import re
from datetime import UTC, date, datetime, timedelta

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.clock import require_aware
from merx.kernel.errors import ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import PLATFORM, MerchantId
from merx.kernel.state import StateMachine
from merx.traffic.components import PageContent
from merx.traffic.errors import (
    NotYours,
    OverStoreCaps,
    PlacementInvalid,
    PositionInvalid,
    VersionUnknown,
)

_ID = re.compile(r"[a-z0-9][a-z0-9_.:-]*\Z")
_SIZE = re.compile(r"[1-9][0-9]*x[1-9][0-9]*\Z")


def _check_id(what: str, value: str, error: type[ValidationError]) -> None:
    if not (isinstance(value, str) and _ID.match(value)):
        raise error(f"a {what} id is lower-case letters, digits and _.:-, got {value!r}")


def _owned(owner: MerchantId, by: MerchantId, what: str) -> None:
    if by != owner:
        raise NotYours(f"{what} belongs to {owner!r}, not {by!r}")


# -- pages --------------------------------------------------------------------------------


class PageState(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


_P = PageState

#: A page's life: the draft is edited while published too (the live version does not
#: change); publishing or rolling back changes the live version; an archived page is gone.
PAGE_FLOW: StateMachine[PageState] = StateMachine(
    "page",
    [
        (_P.DRAFT, "edit", _P.DRAFT),
        (_P.PUBLISHED, "edit", _P.PUBLISHED),
        ((_P.DRAFT, _P.PUBLISHED), "publish", _P.PUBLISHED),
        (_P.PUBLISHED, "roll_back", _P.PUBLISHED),
        ((_P.DRAFT, _P.PUBLISHED), "archive", _P.ARCHIVED),
    ],
)


@attrs.frozen
class PageVersion:
    """A published page content (never changed)."""

    number: int
    content: PageContent
    published_at: datetime


@attrs.frozen
class PageDraftSaved(DomainEvent):
    page_id: str
    owner: MerchantId


@attrs.frozen
class PagePublished(DomainEvent):
    page_id: str
    version: int


@attrs.frozen
class PageRolledBack(DomainEvent):
    page_id: str
    version: int
    from_version: int


@attrs.frozen
class PageArchived(DomainEvent):
    page_id: str


@attrs.define(kw_only=True)
class Page(Aggregate):
    """A page of components (the platform's, or a merchant's store page): its draft, its
    published versions and the live one."""

    id: str
    owner: MerchantId
    title: str
    draft: PageContent
    versions: list[PageVersion] = flat_field(list)
    live: int | None = None
    status: PageState = PageState.DRAFT

    @classmethod
    def create(cls, page_id: str, owner: MerchantId, title: str, content: PageContent) -> Page:
        _check_id("page", page_id, ValidationError)
        page = cls(id=page_id, owner=owner, title=title, draft=content)
        page.record(PageDraftSaved(page_id, owner))
        return page

    def edit(self, by: MerchantId, title: str, content: PageContent) -> None:
        _owned(self.owner, by, f"page {self.id!r}")
        PAGE_FLOW.target(self.status, "edit")
        self.title, self.draft = title, content
        self.record(PageDraftSaved(self.id, self.owner))

    def publish(self, by: MerchantId, at: datetime) -> int:
        _owned(self.owner, by, f"page {self.id!r}")
        number = len(self.versions) + 1
        PAGE_FLOW.target(self.status, "publish")
        self.versions.append(PageVersion(number, self.draft, at))
        self.live = number
        PAGE_FLOW.move(self, "publish", PagePublished(self.id, number))
        return number

    def published(self, number: int) -> PageVersion:
        if not 1 <= number <= len(self.versions):
            raise VersionUnknown(f"page {self.id!r} has no version {number}")
        return self.versions[number - 1]

    def roll_back(self, by: MerchantId, number: int) -> None:
        _owned(self.owner, by, f"page {self.id!r}")
        self.published(number)
        previous = self.live
        PAGE_FLOW.target(self.status, "roll_back")
        assert previous is not None  # published
        if number == previous:
            raise VersionUnknown(f"version {number} of page {self.id!r} is already live")
        self.live = number
        PAGE_FLOW.move(self, "roll_back", PageRolledBack(self.id, number, previous))

    def archive(self, by: MerchantId) -> None:
        _owned(self.owner, by, f"page {self.id!r}")
        PAGE_FLOW.move(self, "archive", PageArchived(self.id))

    def live_content(self) -> PageContent | None:
        """The live version's content, ``None`` unless the page is published."""
        if self.status is not PageState.PUBLISHED or self.live is None:
            return None
        return self.versions[self.live - 1].content


# -- positions ----------------------------------------------------------------------------


class PositionKind(enum.StrEnum):
    BANNER = "banner"  # a carousel of banners (home banner, store banner)
    POPUP = "popup"  # a pop-up on opening a screen
    SPLASH = "splash"  # a splash ad as the app starts
    SLOT = "slot"  # a slot on an activity page (or a store page)


@attrs.frozen
class StoreCaps:
    """The platform's caps on merchants' store positions and placements."""

    #: store positions a merchant may define
    positions: int = 4
    #: placements a store position shows at once, at most
    capacity: int = 3
    #: kinds a store position may be (no pop-up or splash ad in a store)
    kinds: frozenset[PositionKind] = frozenset({PositionKind.BANNER, PositionKind.SLOT})
    #: times a merchant's placement may be shown to one user in a day, at most
    per_user_daily: int = 3
    #: how long a merchant's placement may run, at most
    longest: timedelta = timedelta(days=31)


STORE_CAPS = StoreCaps()


@attrs.frozen
class PositionDefined(DomainEvent):
    position_id: str
    owner: MerchantId
    kind: PositionKind


@attrs.define(kw_only=True)
class Position(Aggregate):
    """A resource position: where placements show. ``daily_cap`` is the default per-user
    daily cap of its placements (``None``: uncapped); ``placements`` lists the placements
    ever made on it."""

    id: str
    owner: MerchantId
    kind: PositionKind
    capacity: int
    size: str
    daily_cap: int | None = None
    placements: list[str] = flat_field(list)

    @classmethod
    def define(
        cls,
        position_id: str,
        owner: MerchantId,
        *,
        kind: PositionKind,
        capacity: int,
        size: str,
        daily_cap: int | None,
    ) -> Position:
        _check_id("position", position_id, PositionInvalid)
        if type(capacity) is not int or capacity < 1:
            raise PositionInvalid(f"a capacity is a whole number above 0, got {capacity!r}")
        if not (isinstance(size, str) and _SIZE.match(size)):
            raise PositionInvalid(f"a size is WIDTHxHEIGHT in pixels, got {size!r}")
        if daily_cap is not None and (type(daily_cap) is not int or daily_cap < 1):
            raise PositionInvalid(f"a daily cap is a whole number above 0, got {daily_cap!r}")
        if owner != PLATFORM:
            caps = STORE_CAPS
            if kind not in caps.kinds or capacity > caps.capacity:
                raise OverStoreCaps(
                    f"a store position is a {sorted(caps.kinds)} of capacity at most "
                    f"{caps.capacity}, got a {kind} of {capacity}"
                )
        position = cls(
            id=position_id, owner=owner, kind=PositionKind(kind), capacity=capacity, size=size,
            daily_cap=daily_cap,
        )  # fmt: skip
        position.record(PositionDefined(position_id, owner, position.kind))
        return position

    def add(self, placement_id: str) -> None:
        self.placements.append(placement_id)


@attrs.frozen
class StorePositionAdded(DomainEvent):
    merchant: MerchantId
    position_id: str


@attrs.define(kw_only=True)
class Storefront(Aggregate):
    """A merchant's store positions (at most ``STORE_CAPS.positions``)."""

    id: MerchantId
    positions: list[str] = flat_field(list)

    def add(self, position_id: str) -> None:
        if len(self.positions) >= STORE_CAPS.positions:
            raise OverStoreCaps(
                f"merchant {self.id!r} has {len(self.positions)} store positions already, "
                f"the most a store may have"
            )
        self.positions.append(position_id)
        self.record(StorePositionAdded(self.id, position_id))


# -- placements ---------------------------------------------------------------------------


class ContentKind(enum.StrEnum):
    PAGE = "page"  # a page of this context (published)
    BANNER = "banner"  # a banner: an image id or address the host renders
    CAMPAIGN_ENTRANCE = "campaign_entrance"  # a promotions campaign's entrance


@attrs.frozen
class PlacedContent:
    kind: ContentKind
    ref: str


class PlacementState(enum.Enum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    LIVE = "live"
    PAUSED = "paused"
    ENDED = "ended"


_L = PlacementState

#: A placement's life. ``go_live`` and ``finish`` are the clock's (:class:`TickPlacements`);
#: a placement shows only while scheduled or live and inside its window, whatever the tick.
PLACEMENT_FLOW: StateMachine[PlacementState] = StateMachine(
    "placement",
    [
        (_L.DRAFT, "schedule", _L.SCHEDULED),
        (_L.SCHEDULED, "go_live", _L.LIVE),
        ((_L.SCHEDULED, _L.LIVE), "pause", _L.PAUSED),
        (_L.PAUSED, "resume", _L.SCHEDULED),
        ((_L.SCHEDULED, _L.LIVE), "finish", _L.ENDED),
        ((_L.DRAFT, _L.SCHEDULED, _L.LIVE, _L.PAUSED), "end", _L.ENDED),
    ],
)


@attrs.frozen
class PlacementCreated(DomainEvent):
    placement_id: str
    position_id: str
    owner: MerchantId
    scenario: str


@attrs.frozen
class PlacementMoved(DomainEvent):
    """A placement changed state (``command``: schedule, go_live, pause, resume, finish,
    end)."""

    placement_id: str
    command: str
    status: str


@attrs.define(kw_only=True)
class Placement(Aggregate):
    """Content on a position from ``starts_at`` (included) until ``ends_at`` (excluded),
    shown to whom the strategy ``scenario`` decides (a matching strategy; with ``variants``,
    a decision whose variant is one of them) at most ``daily_cap`` times per user and day
    (``None``: uncapped). Higher ``priority`` shows first."""

    id: str
    position: str
    owner: MerchantId
    content: PlacedContent
    starts_at: datetime
    ends_at: datetime
    scenario: str
    variants: frozenset[str] = frozenset()
    daily_cap: int | None = None
    priority: int = 0
    status: PlacementState = PlacementState.DRAFT

    @classmethod
    def create(
        cls,
        placement_id: str,
        position: Position,
        by: MerchantId,
        content: PlacedContent,
        *,
        window: tuple[datetime, datetime],
        scenario: str,
        variants: frozenset[str],
        daily_cap: int | None,
        priority: int,
    ) -> Placement:
        """A draft placement on ``position`` (its content checked by the caller); the
        position's daily cap when ``daily_cap`` is ``None``."""
        _check_id("placement", placement_id, PlacementInvalid)
        _owned(position.owner, by, f"position {position.id!r}")
        cap = position.daily_cap if daily_cap is None else daily_cap
        check_schedule(by, *window)
        check_cap(by, cap)
        if type(priority) is not int:
            raise PlacementInvalid(f"a priority is a whole number, got {priority!r}")
        placement = cls(
            id=placement_id, position=position.id, owner=by, content=content,
            starts_at=window[0], ends_at=window[1], scenario=scenario,
            variants=frozenset(variants), daily_cap=cap, priority=priority,
        )  # fmt: skip
        placement.record(PlacementCreated(placement_id, position.id, by, scenario))
        return placement

    def _move(self, by: MerchantId, command: str) -> None:
        _owned(self.owner, by, f"placement {self.id!r}")
        target = PLACEMENT_FLOW.target(self.status, command)
        PLACEMENT_FLOW.move(self, command, PlacementMoved(self.id, command, target.value))

    def schedule(self, by: MerchantId) -> None:
        self._move(by, "schedule")

    def pause(self, by: MerchantId) -> None:
        self._move(by, "pause")

    def resume(self, by: MerchantId) -> None:
        self._move(by, "resume")

    def end(self, by: MerchantId) -> None:
        self._move(by, "end")

    def tick(self, now: datetime) -> bool:
        """Follow the clock: live once started, ended once past; whether it moved."""
        moved = False
        if self.status is PlacementState.SCHEDULED and self.starts_at <= now < self.ends_at:
            self._move(self.owner, "go_live")
            moved = True
        if self.status in (PlacementState.SCHEDULED, PlacementState.LIVE) and self.ends_at <= now:
            self._move(self.owner, "finish")
            moved = True
        return moved

    def in_window(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at

    @property
    def next_tick(self) -> datetime | None:
        """The first instant :meth:`tick` moves it: a scheduled one's start, a live one's
        end (``None``: the clock never moves it, drafts, paused and ended ones)."""
        if self.status is PlacementState.SCHEDULED:
            return self.starts_at
        if self.status is PlacementState.LIVE:
            return self.ends_at
        return None


def check_schedule(owner: MerchantId, starts_at: datetime, ends_at: datetime) -> None:
    require_aware(starts_at, "starts_at")
    require_aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise PlacementInvalid(f"a placement ends after it starts: {starts_at} .. {ends_at}")
    if owner != PLATFORM and ends_at - starts_at > STORE_CAPS.longest:
        raise OverStoreCaps(
            f"a merchant's placement runs at most {STORE_CAPS.longest.days} days, "
            f"got {ends_at - starts_at}"
        )


def check_cap(owner: MerchantId, daily_cap: int | None) -> None:
    if daily_cap is not None and (type(daily_cap) is not int or daily_cap < 1):
        raise PlacementInvalid(f"a daily cap is a whole number above 0, got {daily_cap!r}")
    if owner != PLATFORM and (daily_cap is None or daily_cap > STORE_CAPS.per_user_daily):
        raise OverStoreCaps(
            f"a merchant's placement shows at most {STORE_CAPS.per_user_daily} times a day "
            f"to a user, got {daily_cap!r}"
        )


# -- impressions --------------------------------------------------------------------------


def impression_day(at: datetime) -> date:
    """The day an impression counts in: the UTC date of ``at`` (an aware instant)."""
    return at.astimezone(UTC).date()


def impression_log_id(customer_id: str, day: date) -> str:
    return f"{customer_id}@{day.isoformat()}"


@attrs.define(kw_only=True)
class ImpressionLog(Aggregate):
    """How many times each placement was shown to one customer on one day (UTC)."""

    id: str
    counts: dict[str, int] = flat_field(dict)

    def shown(self, placement_id: str) -> int:
        return self.counts.get(placement_id, 0)

    def count(self, placement_id: str) -> None:
        self.counts[placement_id] = self.shown(placement_id) + 1
