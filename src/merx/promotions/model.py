"""Promotion definitions, the cart a quote prices, and the quote itself.

Every type here is a frozen value object checked when it is built: a malformed definition
raises an :class:`~merx.promotions.errors.InvalidPromotion` before anything is priced. A
promotion definition carries no life-cycle state (budget, status), so a life-cycle
aggregate can hold one as its ``definition`` and hand it to :func:`merx.promotions.quote`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Final, Literal, TypeAlias

import attrs

from merx.kernel.ids import PLATFORM
from merx.kernel.money import Money
from merx.promotions.errors import (
    InvalidCart,
    InvalidLineQuantity,
    InvalidPromotion,
    PromotionCurrencyMismatch,
)

Level: TypeAlias = Literal["item", "store", "platform", "payment"]
CouponLevel: TypeAlias = Literal["store", "platform"]

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
]


# -- checks shared by the definitions ----------------------------------------------------


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _non_negative(owner: str, name: str, amount: Money | None) -> None:
    if amount is not None and amount.is_negative():
        raise InvalidPromotion(f"{owner}: {name} must not be negative, got {amount}")


def _check_percent(owner: str, percent_off: Decimal) -> None:
    if not isinstance(percent_off, Decimal) or not percent_off.is_finite():
        raise InvalidPromotion(
            f"{owner}: percent_off must be a finite Decimal, got {percent_off!r}"
        )
    if not Decimal(0) < percent_off <= Decimal(100):
        raise InvalidPromotion(f"{owner}: percent_off must be in (0, 100], got {percent_off}")


def _check_count(owner: str, name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidPromotion(
            f"{owner}: {name} must be a whole number >= {minimum}, got {value!r}"
        )


# -- building blocks ---------------------------------------------------------------------


@attrs.frozen
class Scope:
    """Which cart lines a promotion may touch; an omitted key (``None``) matches all."""

    skus: tuple[str, ...] | None = None
    merchants: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None

    def matches(self, line: CartLine) -> bool:
        """True when the line matches every given key."""
        return (
            (self.skus is None or line.sku in self.skus)
            and (self.merchants is None or line.merchant in self.merchants)
            and (self.categories is None or line.category in self.categories)
        )


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
class Tier:
    """A full-reduction step: ``off`` once the base reaches ``min_amount``."""

    min_amount: Money
    off: Money

    def __attrs_post_init__(self) -> None:
        _non_negative("tier", "min_amount", self.min_amount)
        _non_negative("tier", "off", self.off)
        if self.min_amount.currency != self.off.currency:
            raise PromotionCurrencyMismatch(f"tier mixes {self.min_amount} and {self.off}")


@attrs.frozen
class PercentTier:
    """A full-discount step: ``percent_off`` once the base reaches an amount or a quantity."""

    percent_off: Decimal
    min_amount: Money | None = None
    min_quantity: int | None = None

    def __attrs_post_init__(self) -> None:
        _check_percent("percent tier", self.percent_off)
        if (self.min_amount is None) == (self.min_quantity is None):
            raise InvalidPromotion(
                "percent tier needs exactly one of min_amount and min_quantity, "
                f"got {self.min_amount} and {self.min_quantity}"
            )
        _non_negative("percent tier", "min_amount", self.min_amount)
        if self.min_quantity is not None:
            _check_count("percent tier", "min_quantity", self.min_quantity, 0)


@attrs.frozen
class BundleItem:
    """``quantity`` units of ``sku`` in one bundle set."""

    sku: str
    quantity: int

    def __attrs_post_init__(self) -> None:
        _check_count(f"bundle item {self.sku!r}", "quantity", self.quantity, 1)


@attrs.frozen
class GiftItem:
    """A free article: granted by a gift promotion, listed in a quote's gifts."""

    sku: str
    quantity: int

    def __attrs_post_init__(self) -> None:
        _check_count(f"gift {self.sku!r}", "quantity", self.quantity, 1)


# -- promotion definitions ---------------------------------------------------------------


@attrs.frozen(kw_only=True)
class PromotionTerms:
    """What every promotion kind shares: identity, scope, choice and funding terms."""

    kind: ClassVar[str]

    id: str
    scope: Scope = Scope()
    group: str | None = None
    excludes: tuple[str, ...] = ()
    priority: int = 0
    funded_by: tuple[FundingShare, ...] | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    #: derived from the amounts once (read on every quote)
    _currency: str | None = attrs.field(init=False, default=None, eq=False, repr=False)
    #: the quote engine's cart-independent view of these terms, made on the first quote
    _prepared: object = attrs.field(init=False, default=None, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InvalidPromotion(f"a promotion id must be a non-empty string, got {self.id!r}")
        if self.id in self.excludes:
            raise InvalidPromotion(f"{self.id}: a promotion cannot exclude itself")
        if not _whole(self.priority):
            raise InvalidPromotion(f"{self.id}: priority must be an integer, got {self.priority!r}")
        if self.funded_by is not None:
            parties = [share.party for share in self.funded_by]
            if not parties or len(set(parties)) != len(parties):
                raise InvalidPromotion(
                    f"{self.id}: funded_by needs distinct parties, got {parties}"
                )
            if not any(share.share > 0 for share in self.funded_by):
                raise InvalidPromotion(f"{self.id}: funded_by shares are all zero")
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

    def _check(self) -> None:
        """Kind-specific checks."""

    def amounts(self) -> Iterator[Money]:
        """Every amount in the definition (for the one-currency check)."""
        return iter(())

    @property
    def currency(self) -> str | None:
        """The definition's currency, or ``None`` when it holds no amount."""
        return self._currency

    @property
    def level(self) -> Level:
        raise NotImplementedError  # pragma: no cover - every kind overrides it

    @property
    def store(self) -> str | None:
        """The merchant of a store-level promotion."""
        return None

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


@attrs.frozen(kw_only=True)
class DirectReduction(PromotionTerms):
    """Single-product direct reduction: ``off`` each unit, or sell each unit at ``price``."""

    kind: ClassVar[str] = "direct"
    off: Money | None = None
    price: Money | None = None

    def _check(self) -> None:
        if (self.off is None) == (self.price is None):
            raise InvalidPromotion(f"{self.id}: a direct reduction needs exactly one of off, price")
        _non_negative(self.id, "off", self.off)
        _non_negative(self.id, "price", self.price)

    def amounts(self) -> Iterator[Money]:
        return (money for money in (self.off, self.price) if money is not None)

    @property
    def level(self) -> Level:
        return "item"

    def unit_price_after(self, unit_price: Money) -> Money:
        """The price of one unit under this reduction (never above ``unit_price``)."""
        if self.off is not None:
            return (unit_price - self.off).max(Money.zero(unit_price.currency))
        assert self.price is not None
        return unit_price.min(self.price)


@attrs.frozen(kw_only=True)
class Bundle(PromotionTerms):
    """A set of items sold together at ``price`` per whole set."""

    kind: ClassVar[str] = "bundle"
    items: tuple[BundleItem, ...]
    price: Money

    def _check(self) -> None:
        skus = [item.sku for item in self.items]
        if not skus or len(set(skus)) != len(skus):
            raise InvalidPromotion(f"{self.id}: a bundle needs distinct items, got {skus}")
        _non_negative(self.id, "price", self.price)

    def amounts(self) -> Iterator[Money]:
        return iter((self.price,))

    @property
    def level(self) -> Level:
        return "item"


@attrs.frozen(kw_only=True)
class ThresholdOff(PromotionTerms):
    """Full reduction: the highest tier the base reaches, or ``off`` per whole ``min_amount``."""

    kind: ClassVar[str] = "threshold_off"
    merchant: str | None = None
    tiers: tuple[Tier, ...]
    repeat: bool = False
    cap: Money | None = None

    def _check(self) -> None:
        minimums = [tier.min_amount for tier in self.tiers]
        if not minimums or len(set(minimums)) != len(minimums):
            raise InvalidPromotion(f"{self.id}: tiers need distinct minimums, got {minimums}")
        if self.repeat and (len(self.tiers) != 1 or not self.tiers[0].min_amount.is_positive()):
            raise InvalidPromotion(f"{self.id}: repeat needs exactly one tier with a minimum > 0")
        _non_negative(self.id, "cap", self.cap)

    def amounts(self) -> Iterator[Money]:
        for tier in self.tiers:
            yield tier.min_amount
            yield tier.off
        if self.cap is not None:
            yield self.cap

    @property
    def level(self) -> Level:
        return "store" if self.merchant is not None else "platform"

    @property
    def store(self) -> str | None:
        return self.merchant


@attrs.frozen(kw_only=True)
class ThresholdPercent(PromotionTerms):
    """Full discount: ``percent_off`` of the base at the highest tier reached."""

    kind: ClassVar[str] = "threshold_percent"
    merchant: str | None = None
    tiers: tuple[PercentTier, ...]

    def _check(self) -> None:
        by_amount = [tier.min_amount for tier in self.tiers if tier.min_amount is not None]
        by_quantity = [tier.min_quantity for tier in self.tiers if tier.min_quantity is not None]
        if not self.tiers or (by_amount and by_quantity):
            raise InvalidPromotion(f"{self.id}: tiers must all use min_amount or all min_quantity")
        minimums: list[object] = [*by_amount, *by_quantity]
        if len(set(minimums)) != len(minimums):
            raise InvalidPromotion(f"{self.id}: tiers need distinct minimums, got {minimums}")

    def amounts(self) -> Iterator[Money]:
        return (tier.min_amount for tier in self.tiers if tier.min_amount is not None)

    @property
    def by_quantity(self) -> bool:
        return self.tiers[0].min_quantity is not None

    @property
    def level(self) -> Level:
        return "store" if self.merchant is not None else "platform"

    @property
    def store(self) -> str | None:
        return self.merchant


@attrs.frozen(kw_only=True)
class GiftPromotion(PromotionTerms):
    """A free article once the base reaches ``min_amount``; no money changes."""

    kind: ClassVar[str] = "gift"
    merchant: str | None = None
    min_amount: Money
    gift: GiftItem

    def _check(self) -> None:
        _non_negative(self.id, "min_amount", self.min_amount)

    def amounts(self) -> Iterator[Money]:
        return iter((self.min_amount,))

    @property
    def level(self) -> Level:
        return "store" if self.merchant is not None else "platform"

    @property
    def store(self) -> str | None:
        return self.merchant


@attrs.frozen(kw_only=True)
class Coupon(PromotionTerms):
    """A coupon the customer holds: ``off`` (from ``min_amount``) or ``percent_off`` up to
    ``max_off``; at store level for ``merchant``, or at platform level."""

    kind: ClassVar[str] = "coupon"
    level_name: CouponLevel | None = attrs.field(default=None, alias="level")
    merchant: str | None = None
    off: Money | None = None
    percent_off: Decimal | None = None
    max_off: Money | None = None
    min_amount: Money | None = None
    new_user_only: bool = False

    def _check(self) -> None:
        if (self.off is None) == (self.percent_off is None):
            raise InvalidPromotion(f"{self.id}: a coupon needs exactly one of off, percent_off")
        if self.percent_off is not None:
            _check_percent(self.id, self.percent_off)
        elif self.max_off is not None:
            raise InvalidPromotion(f"{self.id}: max_off only goes with percent_off")
        if self.level_name == "store" and self.merchant is None:
            raise InvalidPromotion(f"{self.id}: a store coupon needs a merchant")
        if self.level_name == "platform" and self.merchant is not None:
            raise InvalidPromotion(f"{self.id}: a platform coupon has no merchant")
        for name, amount in (("off", self.off), ("max_off", self.max_off)):
            _non_negative(self.id, name, amount)
        _non_negative(self.id, "min_amount", self.min_amount)
        if not isinstance(self.new_user_only, bool):
            raise InvalidPromotion(f"{self.id}: new_user_only must be a bool")

    def amounts(self) -> Iterator[Money]:
        return (m for m in (self.off, self.max_off, self.min_amount) if m is not None)

    @property
    def level(self) -> Level:
        return "store" if self.merchant is not None else "platform"

    @property
    def store(self) -> str | None:
        return self.merchant


@attrs.frozen(kw_only=True)
class PaymentOff(PromotionTerms):
    """Payment instant reduction: ``off`` from ``min_amount`` when paying by ``payment_method``."""

    kind: ClassVar[str] = "payment_off"
    payment_method: str
    off: Money
    min_amount: Money | None = None

    def _check(self) -> None:
        if not isinstance(self.payment_method, str) or not self.payment_method:
            raise InvalidPromotion(f"{self.id}: payment_method must be a non-empty string")
        _non_negative(self.id, "off", self.off)
        _non_negative(self.id, "min_amount", self.min_amount)

    def amounts(self) -> Iterator[Money]:
        return (m for m in (self.off, self.min_amount) if m is not None)

    @property
    def level(self) -> Level:
        return "payment"


Promotion: TypeAlias = (
    DirectReduction | Bundle | ThresholdOff | ThresholdPercent | GiftPromotion | Coupon | PaymentOff
)

#: kind name -> definition class (the ``kind`` field of the pricing spec).
PROMOTION_KINDS: dict[str, type[Promotion]] = {
    cls.kind: cls
    for cls in (
        DirectReduction,
        Bundle,
        ThresholdOff,
        ThresholdPercent,
        GiftPromotion,
        Coupon,
        PaymentOff,
    )
}


# -- the cart and the customer -----------------------------------------------------------


@attrs.frozen
class CartLine:
    """One SKU in the cart: ``quantity`` units at ``unit_price``."""

    sku: str
    merchant: str
    category: str
    unit_price: Money
    quantity: int

    def __attrs_post_init__(self) -> None:
        if not _whole(self.quantity) or self.quantity < 1:
            raise InvalidLineQuantity(
                f"line {self.sku!r}: quantity must be a whole number >= 1, got {self.quantity!r}"
            )
        if not isinstance(self.unit_price, Money) or self.unit_price.is_negative():
            raise InvalidCart(f"line {self.sku!r}: unit_price must be Money >= 0")
        for name in ("sku", "merchant", "category"):
            if not isinstance(getattr(self, name), str):
                raise InvalidCart(f"line {self.sku!r}: {name} must be a string")

    @property
    def amount(self) -> Money:
        """List amount: ``unit_price * quantity``."""
        return self.unit_price * self.quantity


@attrs.frozen
class Customer:
    """The facts about the customer that pricing looks at."""

    id: str
    new_user: bool = False

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.new_user, bool):
            raise InvalidCart(f"customer {self.id!r}: new_user must be a bool")


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

    def __attrs_post_init__(self) -> None:
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
        if not _whole(units) or not _whole(after) or units < 0 or after < 0:
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
class Quote:
    """The priced cart: what is payable, what each promotion took and who pays for it."""

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

    def __attrs_post_init__(self) -> None:
        # on the Decimal amounts, like QuoteLine's check (every quote runs it)
        total = sum([line.amount.amount for line in self.lines], _NOTHING)
        assert total == self.payable.amount, f"payable {self.payable} != sum of lines {total}"
        funded = sum([funding.amount.amount for funding in self.cost], _NOTHING)
        assert funded == self.discount.amount, f"cost {funded} != discount {self.discount}"
        currencies = {self.payable.currency, self.discount.currency}
        currencies.update(line.amount.currency for line in self.lines)
        currencies.update(funding.amount.currency for funding in self.cost)
        assert currencies == {self.currency}, f"a quote in {self.currency} holds {currencies}"

    def line(self, sku: str) -> QuoteLine:
        """The priced line of ``sku``."""
        for line in self.lines:
            if line.sku == sku:
                return line
        raise KeyError(sku)
