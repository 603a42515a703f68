"""Voucher code use cases: code sets, bulk generation, hand-picked codes, redemption into
the wallet, and the codes a customer enters at checkout.

Each handler is ``handler(cmd, uow, *, clock)`` (``GenerateVoucherCodes`` also takes the
``random`` source its codes are drawn from); it loads, calls the model, saves and commits.
Placing, paying and cancelling an order with a code are in :mod:`merx.promotions.redemption`
(staged by the budget calls of :mod:`merx.promotions.services`).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import AlreadyExists
from merx.kernel.ids import CustomerId, MerchantId
from merx.kernel.uow import UnitOfWork, prefetch
from merx.kernel.validation import require_text
from merx.promotions.codes import (
    SINGLE_USE,
    CheckoutCodes,
    CodeLimits,
    CodeSet,
    VoucherCode,
    make_code,
    normalize_code,
)
from merx.promotions.errors import VoucherCodeTaken
from merx.promotions.lifecycle import Campaign
from merx.promotions.ports import RandomSource
from merx.promotions.redemption import campaign_refusal, count_use, customer_use, find_code
from merx.promotions.services import Audience, claim_into_wallet, require_audience
from merx.promotions.wallet import Wallet

# -- commands --------------------------------------------------------------------------


@attrs.frozen
class CreateCodeSet(Command[str]):
    """Codes for the coupon campaign ``campaign_id``, made by its owner or the platform:
    each code used at most ``limits.uses_per_code`` times, by each customer at most once
    if ``limits.once_per_customer``, inside ``[starts_at, ends_at)``. Its id."""

    code_set_id: str
    campaign_id: str
    actor: MerchantId
    limits: CodeLimits = SINGLE_USE
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@attrs.frozen
class GenerateVoucherCodes(Command[tuple[str, ...]]):
    """``count`` fresh codes for the set (at most 100,000 a time); the codes, normalized
    (print them with :func:`merx.promotions.codes.display_code`)."""

    code_set_id: str
    count: int
    actor: MerchantId


@attrs.frozen
class AddVoucherCodes(Command[tuple[str, ...]]):
    """Add the host's own codes to the set (``"SPRING2027"``: 4 to 20 letters and digits,
    any case, unique across the shop); the codes, normalized. Each is used as the set's
    limits say (one code for many customers: ``CodeLimits(uses_per_code=N,
    once_per_customer=True)``)."""

    code_set_id: str
    codes: tuple[str, ...]
    actor: MerchantId


@attrs.frozen
class RedeemVoucherCode(Command[str]):
    """The customer redeems ``code`` (as typed) for one coupon of its campaign into the
    wallet; the wallet coupon's id."""

    customer_id: CustomerId
    code: str


@attrs.frozen
class EnterVoucherCode(Command[str]):
    """The customer enters ``code`` at checkout: the next quotes consider its coupon, the
    order placed with it holds it. The code, normalized."""

    customer_id: CustomerId
    code: str


@attrs.frozen
class RemoveVoucherCode(Command[None]):
    customer_id: CustomerId
    code: str


# -- handlers --------------------------------------------------------------------------


def create_code_set(cmd: CreateCodeSet, uow: UnitOfWork, *, clock: Clock) -> str:
    campaign = uow.repo(Campaign).view(require_text(cmd.campaign_id, "campaign id"))
    code_set = CodeSet.create(
        cmd.code_set_id,
        campaign,
        cmd.actor,
        cmd.limits,
        clock.now(),
        starts_at=cmd.starts_at,
        ends_at=cmd.ends_at,
    )
    uow.repo(CodeSet).add(code_set)
    uow.commit()
    return code_set.id


def generate_voucher_codes(
    cmd: GenerateVoucherCodes, uow: UnitOfWork, *, clock: Clock, random: RandomSource
) -> tuple[str, ...]:
    code_set = uow.repo(CodeSet).get(require_text(cmd.code_set_id, "code set id"))
    campaign = uow.repo(Campaign).view(code_set.campaign_id)
    fresh = code_set.generate(campaign, cmd.actor, random.below, cmd.count, clock.now())
    repo = uow.repo(VoucherCode)
    prefetch(repo, fresh)  # one read for the whole batch
    drawn = set(fresh)
    codes: list[str] = []
    for candidate in fresh:
        code = candidate
        while True:
            try:
                repo.add(VoucherCode(id=code, code_set_id=code_set.id))
                break
            except AlreadyExists:  # another set holds it: draw again (about never)
                code = make_code(random.below)
                while code in drawn:
                    code = make_code(random.below)
                drawn.add(code)
        codes.append(code)
    uow.repo(CodeSet).save(code_set)
    uow.commit()
    return tuple(codes)


def add_voucher_codes(cmd: AddVoucherCodes, uow: UnitOfWork, *, clock: Clock) -> tuple[str, ...]:
    code_set = uow.repo(CodeSet).get(require_text(cmd.code_set_id, "code set id"))
    campaign = uow.repo(Campaign).view(code_set.campaign_id)
    codes = code_set.add_picked(campaign, cmd.actor, cmd.codes, clock.now())
    repo = uow.repo(VoucherCode)
    prefetch(repo, codes)  # one read for the whole batch
    for code in codes:  # every check before any change
        held = repo.peek(code)
        if held is not None:
            raise VoucherCodeTaken(code, f"code {code} is held already (set {held.code_set_id!r})")
    for code in codes:
        repo.add(VoucherCode(id=code, code_set_id=code_set.id))
    uow.repo(CodeSet).save(code_set)
    uow.commit()
    return tuple(codes)


def _usable_set(uow: UnitOfWork, customer_id: str, code: str, at: datetime) -> CodeSet:
    """The set of ``code``, raising what stops ``customer_id`` using it at ``at``."""
    voucher = find_code(uow, code)
    code_set = uow.repo(CodeSet).get(voucher.code_set_id)
    code_set.check_use(voucher, customer_use(uow, code_set, customer_id), at)
    return code_set


def redeem_voucher_code(
    cmd: RedeemVoucherCode, uow: UnitOfWork, *, clock: Clock, audience: Audience | None = None
) -> str:
    """Redeem a code for a coupon of its campaign; a campaign with an ``audience`` asks it
    first (:class:`NotInAudience` when it leaves the customer out), as a claim does."""
    now = clock.now()
    customer_id = CustomerId(require_text(cmd.customer_id, "customer id"))
    code = normalize_code(cmd.code)
    voucher = find_code(uow, code)
    code_set = uow.repo(CodeSet).get(voucher.code_set_id)
    prefetch(uow.repo(Campaign), [code_set.campaign_id])  # one read: see claim_into_wallet
    prefetch(uow.repo(Wallet), [customer_id])
    use = customer_use(uow, code_set, customer_id)
    code_set.check_use(voucher, use, now)
    campaign = uow.repo(Campaign).get(code_set.campaign_id)
    require_audience(campaign, customer_id, audience)
    coupon = claim_into_wallet(uow, campaign, customer_id, now)
    count_use(uow, code_set, voucher, use, customer_id=customer_id, into=coupon.id)
    uow.commit()
    return coupon.id


def enter_voucher_code(
    cmd: EnterVoucherCode, uow: UnitOfWork, *, clock: Clock, audience: Audience | None = None
) -> str:
    """Enter a code at checkout; refused with a typed error when it cannot be used now,
    :class:`NotInAudience` included (the quote asks the audience again each time)."""
    now = clock.now()
    customer_id = require_text(cmd.customer_id, "customer id")
    code = normalize_code(cmd.code)
    code_set = _usable_set(uow, customer_id, code, now)
    campaign = uow.repo(Campaign).view(code_set.campaign_id)
    refused = campaign_refusal(campaign, code, now)
    if refused is not None:
        raise refused
    require_audience(campaign, customer_id, audience)
    repo = uow.repo(CheckoutCodes)
    entered = repo.find(customer_id)
    if entered is None:
        entered = CheckoutCodes(id=customer_id)
        entered.enter(code)
        repo.add(entered)
    elif entered.enter(code):
        repo.save(entered)
    uow.commit()
    return code


def remove_voucher_code(cmd: RemoveVoucherCode, uow: UnitOfWork, *, clock: Clock) -> None:
    code = normalize_code(cmd.code)
    entered = uow.repo(CheckoutCodes).find(require_text(cmd.customer_id, "customer id"))
    if entered is None:
        entered = CheckoutCodes(id=cmd.customer_id)
    entered.remove(code)  # raises when not entered
    uow.repo(CheckoutCodes).save(entered)
    uow.commit()
