"""Checkout: the cart and the quote (the seed's "trial calculation").

The quote prices the selected cart lines at the SKUs' current prices. It is a pure value:
computing it changes nothing, and the order freezes it at placement.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, TypeVar

import attrs

from merx.catalog import Fulfillment, GoodsType, TaxMode
from merx.checkout.errors import EmptySelection, NotInCart, OrderLimitExceeded
from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import PLATFORM, CartId, CustomerId, MerchantId, SkuId
from merx.kernel.money import Money
from merx.kernel.quantity import require_quantity
from merx.pricing import AppliedPromotion, Funding
from merx.pricing import Quote as PricingQuote

#: the key a split's shares are under: a line's SKU, or a shipment's (seller, origin)
K = TypeVar("K", bound=Hashable)


@attrs.frozen
class OrderLimits:
    """How much one cart line and one order may hold: the bounds on what a customer asks.

    ``units_per_line``: units of one SKU in a cart line or an order line (999 by default).
    ``units_per_order``: units of every line together, in a cart or in what one
    ``PlaceOrder`` places (9,999). ``amount_per_order``: the most one ``PlaceOrder`` may
    charge, in the order's own currency whatever it is (1,000,000.00); a cart line whose
    list price alone is above it is refused when it is added.
    """

    units_per_line: int = 999
    units_per_order: int = 9_999
    amount_per_order: Decimal = Decimal("1000000.00")

    def __attrs_post_init__(self) -> None:
        require_quantity(self.units_per_line, "units_per_line")
        require_quantity(self.units_per_order, "units_per_order")
        amount = self.amount_per_order
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
            raise ValidationError(f"amount_per_order must be a positive Decimal, got {amount!r}")

    def check_units(self, lines: Iterable[tuple[SkuId, int]], what: str) -> None:
        """Raise :class:`OrderLimitExceeded` if a line of ``(sku, units)`` or all of them
        together hold more units than allowed."""
        total = 0
        for sku, quantity in lines:
            if quantity > self.units_per_line:
                raise OrderLimitExceeded(
                    "units_per_line", quantity, self.units_per_line, f"{what}, SKU {sku!r}"
                )
            total += quantity
        if total > self.units_per_order:
            raise OrderLimitExceeded("units_per_order", total, self.units_per_order, what)

    def check_amount(self, amount: Money, what: str) -> None:
        """Raise :class:`OrderLimitExceeded` if ``amount`` is above ``amount_per_order``."""
        if amount.amount > self.amount_per_order:
            raise OrderLimitExceeded("amount_per_order", amount, self.amount_per_order, what)


#: The limits a shop has unless it sets its own (``OrderPolicy.limits``).
DEFAULT_LIMITS = OrderLimits()


@attrs.frozen
class CartItem:
    """A line of the cart; ``merchant`` is its SKU's seller (``None`` in carts stored
    before it was kept), so a quote reads the sellers' freight terms with the SKUs."""

    sku: SkuId
    quantity: int
    selected: bool = True
    merchant: MerchantId | None = None


@attrs.frozen
class CartChanged(DomainEvent):
    """A line of the cart now holds ``quantity`` units (0: it left the cart), selected for
    checkout or not."""

    cart_id: CartId
    sku: SkuId
    quantity: int
    selected: bool = True


@attrs.define(kw_only=True)
class Cart(Aggregate):
    """A customer's cart: SKUs with quantities, each selected for checkout or not."""

    id: CartId
    customer_id: CustomerId
    items: dict[SkuId, CartItem] = attrs.field(factory=dict)

    @classmethod
    def for_customer(cls, customer_id: CustomerId) -> Cart:
        return cls(id=CartId(customer_id), customer_id=customer_id)

    def add(
        self,
        sku: SkuId,
        quantity: int,
        unit_price: Money,
        limits: OrderLimits = DEFAULT_LIMITS,
        merchant: MerchantId | None = None,
    ) -> None:
        """Add ``quantity`` units of ``sku`` (listed at ``unit_price``, sold by
        ``merchant``) to its line, within ``limits``."""
        require_quantity(quantity)
        held = self.items.get(sku)
        total = quantity + (held.quantity if held else 0)
        self._check_limits(sku, total, unit_price, limits)
        self.items[sku] = CartItem(sku, total, True, merchant)
        self.record(CartChanged(self.id, sku, total))

    def set_quantity(
        self,
        sku: SkuId,
        quantity: int,
        unit_price: Money,
        limits: OrderLimits = DEFAULT_LIMITS,
        merchant: MerchantId | None = None,
    ) -> None:
        require_quantity(quantity)
        item = self._item(sku)
        self._check_limits(sku, quantity, unit_price, limits)
        self.items[sku] = attrs.evolve(item, quantity=quantity, merchant=merchant or item.merchant)
        self.record(CartChanged(self.id, sku, quantity))

    def _check_limits(
        self, sku: SkuId, quantity: int, unit_price: Money, limits: OrderLimits
    ) -> None:
        """The cart with ``sku``'s line at ``quantity`` stays within ``limits``: the line,
        every line together, and the line's list price."""
        lines = {item.sku: item.quantity for item in self.items.values()}
        lines[sku] = quantity
        limits.check_units(lines.items(), f"cart {self.id!r}")
        limits.check_amount(unit_price * quantity, f"cart {self.id!r}, SKU {sku!r}")

    def remove(self, sku: SkuId) -> None:
        self._item(sku)
        del self.items[sku]
        self.record(CartChanged(self.id, sku, 0))

    def select(self, sku: SkuId, selected: bool) -> None:
        item = attrs.evolve(self._item(sku), selected=selected)
        self.items[sku] = item
        self.record(CartChanged(self.id, sku, item.quantity, selected))

    def selected(self) -> list[CartItem]:
        chosen = [item for item in self.items.values() if item.selected]
        if not chosen:
            raise EmptySelection(f"cart {self.id!r} has nothing selected")
        return chosen

    def checked_out(self, skus: list[SkuId]) -> None:
        """Remove the lines an order was placed for."""
        for sku in skus:
            if self.items.pop(sku, None) is not None:
                self.record(CartChanged(self.id, sku, 0))

    def _item(self, sku: SkuId) -> CartItem:
        try:
            return self.items[sku]
        except KeyError:
            raise NotInCart(f"SKU {sku!r} is not in cart {self.id!r}") from None


#: The "promotion id" of the points a customer spends (:mod:`merx.points`): a line's
#: discount of its own, funded by the platform (no promotion id starts with "~").
POINTS = "~points"


@attrs.frozen
class LineDiscount:
    """The part of one promotion's discount allocated to a line and funded by ``party``
    (the platform, or a merchant's id)."""

    promotion_id: str
    party: str
    amount: Money


@attrs.frozen
class QuotedLine:
    """One priced line: gross ``amount`` = unit price x quantity, ``net`` after discounts.

    ``discounts`` say which promotion took how much off this line and who funds it; they
    add up to ``discount``. Frozen into the order, they let settlement tell a merchant's
    own discount from a platform subsidy, and a refund take back exactly its share.
    """

    sku: SkuId
    title: str
    merchant: MerchantId
    category: str
    goods_type: GoodsType
    unit_price: Money
    quantity: int
    discount: Money
    fulfillment: Fulfillment = attrs.field(factory=Fulfillment.warehouse)
    face_value: Money | None = None
    discounts: tuple[LineDiscount, ...] = ()
    #: the line's tax rate and its tax, from ``net`` (:meth:`merx.catalog.TaxMode.tax_on`)
    tax_rate: Decimal = Decimal(0)
    tax: Money = attrs.field(
        default=attrs.Factory(lambda self: Money.zero(self.unit_price.currency), takes_self=True)
    )
    #: the warehouse it ships from (its SKU's :attr:`~merx.catalog.Sku.origin`)
    origin: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.discounts:
            total = Money.sum((d.amount for d in self.discounts), self.discount.currency)
            assert total == self.discount, f"{self.sku}: discounts {total} != {self.discount}"
        assert Decimal(0) <= self.tax_rate < 1, f"{self.sku}: tax rate {self.tax_rate}"
        assert not self.tax.is_negative(), f"{self.sku}: tax {self.tax} below zero"

    def unit_taxes(self) -> list[Money]:
        """The line's tax split per unit (largest remainder, ties to the earlier unit):
        what each refunded unit takes back, in order."""
        return self.tax.allocate([1] * self.quantity)

    @functools.cached_property
    def amount(self) -> Money:
        return self.unit_price * self.quantity

    @functools.cached_property
    def net(self) -> Money:
        return self.amount - self.discount

    def funded_by(self, party: str) -> Money:
        """The part of this line's discount ``party`` pays for."""
        return Money.sum(
            (d.amount for d in self.discounts if d.party == party), self.discount.currency
        )

    def discount_by(self, promotion_id: str) -> Money:
        """The part of this line's discount ``promotion_id`` took (:data:`POINTS`: the
        points spent)."""
        return Money.sum(
            (d.amount for d in self.discounts if d.promotion_id == promotion_id),
            self.discount.currency,
        )


@attrs.frozen
class FreightCharge:
    """One shipment's freight: a seller's lines from one warehouse ``origin`` (``None``:
    the seller's template without origin). The template's ``fee`` and the parts of it
    waived by a free-shipping promotion, each with who funds it (``waivers``, as a line's
    discounts are); the customer pays :attr:`charged`. A seller whose ``free_over`` was
    reached has a fee of zero: nobody's cost."""

    seller: MerchantId
    fee: Money
    waivers: tuple[LineDiscount, ...] = ()
    origin: str | None = None

    #: The key a refund of freight is booked under beside the lines' SKUs, and the
    #: freight's line in settlement (no SKU id starts with "~": :class:`merx.catalog.Sku`).
    KEY: ClassVar[SkuId] = SkuId("~freight")

    def __attrs_post_init__(self) -> None:
        assert not self.fee.is_negative(), f"freight of {self.seller}: fee {self.fee} < 0"
        assert self.waived <= self.fee, f"freight of {self.seller}: waived above the fee"

    @property
    def waived(self) -> Money:
        return Money.sum((w.amount for w in self.waivers), self.fee.currency)

    @property
    def charged(self) -> Money:
        return self.fee - self.waived

    @property
    def waived_by(self) -> str | None:
        """The promotion that waived the fee, if one did."""
        return self.waivers[0].promotion_id if self.waivers else None

    def funded_by(self, party: str) -> Money:
        """The part of the waiver ``party`` pays for."""
        return Money.sum((w.amount for w in self.waivers if w.party == party), self.fee.currency)


@attrs.frozen
class Quote:
    """The trial calculation of a checkout: lines, their total, discount and payable.

    ``pricing`` is the engine's full answer (which promotions applied, gifts, "add X
    more" hints, why each other candidate did not apply, each seller's freight and each
    line's tax): the lines, ``freight`` (one charge per shipment: per seller with a freight
    template, and per origin where its templates differ by origin) and the payable are
    taken from it. The payable is the lines' net, plus the freight charged, plus the tax
    when ``tax_mode`` is exclusive (inclusive prices already contain it).
    """

    currency: str
    lines: tuple[QuotedLine, ...]
    pricing: PricingQuote
    freight: tuple[FreightCharge, ...] = ()
    tax_mode: TaxMode = TaxMode.INCLUSIVE
    #: the points the customer chose to spend (:func:`with_points`): their value is each
    #: line's :data:`POINTS` discount
    points: int = 0

    @functools.cached_property
    def points_discount(self) -> Money:
        """What the points spent take off the goods (the quote's points line)."""
        return Money.sum((line.discount_by(POINTS) for line in self.lines), self.currency)

    @functools.cached_property
    def total(self) -> Money:
        return Money.sum((line.amount for line in self.lines), self.currency)

    @functools.cached_property
    def discount(self) -> Money:
        return Money.sum((line.discount for line in self.lines), self.currency)

    @functools.cached_property
    def goods(self) -> Money:
        """The lines' net: what the goods cost after discounts (before freight and any
        tax added on top)."""
        return self.total - self.discount

    @functools.cached_property
    def tax(self) -> Money:
        return Money.sum((line.tax for line in self.lines), self.currency)

    @functools.cached_property
    def freight_charged(self) -> Money:
        return Money.sum((f.charged for f in self.freight), self.currency)

    @functools.cached_property
    def payable(self) -> Money:
        return self.goods + self.freight_charged + self.tax_mode.added(self.tax)

    def freight_of(self, seller: MerchantId, origin: str | None = None) -> FreightCharge | None:
        """The freight charge of ``seller``'s shipment from ``origin``, if it has one."""
        return next((f for f in self.freight if (f.seller, f.origin) == (seller, origin)), None)

    def shipment_origin(self, line: QuotedLine) -> str | None:
        """The origin of the freight charge ``line`` ships under: its own origin when its
        seller has a template for it, else ``None`` (the seller's template without origin,
        or no freight), as the engine groups shipments."""
        own = self.freight_of(line.merchant, line.origin) if line.origin is not None else None
        return None if own is None else line.origin

    def made(self, quote_id: str, customer_id: CustomerId, at: datetime) -> QuoteMade:
        """The event saying this quote was made for ``customer_id`` at ``at``."""
        goods: dict[tuple[MerchantId, str], Money] = defaultdict(lambda: Money.zero(self.currency))
        for line in self.lines:
            goods[line.merchant, line.category] += line.net
        return QuoteMade(
            quote_id,
            customer_id,
            skus=len({line.sku for line in self.lines}),
            payable=self.payable,
            goods=tuple((merchant, category, net) for (merchant, category), net in goods.items()),
            at=at,
        )


@attrs.frozen
class QuoteMade(DomainEvent):
    """A customer was given a quote (the funnel's first step): how many SKUs, the payable,
    and the goods' net per seller and catalog category (``(merchant, category, net)``, in
    the order of the lines); ids, amounts and categories only, nothing personal. Published
    by the app's quote (a read: it goes to in-process subscribers, not to the outbox)."""

    quote_id: str
    customer_id: CustomerId
    skus: int
    payable: Money
    goods: tuple[tuple[MerchantId, str, Money], ...]
    at: datetime


def _split_funding(
    promotion_id: str,
    funding: Sequence[Funding],
    shares: Sequence[tuple[K, Money]],
    into: dict[K, list[LineDiscount]],
) -> None:
    """Allocate every funding party's total across ``shares`` (key, amount) in
    proportion; the last party takes the rest of each share, so a key's parts add up to
    its share and each party's parts to its total, to the cent."""
    remaining = dict(shares)
    parties = [f for f in funding if f.amount.is_positive()]
    for index, paying in enumerate(parties):
        if index == len(parties) - 1:
            parts = [remaining[key] for key, _ in shares]
        else:
            parts = paying.amount.allocate([amount for _, amount in shares])
        for (key, _), part in zip(shares, parts, strict=True):
            remaining[key] -= part
            if part.is_positive():
                into[key].append(LineDiscount(promotion_id, paying.party, part))


def line_discounts(pricing: PricingQuote) -> dict[str, tuple[LineDiscount, ...]]:
    """Each line's discounts by promotion and funding party, from the engine's answer:
    per promotion, its funding split across the lines in proportion to its line
    allocations (:func:`_split_funding`)."""
    by_sku: dict[str, list[LineDiscount]] = {line.sku: [] for line in pricing.lines}
    for applied in pricing.promotions:
        shares = [
            (line.sku, a.amount)
            for line in pricing.lines
            for a in line.allocations
            if a.promotion_id == applied.promotion_id and a.amount.is_positive()
        ]
        if shares:
            _split_funding(applied.promotion_id, applied.funding, shares, by_sku)
    return {sku: tuple(parts) for sku, parts in by_sku.items()}


def freight_charges(pricing: PricingQuote) -> tuple[FreightCharge, ...]:
    """Each seller's freight from the engine's answer (:class:`merx.pricing.SellerFreight`).

    A fee the seller's own ``free_over`` waived is nobody's cost: the charge's fee is what
    is left (zero). A fee a promotion waived keeps the template's fee, and the waiver is
    funded as that promotion's cost says, split across the sellers it waived in proportion
    to the amounts waived (:func:`_split_funding`); a waiver whose promotion names no
    funding is the platform's.
    """
    waived: dict[tuple[str, str | None], list[LineDiscount]] = {
        (f.seller, f.origin): [] for f in pricing.freight
    }
    for promotion_id in dict.fromkeys(f.waived_by for f in pricing.freight if f.waived_by):
        shares = [
            ((f.seller, f.origin), f.waived)
            for f in pricing.freight
            if f.waived_by == promotion_id and f.waived is not None and f.waived.is_positive()
        ]
        applied = next((p for p in pricing.promotions if p.promotion_id == promotion_id), None)
        total = Money.sum((amount for _, amount in shares), pricing.currency)
        funding = _freight_funding(applied, total)
        if shares:
            _split_funding(promotion_id, funding, shares, waived)
    return tuple(
        FreightCharge(
            MerchantId(f.seller),
            f.template_fee if f.waived_by else f.fee,
            tuple(waived[f.seller, f.origin]),
            f.origin,
        )
        for f in pricing.freight
    )


def _freight_funding(applied: AppliedPromotion | None, total: Money) -> Sequence[Funding]:
    """Who funds ``total`` of freight a promotion waived: its funders, in proportion to
    what its cost says they pay (the engine's cost holds the goods discount and the
    freight together), else the platform."""
    if applied is None or not any(f.amount.is_positive() for f in applied.funding):
        return (Funding(PLATFORM, total),)
    parts = total.allocate([f.amount for f in applied.funding])
    return tuple(Funding(f.party, part) for f, part in zip(applied.funding, parts, strict=True))


def with_points(quote: Quote, points: int, value: Money) -> Quote:
    """``quote`` with ``points`` spent, worth ``value`` (checked against the cap by
    :meth:`merx.points.PointsRate.check`): after every promotion, ``value`` is split over
    the lines in proportion to their net (largest remainder, ties to the earlier line) as a
    :data:`POINTS` discount the platform funds; each line's tax is taken again from its new
    net (:meth:`~merx.catalog.TaxMode.tax_on`). The freight does not change."""
    assert value <= quote.goods, f"points worth {value} above the goods {quote.goods}"
    parts = value.allocate([line.net for line in quote.lines])
    lines = []
    for line, part in zip(quote.lines, parts, strict=True):
        if part.is_zero():
            lines.append(line)
            continue
        net = line.net - part
        lines.append(
            attrs.evolve(
                line,
                discount=line.discount + part,
                discounts=(*line.discounts, LineDiscount(POINTS, PLATFORM, part)),
                tax=quote.tax_mode.tax_on(net, line.tax_rate),
            )
        )
    spent = attrs.evolve(quote, lines=tuple(lines), points=points)
    assert spent.goods == quote.goods - value, "the points take their value off the goods"
    return spent
