"""Campaign use cases, the budget calls checkout makes, and the queries it reads.

Commands go through the bus: each handler is ``handler(cmd, uow, *, clock)``; it loads,
calls the model, saves and commits.

Checkout calls the rest inside its own unit of work (nothing here commits):

* :func:`promotions_in_force` and :func:`wallet_coupons` give the definitions and coupons
  to pass to :func:`merx.pricing.quote`; :func:`campaign_offers` gives both;
  :func:`usage_for_quote` the customer's standing against their usage caps (one read), for
  the engine to reject a capped campaign with the cap's name;
* placing the order: :func:`reserve_for_order` with the quote's discount per promotion;
* paying it: :func:`consume_for_order`; cancelling it or closing it unpaid:
  :func:`release_for_order`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

import attrs

from merx.kernel.bus import Command
from merx.kernel.clock import Clock, require_aware
from merx.kernel.errors import ValidationError
from merx.kernel.ids import CustomerId, MerchantId, OrderId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork, add_or_save, prefetch
from merx.kernel.validation import business_date, require_text
from merx.pricing import Coupon, Promotion, Quote
from merx.promotions.budgets import (
    NO_LIMITS,
    BudgetLimits,
    CampaignUse,
    PromotionUsage,
    QuoteUsage,
    Reservation,
    UsageCounts,
    campaign_use_id,
    cap_reached,
    per_order_units_text,
)
from merx.promotions.codes import CheckoutCodes, voucher_code_of
from merx.promotions.errors import ClaimDenied, NotInAudience, UnknownReservation
from merx.promotions.lifecycle import (
    LIVE_CAMPAIGNS_ID,
    Campaign,
    LiveCampaigns,
    campaign_id_of,
    coupon_id_of,
)
from merx.promotions.ports import ClaimScreen
from merx.promotions.redemption import code_coupons, reserve_codes, settle_codes
from merx.promotions.wallet import Wallet

# -- commands --------------------------------------------------------------------------


@attrs.frozen
class CreateCampaign(Command[str]):
    """A draft campaign around ``definition``, owned by ``actor`` (``PLATFORM`` or a
    merchant); its id is ``definition.id``."""

    actor: MerchantId
    definition: Promotion
    limits: BudgetLimits = NO_LIMITS
    currency: str = "CNY"
    open_for_enrolment: bool = False
    audience: str | None = None


@attrs.frozen
class EditCampaign(Command[None]):
    campaign_id: str
    actor: MerchantId
    definition: Promotion
    limits: BudgetLimits = NO_LIMITS
    #: replaces the campaign's audience, as ``definition`` and ``limits`` replace theirs
    audience: str | None = None


@attrs.frozen
class SubmitCampaign(Command[None]):
    campaign_id: str
    actor: MerchantId


@attrs.frozen
class ApproveCampaign(Command[None]):
    campaign_id: str
    actor: MerchantId


@attrs.frozen
class RejectCampaign(Command[None]):
    campaign_id: str
    actor: MerchantId
    reasons: tuple[str, ...]


@attrs.frozen
class ReviseCampaign(Command[None]):
    campaign_id: str
    actor: MerchantId


@attrs.frozen
class ScheduleCampaign(Command[None]):
    campaign_id: str
    actor: MerchantId


@attrs.frozen
class CancelCampaign(Command[None]):
    campaign_id: str
    actor: MerchantId
    reason: str


@attrs.frozen
class TickCampaigns(Command[tuple[str, ...]]):
    """Start and end campaigns as the clock and budgets say; the ids that changed."""


@attrs.frozen
class EnrolSkus(Command[tuple[str, ...]]):
    """``merchant`` enters its SKUs in a platform campaign; the SKUs newly pending."""

    campaign_id: str
    merchant: MerchantId
    skus: tuple[str, ...]


@attrs.frozen
class ApproveEnrolments(Command[None]):
    campaign_id: str
    actor: MerchantId
    skus: tuple[str, ...]


@attrs.frozen
class RejectEnrolments(Command[None]):
    campaign_id: str
    actor: MerchantId
    skus: tuple[str, ...]
    reason: str


@attrs.frozen
class ClaimCoupon(Command[str]):
    """The customer takes one coupon from a coupon campaign; the coupon's id."""

    customer_id: CustomerId
    campaign_id: str


@attrs.frozen
class ExpireWalletCoupons(Command[tuple[str, ...]]):
    """Expire the customer's available coupons whose window has closed; their ids."""

    customer_id: CustomerId


# -- handlers --------------------------------------------------------------------------


def create_campaign(cmd: CreateCampaign, uow: UnitOfWork, *, clock: Clock) -> str:
    campaign = Campaign.create(
        cmd.actor,
        cmd.definition,
        clock.now(),
        limits=cmd.limits,
        currency=cmd.currency,
        open_for_enrolment=cmd.open_for_enrolment,
        audience=cmd.audience,
    )
    uow.repo(Campaign).add(campaign)
    uow.commit()
    return campaign.id


def _load(uow: UnitOfWork, campaign_id: str) -> Campaign:
    return uow.repo(Campaign).get(campaign_id)


def _store(uow: UnitOfWork, campaign: Campaign) -> None:
    uow.repo(Campaign).save(campaign)
    _track(uow, [campaign])
    uow.commit()


def _live(uow: UnitOfWork) -> LiveCampaigns:
    return uow.repo(LiveCampaigns).find(LIVE_CAMPAIGNS_ID) or LiveCampaigns()


def _track(uow: UnitOfWork, campaigns: Iterable[Campaign]) -> None:
    """Keep the index of live campaigns in step with ``campaigns`` (staged)."""
    live = _live(uow)
    changed = False
    for campaign in campaigns:
        changed = live.track(campaign) or changed
    if changed:
        add_or_save(uow.repo(LiveCampaigns), live)


def edit_campaign(cmd: EditCampaign, uow: UnitOfWork, *, clock: Clock) -> None:
    campaign = _load(uow, cmd.campaign_id)
    campaign.edit(cmd.actor, cmd.definition, cmd.limits, clock.now(), audience=cmd.audience)
    _store(uow, campaign)


def submit_campaign(cmd: SubmitCampaign, uow: UnitOfWork, *, clock: Clock) -> None:
    campaign = _load(uow, cmd.campaign_id)
    campaign.submit(cmd.actor, clock.now())
    _store(uow, campaign)


def approve_campaign(cmd: ApproveCampaign, uow: UnitOfWork, *, clock: Clock) -> None:
    campaign = _load(uow, cmd.campaign_id)
    campaign.approve(cmd.actor, clock.now())
    _store(uow, campaign)


def reject_campaign(cmd: RejectCampaign, uow: UnitOfWork, *, clock: Clock) -> None:
    campaign = _load(uow, cmd.campaign_id)
    campaign.reject(cmd.actor, cmd.reasons, clock.now())
    _store(uow, campaign)


def revise_campaign(cmd: ReviseCampaign, uow: UnitOfWork, *, clock: Clock) -> None:
    campaign = _load(uow, cmd.campaign_id)
    campaign.revise(cmd.actor, clock.now())
    _store(uow, campaign)


def schedule_campaign(cmd: ScheduleCampaign, uow: UnitOfWork, *, clock: Clock) -> None:
    campaign = _load(uow, cmd.campaign_id)
    campaign.schedule(cmd.actor, clock.now())
    _store(uow, campaign)


def cancel_campaign(cmd: CancelCampaign, uow: UnitOfWork, *, clock: Clock) -> None:
    campaign = _load(uow, cmd.campaign_id)
    campaign.cancel(cmd.actor, cmd.reason, clock.now())
    _store(uow, campaign)


def tick_campaigns(cmd: TickCampaigns, uow: UnitOfWork, *, clock: Clock) -> tuple[str, ...]:
    now = clock.now()
    repo = uow.repo(Campaign)
    changed: list[Campaign] = []
    for campaign_id in sorted(_live(uow).ids):
        campaign = repo.get(campaign_id)
        if campaign.tick(now):
            repo.save(campaign)
            changed.append(campaign)
    _track(uow, changed)
    uow.commit()
    return tuple(campaign.id for campaign in changed)


def enrol_skus(cmd: EnrolSkus, uow: UnitOfWork, *, clock: Clock) -> tuple[str, ...]:
    campaign = _load(uow, cmd.campaign_id)
    fresh = campaign.enrol(cmd.merchant, cmd.skus, clock.now())
    _store(uow, campaign)
    return fresh


def approve_enrolments(cmd: ApproveEnrolments, uow: UnitOfWork, *, clock: Clock) -> None:
    campaign = _load(uow, cmd.campaign_id)
    campaign.approve_enrolments(cmd.actor, cmd.skus, clock.now())
    _store(uow, campaign)


def reject_enrolments(cmd: RejectEnrolments, uow: UnitOfWork, *, clock: Clock) -> None:
    campaign = _load(uow, cmd.campaign_id)
    campaign.reject_enrolments(cmd.actor, cmd.skus, cmd.reason, clock.now())
    _store(uow, campaign)


def claim_coupon(
    cmd: ClaimCoupon,
    uow: UnitOfWork,
    *,
    clock: Clock,
    audience: Audience | None = None,
    screen: ClaimScreen | None = None,
) -> str:
    """Claim one coupon; a campaign with an ``audience`` asks it first
    (:class:`NotInAudience` when it leaves the customer out); ``screen`` is asked about the
    staged claim before it is committed (:class:`ClaimDenied`, nothing claimed)."""
    prefetch(uow.repo(Wallet), [cmd.customer_id])  # one read with the campaign's: see below
    campaign = _load(uow, cmd.campaign_id)
    require_audience(campaign, cmd.customer_id, audience)
    coupon = claim_into_wallet(uow, campaign, cmd.customer_id, clock.now())
    if screen is not None:
        why = screen.screen(
            coupon_id=coupon.id, customer_id=cmd.customer_id, campaign_id=campaign.id
        )
        if why is not None:
            raise ClaimDenied(f"claim of {coupon.id!r} by {cmd.customer_id!r} refused: {why}")
    uow.commit()
    return coupon.id


def require_audience(campaign: Campaign, customer_id: str, audience: Audience | None) -> None:
    """Raise :class:`NotInAudience` when ``campaign`` names an audience that leaves
    ``customer_id`` out (asked of ``audience``; ``None``: no decider, everyone is in)."""
    if campaign.audience is None or audience is None:
        return
    why = audience(campaign.audience, customer_id)
    if why is not None:
        raise NotInAudience(campaign.id, f"campaign {campaign.id!r}: {why}")


def claim_into_wallet(
    uow: UnitOfWork, campaign: Campaign, customer_id: CustomerId, now: datetime
) -> Coupon:
    """Stage one coupon of ``campaign`` claimed into the customer's wallet; the coupon.

    The caller reads the wallet in one read with the campaign (``prefetch`` before the
    campaign is loaded): a database answers every read from the state committed then, so
    a wallet read after a concurrent claim committed could already hold the coupon a stale
    campaign numbers next (``AlreadyExists`` instead of the ``ConcurrencyError`` the bus
    runs again)."""
    wallets = uow.repo(Wallet)
    wallet = wallets.find(customer_id)
    fresh = wallet is None
    if wallet is None:
        wallet = Wallet.open(customer_id)
    use = _use(uow, campaign, customer_id)
    coupon = campaign.claim_coupon(customer_id, now, claimed=use.claimed if use else 0)
    wallet.receive(campaign.id, coupon, now)
    uow.repo(Campaign).save(campaign)
    if use is not None:
        use.claimed += 1
        add_or_save(uow.repo(CampaignUse), use)
    if fresh:
        wallets.add(wallet)
    else:
        wallets.save(wallet)
    return coupon


def expire_wallet_coupons(
    cmd: ExpireWalletCoupons, uow: UnitOfWork, *, clock: Clock
) -> tuple[str, ...]:
    wallets = uow.repo(Wallet)
    wallet = wallets.find(cmd.customer_id)
    if wallet is None:
        return ()
    expired = wallet.expire_due(clock.now())
    if expired:
        wallets.save(wallet)
        uow.commit()
    return expired


# -- budgets: staged in checkout's unit of work ----------------------------------------


def reserve_for_order(
    uow: UnitOfWork,
    order_id: OrderId,
    customer_id: CustomerId,
    applied: Mapping[str, Money],
    *,
    at: datetime | None = None,
) -> None:
    """Hold each campaign's budget and uses for an order being placed, and lock its wallet
    coupons.

    ``applied`` maps each promotion id of the order's quote (a campaign id, or a wallet
    coupon's id ``"<campaign>#<n>"``) to its discount, e.g.
    ``{p.promotion_id: p.discount for p in quote.promotions}``. Staged in ``uow``; the
    caller commits with the order. ``at`` is the placement's instant: its business day
    counts against a ``per_user_per_day`` (a campaign with one refuses a placement without
    it: ``ValidationError``). A coupon a voucher code gave at checkout takes one coupon of
    the campaign's stock while the order lives. Raises before changing anything:
    ``BudgetExhausted``, ``CouponStockExhausted``,
    ``PerUserLimitReached``, ``UsageCapReached`` (``max_uses``, ``per_user_per_day``),
    ``IllegalTransition`` (campaign not active, coupon not available), ``NotFound``. The
    same order with the same payload again does nothing; another payload for it raises
    ``IdempotencyConflict``.
    """
    usages = uow.repo(PromotionUsage)
    held = usages.find(order_id)
    if held is not None:
        held.check_replay(customer_id, applied)
        return
    usage = PromotionUsage.record_for(order_id, customer_id, applied)
    day = None if at is None else business_date(at)
    prefetch(uow.repo(Campaign), dict.fromkeys(map(campaign_id_of, usage.applied)))
    taken: list[tuple[Campaign, Reservation, CampaignUse | None]] = []
    wallet: Wallet | None = None
    for promotion_id, amount in usage.applied.items():
        campaign_id = campaign_id_of(promotion_id)
        if campaign_id in usage.reservations:
            raise ValidationError(
                f"order {order_id!r} applies campaign {campaign_id!r} twice ({promotion_id!r})"
            )
        campaign = _load(uow, campaign_id)
        coupon = coupon_id_of(promotion_id)
        if coupon is not None:
            wallet = wallet or uow.repo(Wallet).get(customer_id)
            wallet.check_lock(coupon, order_id)
        reservation = Reservation(
            order_id,
            customer_id,
            amount,
            coupon_id=coupon,
            day=day,
            code=voucher_code_of(promotion_id),  # takes a coupon of the stock
        )
        use = _use(uow, campaign, customer_id)
        used, used_that_day = (use.live, use.on(day)) if use else (0, 0)
        campaign.check_reserve(reservation, used=used, used_that_day=used_that_day)
        usage.reservations[campaign_id] = reservation
        taken.append((campaign, reservation, use))
    reserve_codes(uow, order_id, customer_id, usage.applied)  # voucher codes: checked first
    for campaign, reservation, use in taken:
        used, used_that_day = (use.live, use.on(day)) if use else (0, 0)
        campaign.reserve(reservation, used=used, used_that_day=used_that_day)
        uow.repo(Campaign).save(campaign)
        if use is not None:
            use.add(day)
            add_or_save(uow.repo(CampaignUse), use)
        if reservation.coupon_id is not None:
            assert wallet is not None
            wallet.lock(reservation.coupon_id, order_id)
    if wallet is not None:
        uow.repo(Wallet).save(wallet)
    usages.add(usage)


def _use(uow: UnitOfWork, campaign: Campaign, customer_id: str) -> CampaignUse | None:
    """The customer's count against the campaign's per-user caps (``None`` without any)."""
    if not campaign.limits.counts_customers:
        return None
    found = uow.repo(CampaignUse).find(campaign_use_id(campaign.id, customer_id))
    return found or CampaignUse.start(campaign.id, customer_id)


def _settle(
    uow: UnitOfWork, order_id: OrderId, promotion_ids: Iterable[str] | None, command: str
) -> None:
    usage = uow.repo(PromotionUsage).find(order_id)
    if promotion_ids is None:
        promotion_ids = list(usage.applied) if usage is not None else []
    campaign_ids = sorted({campaign_id_of(require_text(p, "promotion id")) for p in promotion_ids})
    prefetch(uow.repo(Campaign), campaign_ids)
    moves: list[tuple[str, Reservation]] = []
    for campaign_id in campaign_ids:
        if usage is None:
            raise UnknownReservation(f"campaign {campaign_id!r} holds nothing for {order_id!r}")
        reservation = usage.check_move(campaign_id, command)
        if reservation is None:
            continue  # already done: a replay
        if reservation.coupon_id is not None:
            wallet = uow.repo(Wallet).get(reservation.customer_id)
            wallet.check_settle(
                reservation.coupon_id, order_id, "use" if command == "consume" else "unlock"
            )
        moves.append((campaign_id, reservation))
    for campaign_id, reservation in moves:
        assert usage is not None
        campaign = _load(uow, campaign_id)
        usage.reservations[campaign_id] = campaign.settle(reservation, command)
        uow.repo(Campaign).save(campaign)
        if command == "release":
            use = _use(uow, campaign, reservation.customer_id)
            if use is not None:
                use.remove(reservation.day)
                add_or_save(uow.repo(CampaignUse), use)
        if reservation.coupon_id is not None:
            wallet = uow.repo(Wallet).get(reservation.customer_id)
            if command == "consume":
                wallet.use(reservation.coupon_id, order_id)
            else:
                wallet.unlock(reservation.coupon_id, order_id)
            uow.repo(Wallet).save(wallet)
    if moves:
        assert usage is not None
        uow.repo(PromotionUsage).save(usage)
    if usage is not None and moves:
        moved = [campaign_id for campaign_id, _ in moves]
        settle_codes(uow, order_id, usage.applied, moved, command)


def consume_for_order(
    uow: UnitOfWork, order_id: OrderId, campaign_ids: Iterable[str] | None = None
) -> None:
    """The order was paid: its reservations in these campaigns (``None``: all it holds)
    are spent, its wallet coupons used. Takes campaign ids or the quote's promotion ids; a
    replay does nothing.
    Raises ``UnknownReservation`` for a campaign holding nothing for the order and
    ``IllegalTransition`` for a released one, before changing anything."""
    _settle(uow, order_id, campaign_ids, "consume")


def release_for_order(
    uow: UnitOfWork, order_id: OrderId, campaign_ids: Iterable[str] | None = None
) -> None:
    """The order was cancelled or closed unpaid: its reservations go back to the budgets
    and its wallet coupons become available. Same ids and errors as
    :func:`consume_for_order`; releasing a consumed reservation is an ``IllegalTransition``."""
    _settle(uow, order_id, campaign_ids, "release")


def promotion_usage(uow: UnitOfWork, order_id: OrderId) -> PromotionUsage | None:
    """What the order reserved (its quote's promotion ids and discounts), if anything."""
    return uow.repo(PromotionUsage).find(order_id)


def campaign_discounts(uow: UnitOfWork, quote: Quote) -> dict[str, Money]:
    """The promotions ``quote`` applied that run as campaigns, with their discounts: those
    have budgets (a host's own promotions, not run as campaigns, have none)."""
    repo = uow.repo(Campaign)
    return {
        applied.promotion_id: applied.discount
        for applied in quote.promotions
        if repo.peek(campaign_id_of(applied.promotion_id)) is not None
    }


#: How a quote is priced from the promotions offered and the caps reached (promotion id
#: -> the cap's text, ``quote(capped=)``): ``price(in_force, wallet, capped)``.
PriceWith = Callable[[Sequence[Promotion], Sequence[Promotion], Mapping[str, str]], Quote]


def price_within_budgets(
    uow: UnitOfWork,
    in_force: Sequence[Promotion],
    wallet: Sequence[Promotion],
    price: PriceWith,
    *,
    capped: Mapping[str, str] | None = None,
) -> Quote:
    """``price(in_force, wallet, capped)``, where a campaign whose budget left cannot pay
    its discount (:meth:`Campaign.covers`) is left out, with its coupons, and the cart
    priced again without it; a campaign that takes a share of more units of the cart than
    its ``per_order_units`` is priced again as capped (its promotions named in ``capped``
    with the cap, so the quote rejects them ``usage_cap``). ``capped`` starts as given (the
    caps :func:`usage_for_quote` found). Promotions not run as campaigns have no budget."""
    named = dict(capped or {})
    quote = price(in_force, wallet, named)
    short, over = _over_budget(uow, quote)
    while short or over:  # each round leaves out or caps at least one more campaign
        in_force = [p for p in in_force if campaign_id_of(p.id) not in short]
        wallet = [c for c in wallet if campaign_id_of(c.id) not in short]
        for promotion in (*in_force, *wallet):
            why = over.get(campaign_id_of(promotion.id))
            if why is not None:
                named[promotion.id] = why
        quote = price(in_force, wallet, named)
        short, over = _over_budget(uow, quote)
    return quote


def units_discounted(quote: Quote) -> dict[str, int]:
    """The units of ``quote``'s lines each campaign (by campaign id) took a share of: the
    quantity of every line one of its promotions took a positive amount from."""
    units: dict[str, int] = {}
    for line in quote.lines:
        touched = {
            campaign_id_of(a.promotion_id) for a in line.allocations if a.amount.is_positive()
        }
        for campaign_id in touched:
            units[campaign_id] = units.get(campaign_id, 0) + line.quantity
    return units


def _over_budget(uow: UnitOfWork, quote: Quote) -> tuple[frozenset[str], dict[str, str]]:
    """The campaigns ``quote`` applied whose budget left cannot pay their discount, and
    those that discount more units than their ``per_order_units`` (with the cap's text)."""
    repo = uow.repo(Campaign)
    discounts: dict[str, Money] = {}
    for promotion_id, amount in campaign_discounts(uow, quote).items():
        campaign_id = campaign_id_of(promotion_id)
        known = discounts.get(campaign_id)
        discounts[campaign_id] = amount if known is None else known + amount
    campaigns = {campaign_id: repo.view(campaign_id) for campaign_id in discounts}
    short = frozenset(c for c, amount in discounts.items() if not campaigns[c].covers(amount))
    over: dict[str, str] = {}
    if any(c.limits.per_order_units is not None for c in campaigns.values()):
        for campaign_id, units in units_discounted(quote).items():
            cap = (
                campaigns[campaign_id].limits.per_order_units if campaign_id in campaigns else None
            )
            if cap is not None and units > cap and campaign_id not in short:
                over[campaign_id] = per_order_units_text(units, cap)
    return short, over


# -- queries ---------------------------------------------------------------------------


def campaign_offers(
    uow: UnitOfWork, customer_id: CustomerId, at: datetime
) -> tuple[Sequence[Promotion], Sequence[Promotion]]:
    """The promotions a quote considers (checkout's ``Offers``): the campaigns in force and
    the customer's coupons (those of the wallet, then those of the codes entered at
    checkout: :func:`merx.promotions.redemption.code_coupons`). A campaign at a usage cap
    is among them: the quote rejects it, naming the cap, from :func:`usage_for_quote`."""
    prefetch(uow.repo(Wallet), [customer_id])  # read with the live campaigns' index
    prefetch(uow.repo(CheckoutCodes), [customer_id])
    in_force = promotions_in_force(uow, at)  # its first read takes the wallet's with it
    coupons = [*wallet_coupons(uow, customer_id, at), *code_coupons(uow, customer_id, at)]
    _prefetch_uses(uow, customer_id, [p.id for p in (*in_force, *coupons)])
    return in_force, coupons


def _prefetch_uses(uow: UnitOfWork, customer_id: CustomerId, promotion_ids: list[str]) -> None:
    """Ask for the customer's counts in the campaigns of ``promotion_ids`` (loaded already)
    that count customers, so the quote's next read (its freight templates') brings them
    for :func:`usage_counts`."""
    repo = uow.repo(Campaign)
    wanted = []
    for campaign_id in dict.fromkeys(map(campaign_id_of, promotion_ids)):
        campaign = repo.peek(campaign_id)
        if campaign is not None and campaign.limits.counts_customers:
            wanted.append(campaign_use_id(campaign_id, customer_id))
    prefetch(uow.repo(CampaignUse), wanted)


def usage_counts(
    uow: UnitOfWork, customer_id: CustomerId, at: datetime, promotion_ids: Iterable[str]
) -> UsageCounts:
    """``customer_id``'s standing at ``at`` against the usage caps of the campaigns of
    ``promotion_ids`` (campaign ids, or wallet coupon ids; a promotion not run as a
    campaign, or a campaign without caps, is left out of the counts): what a quote needs to
    reject a capped campaign. The rules are those of :meth:`Campaign.check_reserve`;
    placement checks them again, race-proof. One read at most (the customers' counts)."""
    require_aware(at, "time of the quote")
    day = business_date(at)
    repo = uow.repo(Campaign)
    ids = list(dict.fromkeys(map(campaign_id_of, promotion_ids)))
    prefetch(repo, ids)
    capped = [
        c
        for c in map(repo.peek, ids)
        if c is not None and (c.limits.counts_customers or c.limits.max_uses is not None)
    ]
    counted = [c.id for c in capped if c.limits.counts_customers]
    prefetch(uow.repo(CampaignUse), [campaign_use_id(c, customer_id) for c in counted])
    by_customer: dict[str, int] = {}
    on_day: dict[str, int] = {}
    by_everyone: dict[str, int] = {}
    reached: dict[str, str] = {}
    why: dict[str, str] = {}
    for campaign in capped:
        use = None
        if campaign.limits.counts_customers:
            use = uow.repo(CampaignUse).peek(campaign_use_id(campaign.id, customer_id))
            by_customer[campaign.id] = use.live if use else 0
            on_day[campaign.id] = use.on(day) if use else 0
        if campaign.limits.max_uses is not None:
            by_everyone[campaign.id] = campaign.ledger.uses()
        cap = cap_reached(campaign.limits, campaign.ledger, use, day)
        if cap is not None:
            reached[campaign.id], why[campaign.id] = cap
    return UsageCounts(customer_id, day, by_customer, on_day, by_everyone, reached, why)


def usage_for_quote(
    uow: UnitOfWork, customer_id: CustomerId, at: datetime, promotion_ids: Iterable[str]
) -> QuoteUsage:
    """The pricing engine's usage inputs for ``promotion_ids`` (campaign ids, or wallet
    coupon ids ``"<campaign>#<n>"`` counted as their campaign), from one
    :func:`usage_counts`: the customer's uses (the engine's ``Customer.used``, against
    ``per_customer_limit``), everyone's (its ``usage``, against ``global_limit``), and the
    promotions whose campaign reached a cap, each with the text naming it (its ``capped``:
    a day cap has no count the engine could check)."""
    promotion_ids = list(promotion_ids)
    counts = usage_counts(uow, customer_id, at, promotion_ids)
    used: dict[str, int] = {}
    usage: dict[str, int] = {}
    capped: dict[str, str] = {}
    for promotion_id in promotion_ids:
        campaign_id = campaign_id_of(promotion_id)
        if campaign_id in counts.by_customer:
            used[promotion_id] = counts.by_customer[campaign_id]
        if campaign_id in counts.by_everyone:
            usage[promotion_id] = counts.by_everyone[campaign_id]
        if campaign_id in counts.why:
            capped[promotion_id] = counts.why[campaign_id]
    return QuoteUsage(used, usage, capped)


#: Whether a customer is in a campaign's audience: ``audience(scenario key, customer id)``
#: is ``None`` when they are, else the text saying why not (the app decides it).
Audience = Callable[[str, str], str | None]


def audience_exclusions(
    uow: UnitOfWork, customer_id: str, promotion_ids: Iterable[str], audience: Audience
) -> dict[str, str]:
    """The promotions of ``promotion_ids`` (campaign or wallet coupon ids) whose campaign
    names an audience that leaves ``customer_id`` out, each with why: a quote leaves them
    out and rejects them ``audience``. Each audience is asked once."""
    repo = uow.repo(Campaign)
    asked: dict[str, str | None] = {}
    shut: dict[str, str] = {}
    for promotion_id in promotion_ids:
        campaign = repo.peek(campaign_id_of(promotion_id))
        if campaign is None or campaign.audience is None:
            continue
        if campaign.audience not in asked:
            asked[campaign.audience] = audience(campaign.audience, customer_id)
        why = asked[campaign.audience]
        if why is not None:
            shut[promotion_id] = why
    return shut


def promotions_in_force(uow: UnitOfWork, at: datetime) -> list[Promotion]:
    """The automatic promotions checkout prices with at ``at``: every active campaign that
    is not a coupon campaign, inside its window, with money left (:meth:`Campaign.in_force`);
    each with its effective
    scope (approved enrolments; a merchant's own store). Sorted by id. Only the campaigns
    in the :class:`LiveCampaigns` index are loaded."""
    require_aware(at, "time of the quote")
    repo = uow.repo(Campaign)
    found = []
    live = uow.repo(LiveCampaigns).peek(LIVE_CAMPAIGNS_ID) or LiveCampaigns()
    prefetch(repo, live.ids)
    for campaign_id in live.ids:
        campaign = repo.view(campaign_id)
        if not campaign.is_coupon and campaign.in_force(at):
            found.append(campaign.effective_definition())
    return sorted(found, key=lambda definition: definition.id)


def wallet_coupons(uow: UnitOfWork, customer_id: CustomerId, at: datetime) -> list[Coupon]:
    """The customer's coupons usable at ``at``, as engine values (each id is the wallet
    coupon's id, ``"<campaign>#<n>"``): available, inside their window, from a campaign
    in force (:meth:`Campaign.in_force`). Sorted by id."""
    require_aware(at, "time of the quote")
    wallet = uow.repo(Wallet).peek(customer_id)
    if wallet is None:
        return []
    campaigns: dict[str, Campaign] = {}
    usable: list[Coupon] = []
    prefetch(uow.repo(Campaign), dict.fromkeys(i.campaign_id for i in wallet.usable(at)))
    for instance in wallet.usable(at):
        campaign = campaigns.get(instance.campaign_id)
        if campaign is None:
            campaign = uow.repo(Campaign).view(instance.campaign_id)
            campaigns[instance.campaign_id] = campaign
        if campaign.in_force(at):
            usable.append(instance.coupon)
    return usable
