"""Campaigns: the life cycle around one promotion definition.

A :class:`Campaign` wraps one engine definition (a frozen :data:`Promotion` value) with an
owner - the platform, or a marketplace merchant for its own store's promotions - and walks
the table :data:`CAMPAIGN_FLOW`::

    draft -> submitted -> approved -> scheduled -> active -> ended
                       \\-> rejected -> (revise) -> draft
    draft | submitted | approved | scheduled | active -> cancelled

* The owner edits (only in draft), submits, revises a rejected campaign, schedules an
  approved one and may cancel it; the platform reviews (approve, or reject with reasons)
  and may cancel any campaign. A merchant acting on another owner's campaign, or
  reviewing, gets :class:`NotYourCampaign` (a :class:`merx.errors.Unauthorized`).
* ``activate`` and ``end`` come from :meth:`Campaign.tick` (command ``TickCampaigns``):
  a scheduled campaign becomes active once ``starts_at <= now``; an active one ends once
  ``ends_at <= now`` or its discount budget is fully consumed.
* A platform campaign may be *open for enrolment*: while it is approved, merchants enrol
  SKUs; the platform approves or rejects each (while approved or scheduled). Its effective
  scope (:meth:`Campaign.effective_definition`) is then exactly the approved SKUs.
* The campaign id is the definition's id, so a quote's promotion ids name campaigns. A
  coupon handed out by a coupon campaign gets the id ``"<campaign id>#<n>"`` (the n-th
  coupon claimed); :func:`campaign_id_of` maps any engine id back to its campaign.

Self-loops in the table (``edit``, ``enrol``, ``review_enrolment``, ``claim_coupon``,
``reserve``) say in which states those commands are allowed. Consuming and releasing a
reservation are allowed in any state: an order placed while the campaign was active is paid
or cancelled later, whatever the campaign has become since.

Each method checks, then changes, then records; a refused command leaves no trace.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Final

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.clock import require_aware
from merx.kernel.errors import CurrencyMismatch, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import PLATFORM, MerchantId
from merx.kernel.money import Money, minor_unit
from merx.kernel.state import StateMachine
from merx.kernel.validation import require_text
from merx.pricing import KINDS, Coupon, FundingShare, Promotion, Scope
from merx.promotions.budgets import NO_LIMITS, BudgetLedger, BudgetLimits, Reservation
from merx.promotions.errors import (
    InvalidCampaign,
    NotACouponCampaign,
    NotOpenForEnrolment,
    NotYourCampaign,
    SkuEnrolledByAnother,
    UnknownEnrolment,
)

#: Separates a coupon campaign's id from a coupon's number in a wallet coupon's engine id.
COUPON_SEPARATOR = "#"


# -- ids -------------------------------------------------------------------------------


def coupon_id(campaign_id: str, number: int) -> str:
    """The engine id of the ``number``-th coupon claimed from ``campaign_id``."""
    return f"{campaign_id}{COUPON_SEPARATOR}{number}"


def campaign_id_of(promotion_id: str) -> str:
    """The campaign behind an engine promotion id (a campaign id or a wallet coupon id)."""
    return promotion_id.partition(COUPON_SEPARATOR)[0]


def coupon_id_of(promotion_id: str) -> str | None:
    """The wallet coupon an engine promotion id names, or ``None`` for a campaign id (and
    for a coupon a voucher code gives at checkout, ``"<campaign>#@<code>"``)."""
    _, separator, rest = promotion_id.partition(COUPON_SEPARATOR)
    return promotion_id if separator and not rest.startswith("@") else None


# -- states ----------------------------------------------------------------------------


class CampaignState(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    ENDED = "ended"
    CANCELLED = "cancelled"


_S = CampaignState

CAMPAIGN_FLOW: StateMachine[CampaignState] = StateMachine(
    "campaign",
    [
        (_S.DRAFT, "edit", _S.DRAFT),
        (_S.DRAFT, "submit", _S.SUBMITTED),
        (_S.SUBMITTED, "approve", _S.APPROVED),
        (_S.SUBMITTED, "reject", _S.REJECTED),
        (_S.REJECTED, "revise", _S.DRAFT),
        (_S.APPROVED, "enrol", _S.APPROVED),
        (_S.APPROVED, "review_enrolment", _S.APPROVED),
        (_S.SCHEDULED, "review_enrolment", _S.SCHEDULED),
        (_S.APPROVED, "schedule", _S.SCHEDULED),
        (_S.SCHEDULED, "activate", _S.ACTIVE),
        (_S.ACTIVE, "claim_coupon", _S.ACTIVE),
        (_S.ACTIVE, "reserve", _S.ACTIVE),
        (_S.ACTIVE, "end", _S.ENDED),
        ((_S.DRAFT, _S.SUBMITTED, _S.APPROVED, _S.SCHEDULED, _S.ACTIVE), "cancel", _S.CANCELLED),
    ],
)


class EnrolmentState(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


ENROLMENT_FLOW: StateMachine[EnrolmentState] = StateMachine(
    "enrolment",
    [
        (EnrolmentState.PENDING, "approve", EnrolmentState.APPROVED),
        (EnrolmentState.PENDING, "reject", EnrolmentState.REJECTED),
        (EnrolmentState.REJECTED, "enrol", EnrolmentState.PENDING),
    ],
)


@attrs.frozen
class Enrolment:
    """A merchant's SKU entered in a platform campaign, and the platform's verdict."""

    sku: str
    merchant: MerchantId
    state: EnrolmentState = EnrolmentState.PENDING
    reason: str | None = None


# -- events ----------------------------------------------------------------------------


@attrs.frozen
class CampaignCreated(DomainEvent):
    campaign_id: str
    owner: MerchantId
    kind: str
    at: datetime


@attrs.frozen
class CampaignEdited(DomainEvent):
    campaign_id: str
    at: datetime


@attrs.frozen
class CampaignSubmitted(DomainEvent):
    campaign_id: str
    at: datetime


@attrs.frozen
class CampaignApproved(DomainEvent):
    campaign_id: str
    at: datetime


@attrs.frozen
class CampaignRejected(DomainEvent):
    campaign_id: str
    reasons: tuple[str, ...]
    at: datetime


@attrs.frozen
class CampaignRevised(DomainEvent):
    campaign_id: str
    at: datetime


@attrs.frozen
class CampaignScheduled(DomainEvent):
    campaign_id: str
    starts_at: datetime | None
    at: datetime


@attrs.frozen
class CampaignActivated(DomainEvent):
    campaign_id: str
    at: datetime


@attrs.frozen
class CampaignEnded(DomainEvent):
    campaign_id: str
    reason: str  # "ends_at", "budget_spent" or "uses_spent"
    at: datetime


@attrs.frozen
class CampaignCancelled(DomainEvent):
    campaign_id: str
    by: MerchantId
    reason: str
    at: datetime


@attrs.frozen
class SkusEnrolled(DomainEvent):
    campaign_id: str
    merchant: MerchantId
    skus: tuple[str, ...]
    at: datetime


@attrs.frozen
class EnrolmentsApproved(DomainEvent):
    campaign_id: str
    skus: tuple[str, ...]
    at: datetime


@attrs.frozen
class EnrolmentsRejected(DomainEvent):
    campaign_id: str
    skus: tuple[str, ...]
    reason: str
    at: datetime


@attrs.frozen
class CouponIssued(DomainEvent):
    campaign_id: str
    coupon_id: str
    customer_id: str
    at: datetime


@attrs.frozen
class BudgetReserved(DomainEvent):
    campaign_id: str
    order_id: str
    customer_id: str
    amount: Money


@attrs.frozen
class BudgetConsumed(DomainEvent):
    campaign_id: str
    order_id: str
    amount: Money


@attrs.frozen
class BudgetReleased(DomainEvent):
    campaign_id: str
    order_id: str
    amount: Money


# -- checks ----------------------------------------------------------------------------


def _check_audience(audience: str | None) -> None:
    if audience is not None and not (isinstance(audience, str) and audience.strip()):
        raise InvalidCampaign(f"an audience is a scenario key, got {audience!r}")


def _check_setup(
    owner: MerchantId,
    definition: Promotion,
    limits: BudgetLimits,
    currency: str,
    open_for_enrolment: bool,
) -> None:
    """Everything a campaign's definition, owner and limits must agree on."""
    require_text(owner, "campaign owner")
    if type(definition) not in KINDS.classes:
        raise InvalidCampaign(f"a campaign wraps a promotion definition, got {definition!r}")
    if not isinstance(limits, BudgetLimits):
        raise InvalidCampaign(f"limits must be BudgetLimits, got {limits!r}")
    pid = definition.id
    if COUPON_SEPARATOR in pid:
        raise InvalidCampaign(f"a campaign id may not contain {COUPON_SEPARATOR!r}: {pid!r}")
    minor_unit(currency)
    if definition.currency not in (None, currency):
        raise CurrencyMismatch(f"campaign {pid!r} is in {currency}, its definition is not")
    if limits.total_discount is not None and limits.total_discount.currency != currency:
        raise CurrencyMismatch(
            f"campaign {pid!r} is in {currency}, its budget is {limits.total_discount}"
        )
    if definition.per_customer_limit is not None or definition.global_limit is not None:
        raise InvalidCampaign(
            f"campaign {pid!r}: its usage caps are its BudgetLimits (per_user_limit, "
            "max_uses), not the definition's per_customer_limit or global_limit"
        )
    if limits.coupon_stock is not None and not isinstance(definition, Coupon):
        raise InvalidCampaign(f"campaign {pid!r}: only a coupon campaign has a coupon stock")
    if not isinstance(open_for_enrolment, bool):
        raise InvalidCampaign(f"open_for_enrolment must be a bool, got {open_for_enrolment!r}")
    if open_for_enrolment:
        if owner != PLATFORM:
            raise InvalidCampaign(f"campaign {pid!r}: only the platform opens enrolment")
        if definition.scope.skus is not None:
            raise InvalidCampaign(
                f"campaign {pid!r}: open for enrolment, its SKUs come from the enrolments"
            )
    if owner == PLATFORM:
        return
    # A merchant's own promotion touches only its own store's lines and is paid by it.
    if definition.level == "payment":
        raise InvalidCampaign(f"campaign {pid!r}: payment promotions are the platform's")
    if definition.scope.merchants not in (None, (owner,)):
        raise InvalidCampaign(
            f"campaign {pid!r}: merchant {owner!r} may scope only its own store, "
            f"got {definition.scope.merchants}"
        )
    if definition.level != "item" and definition.store != owner:
        raise InvalidCampaign(
            f"campaign {pid!r}: merchant {owner!r} runs store promotions for itself, "
            f"got merchant {definition.store!r}"
        )
    if definition.funded_by is not None and {s.party for s in definition.funded_by} != {owner}:
        raise InvalidCampaign(f"campaign {pid!r}: merchant {owner!r} funds its promotions alone")


def _texts(values: Iterable[str], what: str) -> tuple[str, ...]:
    result = tuple(require_text(value, what) for value in values)
    if not result:
        raise ValidationError(f"at least one {what} is needed")
    if len(set(result)) != len(result):
        raise ValidationError(f"{what}s must be distinct, got {list(result)}")
    return result


# -- the aggregate ---------------------------------------------------------------------


@attrs.define(kw_only=True)
class Campaign(Aggregate):
    """One promotion definition with its owner, life cycle, enrolments and budget."""

    id: str
    owner: MerchantId
    definition: Promotion
    currency: str
    limits: BudgetLimits
    ledger: BudgetLedger
    created_at: datetime
    open_for_enrolment: bool = False
    status: CampaignState = CampaignState.DRAFT
    #: the scenario deciding who may have it (``None``: everyone, as the definition says)
    audience: str | None = None
    reasons: tuple[str, ...] = ()  # why it was last rejected, cancelled or ended
    enrolments: dict[str, Enrolment] = flat_field(dict)  # by SKU

    @classmethod
    def create(
        cls,
        owner: MerchantId,
        definition: Promotion,
        at: datetime,
        *,
        limits: BudgetLimits = NO_LIMITS,
        currency: str = "CNY",
        open_for_enrolment: bool = False,
        audience: str | None = None,
    ) -> Campaign:
        require_aware(at, "time of the command")
        _check_setup(owner, definition, limits, currency, open_for_enrolment)
        _check_audience(audience)
        campaign = cls(
            id=definition.id,
            owner=owner,
            definition=definition,
            currency=currency,
            limits=limits,
            ledger=BudgetLedger.empty(currency),
            created_at=at,
            open_for_enrolment=open_for_enrolment,
            audience=audience,
        )
        campaign.record(CampaignCreated(campaign.id, owner, definition.kind, at))
        return campaign

    # -- reading ---------------------------------------------------------------------

    @property
    def is_coupon(self) -> bool:
        return isinstance(self.definition, Coupon)

    def effective_definition(self) -> Promotion:
        """The definition the quote engine gets: for a campaign open for enrolment its
        ``scope.skus`` are the approved SKUs (sorted; none approved matches no line); for a
        merchant's campaign its scope is the merchant's store and it funds the discount;
        its ``per_customer_limit`` and ``global_limit`` are the limits' ``per_user_limit``
        and ``max_uses`` (the engine rejects a capped campaign from the counts and caps of
        :func:`merx.promotions.usage_for_quote`)."""
        definition = self.definition
        limits = self.limits
        if limits.per_user_limit is not None or limits.max_uses is not None:
            definition = attrs.evolve(
                definition,
                per_customer_limit=limits.per_user_limit,
                global_limit=limits.max_uses,
            )
        if self.open_for_enrolment:
            approved = tuple(
                sorted(
                    sku for sku, e in self.enrolments.items() if e.state is EnrolmentState.APPROVED
                )
            )
            definition = attrs.evolve(
                definition, scope=attrs.evolve(definition.scope, skus=approved)
            )
        if self.owner != PLATFORM:
            scope: Scope = attrs.evolve(definition.scope, merchants=(self.owner,))
            funded_by = definition.funded_by or (FundingShare(self.owner, Decimal(1)),)
            definition = attrs.evolve(definition, scope=scope, funded_by=funded_by)
        return definition

    def covers(self, discount: Money) -> bool:
        """Whether the budget left can pay ``discount`` for one more order (a campaign
        that cannot is left out of that order's quote)."""
        return discount.currency == self.currency and self.ledger.covers(self.limits, discount)

    def in_force(self, at: datetime) -> bool:
        """Active, inside its window, and with money left to reserve. A campaign whose
        ``max_uses`` are all held stays in force: the quote shows it rejected at its cap
        (``usage_cap``), and a cancelled order gives a use back."""
        return (
            self.status is CampaignState.ACTIVE
            and self.definition.in_force(at)
            and not self.ledger.out_of_money(self.limits)
        )

    def approved_skus(self) -> tuple[str, ...]:
        return tuple(
            sorted(sku for sku, e in self.enrolments.items() if e.state is EnrolmentState.APPROVED)
        )

    # -- who may act -----------------------------------------------------------------

    def _require_owner(self, actor: MerchantId, command: str) -> None:
        if actor != self.owner:
            raise NotYourCampaign(
                f"{actor!r} may not {command} campaign {self.id!r} of {self.owner!r}"
            )

    def _require_platform(self, actor: MerchantId, command: str) -> None:
        if actor != PLATFORM:
            raise NotYourCampaign(f"only the platform may {command} campaign {self.id!r}")

    # -- the owner's commands --------------------------------------------------------

    def edit(
        self,
        actor: MerchantId,
        definition: Promotion,
        limits: BudgetLimits,
        at: datetime,
        *,
        audience: str | None = None,
    ) -> None:
        """Replace the definition, limits and audience (draft only; the id stays)."""
        self._require_owner(actor, "edit")
        CAMPAIGN_FLOW.target(self.status, "edit")
        _check_setup(self.owner, definition, limits, self.currency, self.open_for_enrolment)
        _check_audience(audience)
        if definition.id != self.id:
            raise InvalidCampaign(f"campaign {self.id!r} cannot take definition {definition.id!r}")
        self.definition, self.limits, self.audience = definition, limits, audience
        CAMPAIGN_FLOW.move(self, "edit", CampaignEdited(self.id, at))

    def submit(self, actor: MerchantId, at: datetime) -> None:
        self._require_owner(actor, "submit")
        CAMPAIGN_FLOW.move(self, "submit", CampaignSubmitted(self.id, at))

    def revise(self, actor: MerchantId, at: datetime) -> None:
        """Back to draft after a rejection, to edit and submit again."""
        self._require_owner(actor, "revise")
        CAMPAIGN_FLOW.move(self, "revise", CampaignRevised(self.id, at))

    def schedule(self, actor: MerchantId, at: datetime) -> None:
        """Publish an approved campaign; the next tick at or after ``starts_at`` starts it."""
        self._require_owner(actor, "schedule")
        CAMPAIGN_FLOW.move(
            self, "schedule", CampaignScheduled(self.id, self.definition.starts_at, at)
        )

    def cancel(self, actor: MerchantId, reason: str, at: datetime) -> None:
        """Stop the campaign for good (its owner, or the platform)."""
        if actor != PLATFORM:
            self._require_owner(actor, "cancel")
        require_text(reason, "cancellation reason")
        CAMPAIGN_FLOW.target(self.status, "cancel")
        self.reasons = (reason,)
        CAMPAIGN_FLOW.move(self, "cancel", CampaignCancelled(self.id, actor, reason, at))

    # -- the platform's review -------------------------------------------------------

    def approve(self, actor: MerchantId, at: datetime) -> None:
        self._require_platform(actor, "approve")
        CAMPAIGN_FLOW.target(self.status, "approve")
        self.reasons = ()
        CAMPAIGN_FLOW.move(self, "approve", CampaignApproved(self.id, at))

    def reject(self, actor: MerchantId, reasons: Iterable[str], at: datetime) -> None:
        self._require_platform(actor, "reject")
        given = _texts(reasons, "rejection reason")
        CAMPAIGN_FLOW.target(self.status, "reject")
        self.reasons = given
        CAMPAIGN_FLOW.move(self, "reject", CampaignRejected(self.id, given, at))

    # -- time ------------------------------------------------------------------------

    def tick(self, now: datetime) -> bool:
        """Start or end the campaign as time and budget say; whether anything changed."""
        require_aware(now, "tick time")
        changed = False
        starts_at, ends_at = self.definition.starts_at, self.definition.ends_at
        if self.status is CampaignState.SCHEDULED and (starts_at is None or starts_at <= now):
            CAMPAIGN_FLOW.move(self, "activate", CampaignActivated(self.id, now))
            changed = True
        if self.status is CampaignState.ACTIVE:
            reason = None
            if ends_at is not None and ends_at <= now:
                reason = "ends_at"
            elif self.ledger.spent(self.limits):
                reason = "budget_spent"
            elif self.ledger.uses_spent(self.limits):
                reason = "uses_spent"
            if reason is not None:
                self.reasons = (reason,)
                CAMPAIGN_FLOW.move(self, "end", CampaignEnded(self.id, reason, now))
                changed = True
        return changed

    # -- enrolment -------------------------------------------------------------------

    def enrol(self, merchant: MerchantId, skus: Iterable[str], at: datetime) -> tuple[str, ...]:
        """Enter ``merchant``'s SKUs (pending review); the SKUs newly pending.

        Enrolling a SKU the same merchant already has pending or approved is a no-op; a
        rejected one goes back to pending.
        """
        require_text(merchant, "merchant")
        wanted = _texts(skus, "sku")
        if not self.open_for_enrolment:
            raise NotOpenForEnrolment(f"campaign {self.id!r} takes no enrolments")
        CAMPAIGN_FLOW.target(self.status, "enrol")
        fresh: list[str] = []
        for sku in wanted:
            held = self.enrolments.get(sku)
            if held is None:
                fresh.append(sku)
            elif held.merchant != merchant:
                raise SkuEnrolledByAnother(
                    f"campaign {self.id!r}: {sku!r} is enrolled by {held.merchant!r}"
                )
            elif held.state is EnrolmentState.REJECTED:
                ENROLMENT_FLOW.target(held.state, "enrol")
                fresh.append(sku)
        for sku in fresh:
            self.enrolments[sku] = Enrolment(sku, merchant)
        if fresh:
            CAMPAIGN_FLOW.move(self, "enrol", SkusEnrolled(self.id, merchant, tuple(fresh), at))
        return tuple(fresh)

    def _review(self, actor: MerchantId, skus: Iterable[str], command: str) -> tuple[str, ...]:
        self._require_platform(actor, f"{command} enrolments of")
        wanted = _texts(skus, "sku")
        CAMPAIGN_FLOW.target(self.status, "review_enrolment")
        for sku in wanted:
            held = self.enrolments.get(sku)
            if held is None:
                raise UnknownEnrolment(f"campaign {self.id!r}: {sku!r} is not enrolled")
            ENROLMENT_FLOW.target(held.state, command)
        return wanted

    def approve_enrolments(self, actor: MerchantId, skus: Iterable[str], at: datetime) -> None:
        wanted = self._review(actor, skus, "approve")
        for sku in wanted:
            self.enrolments[sku] = attrs.evolve(
                self.enrolments[sku], state=EnrolmentState.APPROVED, reason=None
            )
        CAMPAIGN_FLOW.move(self, "review_enrolment", EnrolmentsApproved(self.id, wanted, at))

    def reject_enrolments(
        self, actor: MerchantId, skus: Iterable[str], reason: str, at: datetime
    ) -> None:
        wanted = self._review(actor, skus, "reject")
        require_text(reason, "rejection reason")
        for sku in wanted:
            self.enrolments[sku] = attrs.evolve(
                self.enrolments[sku], state=EnrolmentState.REJECTED, reason=reason
            )
        CAMPAIGN_FLOW.move(
            self, "review_enrolment", EnrolmentsRejected(self.id, wanted, reason, at)
        )

    # -- coupons ---------------------------------------------------------------------

    def claim_coupon(self, customer_id: str, at: datetime, *, claimed: int = 0) -> Coupon:
        """Hand one coupon of the stock to ``customer_id``, who claimed ``claimed`` already
        (see :class:`CampaignUse`): the engine value it holds, its id
        ``"<campaign id>#<n>"``; the wallet keeps it."""
        require_text(customer_id, "customer id")
        if not isinstance(self.definition, Coupon):
            raise NotACouponCampaign(f"campaign {self.id!r} is a {self.definition.kind}")
        CAMPAIGN_FLOW.target(self.status, "claim_coupon")
        self.ledger.check_claim(self.id, self.limits, customer_id, claimed)
        number = self.ledger.claim(self.limits)
        coupon = attrs.evolve(self.effective_definition(), id=coupon_id(self.id, number))
        assert isinstance(coupon, Coupon)
        CAMPAIGN_FLOW.move(self, "claim_coupon", CouponIssued(self.id, coupon.id, customer_id, at))
        return coupon

    # -- budget ----------------------------------------------------------------------

    def check_reserve(
        self, reservation: Reservation, *, used: int = 0, used_that_day: int = 0
    ) -> None:
        """Raise if the order may not reserve; ``used`` is the customer's live reservations
        in this campaign, ``used_that_day`` those placed on ``reservation.day`` (see
        :class:`CampaignUse`)."""
        self.ledger.check_reserve(self.id, self.limits, reservation, used, used_that_day)
        CAMPAIGN_FLOW.target(self.status, "reserve")

    def reserve(self, reservation: Reservation, *, used: int = 0, used_that_day: int = 0) -> None:
        """Hold budget for an order (checked by :meth:`check_reserve`)."""
        self.check_reserve(reservation, used=used, used_that_day=used_that_day)
        self.ledger.reserve(self.limits, reservation)
        CAMPAIGN_FLOW.move(
            self,
            "reserve",
            BudgetReserved(
                self.id, reservation.order_id, reservation.customer_id, reservation.amount
            ),
        )

    def settle(self, reservation: Reservation, command: str) -> Reservation:
        """Consume or release a reserved ``reservation`` of this campaign; the moved one."""
        moved = self.ledger.move(self.limits, reservation, command)
        if command == "consume":
            self.record(BudgetConsumed(self.id, reservation.order_id, reservation.amount))
        else:
            self.record(BudgetReleased(self.id, reservation.order_id, reservation.amount))
        return moved


#: The states in which a campaign can price orders now or later (quotes and ticks look
#: only at these).
LIVE_STATES: Final = frozenset({CampaignState.SCHEDULED, CampaignState.ACTIVE})

#: The id of the one :class:`LiveCampaigns` index.
LIVE_CAMPAIGNS_ID: Final = "live"


@attrs.define(kw_only=True)
class LiveCampaigns(Aggregate):
    """The ids of the campaigns in :data:`LIVE_STATES`: what a quote and a tick load,
    instead of every campaign ever created. Kept by the campaign commands."""

    id: str = LIVE_CAMPAIGNS_ID
    ids: set[str] = flat_field(set)

    def track(self, campaign: Campaign) -> bool:
        """Follow ``campaign``'s state; whether the index changed."""
        live = campaign.status in LIVE_STATES
        if live == (campaign.id in self.ids):
            return False
        if live:
            self.ids.add(campaign.id)
        else:
            self.ids.discard(campaign.id)
        return True
