"""Checkout: the cart and the quote (the seed's "trial calculation").

The quote prices the selected cart lines at the SKUs' current prices. It is a pure value:
computing it changes nothing, and the order freezes it at placement.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from decimal import Decimal

import attrs

from merx.catalog import Fulfillment, GoodsType
from merx.checkout.errors import EmptySelection, NotInCart, OrderLimitExceeded
from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CartId, CustomerId, MerchantId, SkuId
from merx.kernel.money import Money
from merx.kernel.quantity import require_quantity
from merx.pricing import Quote as PricingQuote


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
    sku: SkuId
    quantity: int
    selected: bool = True


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
        self, sku: SkuId, quantity: int, unit_price: Money, limits: OrderLimits = DEFAULT_LIMITS
    ) -> None:
        """Add ``quantity`` units of ``sku`` (listed at ``unit_price``) to its line, within
        ``limits``."""
        require_quantity(quantity)
        held = self.items.get(sku)
        total = quantity + (held.quantity if held else 0)
        self._check_limits(sku, total, unit_price, limits)
        self.items[sku] = CartItem(sku, total, True)
        self.record(CartChanged(self.id, sku, total))

    def set_quantity(
        self, sku: SkuId, quantity: int, unit_price: Money, limits: OrderLimits = DEFAULT_LIMITS
    ) -> None:
        require_quantity(quantity)
        item = self._item(sku)
        self._check_limits(sku, quantity, unit_price, limits)
        self.items[sku] = attrs.evolve(item, quantity=quantity)
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

    def __attrs_post_init__(self) -> None:
        if self.discounts:
            total = Money.sum((d.amount for d in self.discounts), self.discount.currency)
            assert total == self.discount, f"{self.sku}: discounts {total} != {self.discount}"

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


@attrs.frozen
class Quote:
    """The trial calculation of a checkout: lines, their total, discount and payable.

    ``pricing`` is the promotion engine's full answer (which promotions applied, gifts,
    "add X more" hints, why each other candidate did not apply), ``None`` when no
    promotion was in play.
    """

    currency: str
    lines: tuple[QuotedLine, ...]
    pricing: PricingQuote | None = None

    @functools.cached_property
    def total(self) -> Money:
        return Money.sum((line.amount for line in self.lines), self.currency)

    @functools.cached_property
    def discount(self) -> Money:
        return Money.sum((line.discount for line in self.lines), self.currency)

    @functools.cached_property
    def payable(self) -> Money:
        return self.total - self.discount


def line_discounts(pricing: PricingQuote) -> dict[str, tuple[LineDiscount, ...]]:
    """Each line's discounts by promotion and funding party, from the engine's answer.

    Per promotion, every funding party's total (as the engine split it) is allocated
    across the lines in proportion to the promotion's line allocations; the last party
    takes the rest of each line, so a line's parts add up to its allocation and each
    party's parts to its total, to the cent.
    """
    by_sku: dict[str, list[LineDiscount]] = {line.sku: [] for line in pricing.lines}
    for applied in pricing.promotions:
        shares = [
            (line.sku, a.amount)
            for line in pricing.lines
            for a in line.allocations
            if a.promotion_id == applied.promotion_id and a.amount.is_positive()
        ]
        if not shares:
            continue
        remaining = dict(shares)
        parties = [f for f in applied.funding if f.amount.is_positive()]
        for index, funding in enumerate(parties):
            if index == len(parties) - 1:
                parts = [remaining[sku] for sku, _ in shares]
            else:
                parts = funding.amount.allocate([amount for _, amount in shares])
            for (sku, _), part in zip(shares, parts, strict=True):
                remaining[sku] -= part
                if part.is_positive():
                    by_sku[sku].append(LineDiscount(applied.promotion_id, funding.party, part))
    return {sku: tuple(parts) for sku, parts in by_sku.items()}
