"""Voucher codes at checkout, staged in the caller's unit of work (nothing here commits).

* :func:`code_coupons`: the coupons the codes entered at the customer's checkout give, for
  the quote (``campaign_offers`` adds them to the wallet's); :func:`code_rejections`: why
  the others give nothing (checkout adds them to the quote's rejections,
  :func:`with_code_rejections`);
* :func:`reserve_codes`: placing an order whose quote applied such a coupon holds its code
  (``reserve_for_order`` calls it, after the budget checks and before any change);
* :func:`settle_codes`: paying the order consumes the hold, cancelling it releases it and
  gives the use back (``consume_for_order`` / ``release_for_order`` call it).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Final

import attrs

from merx.kernel.errors import MerxError
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork, add_or_save, prefetch
from merx.pricing import Coupon, Rejection, RejectionCode
from merx.pricing import Quote as PricingQuote
from merx.promotions.codes import (
    CheckoutCodes,
    CodeSet,
    CodeSetUse,
    VoucherCode,
    VoucherHold,
    VoucherUsage,
    code_promotion_id,
    code_set_use_id,
    display_code,
    voucher_code_of,
)
from merx.promotions.errors import (
    BudgetExhausted,
    CouponStockExhausted,
    UnknownVoucherCode,
    VoucherCodeAlreadyUsed,
    VoucherCodeExpired,
    VoucherCodeNotYetValid,
    VoucherCodeUsedUp,
)
from merx.promotions.lifecycle import Campaign, CampaignState, campaign_id_of


def customer_use(uow: UnitOfWork, code_set: CodeSet, customer_id: str) -> CodeSetUse | None:
    """The customer's uses of a once-per-customer set, loaded to be changed (``None`` for a
    set without that limit)."""
    if not code_set.limits.once_per_customer:
        return None
    found = uow.repo(CodeSetUse).find(code_set_use_id(code_set.id, customer_id))
    return found or CodeSetUse.start(code_set.id, customer_id)


def find_code(uow: UnitOfWork, code: str) -> VoucherCode:
    """The code ``code`` (normalized), loaded to be changed; :class:`UnknownVoucherCode`."""
    found = uow.repo(VoucherCode).find(code)
    if found is None:
        raise UnknownVoucherCode(f"no code set holds the code {code!r}")
    return found


def count_use(
    uow: UnitOfWork,
    code_set: CodeSet,
    code: VoucherCode,
    use: CodeSetUse | None,
    *,
    customer_id: str,
    into: str,
) -> None:
    """Stage one more use of ``code`` (checked by :meth:`CodeSet.check_use`)."""
    code.use(code_set, customer_id, into)
    uow.repo(VoucherCode).save(code)
    if use is not None:
        use.used += 1
        add_or_save(uow.repo(CodeSetUse), use)


#: The rejection code a quote gives an entered code for each refusal (the error
#: :class:`~merx.promotions.EnterVoucherCode` raises for a code already dead at entry).
REASONS: Final[Mapping[type[MerxError], RejectionCode]] = {
    VoucherCodeNotYetValid: "code_not_yet_valid",
    VoucherCodeExpired: "code_expired",
    VoucherCodeUsedUp: "code_used_up",
    VoucherCodeAlreadyUsed: "code_already_used",
    CouponStockExhausted: "code_out_of_stock",
    BudgetExhausted: "code_out_of_budget",
}


def campaign_refusal(campaign: Campaign, code: str, at: datetime) -> MerxError | None:
    """Why ``campaign`` gives no coupon for ``code`` at ``at``, or ``None``: ended,
    cancelled or past its window is :class:`VoucherCodeExpired`; budget or uses all held
    :class:`BudgetExhausted`; not started :class:`VoucherCodeNotYetValid`; its coupon stock
    all taken :class:`CouponStockExhausted`."""
    shown = display_code(code)
    if not campaign.in_force(at):
        ends_at = campaign.definition.ends_at
        if campaign.status in {CampaignState.ENDED, CampaignState.CANCELLED} or (
            ends_at is not None and at >= ends_at
        ):
            return VoucherCodeExpired(f"code {shown}: campaign {campaign.id!r} is over")
        if campaign.status is CampaignState.ACTIVE and campaign.ledger.exhausted(campaign.limits):
            return BudgetExhausted(
                campaign.id, f"code {shown}: campaign {campaign.id!r} has no budget left"
            )
        return VoucherCodeNotYetValid(f"code {shown}: campaign {campaign.id!r} has not started")
    left = campaign.ledger.stock_left(campaign.limits)
    if left is not None and left <= 0:
        return CouponStockExhausted(
            campaign.id, f"code {shown}: every coupon of campaign {campaign.id!r} is taken"
        )
    return None


def _entered(
    uow: UnitOfWork, customer_id: str, at: datetime
) -> list[tuple[str, Campaign, MerxError | None]]:
    """The codes entered at ``customer_id``'s checkout (read only), in the order entered,
    each with its campaign and why it cannot be used at ``at`` (``None``: it can)."""
    entered = uow.repo(CheckoutCodes).peek(customer_id)
    if entered is None or not entered.codes:
        return []
    found: list[tuple[str, Campaign, MerxError | None]] = []
    for code in entered.codes:
        voucher = uow.repo(VoucherCode).peek(code)
        if voucher is None:
            continue
        code_set = uow.repo(CodeSet).view(voucher.code_set_id)
        use = None
        if code_set.limits.once_per_customer:
            use = uow.repo(CodeSetUse).peek(code_set_use_id(code_set.id, customer_id))
        campaign = uow.repo(Campaign).view(code_set.campaign_id)
        refused = code_set.refusal(voucher, use, at) or campaign_refusal(campaign, code, at)
        found.append((code, campaign, refused))
    return found


def code_coupons(uow: UnitOfWork, customer_id: str, at: datetime) -> list[Coupon]:
    """The coupons the codes entered at ``customer_id``'s checkout give at ``at``: for each
    code still usable by the customer (:meth:`CodeSet.refusal`), from an active coupon
    campaign in force with stock left (:func:`campaign_refusal`), the campaign's coupon
    with the id ``"<campaign>#@<code>"``. In the order entered; a code no longer usable is
    left out (it stays entered; :func:`code_rejections` says why)."""
    found: list[Coupon] = []
    for code, campaign, refused in _entered(uow, customer_id, at):
        if refused is None:
            coupon = attrs.evolve(
                campaign.effective_definition(), id=code_promotion_id(campaign.id, code)
            )
            assert isinstance(coupon, Coupon)
            found.append(coupon)
    return found


def code_rejections(uow: UnitOfWork, customer_id: str, at: datetime) -> list[Rejection]:
    """Why each code entered at ``customer_id``'s checkout that can no longer be used at
    ``at`` gives nothing: a :class:`~merx.pricing.Rejection` of its engine id
    ``"<campaign>#@<code>"`` with the code of :data:`REASONS` and the refusal's text."""
    return [
        Rejection(code_promotion_id(campaign.id, code), REASONS[type(refused)], str(refused))
        for code, campaign, refused in _entered(uow, customer_id, at)
        if refused is not None
    ]


def with_code_rejections(
    uow: UnitOfWork, customer_id: str, at: datetime, quote: PricingQuote
) -> PricingQuote:
    """``quote`` (priced for ``customer_id`` at ``at``) with :func:`code_rejections` added
    to its ``rejections`` (sorted by promotion id, as the engine sorts them): the checkout
    shows why an entered code gives nothing."""
    dead = code_rejections(uow, customer_id, at)
    if not dead:
        return quote
    rejections = sorted((*quote.rejections, *dead), key=lambda r: r.promotion_id)
    return attrs.evolve(quote, rejections=tuple(rejections))


def reserve_codes(
    uow: UnitOfWork, order_id: str, customer_id: str, applied: Mapping[str, Money]
) -> None:
    """Hold the code of each coupon in ``applied`` that a code gave at checkout, for the
    order being placed: one use of the code, one of the customer's set if it is
    once-per-customer; the code leaves the customer's checkout. Checks every code first
    (:class:`VoucherCodeUsedUp`, :class:`VoucherCodeAlreadyUsed`; the quote was priced at
    this instant with the codes usable then, so their windows are not asked again). The
    same order again does nothing."""
    codes = {
        code: promotion_id for promotion_id in applied if (code := voucher_code_of(promotion_id))
    }
    if not codes:
        return
    usages = uow.repo(VoucherUsage)
    if usages.find(order_id) is not None:
        return
    prefetch(uow.repo(VoucherCode), codes)
    usage = VoucherUsage(id=order_id, customer_id=customer_id)
    taken: list[tuple[CodeSet, VoucherCode, CodeSetUse | None]] = []
    for code, promotion_id in codes.items():
        voucher = find_code(uow, code)
        code_set = uow.repo(CodeSet).get(voucher.code_set_id)
        use = customer_use(uow, code_set, customer_id)
        code_set.check_limits(voucher, use)
        assert campaign_id_of(promotion_id) == code_set.campaign_id, promotion_id
        usage.hold(VoucherHold(code, code_set.id, code_set.campaign_id))
        taken.append((code_set, voucher, use))
    for code_set, voucher, use in taken:
        count_use(uow, code_set, voucher, use, customer_id=customer_id, into=order_id)
    entered = uow.repo(CheckoutCodes).find(customer_id)
    if entered is not None:
        for code in codes:
            if code in entered.codes:
                entered.remove(code)
        uow.repo(CheckoutCodes).save(entered)
    usages.add(usage)


def settle_codes(
    uow: UnitOfWork,
    order_id: str,
    applied: Iterable[str],
    campaign_ids: Collection[str],
    command: str,
) -> None:
    """Consume (the order was paid) or release (cancelled, closed unpaid) the order's holds
    on the codes of ``campaign_ids``; a release gives each code's use back. ``applied``
    are the promotion ids the order reserved: without a code among them, nothing is read.
    Called once the campaigns' reservations moved the same way, so every hold may move; a
    replay does nothing."""
    if not any(voucher_code_of(promotion_id) for promotion_id in applied):
        return
    usage = uow.repo(VoucherUsage).find(order_id)
    if usage is None:
        return
    moves = [
        hold
        for hold in usage.holds.values()
        if hold.campaign_id in campaign_ids and usage.check_move(hold.code, command) is not None
    ]
    for hold in moves:
        usage.move(hold.code, command)
        if command == "release":
            voucher = find_code(uow, hold.code)
            voucher.give_back(usage.customer_id, order_id)
            uow.repo(VoucherCode).save(voucher)
            code_set = uow.repo(CodeSet).get(hold.code_set_id)
            use = customer_use(uow, code_set, usage.customer_id)
            if use is not None:
                assert use.used > 0, f"{use.id}: nothing to give back"
                use.used -= 1
                add_or_save(uow.repo(CodeSetUse), use)
    if moves:
        uow.repo(VoucherUsage).save(usage)
