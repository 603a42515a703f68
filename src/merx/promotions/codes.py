"""Voucher codes: a coupon campaign's codes, their limits, and who used them.

A :class:`CodeSet` hands out the coupon of one coupon campaign through codes: its
:class:`CodeLimits` (``uses_per_code``: 1 for single-use codes, N for a code many may
use, ``None`` unlimited; ``once_per_customer``: a customer uses at most one code of the
set, once) and an optional window (``starts_at <= at < ends_at``). Its codes are
:class:`VoucherCode` aggregates, one per code, keyed by the normalized code itself: a
lookup by code is a lookup by id.

**The code.** A generated code is twelve characters of :data:`ALPHABET` (31 characters:
digits and capitals without ``0 O 1 I L``, which read alike): eleven drawn at random, then
one check character, :func:`check_character` (the weighted sum
``sum((i + 1) * value(c_i))`` of the eleven, modulo 31, a prime: every single wrong
character and every swap of two neighbours is caught). Shown in groups of four
(``7KQM-2XHC-PWN4``); typed in any case, with or without spaces and hyphens
(:func:`normalize_code`). 31^11 (about 2^54) codes: with the draws from :mod:`secrets`
(the :class:`~merx.promotions.ports.RandomSource` port), a guess among a set of 100,000
codes hits one with a chance of about 4 in 10^12. A host may also add its own codes to a
set (:meth:`CodeSet.add_picked`, :func:`picked_code`: ``SPRING2027``, 4 to 20 letters and
digits, never of a generated code's shape), unique across the shop like every code (the
id of a :class:`VoucherCode`).

**Counting.** A code's ``used`` counts its live uses: a coupon it put into a wallet, or an
order holding it (reserved at placement, consumed when paid, given back when the order is
cancelled). Each use also takes a coupon of the campaign's stock (a claim, or the order's
reservation: :class:`~merx.promotions.budgets.BudgetLedger`'s ``code_coupons``). ``used``
lives *in* the code, so two customers racing for a code's last use load the same version
and the second commit is a ``ConcurrencyError``; a customer's use of a once-per-customer
set lives in a :class:`CodeSetUse` (``"<set>/<customer>"``), so two redemptions of one
customer conflict on it. At every point ``used <= uses_per_code``, asserted before the
code is stored.

**At checkout.** The codes a customer entered are a :class:`CheckoutCodes` (keyed by the
customer). The quote sees each usable one as the campaign's coupon with the engine id
``"<campaign>#@<code>"`` (:func:`code_promotion_id`, :func:`voucher_code_of`); an order
placed with it holds the code in its :class:`VoucherUsage` (keyed by the order id).

Each method checks, then changes, then records; a refused command leaves no trace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.clock import require_aware
from merx.kernel.errors import MerxError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import PLATFORM, MerchantId
from merx.kernel.validation import require_text
from merx.promotions.budgets import RESERVATION_FLOW, ReservationState
from merx.promotions.errors import (
    BadCheckCharacter,
    InvalidCodeSet,
    InvalidVoucherCode,
    NotACouponCampaign,
    NotYourCampaign,
    TooManyVoucherCodes,
    UnknownVoucherCode,
    VoucherCodeAlreadyUsed,
    VoucherCodeExpired,
    VoucherCodeNotYetValid,
    VoucherCodeTaken,
    VoucherCodeUsedUp,
)
from merx.promotions.lifecycle import Campaign

# -- the code itself -------------------------------------------------------------------

#: The characters of a code: no ``0 O 1 I L`` (31, a prime: see :func:`check_character`).
ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_VALUE: Final = {character: value for value, character in enumerate(ALPHABET)}
#: Random characters in a code, before its check character.
BODY_LENGTH: Final = 11
CODE_LENGTH: Final = BODY_LENGTH + 1
#: Characters per group when a code is shown.
GROUP_LENGTH: Final = 4
#: The most codes one ``GenerateVoucherCodes`` makes.
MAX_CODES_PER_BATCH: Final = 100_000
#: The most codes one checkout holds at a time.
MAX_CODES_AT_CHECKOUT: Final = 5

assert len(_VALUE) == 31, "31 distinct characters"


def check_character(body: str) -> str:
    """The check character of ``body`` (characters of :data:`ALPHABET`): the weighted sum
    of their values, position ``i`` (from 0) weighing ``i + 1``, modulo 31."""
    total = sum((position + 1) * _VALUE[character] for position, character in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def make_code(draw: Callable[[int], int]) -> str:
    """A fresh code from ``draw(limit)``, a uniform whole number below ``limit`` (the
    :class:`~merx.promotions.ports.RandomSource`'s ``below``)."""
    body = "".join(ALPHABET[draw(len(ALPHABET))] for _ in range(BODY_LENGTH))
    return body + check_character(body)


#: The characters of a hand-picked code (``SPRING2027``): ASCII capitals and digits.
PICKED_CHARACTERS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
#: The shortest and the longest hand-picked code.
PICKED_LENGTHS: Final = (4, 20)


def is_generated_shape(code: str) -> bool:
    """Whether ``code`` (normalized) has the shape of a generated code: twelve characters
    of :data:`ALPHABET` (its check character then tells a typo)."""
    return len(code) == CODE_LENGTH and all(character in _VALUE for character in code)


def _canonical(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidVoucherCode(f"a voucher code is text, got {text!r}")
    return "".join(text.split()).replace("-", "").upper()


def _picked_shape(code: str) -> bool:
    shortest, longest = PICKED_LENGTHS
    return shortest <= len(code) <= longest and set(code) <= PICKED_CHARACTERS


def normalize_code(text: object) -> str:
    """The code ``text`` stands for: capitals, no spaces, no hyphens. A generated code's
    shape (:func:`is_generated_shape`) must check (:class:`BadCheckCharacter`, a typo told
    without a read); anything else must be a possible hand-picked code (4 to 20 ASCII
    capitals and digits), else :class:`InvalidVoucherCode`."""
    code = _canonical(text)
    if is_generated_shape(code):
        if code[-1] != check_character(code[:-1]):
            raise BadCheckCharacter(f"{text!r} is not a voucher code: its check character is wrong")
        return code
    if not _picked_shape(code):
        shortest, longest = PICKED_LENGTHS
        raise InvalidVoucherCode(
            f"{text!r} is not a voucher code: {CODE_LENGTH} characters of {ALPHABET}, or "
            f"{shortest} to {longest} letters and digits"
        )
    return code


def picked_code(text: object) -> str:
    """``text`` as a hand-picked code (normalized as :func:`normalize_code` does): 4 to 20
    ASCII letters and digits, in any case, not of a generated code's shape (so a typo in a
    generated code is still caught by its check character). :class:`InvalidVoucherCode`
    naming the text otherwise."""
    code = _canonical(text)
    if is_generated_shape(code):
        raise InvalidVoucherCode(
            f"{text!r} cannot be hand-picked: {CODE_LENGTH} characters of {ALPHABET} is the "
            "shape of a generated code"
        )
    if not _picked_shape(code):
        shortest, longest = PICKED_LENGTHS
        raise InvalidVoucherCode(
            f"{text!r} cannot be hand-picked: {shortest} to {longest} letters (A-Z) and "
            "digits, spaces and hyphens ignored"
        )
    return code


def display_code(code: str) -> str:
    """``code`` as printed on a voucher: a generated one in groups of four
    (``7KQM-2XHC-PWN4``), a hand-picked one as it is (``SPRING2027``)."""
    if not is_generated_shape(code):
        return code
    return "-".join(code[i : i + GROUP_LENGTH] for i in range(0, len(code), GROUP_LENGTH))


#: Separates a coupon campaign's id from a code in the engine id of a coupon a code gives
#: at checkout (``"C1#@7KQM2XHCPWN4"``: the campaign is still what comes before ``#``).
CODE_MARK: Final = "#@"


def code_promotion_id(campaign_id: str, code: str) -> str:
    """The engine id of the coupon ``code`` gives at checkout."""
    return f"{campaign_id}{CODE_MARK}{code}"


def voucher_code_of(promotion_id: str) -> str | None:
    """The code an engine promotion id names, or ``None`` if it names none."""
    _, mark, code = promotion_id.partition(CODE_MARK)
    return code if mark else None


# -- limits ----------------------------------------------------------------------------


@attrs.frozen
class CodeLimits:
    """``uses_per_code``: how many times one code may be used (1: single-use; ``None``:
    unlimited); ``once_per_customer``: a customer uses one code of the set, once."""

    uses_per_code: int | None = 1
    once_per_customer: bool = False

    def __attrs_post_init__(self) -> None:
        uses = self.uses_per_code
        if uses is not None and (isinstance(uses, bool) or not isinstance(uses, int) or uses < 1):
            raise InvalidCodeSet(f"uses_per_code must be a whole number >= 1 or None, got {uses!r}")
        if not isinstance(self.once_per_customer, bool):
            raise InvalidCodeSet(
                f"once_per_customer must be a bool, got {self.once_per_customer!r}"
            )


#: Each code used once, by anyone: the default of a code set.
SINGLE_USE: Final = CodeLimits()


# -- events ----------------------------------------------------------------------------


@attrs.frozen
class CodeSetCreated(DomainEvent):
    code_set_id: str
    campaign_id: str
    at: datetime


@attrs.frozen
class VoucherCodesGenerated(DomainEvent):
    code_set_id: str
    count: int
    at: datetime


@attrs.frozen
class VoucherCodesAdded(DomainEvent):
    """Hand-picked codes were added to the set."""

    code_set_id: str
    codes: tuple[str, ...]
    at: datetime


@attrs.frozen
class VoucherCodeUsed(DomainEvent):
    """``into`` is the wallet coupon the code gave, or the order that holds it."""

    code: str
    code_set_id: str
    customer_id: str
    into: str


@attrs.frozen
class VoucherCodeGivenBack(DomainEvent):
    """The order holding the code was cancelled: the use counts no more."""

    code: str
    code_set_id: str
    customer_id: str
    order_id: str


@attrs.frozen
class VoucherCodeEntered(DomainEvent):
    customer_id: str
    code: str


@attrs.frozen
class VoucherCodeRemoved(DomainEvent):
    customer_id: str
    code: str


# -- aggregates ------------------------------------------------------------------------


def check_maker(campaign: Campaign, actor: MerchantId, code_set_id: str) -> None:
    """Raise unless ``actor`` may make codes of ``campaign`` for ``code_set_id``: a coupon
    campaign (:class:`NotACouponCampaign`), and its owner or the platform
    (:class:`NotYourCampaign`)."""
    if not campaign.is_coupon:
        raise NotACouponCampaign(
            f"code set {code_set_id!r}: campaign {campaign.id!r} is a "
            f"{campaign.definition.kind}, codes give coupons"
        )
    if actor not in (campaign.owner, PLATFORM):
        raise NotYourCampaign(f"{actor!r} cannot make codes for campaign {campaign.id!r}")


def _optional_aware(value: datetime | None, what: str) -> None:
    if value is not None:
        require_aware(value, what)


@attrs.define(kw_only=True)
class CodeSet(Aggregate):
    """A campaign's codes: their limits and window, and how many were generated and how
    many hand-picked (``picked``)."""

    id: str
    campaign_id: str
    limits: CodeLimits
    created_at: datetime
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    generated: int = 0
    picked: int = 0

    @classmethod
    def create(
        cls,
        code_set_id: str,
        campaign: Campaign,
        actor: MerchantId,
        limits: CodeLimits,
        at: datetime,
        *,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> CodeSet:
        """The codes of ``campaign`` (a coupon campaign), made by its owner or the
        platform (:class:`NotYourCampaign`)."""
        require_text(code_set_id, "code set id")
        require_aware(at, "time of the command")
        check_maker(campaign, actor, code_set_id)
        if not isinstance(limits, CodeLimits):
            raise InvalidCodeSet(f"code set {code_set_id!r}: limits must be CodeLimits")
        _optional_aware(starts_at, "starts_at")
        _optional_aware(ends_at, "ends_at")
        if starts_at is not None and ends_at is not None and ends_at <= starts_at:
            raise InvalidCodeSet(f"code set {code_set_id!r}: ends_at {ends_at} <= {starts_at}")
        code_set = cls(
            id=code_set_id,
            campaign_id=campaign.id,
            limits=limits,
            created_at=at,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        code_set.record(CodeSetCreated(code_set_id, campaign.id, at))
        return code_set

    def refusal(
        self, code: VoucherCode, customer_use: CodeSetUse | None, at: datetime
    ) -> MerxError | None:
        """Why ``code`` may not be used once more at ``at`` by the customer whose uses of
        this set are ``customer_use`` (``None``: none yet, or no once-per-customer limit),
        or ``None`` if it may: outside the window (:class:`VoucherCodeNotYetValid`,
        :class:`VoucherCodeExpired`), then :meth:`limit_refusal`."""
        require_aware(at, "time of the redemption")
        shown = display_code(code.id)
        if self.starts_at is not None and at < self.starts_at:
            return VoucherCodeNotYetValid(f"code {shown} is valid from {self.starts_at}, not {at}")
        if self.ends_at is not None and at >= self.ends_at:
            return VoucherCodeExpired(f"code {shown} expired at {self.ends_at}")
        return self.limit_refusal(code, customer_use)

    def limit_refusal(self, code: VoucherCode, customer_use: CodeSetUse | None) -> MerxError | None:
        """Why one more use of ``code`` would break the set's limits
        (:class:`VoucherCodeUsedUp`, :class:`VoucherCodeAlreadyUsed`), or ``None``."""
        assert code.code_set_id == self.id, f"{code.id} is not of {self.id}"
        uses = self.limits.uses_per_code
        if uses is not None and code.used >= uses:
            return VoucherCodeUsedUp(
                f"code {display_code(code.id)} was used {code.used} time(s), its set allows {uses}"
            )
        if self.limits.once_per_customer and customer_use is not None and customer_use.used:
            return VoucherCodeAlreadyUsed(
                f"customer {customer_use.customer_id!r} already used a code of {self.id!r}"
            )
        return None

    def check_use(self, code: VoucherCode, customer_use: CodeSetUse | None, at: datetime) -> None:
        """Raise :meth:`refusal`, if any."""
        refused = self.refusal(code, customer_use, at)
        if refused is not None:
            raise refused

    def check_limits(self, code: VoucherCode, customer_use: CodeSetUse | None) -> None:
        """Raise :meth:`limit_refusal`, if any."""
        refused = self.limit_refusal(code, customer_use)
        if refused is not None:
            raise refused

    def generate(
        self,
        campaign: Campaign,
        actor: MerchantId,
        draw: Callable[[int], int],
        count: int,
        at: datetime,
    ) -> list[str]:
        """``count`` fresh codes drawn by ``actor`` (see :func:`check_maker`), distinct
        among themselves (the caller makes sure no other set holds them), counted in
        ``generated``."""
        require_aware(at, "time of the command")
        assert campaign.id == self.campaign_id, f"{campaign.id} is not the campaign of {self.id}"
        check_maker(campaign, actor, self.id)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidCodeSet(f"code set {self.id!r}: count must be >= 1, got {count!r}")
        if count > MAX_CODES_PER_BATCH:
            raise InvalidCodeSet(
                f"code set {self.id!r}: at most {MAX_CODES_PER_BATCH} codes at a time, got {count}"
            )
        codes: dict[str, None] = {}
        while len(codes) < count:
            codes[make_code(draw)] = None
        self.generated += count
        self.record(VoucherCodesGenerated(self.id, count, at))
        return list(codes)

    def add_picked(
        self, campaign: Campaign, actor: MerchantId, texts: Sequence[str], at: datetime
    ) -> list[str]:
        """The hand-picked codes ``texts`` (:func:`picked_code`), added by ``actor`` (see
        :func:`check_maker`), normalized and counted in ``picked``; one given twice (in
        any case) is :class:`VoucherCodeTaken` (the caller makes sure no set holds
        them)."""
        require_aware(at, "time of the command")
        assert campaign.id == self.campaign_id, f"{campaign.id} is not the campaign of {self.id}"
        check_maker(campaign, actor, self.id)
        if isinstance(texts, str) or not texts or len(texts) > MAX_CODES_PER_BATCH:
            raise InvalidCodeSet(
                f"code set {self.id!r}: 1 to {MAX_CODES_PER_BATCH} codes at a time, got {texts!r}"
            )
        codes: dict[str, None] = {}
        for text in texts:
            code = picked_code(text)
            if code in codes:
                raise VoucherCodeTaken(code, f"code {code} is given twice ({text!r})")
            codes[code] = None
        self.picked += len(codes)
        self.record(VoucherCodesAdded(self.id, tuple(codes), at))
        return list(codes)


@attrs.define(kw_only=True)
class VoucherCode(Aggregate):
    """One code (``id``, normalized) of a set, and its live uses."""

    id: str
    code_set_id: str
    used: int = 0

    def use(self, code_set: CodeSet, customer_id: str, into: str) -> None:
        """Count one use (checked by :meth:`CodeSet.check_use`): the code gave the wallet
        coupon ``into``, or the order ``into`` holds it."""
        self.used += 1
        uses = code_set.limits.uses_per_code
        assert uses is None or self.used <= uses, f"{self.id} used {self.used} > {uses} times"
        self.record(VoucherCodeUsed(self.id, self.code_set_id, customer_id, into))

    def give_back(self, customer_id: str, order_id: str) -> None:
        """The order ``order_id`` holding the code was cancelled: one use less."""
        assert self.used > 0, f"{self.id}: nothing to give back"
        self.used -= 1
        self.record(VoucherCodeGivenBack(self.id, self.code_set_id, customer_id, order_id))


def code_set_use_id(code_set_id: str, customer_id: str) -> str:
    return f"{code_set_id}/{customer_id}"


@attrs.define(kw_only=True)
class CodeSetUse(Aggregate):
    """One customer's live uses of a once-per-customer code set, keyed
    :func:`code_set_use_id`."""

    id: str
    code_set_id: str
    customer_id: str
    used: int = 0

    @classmethod
    def start(cls, code_set_id: str, customer_id: str) -> CodeSetUse:
        return cls(
            id=code_set_use_id(code_set_id, customer_id),
            code_set_id=code_set_id,
            customer_id=customer_id,
        )


@attrs.frozen
class VoucherHold:
    """An order's hold on one code: ``reserved -> consumed | released``
    (:data:`~merx.promotions.budgets.RESERVATION_FLOW`)."""

    code: str
    code_set_id: str
    campaign_id: str
    state: ReservationState = ReservationState.RESERVED


#: The state a command leaves a hold in: asking again is a replay, not an error.
_DONE: Final = {"consume": ReservationState.CONSUMED, "release": ReservationState.RELEASED}


@attrs.define(kw_only=True)
class VoucherUsage(Aggregate):
    """The codes one order holds, by code (``id`` is the order id)."""

    id: str
    customer_id: str
    holds: dict[str, VoucherHold] = flat_field(dict)

    def hold(self, hold: VoucherHold) -> None:
        assert hold.code not in self.holds, f"{self.id} holds {hold.code} already"
        self.holds[hold.code] = hold

    def check_move(self, code: str, command: str) -> VoucherHold | None:
        """The hold ``command`` (``consume``/``release``) would move, ``None`` if it was
        moved there already (a replay)."""
        held = self.holds[code]
        if held.state is _DONE[command]:
            return None
        RESERVATION_FLOW.target(held.state, command)
        return held

    def move(self, code: str, command: str) -> None:
        held = self.holds[code]
        self.holds[code] = attrs.evolve(held, state=RESERVATION_FLOW.target(held.state, command))


@attrs.define(kw_only=True)
class CheckoutCodes(Aggregate):
    """The codes a customer entered at checkout, in the order entered (``id`` is the
    customer id)."""

    id: str
    codes: list[str] = flat_field(list)

    def enter(self, code: str) -> bool:
        """Keep ``code`` (normalized) for the customer's next quotes; ``False`` if it was
        there already."""
        if code in self.codes:
            return False
        if len(self.codes) >= MAX_CODES_AT_CHECKOUT:
            raise TooManyVoucherCodes(
                f"the checkout of {self.id!r} holds {len(self.codes)} codes already"
            )
        self.codes.append(code)
        self.record(VoucherCodeEntered(self.id, code))
        return True

    def remove(self, code: str) -> None:
        if code not in self.codes:
            raise UnknownVoucherCode(
                f"code {display_code(code)} is not entered at the checkout of {self.id!r}"
            )
        self.codes.remove(code)
        self.record(VoucherCodeRemoved(self.id, code))
