"""Traffic use cases: pages (draft, publish, roll back, archive, preview), positions,
placements (create, schedule, pause, resume, end, tick) and what a user sees.

Each command checks everything first and changes nothing when it fails.
:class:`ViewPosition` is the one call answering what a customer sees on a position at an
instant, with the reason for each placement left out; it records the impressions it shows.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs

from merx import catalog, decisions, promotions
from merx.kernel.bus import Command
from merx.kernel.clock import Clock, require_aware
from merx.kernel.errors import MerxError
from merx.kernel.ids import PLATFORM, MerchantId
from merx.kernel.uow import UnitOfWork, add_or_save, prefetch
from merx.traffic.components import (
    PageContent,
    Reference,
    ShownComponent,
    page_from_json,
    references,
    resolve,
)
from merx.traffic.errors import (
    DanglingReference,
    ForeignContent,
    ForeignReference,
    MissingStrategy,
    NotYours,
    PlacementInvalid,
)
from merx.traffic.model import (
    ContentKind,
    ImpressionLog,
    Page,
    PageState,
    PlacedContent,
    Placement,
    PlacementState,
    Position,
    PositionKind,
    Storefront,
    impression_day,
    impression_log_id,
)
from merx.traffic.ports import Targeting, TrafficQueries

_CLOSED = (promotions.CampaignState.ENDED, promotions.CampaignState.CANCELLED)

# -- pages --------------------------------------------------------------------------------


@attrs.frozen
class SavePageDraft(Command[None]):
    """Create page ``page_id`` owned by ``by`` or replace its draft with ``content``, the
    page's JSON form (the live version does not change). A merchant's page refers only to
    its own SKUs and campaigns."""

    page_id: str
    by: MerchantId
    title: str
    content: Mapping[str, Any]


@attrs.frozen
class PublishPage(Command[int]):
    """Publish the draft (its references checked again) as the next version, live at once;
    returns its number."""

    page_id: str
    by: MerchantId


@attrs.frozen
class RollBackPage(Command[None]):
    """Make the published ``version`` live again."""

    page_id: str
    by: MerchantId
    version: int


@attrs.frozen
class ArchivePage(Command[None]):
    page_id: str
    by: MerchantId


def check_references(uow: UnitOfWork, owner: MerchantId, content: PageContent) -> None:
    """Every SKU and campaign ``content`` names exists and, on a merchant's page, is the
    merchant's own."""
    for path, kind, ref in references(content):
        found: catalog.Sku | promotions.Campaign | None
        if kind is Reference.SKU:
            found = uow.repo(catalog.Sku).peek(ref)
            holder = None if found is None else found.merchant
        else:
            found = uow.repo(promotions.Campaign).peek(ref)
            holder = None if found is None else found.owner
        if holder is None:
            raise DanglingReference(f"no {kind} {ref!r}", path)
        if owner not in (PLATFORM, holder):
            raise ForeignReference(f"{kind} {ref!r} is {holder!r}'s, not {owner!r}'s", path)


def save_page_draft(cmd: SavePageDraft, uow: UnitOfWork) -> None:
    content = page_from_json(cmd.content)
    repo = uow.repo(Page)
    page = repo.find(cmd.page_id)
    if page is not None and page.owner != cmd.by:
        raise NotYours(f"page {cmd.page_id!r} belongs to {page.owner!r}, not {cmd.by!r}")
    check_references(uow, cmd.by, content)
    if page is None:
        repo.add(Page.create(cmd.page_id, cmd.by, cmd.title, content))
    else:
        page.edit(cmd.by, cmd.title, content)
        repo.save(page)
    uow.commit()


def publish_page(cmd: PublishPage, uow: UnitOfWork, *, clock: Clock) -> int:
    page = uow.repo(Page).get(cmd.page_id)
    if page.owner == cmd.by:
        check_references(uow, page.owner, page.draft)
    number = page.publish(cmd.by, clock.now())
    uow.repo(Page).save(page)
    uow.commit()
    return number


def roll_back_page(cmd: RollBackPage, uow: UnitOfWork) -> None:
    page = uow.repo(Page).get(cmd.page_id)
    page.roll_back(cmd.by, cmd.version)
    uow.repo(Page).save(page)
    uow.commit()


def archive_page(cmd: ArchivePage, uow: UnitOfWork) -> None:
    page = uow.repo(Page).get(cmd.page_id)
    page.archive(cmd.by)
    uow.repo(Page).save(page)
    uow.commit()


@attrs.frozen
class PageView:
    """A page as it shows at ``at``: the live version (``version``) or the draft
    (``version`` ``None``)."""

    page_id: str
    version: int | None
    at: datetime
    components: tuple[ShownComponent, ...]


def preview_page(
    uow: UnitOfWork, page_id: str, at: datetime, *, version: int | None = None
) -> PageView:
    """Page ``page_id`` at ``at``: its draft, or published ``version``; countdowns and
    scheduled components resolve at ``at``."""
    require_aware(at, "preview instant")
    page = uow.repo(Page).view(page_id)
    content = page.draft if version is None else page.published(version).content
    return PageView(page_id, version, at, resolve(content, at))


def live_page(uow: UnitOfWork, page_id: str, at: datetime) -> PageView | None:
    """The live version of page ``page_id`` at ``at``; ``None`` unless it is published."""
    page = uow.repo(Page).view(page_id)
    if page.status is not PageState.PUBLISHED or page.live is None:
        return None
    return preview_page(uow, page_id, at, version=page.live)


# -- positions ----------------------------------------------------------------------------


@attrs.frozen
class DefinePosition(Command[None]):
    """A resource position owned by ``owner`` (the platform's, or a merchant's store
    position within :data:`merx.traffic.STORE_CAPS`). ``daily_cap``: the default per-user
    daily cap of its placements (a pop-up: 1)."""

    position_id: str
    kind: PositionKind
    capacity: int
    size: str
    owner: MerchantId = PLATFORM
    daily_cap: int | None = None


def define_position(cmd: DefinePosition, uow: UnitOfWork) -> None:
    position = Position.define(
        cmd.position_id, cmd.owner, kind=cmd.kind, capacity=cmd.capacity, size=cmd.size,
        daily_cap=cmd.daily_cap,
    )  # fmt: skip
    if cmd.owner != PLATFORM:
        stores = uow.repo(Storefront)
        store = stores.find(cmd.owner) or Storefront(id=cmd.owner)
        store.add(cmd.position_id)
        add_or_save(stores, store)
    uow.repo(Position).add(position)
    uow.commit()


# -- placements ---------------------------------------------------------------------------


@attrs.frozen
class CreatePlacement(Command[None]):
    """A draft placement of ``content`` on ``position_id`` from ``starts_at`` until
    ``ends_at``, targeted through the strategy scenario ``scenario`` (required). ``variants``:
    the decision variants that show it (empty: any matching strategy). ``daily_cap``: times
    per user and day, the position's default when left out."""

    placement_id: str
    position_id: str
    by: MerchantId
    content: PlacedContent
    starts_at: datetime
    ends_at: datetime
    scenario: str | None
    variants: frozenset[str] = frozenset()
    daily_cap: int | None = None
    priority: int = 0


@attrs.frozen
class SchedulePlacement(Command[None]):
    placement_id: str
    by: MerchantId


@attrs.frozen
class PausePlacement(Command[None]):
    placement_id: str
    by: MerchantId


@attrs.frozen
class ResumePlacement(Command[None]):
    placement_id: str
    by: MerchantId


@attrs.frozen
class EndPlacement(Command[None]):
    placement_id: str
    by: MerchantId


@attrs.frozen
class TickPlacements(Command[int]):
    """Move placements with the clock (scheduled to live, past their window to ended);
    returns how many moved. Run it from a scheduler; views judge by the window anyway."""


def _check_content(uow: UnitOfWork, by: MerchantId, content: PlacedContent) -> None:
    if not (isinstance(content.ref, str) and content.ref.strip()):
        raise PlacementInvalid(f"placed content names what it places, got {content.ref!r}")
    if content.kind is ContentKind.PAGE:
        page = uow.repo(Page).peek(content.ref)
        if page is None or page.status is PageState.ARCHIVED:
            raise PlacementInvalid(f"no page {content.ref!r} to place")
        if page.owner != by:
            raise ForeignContent(f"page {content.ref!r} is {page.owner!r}'s, not {by!r}'s")
    elif content.kind is ContentKind.CAMPAIGN_ENTRANCE:
        campaign = uow.repo(promotions.Campaign).peek(content.ref)
        if campaign is None:
            raise PlacementInvalid(f"no campaign {content.ref!r} to place an entrance of")
        if by not in (PLATFORM, campaign.owner):
            raise ForeignContent(f"campaign {content.ref!r} is {campaign.owner!r}'s, not {by!r}'s")
        if campaign.status in _CLOSED:
            raise PlacementInvalid(f"campaign {content.ref!r} is {campaign.status.value}")


def create_placement(cmd: CreatePlacement, uow: UnitOfWork) -> None:
    if not cmd.scenario:
        raise MissingStrategy(f"placement {cmd.placement_id!r} names no strategy scenario")
    if uow.repo(decisions.Scenario).peek(cmd.scenario) is None:
        raise MissingStrategy(f"placement {cmd.placement_id!r}: no scenario {cmd.scenario!r}")
    positions = uow.repo(Position)
    position = positions.get(cmd.position_id)
    placement = Placement.create(
        cmd.placement_id, position, cmd.by, cmd.content, window=(cmd.starts_at, cmd.ends_at),
        scenario=cmd.scenario, variants=cmd.variants, daily_cap=cmd.daily_cap,
        priority=cmd.priority,
    )  # fmt: skip
    _check_content(uow, cmd.by, cmd.content)
    position.add(placement.id)
    uow.repo(Placement).add(placement)
    positions.save(position)
    uow.commit()


PlacementMove = SchedulePlacement | PausePlacement | ResumePlacement | EndPlacement

#: The commands that move a placement as its owner says (one handler: :func:`move_placement`).
PLACEMENT_MOVES: tuple[type[PlacementMove], ...] = (
    SchedulePlacement,
    PausePlacement,
    ResumePlacement,
    EndPlacement,
)

_MOVES: Mapping[type[PlacementMove], Callable[[Placement, MerchantId], None]] = {
    SchedulePlacement: Placement.schedule,
    PausePlacement: Placement.pause,
    ResumePlacement: Placement.resume,
    EndPlacement: Placement.end,
}


def move_placement(cmd: PlacementMove, uow: UnitOfWork) -> None:
    """Schedule, pause, resume or end a placement, as the command says."""
    placement = uow.repo(Placement).get(cmd.placement_id)
    _MOVES[type(cmd)](placement, cmd.by)
    uow.repo(Placement).save(placement)
    uow.commit()


def tick_placements(
    cmd: TickPlacements, uow: UnitOfWork, *, clock: Clock, queries: TrafficQueries
) -> int:
    """Move the placements the clock moves by now (found through ``queries``, each
    checked again); how many moved."""
    now = clock.now()
    repo = uow.repo(Placement)
    moved = 0
    due = queries.placements_due(now)
    prefetch(repo, due)
    for placement_id in due:
        placement = repo.find(placement_id)
        if placement is not None and placement.tick(now):
            repo.save(placement)
            moved += 1
    uow.commit()
    return moved


# -- what a user sees ---------------------------------------------------------------------


class LeftOut(enum.StrEnum):
    """Why a placement on the position was not shown."""

    DRAFT = "draft"  # not scheduled yet
    PAUSED = "paused"
    ENDED = "ended"
    NOT_SCHEDULED = "not_scheduled"  # outside its window
    PAGE_NOT_PUBLISHED = "page_not_published"
    CAMPAIGN_NOT_ACTIVE = "campaign_not_active"  # not started yet
    CAMPAIGN_ENDED = "campaign_ended"  # ended or cancelled
    FREQUENCY_CAP = "frequency_cap"  # shown its daily cap times to this user today
    DECISION_SAID_NO = "decision_said_no"
    DECISION_FAILED = "decision_failed"  # the scenario could not be asked
    POSITION_FULL = "position_full"  # the position showed its capacity already


@attrs.frozen
class Shown:
    """A placement shown: its content, and the decision that targeted it; a page's live
    version as it shows at the view's instant (``page``)."""

    placement_id: str
    content: PlacedContent
    variant: str
    materials: tuple[str, ...]
    strategy: str | None
    page: tuple[ShownComponent, ...] = ()


@attrs.frozen
class Excluded:
    """A placement left out, and why (``detail``: the decision's variant and reason, the
    cap...)."""

    placement_id: str
    reason: LeftOut
    detail: str = ""


@attrs.frozen
class TrafficView:
    """What ``customer_id`` sees on ``position_id`` at ``at``: the placements shown, in
    order, and each one left out with its reason."""

    customer_id: str
    position_id: str
    at: datetime
    shown: tuple[Shown, ...]
    left_out: tuple[Excluded, ...]

    def reason(self, placement_id: str) -> LeftOut | None:
        """Why ``placement_id`` was left out; ``None`` if it was shown (or is not here)."""
        for excluded in self.left_out:
            if excluded.placement_id == placement_id:
                return excluded.reason
        return None


@attrs.frozen
class ViewPosition(Command[TrafficView]):
    """What ``customer_id`` sees on ``position_id`` at ``at`` (``None``: now). With
    ``record`` (the default) the placements shown count against their daily caps (the UTC
    day of ``at``); without, it only explains (an operator's preview). ``context`` offers
    the strategy scenarios more fields (``channel``...): each gets those it declares."""

    customer_id: str
    position_id: str
    at: datetime | None = None
    record: bool = True
    context: Mapping[str, object] = attrs.field(factory=dict)


def _content_gate(uow: UnitOfWork, content: PlacedContent) -> Excluded | None:
    if content.kind is ContentKind.PAGE:
        page = uow.repo(Page).peek(content.ref)
        if page is None or page.live_content() is None:
            return Excluded("", LeftOut.PAGE_NOT_PUBLISHED, f"page {content.ref!r}")
    elif content.kind is ContentKind.CAMPAIGN_ENTRANCE:
        campaign = uow.repo(promotions.Campaign).peek(content.ref)
        if campaign is None or campaign.status in _CLOSED:
            return Excluded("", LeftOut.CAMPAIGN_ENDED, f"campaign {content.ref!r}")
        if campaign.status is not promotions.CampaignState.ACTIVE:
            return Excluded(
                "",
                LeftOut.CAMPAIGN_NOT_ACTIVE,
                f"campaign {content.ref!r} is {campaign.status.value}",
            )
    return None


def _page_at(uow: UnitOfWork, content: PlacedContent, at: datetime) -> tuple[ShownComponent, ...]:
    if content.kind is not ContentKind.PAGE:
        return ()
    live = uow.repo(Page).view(content.ref).live_content()
    assert live is not None  # the content gate let it through
    return resolve(live, at)


_STATE_GATES = {
    PlacementState.DRAFT: LeftOut.DRAFT,
    PlacementState.PAUSED: LeftOut.PAUSED,
    PlacementState.ENDED: LeftOut.ENDED,
}


def view_position(
    cmd: ViewPosition, uow: UnitOfWork, *, targeting: Targeting, clock: Clock
) -> TrafficView:
    at = clock.now() if cmd.at is None else require_aware(cmd.at, "view instant")
    position = uow.repo(Position).view(cmd.position_id)
    repo = uow.repo(Placement)
    prefetch(repo, position.placements)
    placements = sorted(
        (repo.view(placement_id) for placement_id in position.placements),
        key=lambda p: (-p.priority, p.starts_at, p.id),
    )
    logs = uow.repo(ImpressionLog)
    log_id = impression_log_id(cmd.customer_id, impression_day(at))
    log = logs.find(log_id) or ImpressionLog(id=log_id)
    context = {**cmd.context, "position": position.id}
    shown: list[Shown] = []
    left_out: list[Excluded] = []
    decided: dict[str, decisions.Decision | str] = {}  # by scenario: asked once a view
    for placement in placements:
        gate = _STATE_GATES.get(placement.status)
        excluded: Excluded | None = None
        if gate is not None:
            excluded = Excluded(placement.id, gate)
        elif not placement.in_window(at):
            excluded = Excluded(
                placement.id, LeftOut.NOT_SCHEDULED,
                f"{placement.starts_at.isoformat()} .. {placement.ends_at.isoformat()}",
            )  # fmt: skip
        elif (gated := _content_gate(uow, placement.content)) is not None:
            excluded = attrs.evolve(gated, placement_id=placement.id)
        elif placement.daily_cap is not None and log.shown(placement.id) >= placement.daily_cap:
            excluded = Excluded(placement.id, LeftOut.FREQUENCY_CAP, f"{placement.daily_cap} a day")
        elif len(shown) >= position.capacity:
            excluded = Excluded(
                placement.id, LeftOut.POSITION_FULL, f"capacity {position.capacity}"
            )
        if excluded is not None:
            left_out.append(excluded)
            continue
        decision = decided.get(placement.scenario)
        if decision is None:
            try:
                decision = targeting.decide(placement.scenario, cmd.customer_id, context)
            except MerxError as error:
                decision = str(error)
            decided[placement.scenario] = decision
        if isinstance(decision, str):
            left_out.append(Excluded(placement.id, LeftOut.DECISION_FAILED, decision))
            continue
        yes = (
            decision.variant in placement.variants
            if placement.variants
            else decision.strategy is not None and decision.value is not False
        )
        if decision.reason is decisions.Reason.ERROR or not yes:
            why = decision.error if decision.reason is decisions.Reason.ERROR else None
            left_out.append(
                Excluded(
                    placement.id,
                    LeftOut.DECISION_FAILED if why else LeftOut.DECISION_SAID_NO,
                    why or f"variant {decision.variant!r}, reason {decision.reason.value}",
                )
            )
            continue
        shown.append(
            Shown(placement.id, placement.content, decision.variant, decision.materials,
                  decision.strategy, _page_at(uow, placement.content, at))
        )  # fmt: skip
    if cmd.record and shown:
        for item in shown:
            log.count(item.placement_id)
        add_or_save(logs, log)
        uow.commit()
    return TrafficView(cmd.customer_id, position.id, at, tuple(shown), tuple(left_out))
