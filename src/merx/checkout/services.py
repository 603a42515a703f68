"""Checkout use cases: cart changes and the quote."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

import attrs

from merx.catalog import INCLUSIVE, Sku, TaxPolicy
from merx.checkout.errors import NoFreightTemplate
from merx.checkout.freight import FreightTerms
from merx.checkout.model import (
    DEFAULT_LIMITS,
    Cart,
    OrderLimits,
    Quote,
    QuotedLine,
    freight_charges,
    line_discounts,
    with_points,
)
from merx.customers import Customer
from merx.kernel.bus import Command
from merx.kernel.errors import CurrencyMismatch
from merx.kernel.ids import PLATFORM, CartId, CustomerId, MerchantId, SkuId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork, add_or_save, prefetch
from merx.kernel.validation import business_date, require_text
from merx.merchants import Merchant
from merx.points import InsufficientPoints, PointsAccount, PointsRate
from merx.pricing import CartLine, FreightTemplate, Pricer, Promotion, Rejection
from merx.pricing import Customer as PricingCustomer
from merx.pricing import quote as quote_promotions
from merx.promotions import (
    Audience,
    audience_exclusions,
    price_within_budgets,
    usage_for_quote,
    with_code_rejections,
)


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
        cart.add(sku.id, cmd.quantity, sku.price, limits, sku.merchant)
        repo.add(cart)
    else:
        cart.add(sku.id, cmd.quantity, sku.price, limits, sku.merchant)
        repo.save(cart)
    uow.commit()


def set_cart_quantity(
    cmd: SetCartQuantity, uow: UnitOfWork, *, limits: OrderLimits = DEFAULT_LIMITS
) -> None:
    cart = uow.repo(Cart).get(CartId(require_text(cmd.customer_id, "customer id")))
    sku = uow.repo(Sku).view(require_text(cmd.sku, "SKU id"))
    cart.set_quantity(sku.id, cmd.quantity, sku.price, limits, sku.merchant)
    uow.repo(Cart).save(cart)
    uow.commit()


def remove_from_cart(cmd: RemoveFromCart, uow: UnitOfWork) -> None:
    cart = uow.repo(Cart).get(CartId(require_text(cmd.customer_id, "customer id")))
    cart.remove(cmd.sku)
    uow.repo(Cart).save(cart)
    uow.commit()


@attrs.frozen
class SetFreightTemplate(Command[None]):
    """Charge the freight of ``template`` on ``merchant_id``'s lines (shipped from the
    template's ``origin``), in place of the template it had from there."""

    merchant_id: MerchantId
    template: FreightTemplate


@attrs.frozen
class RemoveFreightTemplate(Command[None]):
    """Stop charging freight on ``merchant_id``'s lines shipped from ``origin``."""

    merchant_id: MerchantId
    origin: str | None = None


def set_freight_template(cmd: SetFreightTemplate, uow: UnitOfWork) -> None:
    """Store a known merchant's template, or the platform's for its own goods
    (:class:`~merx.pricing.InvalidFreightTemplate` for another seller's, or for what is not
    a template)."""
    seller = MerchantId(require_text(cmd.merchant_id, "merchant id"))
    if seller != PLATFORM:
        uow.repo(Merchant).view(seller)  # NotFound for an unknown merchant
    repo = uow.repo(FreightTerms)
    terms = repo.find(seller) or FreightTerms(id=seller)
    terms.set(cmd.template)
    add_or_save(repo, terms)
    uow.commit()


def remove_freight_template(cmd: RemoveFreightTemplate, uow: UnitOfWork) -> None:
    """Drop a template (:class:`NoFreightTemplate` if the merchant has none from there)."""
    repo = uow.repo(FreightTerms)
    terms = repo.find(require_text(cmd.merchant_id, "merchant id"))
    if terms is None:
        raise NoFreightTemplate(f"{cmd.merchant_id!r} has no freight template")
    terms.remove(cmd.origin)
    repo.save(terms)
    uow.commit()


def freight_templates(
    uow: UnitOfWork, sellers: Iterable[MerchantId], prefetched: Iterable[MerchantId] = ()
) -> list[FreightTemplate]:
    """The stored templates of ``sellers`` (read only), in the order the sellers come;
    those not in ``prefetched`` (already asked for with an earlier read) are read together."""
    distinct = list(dict.fromkeys(sellers))
    asked = set(prefetched)
    prefetch(uow.repo(FreightTerms), [seller for seller in distinct if seller not in asked])
    found: list[FreightTemplate] = []
    for seller in distinct:
        terms = uow.repo(FreightTerms).peek(seller)
        if terms is not None:
            found.extend(terms.templates)
    return found


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
    address_label: str | None = None,
    audience: Audience | None = None,
    points: int = 0,
    points_rate: PointsRate | None = None,
) -> Quote:
    """Price the selected lines of ``customer_id``'s cart at ``at``, delivered to the
    customer's address ``address_label`` (``None``: the default one, if any) (read only).

    The engine (:func:`merx.pricing.quote`, or ``pricer``, e.g. a
    :class:`~merx.pricing.QuoteMemo`) prices the lines at current prices with the best
    choice of the promotions in force and the customer's coupons, each seller's freight
    from its stored templates (:class:`SetFreightTemplate`), and each line's tax (its
    rate: the SKU's own, else ``tax``'s for its category; added on top when ``tax.mode`` is
    exclusive). Each line's discount is split by promotion and by who funds it, each
    seller's freight waiver likewise. A campaign at a usage cap (the customer's uses, a
    day's, everyone's, or the units it would discount here) is rejected ``usage_cap`` with
    the cap named (:func:`merx.promotions.usage_for_quote`); a campaign whose budget left
    cannot pay its discount here is left out and the cart priced again without it
    (:func:`merx.promotions.price_within_budgets`). A voucher code entered at checkout
    that can no longer be used is in the engine quote's ``rejections`` with its reason
    (:func:`merx.promotions.with_code_rejections`). A campaign whose audience
    (``audience``, asked per campaign that names one) leaves the customer out is not
    priced, and rejected ``audience`` with why (:func:`merx.promotions.audience_exclusions`).

    ``points`` (0: none) are the customer's points to spend, a discount they choose (never
    chosen by the search): after every promotion and before tax, worth what
    ``points_rate`` says (:class:`~merx.points.PointsRate`'s default when ``None``), at
    most its share of the goods (:func:`priced_with_points`).
    """
    if points:
        prefetch(uow.repo(PointsAccount), [customer_id])  # read with the customer
    prefetch(uow.repo(Customer), [customer_id])  # read with the cart
    cart = uow.repo(Cart).view(CartId(customer_id))
    selected = cart.selected()
    prefetch(uow.repo(Sku), [item.sku for item in selected])  # with the offers' reads
    sellers = [item.merchant for item in selected if item.merchant is not None]
    prefetch(uow.repo(FreightTerms), sellers)  # the items keep their seller: read with them
    in_force, wallet = offers(uow, customer_id, at)
    shut = (
        {}
        if audience is None
        else audience_exclusions(uow, customer_id, [p.id for p in (*in_force, *wallet)], audience)
    )
    if shut:
        in_force = [p for p in in_force if p.id not in shut]
        wallet = [p for p in wallet if p.id not in shut]
    skus = [(uow.repo(Sku).view(item.sku), item.quantity) for item in selected]
    for sku, _ in skus:
        sku.require_on_sale()
    currencies = {sku.price.currency for sku, _ in skus}
    if len(currencies) != 1:
        raise CurrencyMismatch(f"cart {cart.id!r} mixes currencies {sorted(currencies)}")
    currency = currencies.pop()
    templates = freight_templates(uow, (sku.merchant for sku, _ in skus), prefetched=sellers)
    customer = uow.repo(Customer).peek(customer_id)
    destination = _destination(customer, address_label)
    cart_lines = [
        CartLine(
            s.id, s.merchant, s.category, s.price, n,
            tax_rate=tax.rate_for(s.tax_rate, s.category),
            weight_g=s.weight_g, volume_cm3=s.volume_cm3, origin=s.origin,
        )
        for s, n in skus
    ]  # fmt: skip
    usage = usage_for_quote(uow, customer_id, at, [p.id for p in (*in_force, *wallet)])
    who = PricingCustomer(customer_id, customer.new_user if customer else False, usage.used)
    pricing = price_within_budgets(
        uow,
        in_force,
        wallet,
        lambda automatic, coupons, capped: pricer(
            cart_lines,
            automatic,
            coupons,
            who,
            at,
            payment_method,
            destination=destination,
            freight=templates,
            tax_mode=tax.mode.value,
            usage=usage.usage,
            capped=capped,
        ),
        capped=usage.capped,
    )
    pricing = with_code_rejections(uow, customer_id, at, pricing)  # entered codes now dead
    if shut:
        left_out = [Rejection(pid, "audience", why) for pid, why in shut.items()]
        rejections = sorted((*pricing.rejections, *left_out), key=lambda r: r.promotion_id)
        pricing = attrs.evolve(pricing, rejections=tuple(rejections))
    discounts = line_discounts(pricing)
    priced = {line.sku: line for line in pricing.lines}
    lines = tuple(
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
            tax_rate=priced[sku.id].tax_rate,
            tax=priced[sku.id].tax,
            origin=sku.origin,
        )
        for sku, quantity in skus
    )
    quote = Quote(
        currency=currency,
        lines=lines,
        pricing=pricing,
        freight=freight_charges(pricing),
        tax_mode=tax.mode,
    )
    assert all(line.net == priced[line.sku].amount for line in lines), "lines as priced"
    assert quote.payable == pricing.payable, "the quote must charge what the engine priced"
    if points:
        return priced_with_points(uow, quote, customer_id, points, points_rate or PointsRate(), at)
    return quote


def priced_with_points(  # noqa: PLR0917 - the quote, whose points, how many, the rate, when
    uow: UnitOfWork,
    quote: Quote,
    customer_id: CustomerId,
    points: int,
    rate: PointsRate,
    at: datetime,
) -> Quote:
    """``quote`` with ``points`` of the customer's spent (read only): they must hold them
    unexpired (:class:`~merx.points.InsufficientPoints`), and their value (whole minor
    units) may pay at most ``rate``'s share of the goods after promotions
    (:class:`~merx.points.PointsOverCap`): :func:`~merx.checkout.model.with_points`."""
    value = rate.check(points, quote.goods)  # InvalidPoints, PointsOverCap
    account = uow.repo(PointsAccount).peek(customer_id)
    available = 0 if account is None else account.available_on(business_date(at))
    if points > available:
        raise InsufficientPoints(customer_id, available, points)
    return with_points(quote, points, value)


def _destination(customer: Customer | None, address_label: str | None) -> str | None:
    """The region the freight is priced to: the address ``address_label``'s
    (:class:`~merx.customers.UnknownAddress` if the customer has none so called), else the
    default address's, else none (a seller with a template then refuses the quote)."""
    if customer is None or (address_label is None and customer.default_address is None):
        return None
    return customer.address(address_label).region
