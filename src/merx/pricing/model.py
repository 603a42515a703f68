"""Pricing values: promotion definitions' common base, the rules the engine prices, the
cart a quote prices and the quote itself.

Every value here is frozen and checked when it is built: a malformed definition raises an
:class:`~merx.pricing.errors.InvalidPromotion` before anything is priced. A definition
carries no life-cycle state (budget, status), so a campaign can hold one as its
``definition`` and hand it to :func:`merx.pricing.quote`.

Each promotion kind is a subclass of :class:`Promotion` in a module of its own under
``merx.pricing.kinds``; :meth:`Promotion.rule` gives the engine the kind's terms in minor
units as one of three rules (:class:`UnitPriceRule`, :class:`UnitGroupRule`,
:class:`BaseRule`), which is all the engine knows of a kind.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Final, Literal, NamedTuple, Protocol, TypeAlias, TypeVar

import attrs

from merx.kernel.ids import PLATFORM
from merx.kernel.money import Money
from merx.pricing.errors import (
    InvalidCart,
    InvalidLineQuantity,
    InvalidPromotion,
    PromotionCurrencyMismatch,
    UnknownRange,
)

Level: TypeAlias = Literal["item", "store", "platform", "payment"]

#: Why a candidate promotion gave nothing (machine-readable codes of :class:`Rejection`).
RejectionCode: TypeAlias = Literal[
    "not_in_force",  # outside its starts_at/ends_at window
    "payment_method",  # payment_off for another payment method
    "new_user_only",  # coupon for new users, customer is not one
    "not_chosen",  # left out of the best selection (it conflicts with a chosen one)
    "no_eligible_lines",  # no cart line matches its scope/merchant/skus
    "threshold_not_reached",  # its lowest minimum is above its base
    "no_whole_set",  # bundle: the cart does not hold one whole set
    "outbid",  # direct: another direct gives a lower price on every line
    "no_discount",  # reached, but the discount came to zero
    "usage_cap",  # the customer's or everyone's uses reached its per_customer/global limit
    "no_freight",  # free shipping / freight coupon: no positive fee of its sellers to take
    # a voucher code entered at checkout that can no longer be used (never given by the
    # engine: merx.promotions adds them to a checkout's quote, see docs/promotions.md)
    "code_not_yet_valid",  # its set's window (or its campaign) has not opened
    "code_expired",  # its set's window closed, or its campaign is over
    "code_used_up",  # used as many times as its set allows
    "code_already_used",  # the customer used a code of its once-per-customer set
    "code_out_of_stock",  # every coupon of its campaign's stock is taken
    "code_out_of_budget",  # its campaign's budget or uses are all held
    # its campaign's audience decision leaves the customer out (never given by the engine:
    # the checkout leaves the promotion out and adds the rejection, see docs/promotions.md)
    "audience",
]

#: Whether prices contain tax (``inclusive``) or tax is added on top (``exclusive``).
TaxMode: TypeAlias = Literal["inclusive", "exclusive"]

V = TypeVar("V")


# -- checks the definitions share --------------------------------------------------------


def is_whole(value: object) -> bool:
    """An ``int`` that is not a ``bool``."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_non_negative(owner: str, name: str, amount: Money | None) -> None:
    if amount is not None and amount.is_negative():
        raise InvalidPromotion(f"{owner}: {name} must not be negative, got {amount}")


def check_percent(owner: str, percent_off: Decimal) -> None:
    if not isinstance(percent_off, Decimal) or not percent_off.is_finite():
        raise InvalidPromotion(
            f"{owner}: percent_off must be a finite Decimal, got {percent_off!r}"
        )
    if not Decimal(0) < percent_off <= Decimal(100):
        raise InvalidPromotion(f"{owner}: percent_off must be in (0, 100], got {percent_off}")


def check_count(owner: str, name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidPromotion(
            f"{owner}: {name} must be a whole number >= {minimum}, got {value!r}"
        )


# -- minor-unit arithmetic the rules share -----------------------------------------------


def minor_or_none(money: Money | None) -> int | None:
    return None if money is None else money.minor


def percent_of(base_minor: int, percent: Decimal) -> int:
    """``base * percent / 100`` rounded once, half up, to a whole minor unit (exact
    integer arithmetic on the percent's ratio; both are >= 0)."""
    numerator, denominator = percent.as_integer_ratio()
    return (2 * base_minor * numerator + 100 * denominator) // (200 * denominator)


def last_reached(table: Sequence[tuple[int, V]], measure: int) -> V | None:
    """The value of the last entry whose minimum ``measure`` reaches (a table sorted by
    minimum), ``None`` below the first."""
    reached = None
    for minimum, value in table:
        if measure < minimum:
            break
        reached = value
    return reached


# -- building blocks ---------------------------------------------------------------------


@attrs.frozen
class Range:
    """A reusable product range: a line is in it when it matches any listed include key
    (``skus``, ``categories``, ``brands``: a union) and its SKU is not in ``exclude_skus``.
    Promotions name a range in their scope (``Scope(range=...)``); the quote gets the
    ranges by name."""

    skus: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    exclude_skus: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        for name in ("skus", "categories", "brands", "exclude_skus"):
            values = getattr(self, name)
            if not isinstance(values, tuple) or not all(isinstance(v, str) for v in values):
                raise InvalidPromotion(f"a range's {name} must be strings, got {values!r}")

    def contains(self, line: CartLine) -> bool:
        """True when the line matches an include key and is not excluded."""
        return line.sku not in self.exclude_skus and (
            line.sku in self.skus
            or line.category in self.categories
            or (line.brand is not None and line.brand in self.brands)
        )


@attrs.frozen
class Scope:
    """Which cart lines a promotion may touch; an omitted key (``None``) matches all.
    ``range`` names a :class:`Range` the quote is given; the other keys still apply."""

    skus: tuple[str, ...] | None = None
    merchants: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None
    range: str | None = None

    def matches(self, line: CartLine, ranges: Mapping[str, Range] | None = None) -> bool:
        """True when the line matches every given key (a named range must be in
        ``ranges``: else :class:`~merx.pricing.errors.UnknownRange`)."""
        return (
            (self.skus is None or line.sku in self.skus)
            and (self.merchants is None or line.merchant in self.merchants)
            and (self.categories is None or line.category in self.categories)
            and (self.range is None or self.range_in(ranges).contains(line))
        )

    def range_in(self, ranges: Mapping[str, Range] | None) -> Range:
        """The named range, looked up in ``ranges``."""
        found = None if ranges is None or self.range is None else ranges.get(self.range)
        if found is None:
            raise UnknownRange(f"scope names range {self.range!r}, which the quote lacks")
        return found


@attrs.frozen
class FundingShare:
    """One party's share of a promotion's cost (shares are relative weights)."""

    party: str
    share: Decimal

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.share, Decimal) or not self.share.is_finite() or self.share < 0:
            raise InvalidPromotion(
                f"funding share of {self.party!r} must be a non-negative Decimal, "
                f"got {self.share!r}"
            )


@attrs.frozen
class GiftItem:
    """A free article: granted by a gift promotion, listed in a quote's gifts."""

    sku: str
    quantity: int

    def __attrs_post_init__(self) -> None:
        check_count(f"gift {self.sku!r}", "quantity", self.quantity, 1)


# -- what the engine prices: rules ---------------------------------------------------------


class Effect(enum.Enum):
    """How a rule's discount reaches the cart. The engine prices each effect one way,
    whatever the kind behind it."""

    #: a lower price per unit on each eligible line; at most one per line (the lowest wins)
    UNIT_PRICE = "unit_price"
    #: groups of units no earlier group took (bundle sets, multibuy groups), item level only
    UNIT_GROUPS = "unit_groups"
    #: a discount on the current amount (the base) of the eligible lines, split over them
    BASE = "base"
    #: takes freight off its sellers (free shipping, a freight coupon); no money on lines
    FREIGHT = "freight"


class UnitPriceRule(Protocol):
    """A kind that sets a lower unit price (a direct reduction)."""

    effect: ClassVar[Effect]

    def unit_price_after(self, unit_price: int) -> int:
        """The unit price (minor units) under this rule, never above ``unit_price``."""
        ...


class Taken(NamedTuple):
    """What a group rule took: its whole discount, each line's part of it and each line's
    units now used (``(line, minor units)`` and ``(line, units)`` pairs)."""

    discount: int
    shares: tuple[tuple[int, int], ...]
    used: tuple[tuple[int, int], ...]


class UnitGroups(Protocol):
    """A group rule bound to one cart: the lines it may group units of."""

    lines: tuple[int, ...]

    def take(self, free: Sequence[int], units: Sequence[int]) -> Taken | RejectionCode:
        """Form groups from the ``free`` units of each line (unit prices ``units``, minor
        units); or say why none was formed."""
        ...


class UnitGroupRule(Protocol):
    """A kind that discounts groups of units (a bundle, a multibuy)."""

    effect: ClassVar[Effect]

    def bind(self, cart: Sequence[CartLine], eligible: Sequence[int]) -> UnitGroups:
        """The rule on ``cart``, given the indexes of the lines its scope matches."""
        ...


class BaseRule(Protocol):
    """A kind that takes a discount from a base: the current amount of its lines."""

    effect: ClassVar[Effect]
    #: the article granted once :meth:`reached`, if the kind grants one
    gift: GiftItem | None

    def discount(self, base: int, quantity: int) -> int:
        """The discount (minor units, rounded once, never above ``base``) on ``base``;
        ``quantity`` is the number of units on the promotion's lines."""
        ...

    def reached(self, base: int, quantity: int) -> bool:
        """Whether ``base`` (or ``quantity``) reaches the lowest tier or minimum."""
        ...

    def upper(self, base: int, quantity: int) -> int:
        """An upper bound of the discount on every base up to ``base``, nondecreasing in
        it (the search prunes with it)."""
        ...

    def hint(self, base: int) -> int | None:
        """How much more base reaches the next amount tier (``None``: no such tier)."""
        ...


class FreightWaiverRule(Protocol):
    """A kind that takes freight off the sellers of its eligible lines once their goods
    (after the platform level) reach ``min_amount``: all of it (``off`` is ``None``) or up
    to ``off`` (minor units)."""

    effect: ClassVar[Effect]
    min_amount: int
    off: int | None


Rule: TypeAlias = UnitPriceRule | UnitGroupRule | BaseRule | FreightWaiverRule


# -- promotion definitions ---------------------------------------------------------------


@attrs.frozen(kw_only=True, cache_hash=True)
class Promotion:
    """What every promotion kind shares: identity, scope, choice and funding terms.

    A kind is a subclass naming its ``kind`` and ``stage``, with :attr:`level` and
    :meth:`rule`; see ``merx.pricing.kinds``.
    """

    #: the kind's name in JSON (the pricing spec's ``kind``)
    kind: ClassVar[str]
    #: where in its level the kind runs: 0 unit prices, 1 bundles, 2 the others, 3 coupons
    stage: ClassVar[int] = 2
    #: a coupon: held in a wallet, optional in a selection, counted by the choice rule
    coupon: ClassVar[bool] = False

    id: str
    scope: Scope = Scope()
    group: str | None = None
    excludes: tuple[str, ...] = ()
    priority: int = 0
    funded_by: tuple[FundingShare, ...] | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    #: usage caps: uses per customer, uses by everyone (``None``: unlimited); the counts
    #: come with the quote (``Customer.used``, ``usage``)
    per_customer_limit: int | None = None
    global_limit: int | None = None
    #: derived from the amounts once (read on every quote)
    _currency: str | None = attrs.field(init=False, default=None, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InvalidPromotion(f"a promotion id must be a non-empty string, got {self.id!r}")
        if self.id in self.excludes:
            raise InvalidPromotion(f"{self.id}: a promotion cannot exclude itself")
        if not is_whole(self.priority):
            raise InvalidPromotion(f"{self.id}: priority must be an integer, got {self.priority!r}")
        if self.funded_by is not None:
            parties = [share.party for share in self.funded_by]
            if not parties or len(set(parties)) != len(parties):
                raise InvalidPromotion(
                    f"{self.id}: funded_by needs distinct parties, got {parties}"
                )
            if not any(share.share > 0 for share in self.funded_by):
                raise InvalidPromotion(f"{self.id}: funded_by shares are all zero")
        for name in ("per_customer_limit", "global_limit"):
            if getattr(self, name) is not None:
                check_count(self.id, name, getattr(self, name), 1)
        for name, instant in (("starts_at", self.starts_at), ("ends_at", self.ends_at)):
            if instant is not None and instant.utcoffset() is None:
                raise InvalidPromotion(f"{self.id}: {name} {instant.isoformat()} has no timezone")
        if (
            self.starts_at is not None
            and self.ends_at is not None
            and self.starts_at >= self.ends_at
        ):
            raise InvalidPromotion(
                f"{self.id}: starts_at {self.starts_at} is not before ends_at {self.ends_at}"
            )
        self._check()
        currencies = {money.currency for money in self.amounts()}
        if len(currencies) > 1:
            raise PromotionCurrencyMismatch(f"{self.id}: amounts in {sorted(currencies)}")
        object.__setattr__(self, "_currency", next(iter(currencies), None))

    # -- what a kind defines ---------------------------------------------------------

    def _check(self) -> None:
        """Kind-specific checks."""

    def amounts(self) -> Iterator[Money]:
        """Every amount in the definition (for the one-currency check)."""
        return iter(())

    @property
    def level(self) -> Level:
        raise NotImplementedError  # pragma: no cover - every kind overrides it

    @property
    def store(self) -> str | None:
        """The merchant of a store-level promotion."""
        return None

    def rule(self) -> Rule:
        """The kind's terms in minor units, as the engine prices them (made once per
        definition and kept by the engine)."""
        raise NotImplementedError  # pragma: no cover - every kind overrides it

    def rejection_for(
        self, customer: Customer, payment_method: str | None
    ) -> tuple[RejectionCode, str] | None:
        """Why this customer, paying so, cannot have the promotion at all (``None``: it is
        a candidate)."""
        return None

    def slot(self) -> tuple[str, ...] | None:
        """Promotions of one slot conflict (a coupon per store, one per platform)."""
        return None

    def capped(self, customer: Customer, usage: Mapping[str, int]) -> str | None:
        """Which usage cap the counts reach (``None``: neither)."""
        used = customer.used.get(self.id, 0)
        if self.per_customer_limit is not None and used >= self.per_customer_limit:
            return f"used {used} of {self.per_customer_limit} times by this customer"
        everyone = usage.get(self.id, 0)
        if self.global_limit is not None and everyone >= self.global_limit:
            return f"used {everyone} of {self.global_limit} times in all"
        return None

    # -- shared ----------------------------------------------------------------------

    @property
    def currency(self) -> str | None:
        """The definition's currency, or ``None`` when it holds no amount."""
        return self._currency

    def in_force(self, at: datetime) -> bool:
        """``starts_at <= at < ends_at`` (an omitted bound is open)."""
        return (self.starts_at is None or self.starts_at <= at) and (
            self.ends_at is None or at < self.ends_at
        )

    def funders(self) -> tuple[FundingShare, ...]:
        """``funded_by``, or the default: the merchant at store level, else the platform."""
        if self.funded_by is not None:
            return self.funded_by
        return (FundingShare(self.store or PLATFORM, Decimal(1)),)


@attrs.frozen(kw_only=True, cache_hash=True)
class MerchantPromotion(Promotion):
    """A kind a merchant may run for its own store: store level when ``merchant`` is set,
    platform level otherwise."""

    merchant: str | None = None

    @property
    def level(self) -> Level:
        return "store" if self.merchant is not None else "platform"

    @property
    def store(self) -> str | None:
        return self.merchant


def next_tier(minimums: Iterable[int], base: int) -> int | None:
    """How much more ``base`` reaches the lowest minimum above it (``None``: none is)."""
    above = [minimum for minimum in minimums if minimum > base]
    return min(above) - base if above else None


# -- the cart and the customer -----------------------------------------------------------


def check_tax_rate(owner: str, rate: object) -> None:
    """A tax rate is a finite Decimal, ``0 <= rate < 1``."""
    if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate < 1:
        raise InvalidCart(f"{owner}: tax_rate must be a Decimal in [0, 1), got {rate!r}")


def tax_minor(amount_minor: int, rate: Decimal, mode: TaxMode) -> int:
    """The tax of a line amount (minor units), rounded half up once: inclusive
    ``amount * rate / (1 + rate)``, exclusive ``amount * rate`` (exact integer arithmetic
    on the rate's ratio; both are >= 0)."""
    numerator, denominator = rate.as_integer_ratio()
    if mode == "inclusive":
        denominator += numerator  # rate / (1 + rate) = n / (d + n)
    return (2 * amount_minor * numerator + denominator) // (2 * denominator)


@attrs.frozen
class CartLine:
    """One SKU in the cart: ``quantity`` units at ``unit_price``."""

    sku: str
    merchant: str
    category: str
    unit_price: Money
    quantity: int
    #: for ranges that name brands
    brand: str | None = None
    #: whole grams per unit, for freight by weight
    weight_g: int | None = None
    #: the line's tax rate, ``0 <= rate < 1`` (prices contain it unless the quote is exclusive)
    tax_rate: Decimal = Decimal(0)
    #: cubic centimetres per unit, for freight by volume
    volume_cm3: int | None = None
    #: the warehouse it ships from, for a seller with a freight template per origin
    origin: str | None = None

    def __attrs_post_init__(self) -> None:
        if not is_whole(self.quantity) or self.quantity < 1:
            raise InvalidLineQuantity(
                f"line {self.sku!r}: quantity must be a whole number >= 1, got {self.quantity!r}"
            )
        if not isinstance(self.unit_price, Money) or self.unit_price.is_negative():
            raise InvalidCart(f"line {self.sku!r}: unit_price must be Money >= 0")
        for name in ("sku", "merchant", "category"):
            if not isinstance(getattr(self, name), str):
                raise InvalidCart(f"line {self.sku!r}: {name} must be a string")
        for name in ("brand", "origin"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), str):
                raise InvalidCart(f"line {self.sku!r}: {name} must be a string")
        for name in ("weight_g", "volume_cm3"):
            value = getattr(self, name)
            if value is not None and (not is_whole(value) or value < 0):
                raise InvalidCart(f"line {self.sku!r}: {name} must be a whole number >= 0")
        check_tax_rate(f"line {self.sku!r}", self.tax_rate)

    @property
    def amount(self) -> Money:
        """List amount: ``unit_price * quantity``."""
        return self.unit_price * self.quantity


@attrs.frozen
class Customer:
    """The facts about the customer that pricing looks at."""

    id: str
    new_user: bool = False
    #: promotion id -> times this customer used it (for ``per_customer_limit``)
    used: Mapping[str, int] = attrs.field(factory=dict, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.new_user, bool):
            raise InvalidCart(f"customer {self.id!r}: new_user must be a bool")
        check_usage(f"customer {self.id!r}", self.used)


def check_usage(owner: str, counts: object) -> None:
    """Usage counts: promotion id -> a whole number >= 0."""
    if not isinstance(counts, Mapping) or not all(
        isinstance(key, str) and is_whole(value) and value >= 0 for key, value in counts.items()
    ):
        raise InvalidCart(f"{owner}: usage counts map ids to whole numbers >= 0, got {counts!r}")


# -- the quote ---------------------------------------------------------------------------


@attrs.frozen
class Allocation:
    """The part of one promotion's discount that fell on one line."""

    promotion_id: str
    amount: Money


def _units_share(whole: Money, units: int, quantity: int) -> Money:
    """``whole`` split by unit count with :meth:`Money.allocate`: the first ``units`` of
    ``quantity``. Equals ``whole * units / quantity`` rounded half up, so it only grows
    with ``units`` and the shares of successive unit ranges sum to ``whole``."""
    if units == quantity:
        return whole
    return whole.allocate([units, quantity - units])[0]


_NOTHING: Final = Decimal(0)


@attrs.frozen
class QuoteLine:
    """A cart line after pricing: its final amount and each promotion's part of it."""

    sku: str
    merchant: str
    category: str
    unit_price: Money
    quantity: int
    amount: Money
    allocations: tuple[Allocation, ...] = ()
    #: the line's tax rate and its tax, from ``amount`` (after every discount)
    tax_rate: Decimal = _NOTHING
    tax: Money = attrs.field(
        default=attrs.Factory(lambda line: Money.zero(line.unit_price.currency), takes_self=True)
    )

    def __attrs_post_init__(self) -> None:
        assert self.tax.currency == self.amount.currency
        assert not self.tax.is_negative()
        # on the Decimal amounts (all on the minor unit, well within 28 digits): this runs
        # for every line of every quote
        amount = self.amount
        taken = _NOTHING
        for allocation in self.allocations:
            assert allocation.amount.currency == amount.currency
            taken += allocation.amount.amount
        balanced = amount.amount == self.unit_price.amount * self.quantity - taken
        assert balanced, f"line {self.sku} does not balance"
        assert amount.amount >= 0, f"line {self.sku} below zero"

    @property
    def list_amount(self) -> Money:
        return self.unit_price * self.quantity

    @property
    def discount(self) -> Money:
        return self.list_amount - self.amount

    def _check_units(self, units: int, after: int) -> None:
        if not is_whole(units) or not is_whole(after) or units < 0 or after < 0:
            raise InvalidLineQuantity(f"line {self.sku!r}: units must be whole numbers >= 0")
        if after + units > self.quantity:
            raise InvalidLineQuantity(
                f"line {self.sku!r}: units {after}+{units} exceed quantity {self.quantity}"
            )

    def net_of(self, units: int, *, after: int = 0) -> Money:
        """What the customer paid for ``units`` units, following the first ``after`` ones.

        Refunding a line piece by piece with ``after`` = units already refunded returns
        exactly :attr:`amount` in total.
        """
        self._check_units(units, after)
        return _units_share(self.amount, after + units, self.quantity) - _units_share(
            self.amount, after, self.quantity
        )

    def allocation_of(self, promotion_id: str, units: int, *, after: int = 0) -> Money:
        """The part of ``promotion_id``'s discount on those units (zero if it has none)."""
        self._check_units(units, after)
        whole = Money.sum(
            (a.amount for a in self.allocations if a.promotion_id == promotion_id),
            self.unit_price.currency,
        )
        return _units_share(whole, after + units, self.quantity) - _units_share(
            whole, after, self.quantity
        )


@attrs.frozen
class Funding:
    """The part of a discount one party pays for."""

    party: str
    amount: Money


@attrs.frozen
class AppliedPromotion:
    """A selected promotion that gave a discount or a gift, with who funds it."""

    promotion_id: str
    kind: str
    level: Level
    discount: Money
    funding: tuple[Funding, ...] = ()
    gift: GiftItem | None = None


@attrs.frozen
class Hint:
    """Spend ``amount`` more on the promotion's lines to reach its next tier."""

    promotion_id: str
    amount: Money


@attrs.frozen
class Rejection:
    """Why a candidate promotion gave nothing: a machine-readable ``code`` and a text."""

    promotion_id: str
    code: RejectionCode
    text: str


@attrs.frozen
class SellerFreight:
    """One seller's freight on a quote: ``fee`` is what is charged, after any waiver;
    ``waived`` what a ``free_over``, a free-shipping promotion or a freight coupon took off
    the template's fee, and ``waived_by`` the promotion that did (``None``: the seller's own
    ``free_over``, or nothing waived). ``origin`` is the template's warehouse origin: a
    seller with templates per origin has one ``SellerFreight`` per origin it ships from."""

    seller: str
    fee: Money
    waived_by: str | None = None
    waived: Money | None = None
    origin: str | None = None

    @property
    def template_fee(self) -> Money:
        """The fee the template sets, before any waiver."""
        return self.fee if self.waived is None else self.fee + self.waived


@attrs.frozen
class Quote:
    """The priced cart: what is payable, what each promotion took and who pays for it.

    ``payable`` = the lines' amounts + the freight charged (+ the lines' tax when
    ``tax_mode`` is ``exclusive``); ``discount`` is the goods discount only; ``cost`` also
    holds the freight that promotions waived, so it may exceed ``discount`` by that.
    """

    currency: str
    lines: tuple[QuoteLine, ...]
    payable: Money
    discount: Money
    applied: tuple[str, ...]
    selected: tuple[str, ...]
    promotions: tuple[AppliedPromotion, ...]
    cost: tuple[Funding, ...]
    gifts: tuple[GiftItem, ...]
    hints: tuple[Hint, ...]
    rejections: tuple[Rejection, ...]
    freight: tuple[SellerFreight, ...] = ()
    tax_mode: TaxMode = "inclusive"

    def __attrs_post_init__(self) -> None:
        # on the Decimal amounts, like QuoteLine's check (every quote runs it)
        total = sum([line.amount.amount for line in self.lines], _NOTHING)
        if self.freight:
            total += sum([seller.fee.amount for seller in self.freight], _NOTHING)
        if self.tax_mode == "exclusive":
            total += sum([line.tax.amount for line in self.lines], _NOTHING)
        assert total == self.payable.amount, f"payable {self.payable} != lines+freight {total}"
        funded = sum([funding.amount.amount for funding in self.cost], _NOTHING)
        waived = sum(
            [s.waived.amount for s in self.freight if s.waived_by is not None and s.waived],
            _NOTHING,
        )
        assert funded == self.discount.amount + waived, (
            f"cost {funded} != discount {self.discount} + freight waived {waived}"
        )
        currencies = {self.payable.currency, self.discount.currency}
        currencies.update(line.amount.currency for line in self.lines)
        currencies.update(funding.amount.currency for funding in self.cost)
        assert currencies == {self.currency}, f"a quote in {self.currency} holds {currencies}"

    @property
    def goods(self) -> Money:
        """The lines' amounts after discounts (tax included when prices include it)."""
        return Money.sum((line.amount for line in self.lines), self.currency)

    @property
    def tax(self) -> Money:
        """The sum of the lines' tax (an invoice's tax)."""
        return Money.sum((line.tax for line in self.lines), self.currency)

    @property
    def freight_fee(self) -> Money:
        """The freight charged, every seller together."""
        return Money.sum((seller.fee for seller in self.freight), self.currency)

    def line(self, sku: str) -> QuoteLine:
        """The priced line of ``sku``."""
        for line in self.lines:
            if line.sku == sku:
                return line
        raise KeyError(sku)
