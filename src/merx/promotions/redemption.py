"""Voucher codes at checkout, staged in the caller's unit of work (nothing here commits).

* :func:`code_coupons`: the coupons the codes entered at the customer's checkout give, for
  the quote (``campaign_offers`` adds them to the wallet's);
* :func:`reserve_codes`: placing an order whose quote applied such a coupon holds its code
  (``reserve_for_order`` calls it, after the budget checks and before any change);
* :func:`settle_codes`: paying the order consumes the hold, cancelling it releases it and
  gives the use back (``consume_for_order`` / ``release_for_order`` call it).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

import attrs

from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork, add_or_save, prefetch
from merx.pricing import Coupon
from merx.promotions.codes import (
    CheckoutCodes,
    CodeSet,
    CodeSetUse,
    VoucherCode,
    VoucherHold,
    VoucherUsage,
    code_promotion_id,
    code_set_use_id,
    voucher_code_of,
)
from merx.promotions.errors import UnknownVoucherCode
from merx.promotions.lifecycle import Campaign, campaign_id_of


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


def code_coupons(uow: UnitOfWork, customer_id: str, at: datetime) -> list[Coupon]:
    """The coupons the codes entered at ``customer_id``'s checkout give at ``at``: for each
    code still usable by the customer (:meth:`CodeSet.refusal`), from an active coupon
    campaign in force, the campaign's coupon with the id ``"<campaign>#@<code>"``. In the
    order entered; a code no longer usable is skipped (it stays entered)."""
    entered = uow.repo(CheckoutCodes).peek(customer_id)
    if entered is None or not entered.codes:
        return []
    found: list[Coupon] = []
    for code in entered.codes:
        voucher = uow.repo(VoucherCode).peek(code)
        if voucher is None:
            continue
        code_set = uow.repo(CodeSet).view(voucher.code_set_id)
        use = None
        if code_set.limits.once_per_customer:
            use = uow.repo(CodeSetUse).peek(code_set_use_id(code_set.id, customer_id))
        campaign = uow.repo(Campaign).view(code_set.campaign_id)
        if code_set.refusal(voucher, use, at) is None and campaign.in_force(at):
            coupon = attrs.evolve(
                campaign.effective_definition(), id=code_promotion_id(campaign.id, code)
            )
            assert isinstance(coupon, Coupon)
            found.append(coupon)
    return found


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
