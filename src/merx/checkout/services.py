"""Checkout use cases: cart changes and the quote."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import attrs

from merx.catalog import INCLUSIVE, Sku, TaxMode, TaxPolicy
from merx.checkout.model import (
    DEFAULT_LIMITS,
    Cart,
    FreightCharge,
    LineDiscount,
    OrderLimits,
    Quote,
    QuotedLine,
    freight_charges,
    line_discounts,
)
from merx.customers import Customer
from merx.kernel.bus import Command
from merx.kernel.errors import CurrencyMismatch
from merx.kernel.ids import CartId, CustomerId, SkuId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork, prefetch
from merx.kernel.validation import require_text
from merx.pricing import CartLine, Pricer, Promotion
from merx.pricing import Customer as PricingCustomer
from merx.pricing import Quote as PricingQuote
from merx.pricing import quote as quote_promotions
from merx.promotions import price_within_budgets


@attrs.frozen
class AddToCart(Command[None]):
    customer_id: CustomerId
    sku: SkuId
    quantity: int = 1


@attrs.frozen
class SetCartQuantity(Command[None]):
    customer_id: CustomerId
    sku: SkuId
    quantity: int


@attrs.frozen
class RemoveFromCart(Command[None]):
    customer_id: CustomerId
    sku: SkuId


def add_to_cart(cmd: AddToCart, uow: UnitOfWork, *, limits: OrderLimits = DEFAULT_LIMITS) -> None:
    """Add units to the customer's cart, within ``limits`` (:class:`OrderLimitExceeded`)."""
    customer_id = require_text(cmd.customer_id, "customer id")
    sku = uow.repo(Sku).view(require_text(cmd.sku, "SKU id"))
    sku.require_on_sale()
    repo = uow.repo(Cart)
    cart = repo.find(CartId(customer_id))
    if cart is None:
        cart = Cart.for_customer(CustomerId(customer_id))
        cart.add(sku.id, cmd.quantity, sku.price, limits)
        repo.add(cart)
    else:
        cart.add(sku.id, cmd.quantity, sku.price, limits)
        repo.save(cart)
    uow.commit()


def set_cart_quantity(
    cmd: SetCartQuantity, uow: UnitOfWork, *, limits: OrderLimits = DEFAULT_LIMITS
) -> None:
    cart = uow.repo(Cart).get(CartId(require_text(cmd.customer_id, "customer id")))
    sku = uow.repo(Sku).view(require_text(cmd.sku, "SKU id"))
    cart.set_quantity(sku.id, cmd.quantity, sku.price, limits)
    uow.repo(Cart).save(cart)
    uow.commit()


def remove_from_cart(cmd: RemoveFromCart, uow: UnitOfWork) -> None:
    cart = uow.repo(Cart).get(CartId(require_text(cmd.customer_id, "customer id")))
    cart.remove(cmd.sku)
    uow.repo(Cart).save(cart)
    uow.commit()


#: Where a quote's promotions come from: ``(uow, customer, at) -> (in force, wallet)``.
Offers = Callable[
    [UnitOfWork, CustomerId, datetime], tuple[Sequence[Promotion], Sequence[Promotion]]
]


def no_offers(
    uow: UnitOfWork, customer_id: CustomerId, at: datetime
) -> tuple[Sequence[Promotion], Sequence[Promotion]]:
    """No promotion at all: every line at its list price."""
    return (), ()


def quote_cart(
    uow: UnitOfWork,
    customer_id: CustomerId,
    *,
    at: datetime,
    offers: Offers = no_offers,
    payment_method: str | None = None,
    pricer: Pricer = quote_promotions,
    tax: TaxPolicy = INCLUSIVE,
) -> Quote:
    """Price the selected lines of ``customer_id``'s cart at ``at`` (read only).

    Current prices, then the best choice of the promotions in force and the customer's
    coupons (:func:`merx.pricing.quote`, or ``pricer``, e.g. a
    :class:`~merx.pricing.QuoteMemo`), each line's discount split by promotion and by who
    funds it. A campaign whose budget left cannot pay its discount here is left out and
    the cart priced again without it (:func:`merx.promotions.price_within_budgets`).
    Each line carries its tax rate (the SKU's own, else ``tax``'s for its category) and
    its tax on its net in ``tax.mode``; each seller with a freight template, its freight.
    """
    prefetch(uow.repo(Customer), [customer_id])  # read with the cart
    cart = uow.repo(Cart).view(CartId(customer_id))
    prefetch(uow.repo(Sku), [item.sku for item in cart.selected()])  # with the offers' reads
    in_force, wallet = offers(uow, customer_id, at)
    skus = [(uow.repo(Sku).view(item.sku), item.quantity) for item in cart.selected()]
    for sku, _ in skus:
        sku.require_on_sale()
    currencies = {sku.price.currency for sku, _ in skus}
    if len(currencies) != 1:
        raise CurrencyMismatch(f"cart {cart.id!r} mixes currencies {sorted(currencies)}")
    currency = currencies.pop()
    pricing = None
    discounts: dict[str, tuple[LineDiscount, ...]] = {}
    freight: tuple[FreightCharge, ...] = ()
    if in_force or wallet:
        customer = uow.repo(Customer).peek(customer_id)
        cart_lines = [
            CartLine(
                s.id, s.merchant, s.category, s.price, n,
                tax_rate=tax.rate_for(s.tax_rate, s.category),
            )
            for s, n in skus
        ]  # fmt: skip
        who = PricingCustomer(customer_id, customer.new_user if customer else False)
        pricing = price_within_budgets(
            uow,
            in_force,
            wallet,
            lambda automatic, coupons: pricer(
                cart_lines, automatic, coupons, who, at, payment_method
            ),
        )
        discounts = line_discounts(pricing)
        freight = freight_charges(pricing)
    lines = tuple(
        _taxed(
            QuotedLine(
                sku=sku.id,
                title=sku.title,
                merchant=sku.merchant,
                category=sku.category,
                goods_type=sku.goods_type,
                fulfillment=sku.fulfillment,
                face_value=sku.face_value,
                unit_price=sku.price,
                quantity=quantity,
                discount=Money.sum((d.amount for d in discounts.get(sku.id, ())), currency),
                discounts=discounts.get(sku.id, ()),
                tax_rate=tax.rate_for(sku.tax_rate, sku.category),
            ),
            tax.mode,
            pricing,
        )
        for sku, quantity in skus
    )
    quote = Quote(
        currency=currency, lines=lines, pricing=pricing, freight=freight, tax_mode=tax.mode
    )
    assert pricing is None or quote.goods == Money.sum(
        (line.amount for line in pricing.lines), currency
    ), "lines must add up to the engine"
    return quote


def _taxed(line: QuotedLine, mode: TaxMode, pricing: PricingQuote | None) -> QuotedLine:
    """``line`` with its tax: rounded half up once, from its net (after discounts). When
    the engine priced the cart in ``mode`` its tax (the same rule, on the same net) must
    agree."""
    tax = mode.tax_on(line.net, line.tax_rate)
    if pricing is not None and pricing.tax_mode == mode.value:
        priced = pricing.line(line.sku)
        assert priced.tax == tax, f"{line.sku}: the engine's tax {priced.tax} != {tax}"
    return attrs.evolve(line, tax=tax)
