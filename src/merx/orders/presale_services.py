"""Pre-sale use cases: list a pre-sale, place its deposit, place its balance in the window,
cancel, and end the pre-sales whose balance went unpaid (the host's timer).

The deposit and the balance are ordinary parent orders: the cashier pays them
(``merx.payments.PayOrder`` and its siblings) and ``CloseUnpaidOrders`` closes them when
left unpaid. The pre-sale order follows their payments through
:func:`presale_parent_paid` (a subscriber of ``ParentOrderPaid``) and their cancellations
through ``merx.orders.services._cancelled``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from merx.catalog import INCLUSIVE, FulfillmentMode, Sku, TaxPolicy
from merx.checkout import (
    POINTS,
    FreightCharge,
    LineDiscount,
    Offers,
    QuotedLine,
    freight_charges,
    freight_templates,
    no_offers,
)
from merx.customers import Customer
from merx.inventory import InventoryPolicy, LockPolicy, hold_for_order, release_holds
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import CurrencyMismatch, Unauthorized
from merx.kernel.ids import PLATFORM, CustomerId, IdSource, MerchantId, OrderId
from merx.kernel.money import Money
from merx.kernel.quantity import require_quantity
from merx.kernel.uow import UnitOfWork
from merx.merchants import Merchant
from merx.orders.errors import QuoteChanged, UnknownPresale, UnknownSeller
from merx.orders.model import Order, ParentOrder, ParentOrderPaid
from merx.orders.ports import OrderQueries
from merx.orders.presale import (
    BALANCE_UNPAID,
    DepositRule,
    PresaleListing,
    PresaleOrder,
    PresaleStatus,
)
from merx.orders.services import (
    PRESALE_ID_PREFIX,
    PlacedOrder,
    _cancel,
    _check_seller,
    move_stock,
    presale_of,
)
from merx.points import InvalidPoints, PointsBook, PointsRate
from merx.pricing import CartLine, Pricer, Promotion, quote
from merx.pricing import Customer as PricingCustomer
from merx.pricing import Quote as PricingQuote
from merx.promotions import (
    Audience,
    InvalidPresale,
    Presale,
    audience_exclusions,
    campaign_discounts,
    price_within_budgets,
    reserve_for_order,
    usage_for_quote,
)


@attrs.frozen
class CreatePresale(Command[None]):
    """A seller (``PLATFORM``, or a merchant for its own SKUs) lists a pre-sale of
    ``terms.sku``; ``rule`` says what becomes of the deposit of a balance left unpaid."""

    listing_id: str
    seller: MerchantId
    terms: Presale
    rule: DepositRule = DepositRule.FORFEIT
    limit_per_order: int | None = None


@attrs.frozen
class PlaceDepositOrder(Command[PlacedOrder]):
    """Order ``quantity`` units of a pre-sale: the deposit's parent order to pay (its id is
    the pre-sale order's), holding one deposit order."""

    customer_id: CustomerId
    listing_id: str
    quantity: int
    address_label: str | None = None


@attrs.frozen
class PlaceBalanceOrder(Command[PlacedOrder]):
    """Place the balance of a pre-sale order in its window: the balance's parent order to
    pay, holding the goods order. ``expected_payable`` refuses a balance that changed
    (:class:`~merx.orders.QuoteChanged`); ``payment_method`` lets payment promotions apply.
    ``points`` (0: none) are the customer's points to spend on the balance, as
    :class:`~merx.orders.PlaceOrder`'s: they pay at most the rate's share of the balance's
    goods (after the campaigns and the deposit's value); the deposit is never paid with
    points."""

    presale_id: OrderId
    payment_method: str | None = None
    expected_payable: Money | None = None
    points: int = 0


@attrs.frozen
class CancelPresaleOrder(Command[None]):
    """The customer cancels a pre-sale order before its balance is paid: an unpaid deposit
    is cancelled; a paid one is refunded if the pre-sale's rule refunds
    (:class:`~merx.orders.DepositNotRefundable` otherwise)."""

    presale_id: OrderId
    reason: str


@attrs.frozen
class EndUnpaidPresales(Command[list[OrderId]]):
    """End every pre-sale order whose balance window has closed unpaid (run it from the
    host's scheduler): its deposit is forfeited or refunded, its stock released. A balance
    with a payment attempt in flight is left until the attempt settles. ``limit`` bounds
    how many candidates one run looks at (``None``: all); run it again for the rest."""

    limit: int | None = None


def _listing(uow: UnitOfWork, listing_id: str) -> PresaleListing:
    listing = uow.repo(PresaleListing).find(listing_id)
    if listing is None:
        raise UnknownPresale(f"no pre-sale {listing_id!r}")
    return listing


def _presale(uow: UnitOfWork, presale_id: str) -> PresaleOrder:
    presale = uow.repo(PresaleOrder).find(presale_id)
    if presale is None:
        raise UnknownPresale(f"no pre-sale order {presale_id!r}")
    return presale


def create_presale(cmd: CreatePresale, uow: UnitOfWork, *, clock: Clock) -> None:
    """Only the SKU's seller lists it; only physical goods shipped from our warehouses
    (whose stock a deposit holds) or by the merchant (merx keeps no stock of those): not
    consignment goods, not top-ups; in the SKU's currency."""
    sku = uow.repo(Sku).view(cmd.terms.sku) if isinstance(cmd.terms, Presale) else None
    if sku is not None:
        if sku.merchant != cmd.seller:
            raise Unauthorized(
                f"{cmd.seller!r} may not pre-sell {sku.id!r}, sold by {sku.merchant!r}"
            )
        shipped = sku.fulfillment.mode in (FulfillmentMode.WAREHOUSE, FulfillmentMode.MERCHANT)
        if not (shipped and sku.goods_type.requires_address):
            raise InvalidPresale(
                f"{sku.id!r} is not goods that we or its merchant ship: no pre-sale"
            )
        if sku.price.currency != cmd.terms.currency:
            raise CurrencyMismatch(
                f"pre-sale {cmd.listing_id!r} in {cmd.terms.currency}, {sku.id!r} sells in "
                f"{sku.price.currency}"
            )
    if cmd.seller != PLATFORM:
        merchant = uow.repo(Merchant).peek(cmd.seller)
        if merchant is None:
            raise UnknownSeller(f"{cmd.seller!r} is not a merchant of this platform")
        merchant.check_active("sell")
    listing = PresaleListing.create(
        listing_id=cmd.listing_id,
        seller=cmd.seller,
        terms=cmd.terms,
        rule=cmd.rule,
        limit_per_order=cmd.limit_per_order,
        at=clock.now(),
    )
    uow.repo(PresaleListing).add(listing)
    uow.commit()


def place_deposit_order(
    cmd: PlaceDepositOrder,
    uow: UnitOfWork,
    *,
    clock: Clock,
    ids: IdSource,
    inventory: InventoryPolicy,
    tax: TaxPolicy = INCLUSIVE,
) -> PlacedOrder:
    """Price the deposit and its tax (the SKU's rate under ``tax``, on the deposit; added
    on top in exclusive mode), place its parent order and deposit order, and hold the
    stock as :class:`~merx.orders.PlaceOrder` does (a reservation under ``AT_PLACEMENT``;
    under ``AT_PAYMENT`` the cashier locks it when the deposit is paid). No freight: it is
    charged with the balance."""
    listing = _listing(uow, cmd.listing_id)
    now = clock.now()
    sku = uow.repo(Sku).view(listing.terms.sku)
    sku.require_on_sale()
    customer = uow.repo(Customer).get(cmd.customer_id)
    rate = tax.rate_for(sku.tax_rate, sku.category)
    presale = PresaleOrder.place(
        presale_id=OrderId(ids.next_id(PRESALE_ID_PREFIX)),
        listing=listing,
        customer_id=customer.id,
        quantity=cmd.quantity,
        at=now,
        tax_rate=rate,
        tax_mode=tax.mode,
    )
    ship_to = customer.address(cmd.address_label)
    line = _line(sku, listing.terms.deposit, presale.quantity, (), rate, tax)
    assert line.tax == presale.deposit_tax, "the deposit order carries the deposit's tax"
    deposit = Order.place(
        order_id=presale.deposit_order_id,
        parent_id=presale.id,
        customer_id=customer.id,
        lines=(line,),
        ship_to=ship_to,
        at=now,
        deposit=True,
        tax_mode=tax.mode,
    )
    _check_seller(uow, deposit)
    parent = ParentOrder.place(
        parent_id=presale.id, customer_id=customer.id, orders=[deposit], at=now
    )
    assert parent.payable == presale.deposit_charged, "the deposit order costs the deposit"
    if inventory.lock_at is LockPolicy.AT_PLACEMENT:
        until = now + inventory.reservation_ttl
        plan = hold_for_order(
            uow, deposit.id, deposit.stock_lines, ship_to.region, policy=inventory, expires_at=until
        )
        deposit.assign_stock(plan, reserved_until=until)
    uow.repo(Order).add(deposit)
    uow.repo(ParentOrder).add(parent)
    uow.repo(PresaleOrder).add(presale)
    uow.commit()
    return PlacedOrder(parent.id, parent.order_ids)


def place_balance_order(
    cmd: PlaceBalanceOrder,
    uow: UnitOfWork,
    *,
    clock: Clock,
    offers: Offers = no_offers,
    pricer: Pricer = quote,
    tax: TaxPolicy = INCLUSIVE,
    audience: Audience | None = None,
    points_rate: PointsRate | None = None,
) -> PlacedOrder:
    """Price the balance now: the pre-sale price, less the campaigns in force and the
    customer's coupons (as checkout prices them, within their budgets, and leaving out a
    campaign whose ``audience`` leaves the customer out), less the deposit's value.
    Campaigns that would leave no balance to pay are left out. The freight is the seller's
    template for the SKU's origin, to the deposit's address, priced by the engine with the
    campaigns (its ``free_over`` measured on the pre-sale price after them); the tax is the
    SKU's rate under ``tax`` on the balance (the goods order's net). The deposit's stock
    moves to the goods order; the campaigns' budgets are reserved under the balance's
    parent order. ``cmd.points`` pay last, a line discount
    (:data:`merx.checkout.POINTS`, funded by the platform) worth what ``points_rate`` says
    (:class:`~merx.points.PointsRate`'s default when ``None``), capped at its share of the
    balance's goods; they are spent on the goods order in the same commit
    (``InsufficientPoints`` if the customer holds too few unexpired, nothing changed)."""
    if type(cmd.points) is not int or cmd.points < 0:
        raise InvalidPoints(f"points to spend must be a whole number from 0, not {cmd.points!r}")
    presale = _presale(uow, cmd.presale_id)
    now = clock.now()
    presale.check_balance_open(now)
    listing = _listing(uow, presale.listing_id)
    sku = uow.repo(Sku).view(presale.sku)
    customer = uow.repo(Customer).view(presale.customer_id)
    parent_id, goods_id = presale.next_balance_ids()
    terms = listing.terms
    in_force, wallet = offers(uow, customer.id, now)
    if audience is not None:
        shut = audience_exclusions(uow, customer.id, [p.id for p in (*in_force, *wallet)], audience)
        in_force = [p for p in in_force if p.id not in shut]
        wallet = [p for p in wallet if p.id not in shut]
    deposit = uow.repo(Order).get(presale.deposit_order_id)
    region = deposit.ship_to.region if deposit.ship_to is not None else None
    templates = freight_templates(uow, [sku.merchant])
    cart = [
        CartLine(
            sku.id, sku.merchant, sku.category, terms.final_price, presale.quantity,
            weight_g=sku.weight_g, volume_cm3=sku.volume_cm3, origin=sku.origin,
        )
    ]  # fmt: skip
    usage = usage_for_quote(uow, customer.id, now, [p.id for p in (*in_force, *wallet)])
    who = PricingCustomer(customer.id, customer.new_user, usage.used)

    def price(
        automatic: Sequence[Promotion],
        coupons: Sequence[Promotion],
        capped: Mapping[str, str],
    ) -> PricingQuote:
        return pricer(
            cart, automatic, coupons, who, now, cmd.payment_method,
            destination=region, freight=templates, usage=usage.usage, capped=capped,
        )  # fmt: skip

    pricing = price_within_budgets(uow, in_force, wallet, price, capped=usage.capped)
    campaigns = _line_discounts(pricing, sku.id)
    left = presale.quote.balance_due - Money.sum((d.amount for d in campaigns), terms.currency)
    if not left.is_positive():  # no campaign at all, only the freight
        pricing, campaigns = price((), (), {}), ()
    freight = _shipment_of(freight_charges(pricing))
    deduction = LineDiscount(f"presale:{listing.id}", presale.seller, presale.quote.deposit_value)
    rate = tax.rate_for(sku.tax_rate, sku.category)
    goods_price = terms.final_price * presale.quantity
    discounts = _with_points(goods_price, (*campaigns, deduction), cmd.points, points_rate)
    line = _line(sku, terms.final_price, presale.quantity, discounts, rate, tax)
    goods = Order.place(
        order_id=goods_id,
        parent_id=parent_id,
        customer_id=customer.id,
        lines=(line,),
        ship_to=deposit.ship_to,
        at=now,
        freight=freight,
        tax_mode=tax.mode,
    )
    parent = ParentOrder.place(parent_id=parent_id, customer_id=customer.id, orders=[goods], at=now)
    if cmd.expected_payable is not None and parent.payable != cmd.expected_payable:
        raise QuoteChanged(
            f"the balance now costs {parent.payable}, not the {cmd.expected_payable} quoted"
        )
    applied = campaign_discounts(uow, pricing)
    if applied:
        reserve_for_order(uow, parent_id, customer.id, applied, at=now)
    if cmd.points:  # InsufficientPoints before anything is staged
        PointsBook.spending(uow, customer.id, cmd.points, goods.id, now)
    presale.balance_placed(parent_id, parent.payable, now)
    uow.repo(Order).add(goods)
    move_stock(uow, deposit, goods)
    uow.repo(ParentOrder).add(parent)
    uow.repo(PresaleOrder).save(presale)
    uow.commit()
    return PlacedOrder(parent.id, parent.order_ids)


def _with_points(
    goods_price: Money, discounts: tuple[LineDiscount, ...], points: int, rate: PointsRate | None
) -> tuple[LineDiscount, ...]:
    """``discounts`` and, with ``points``, their line discount after every other one: on
    what the balance's goods still cost, capped at the rate's share of it."""
    if not points:
        return discounts
    left = goods_price - Money.sum((d.amount for d in discounts), goods_price.currency)
    paid = (rate or PointsRate()).check(points, left)  # InvalidPoints, PointsOverCap
    return (*discounts, LineDiscount(POINTS, PLATFORM, paid))


def _shipment_of(charges: Sequence[FreightCharge]) -> FreightCharge | None:
    """The one shipment of a pre-sale's single line (``None``: its seller ships free)."""
    assert len(charges) <= 1, "one line ships under at most one template"
    return charges[0] if charges else None


def _line(  # noqa: PLR0917 - a line's parts
    sku: Sku,
    unit_price: Money,
    quantity: int,
    discounts: Sequence[LineDiscount],
    tax_rate: Decimal,
    tax: TaxPolicy,
) -> QuotedLine:
    """The order line of ``quantity`` units at ``unit_price`` less ``discounts``, with its
    tax at ``tax_rate`` on its net, rounded half up once (as the engine's per line)."""
    discount = Money.sum((d.amount for d in discounts), unit_price.currency)
    return QuotedLine(
        sku=sku.id,
        title=sku.title,
        merchant=sku.merchant,
        category=sku.category,
        goods_type=sku.goods_type,
        fulfillment=sku.fulfillment,
        face_value=sku.face_value,
        unit_price=unit_price,
        quantity=quantity,
        discount=discount,
        discounts=tuple(discounts),
        tax_rate=tax_rate,
        tax=tax.mode.tax_on(unit_price * quantity - discount, tax_rate),
        origin=sku.origin,
    )


def _line_discounts(pricing: PricingQuote, sku: str) -> tuple[LineDiscount, ...]:
    """The one line's discount by promotion and funding party: each promotion's part of
    the line split over its funders in proportion to what each funds (largest remainder,
    :meth:`Money.allocate`)."""
    line = pricing.line(sku)
    parts: list[LineDiscount] = []
    for applied in pricing.promotions:
        taken = Money.sum(
            (a.amount for a in line.allocations if a.promotion_id == applied.promotion_id),
            pricing.currency,
        )
        funders = [f for f in applied.funding if f.amount.is_positive()]
        if not taken.is_positive() or not funders:
            continue
        shares = taken.allocate([f.amount for f in funders])
        parts.extend(
            LineDiscount(applied.promotion_id, f.party, share)
            for f, share in zip(funders, shares, strict=True)
            if share.is_positive()
        )
    return tuple(parts)


def cancel_presale_order(cmd: CancelPresaleOrder, uow: UnitOfWork, *, clock: Clock) -> None:
    """Before the deposit is paid, cancel its parent order (as ``CancelOrder`` does). After
    it, refund the deposit under the refund rule (a pending balance is cancelled first),
    release the stock; under the forfeit rule, refuse and change nothing."""
    presale = _presale(uow, cmd.presale_id)
    now = clock.now()
    if presale.status is PresaleStatus.AWAITING_DEPOSIT:
        _cancel(uow, uow.repo(ParentOrder).get(presale.id), cmd.reason, now)
        uow.commit()
        return
    if presale.status is PresaleStatus.BALANCE_PENDING:
        presale.check_withdraw()
        assert presale.balance_parent_id is not None
        balance = uow.repo(ParentOrder).get(presale.balance_parent_id)
        _cancel(uow, balance, cmd.reason, now)
    presale.withdraw(cmd.reason, now)
    _release_deposit(uow, presale)
    uow.repo(PresaleOrder).save(presale)
    uow.commit()


def end_unpaid_presales(
    cmd: EndUnpaidPresales, uow: UnitOfWork, *, clock: Clock, queries: OrderQueries
) -> list[OrderId]:
    """The timer: for each pre-sale order whose window closed unpaid (``queries`` finds
    the candidates, at most ``cmd.limit``; :meth:`PresaleOrder.unpaid_after_window` is
    asked again of each), cancel a pending balance with no payment in flight, then
    :meth:`PresaleOrder.end_unpaid` forfeits or refunds the deposit; the stock is
    released."""
    if cmd.limit is not None:
        require_quantity(cmd.limit, "the pre-sale timer's limit")
    now = clock.now()
    repo = uow.repo(PresaleOrder)
    ended: list[OrderId] = []
    for key in list(queries.presales_unpaid_after_window(now, cmd.limit)):
        presale = repo.get(key)
        if not presale.unpaid_after_window(now):
            continue
        if presale.status is PresaleStatus.BALANCE_PENDING:
            assert presale.balance_parent_id is not None
            balance = uow.repo(ParentOrder).get(presale.balance_parent_id)
            if balance.payment_attempt is not None:
                continue  # a payment begun in the window may still pay it
            _cancel(uow, balance, BALANCE_UNPAID, now)
        if presale.end_unpaid(now):
            _release_deposit(uow, presale)
            repo.save(presale)
            ended.append(presale.id)
    uow.commit()
    return ended


def _release_deposit(uow: UnitOfWork, presale: PresaleOrder) -> None:
    """The pre-sale order ended without its balance: release the deposit's stock; a
    forfeited deposit completes (it is the seller's income), a refunded one closes once
    the refund succeeds (:func:`presale_deposit_refunded`). Staged."""
    deposit = uow.repo(Order).get(presale.deposit_order_id)
    release_holds(uow, deposit.id, deposit.allocations)
    deposit.assign_stock(())
    if presale.status is PresaleStatus.FORFEITED:
        assert presale.ended_at is not None
        deposit.complete(presale.ended_at)
    uow.repo(Order).save(deposit)


def presale_parent_paid(event: ParentOrderPaid, uow: UnitOfWork) -> None:
    """Subscriber: a pre-sale's deposit or balance was paid. A paid balance completes the
    deposit order: the deposit is part of the sale."""
    presale = presale_of(uow, event.parent_id)
    if presale is None:
        return
    if event.parent_id == presale.id:
        changed = presale.deposit_paid(event.payment_id, event.at)
    else:
        changed = presale.balance_paid(event.parent_id, event.payment_id, event.at)
        if changed:
            deposit = uow.repo(Order).get(presale.deposit_order_id)
            deposit.complete(event.at)
            uow.repo(Order).save(deposit)
    if changed:
        uow.repo(PresaleOrder).save(presale)
        uow.commit()


def presale_units_refunded(
    uow: UnitOfWork, order_id: str, case_id: str, units: int, at: datetime
) -> Money | None:
    """After-sale ``case_id`` refunded ``units`` of the order ``order_id``: if it is the
    goods order of a pre-sale whose balance was paid, those units' share of the deposit is
    due back from the deposit's payment (:meth:`PresaleOrder.units_refunded`; commits).
    Returns the share, ``None`` for any other order or a replayed case. Called by
    after-sales (``merx.aftersales``) when a case completes."""
    if not order_id.startswith(f"{PRESALE_ID_PREFIX}-"):
        return None  # an ordinary order: nothing to read
    order = uow.repo(Order).view(order_id)
    presale = presale_of(uow, order.parent_id)
    if presale is None or presale.goods_order_id != order.id:
        return None
    share = presale.units_refunded(case_id, units, at)
    if share is None:
        return None
    uow.repo(PresaleOrder).save(presale)
    uow.commit()
    return share


def presale_deposit_refunded(uow: UnitOfWork, refund_id: str, at: datetime) -> bool:
    """The refund ``refund_id`` succeeded: if it is a pre-sale's deposit refund, the
    pre-sale order is refunded and its deposit order closes (commits). Returns whether it
    was one that changed anything. Called by the cashier (``merx.payments``)."""
    presale_id, _, kind = refund_id.rpartition("/")
    presale = uow.repo(PresaleOrder).find(presale_id) if kind == "deposit" else None
    if presale is None or presale.refund_id != refund_id or not presale.refunded(at):
        return False
    deposit = uow.repo(Order).get(presale.deposit_order_id)
    deposit.close("deposit refunded", at)
    uow.repo(Order).save(deposit)
    uow.repo(PresaleOrder).save(presale)
    uow.commit()
    return True
