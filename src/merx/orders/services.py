"""Order use cases: place from the cart, cancel before payment, confirm receipt."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from merx.catalog import INCLUSIVE, Sku, TaxPolicy
from merx.checkout import Cart, Offers, OrderLimits, Quote, QuotedLine, no_offers, quote_cart
from merx.customers import Address, Customer
from merx.inventory import (
    InventoryPolicy,
    LockPolicy,
    StockItem,
    hold_for_order,
    release_holds,
    stock_of,
)
from merx.kernel.bus import Command, reads_ahead
from merx.kernel.clock import Clock
from merx.kernel.errors import Unauthorized, ValidationError
from merx.kernel.ids import PLATFORM, CartId, CustomerId, IdSource, MerchantId, OrderId, SkuId
from merx.kernel.money import Money, split_minor
from merx.kernel.uow import UnitOfWork, prefetch
from merx.kernel.vault import PersonalKind, Sealed, Vault, mask_number, personal
from merx.merchants import Merchant
from merx.orders.errors import QuoteChanged, UnknownSeller
from merx.orders.model import (
    UNPAID_IN_TIME,
    Order,
    OrderKind,
    OrderPolicy,
    OrderStatus,
    ParentOrder,
    ParentOrderPaid,
    kind_of,
)
from merx.orders.ports import OrderQueries
from merx.orders.presale import PresaleOrder
from merx.points import PointsBook, PointsRate
from merx.pricing import Pricer, quote
from merx.promotions import (
    Audience,
    PromotionUsage,
    campaign_discounts,
    consume_for_order,
    release_for_order,
    reserve_for_order,
)


@attrs.frozen
class PlacedOrder:
    """What :class:`PlaceOrder` placed: the parent order to pay, and one order per seller."""

    parent_id: OrderId
    order_ids: tuple[OrderId, ...]


@attrs.frozen
class PlaceOrder(Command[PlacedOrder]):
    """Place the selected lines of the customer's cart: one order per seller.

    ``expected_payable`` is the payable of the quote the customer confirmed; if prices
    or promotions changed since, the order is refused with :class:`QuoteChanged` rather
    than charged silently. ``payment_method`` lets payment-method promotions apply.
    ``points`` (0: none) are the customer's points to spend on it (a discount they
    choose, after promotions: :func:`merx.checkout.quote_cart`); they are spent at
    placement and come back if the order is cancelled, pro rata as its units are refunded.
    """

    customer_id: CustomerId
    address_label: str | None = None
    #: the account a top-up credits (a phone number), in clear: sealed before it is kept
    account: str | None = personal(PersonalKind.ACCOUNT, default=None)
    payment_method: str | None = None
    expected_payable: Money | None = None
    points: int = 0


@attrs.frozen
class CancelOrder(Command[None]):
    """Cancel an unpaid parent order and every order in it."""

    parent_id: OrderId
    reason: str


@attrs.frozen
class ConfirmReceipt(Command[None]):
    order_id: OrderId


def place_order(
    cmd: PlaceOrder,
    uow: UnitOfWork,
    *,
    clock: Clock,
    ids: IdSource,
    inventory: InventoryPolicy,
    offers: Offers = no_offers,
    pricer: Pricer = quote,
    limits: OrderLimits | None = None,
    tax: TaxPolicy = INCLUSIVE,
    audience: Audience | None = None,
    vault: Vault,
    points_rate: PointsRate | None = None,
) -> PlacedOrder:
    """Freeze the cart's quote into one order per seller (and per kind: goods apart from
    top-ups; and per shipment: a seller whose templates differ by warehouse origin gets an
    order per origin it ships from) under one parent order; under ``AT_PLACEMENT`` reserve
    their stock.

    Each shipment's freight goes to its goods order (its first order when it holds no
    goods here), each line keeps its tax rate and tax (``tax``'s rates and mode), and
    every order its payable with them.

    The selected lines' units are checked against ``limits`` before they are priced, and
    the payable after (:class:`merx.checkout.OrderLimitExceeded`).

    A top-up's account is sealed at ``vault`` once the order is otherwise checked (the
    orders keep its token and mask; a cart without top-ups keeps none); if the order is
    then refused, the token is forgotten."""
    limits = limits or OrderLimits()
    _check_command(cmd)
    prefetch(uow.repo(Cart), [CartId(cmd.customer_id)])  # read with the customer
    customer = uow.repo(Customer).get(cmd.customer_id)
    cart = uow.repo(Cart).get(CartId(cmd.customer_id))
    limits.check_units([(item.sku, item.quantity) for item in cart.selected()], "the order")
    now = clock.now()
    parent_id = OrderId(ids.next_id("ord"))
    prefetch(uow.repo(ParentOrder), [parent_id])  # both read with the quote's first read
    prefetch(uow.repo(PromotionUsage), [parent_id])
    quote = quote_cart(  # campaigns whose budget cannot pay are already left out
        uow,
        cmd.customer_id,
        at=now,
        offers=offers,
        payment_method=cmd.payment_method,
        pricer=pricer,
        tax=tax,
        address_label=cmd.address_label,
        audience=audience,
        points=cmd.points,
        points_rate=points_rate or PointsRate(),
    )
    applied = campaign_discounts(uow, quote.pricing)
    if applied:
        reserve_for_order(uow, parent_id, customer.id, applied, at=now)
    limits.check_amount(quote.payable, "the order")
    if cmd.expected_payable is not None and quote.payable != cmd.expected_payable:
        raise QuoteChanged(
            f"the cart now costs {quote.payable}, not the {cmd.expected_payable} quoted"
        )
    needs_address = any(line.goods_type.requires_address for line in quote.lines)
    ship_to = customer.address(cmd.address_label) if needs_address else None
    limited = _check_restrictions(uow, customer, quote.lines, ship_to)
    by_seller, carries_freight = _by_seller(quote)
    needs_account = any(line.goods_type.requires_account for line in quote.lines)
    account = _seal_account(vault, cmd.account) if needs_account else None
    try:
        orders = [
            Order.place(
                order_id=OrderId(f"{parent_id}-{n}"),
                parent_id=parent_id,
                customer_id=customer.id,
                lines=lines,
                ship_to=ship_to,
                account=account,
                at=now,
                freight=quote.freight_of(seller, origin)
                if carries_freight[seller, origin] is kind
                else None,
                tax_mode=quote.tax_mode,
            )
            for n, ((seller, kind, origin), lines) in enumerate(by_seller.items(), start=1)
        ]
        prefetch(uow.repo(Order), [order.id for order in orders])  # read with the sellers
        prefetch(uow.repo(Merchant), [order.seller for order in orders if order.seller != PLATFORM])
        for order in orders:
            _check_seller(uow, order)
        parent = ParentOrder.place(
            parent_id=parent_id, customer_id=customer.id, orders=orders, at=now
        )
        assert parent.payable == quote.payable, "the orders must add up to the quote"
        for order in orders:
            if inventory.lock_at is LockPolicy.AT_PLACEMENT and ship_to and order.stock_lines:
                plan = hold_for_order(
                    uow,
                    order.id,
                    order.stock_lines,
                    ship_to.region,
                    policy=inventory,
                    expires_at=now + inventory.reservation_ttl,
                )
                order.assign_stock(plan, reserved_until=now + inventory.reservation_ttl)
            uow.repo(Order).add(order)
        if limited:
            customer.count_purchases(parent_id, limited)
            uow.repo(Customer).save(customer)
        if quote.points:
            _spend_points(uow, customer.id, quote.points, orders, now)
        cart.checked_out([line.sku for line in quote.lines])
        uow.repo(ParentOrder).add(parent)
        uow.repo(Cart).save(cart)
        uow.commit()
        return PlacedOrder(parent.id, parent.order_ids)
    except BaseException:
        if account is not None:
            vault.forget(account.token)
        raise


def _spend_points(
    uow: UnitOfWork, customer_id: CustomerId, points: int, orders: Sequence[Order], now: datetime
) -> None:
    """Spend ``points`` on the placed ``orders`` (staged): each order's share in proportion
    to what the points paid of its lines (largest remainder), one spend per order, so a
    cancel or a refund gives back that order's own."""
    book = PointsBook(uow, customer_id)
    paid = [order.points_paid().minor for order in orders]
    for order, share in zip(orders, split_minor(points, paid), strict=True):
        if share:
            book.spend(share, order.id, now)
    book.stage()


def give_back_points(
    uow: UnitOfWork, orders: Sequence[Order], reference: str, now: datetime
) -> None:
    """Give back what the points paid of ``orders`` (one customer's; staged): all of it
    for a cancelled order, each order's refunded share otherwise
    (:meth:`merx.points.PointsAccount.give_back_share`). Orders the points paid nothing of
    read nothing."""
    spent = [order for order in orders if order.points_paid().is_positive()]
    if not spent:
        return
    book = PointsBook(uow, spent[0].customer_id, spends=[order.id for order in spent])
    for order in spent:
        paid = order.points_paid().minor
        refunded = paid if order.status is OrderStatus.CANCELLED else order.points_refunded().minor
        book.give_back_share(order.id, refunded, paid, reference, now)
    book.stage()


def _by_seller(
    quote: Quote,
) -> tuple[
    dict[tuple[MerchantId, OrderKind, str | None], list[QuotedLine]],
    dict[tuple[MerchantId, str | None], OrderKind],
]:
    """The quote's lines by (seller, kind, shipment origin): one order each; and which
    kind of order of each shipment carries its freight."""
    by_seller: dict[tuple[MerchantId, OrderKind, str | None], list[QuotedLine]] = {}
    for line in quote.lines:
        key = (line.merchant, kind_of(line), quote.shipment_origin(line))
        by_seller.setdefault(key, []).append(line)
    carries_freight: dict[tuple[MerchantId, str | None], OrderKind] = {}
    for seller, kind, origin in by_seller:  # the shipment's goods order, else its first
        if (seller, origin) not in carries_freight or kind is OrderKind.GOODS:
            carries_freight[seller, origin] = kind
    return by_seller, carries_freight


def _seal_account(vault: Vault, account: str | None) -> Sealed | None:
    """The top-up account sealed (``None`` when none was given: the order refuses it)."""
    if account is None or not account.strip():
        return None
    value = account.strip()
    return Sealed(vault.tokenize(PersonalKind.ACCOUNT, value), mask_number(value))


def _check_command(cmd: PlaceOrder) -> None:
    """The fields of ``cmd`` have the types they are declared with."""
    if not isinstance(cmd.customer_id, str):
        raise ValidationError(f"customer id must be a string, got {cmd.customer_id!r}")
    for name in ("address_label", "account", "payment_method"):
        value = getattr(cmd, name)
        if value is not None and not isinstance(value, str):
            shown = type(value).__name__ if name == "account" else repr(value)  # personal
            raise ValidationError(f"{name} must be a string or None, got {shown}")
    if cmd.expected_payable is not None and not isinstance(cmd.expected_payable, Money):
        raise ValidationError(f"expected_payable must be Money, got {cmd.expected_payable!r}")


def cancel_order(cmd: CancelOrder, uow: UnitOfWork, *, clock: Clock) -> None:
    parent = uow.repo(ParentOrder).get(cmd.parent_id)
    _cancel(uow, parent, cmd.reason, clock.now())
    uow.commit()


def _cancel(uow: UnitOfWork, parent: ParentOrder, reason: str, now: datetime) -> None:
    """Cancel the parent and its orders, give their stock and promotion budgets back
    (staged)."""
    parent.cancel(reason, now)
    _cancelled(uow, parent, reason, now)


def _cancelled(uow: UnitOfWork, parent: ParentOrder, reason: str, now: datetime) -> None:
    """``parent`` was cancelled: cancel its orders and give back their stock, the
    customer's purchase counts and the promotion budgets; save (staged). A pre-sale's
    deposit cancels its pre-sale order; a pre-sale's balance gives its stock back to the
    deposit (:func:`_presale_parent_cancelled`)."""
    _presale_parent_cancelled(uow, parent, reason, now)
    release_for_order(uow, parent.id)
    customer = uow.repo(Customer).find(parent.customer_id)
    if customer is not None and customer.release_purchases(parent.id):
        uow.repo(Customer).save(customer)
    cancelled = []
    for order_id in parent.order_ids:
        order = uow.repo(Order).get(order_id)
        order.cancel(reason, now)
        release_holds(uow, order.id, order.allocations)
        order.assign_stock(())
        uow.repo(Order).save(order)
        cancelled.append(order)
    give_back_points(uow, cancelled, "cancelled", now)
    uow.repo(ParentOrder).save(parent)


#: The prefix of a pre-sale order's id (its deposit's parent order), so that a parent
#: order that is not a pre-sale's is told apart without a read.
PRESALE_ID_PREFIX = "pre"


def presale_of(uow: UnitOfWork, parent_id: str) -> PresaleOrder | None:
    """The pre-sale order whose deposit or current balance is the parent order
    ``parent_id`` (loaded for change), if any: the deposit's parent order has the pre-sale
    order's id, a balance's is ``<pre-sale id>-b<n>``."""
    if not parent_id.startswith(f"{PRESALE_ID_PREFIX}-"):
        return None  # an ordinary parent order: nothing to read
    repo = uow.repo(PresaleOrder)
    candidates = [parent_id]
    if "-b" in parent_id:
        candidates.append(parent_id.rsplit("-b", 1)[0])
    for key in candidates:
        if repo.peek(key) is not None:
            presale = repo.get(key)
            return presale if presale.owns_parent(parent_id) else None
    return None


def move_stock(uow: UnitOfWork, source: Order, target: Order) -> None:
    """Hand ``source``'s firmly held stock to ``target``, in the same warehouses (staged:
    released and locked again in one unit of work, so no other order can take it)."""
    for allocation in source.allocations:
        item = stock_of(uow, allocation.warehouse, allocation.sku)
        item.release(source.id)
        item.lock(target.id, allocation.quantity)
        uow.repo(StockItem).save(item)
    target.assign_stock(source.allocations)
    source.assign_stock(())
    uow.repo(Order).save(source)
    uow.repo(Order).save(target)


def _presale_parent_cancelled(
    uow: UnitOfWork, parent: ParentOrder, reason: str, now: datetime
) -> None:
    """A cancelled deposit cancels its pre-sale order; a cancelled balance gives the goods
    order's stock back to the deposit, and the balance may be placed again (staged)."""
    presale = presale_of(uow, parent.id)
    if presale is None:
        return
    if parent.id == presale.id:
        presale.cancel(reason, now)
    else:
        assert presale.goods_order_id is not None
        goods = uow.repo(Order).get(presale.goods_order_id)
        move_stock(uow, goods, uow.repo(Order).get(presale.deposit_order_id))
        presale.balance_dropped(parent.id, now)
    uow.repo(PresaleOrder).save(presale)


@attrs.frozen
class CloseUnpaidOrders(Command[list[OrderId]]):
    """Close every parent order unpaid for longer than the policy allows (run it from the
    host's scheduler). Orders with a payment attempt in flight are left alone."""


@attrs.frozen
class AutoConfirmReceipts(Command[list[OrderId]]):
    """Confirm receipt for customers who did not, once the policy's time has passed."""


def close_unpaid_orders(
    cmd: CloseUnpaidOrders,
    uow: UnitOfWork,
    *,
    clock: Clock,
    policy: OrderPolicy,
    queries: OrderQueries,
) -> list[OrderId]:
    """Cancel the parent orders unpaid past the policy's time (``queries`` finds the
    candidates; :meth:`ParentOrder.close_unpaid` decides on each)."""
    now = clock.now()
    closed: list[OrderId] = []
    repo = uow.repo(ParentOrder)
    for key in list(queries.unpaid_parent_orders(now - policy.unpaid_ttl)):
        parent = repo.get(key)
        if parent.close_unpaid(now, policy):
            _cancelled(uow, parent, UNPAID_IN_TIME, now)
            closed.append(parent.id)
    uow.commit()
    return closed


def auto_confirm_receipts(
    cmd: AutoConfirmReceipts,
    uow: UnitOfWork,
    *,
    clock: Clock,
    policy: OrderPolicy,
    queries: OrderQueries,
) -> list[OrderId]:
    """Complete the orders whose customers did not confirm in time (``queries`` finds the
    candidates; :meth:`Order.confirm_receipt_for_customer` decides on each)."""
    now = clock.now()
    confirmed: list[OrderId] = []
    repo = uow.repo(Order)
    candidates = queries.orders_awaiting_receipt(
        shipped_by=now - policy.confirm_after_shipment,
        delivered_by=now - policy.confirm_after_delivery,
    )
    for key in list(candidates):
        order = repo.get(key)
        if order.confirm_receipt_for_customer(now, policy):
            _completed(uow, order)
            confirmed.append(order.id)
    uow.commit()
    return confirmed


def confirm_receipt(cmd: ConfirmReceipt, uow: UnitOfWork, *, clock: Clock) -> None:
    """The customer confirms the goods arrived; the order completes."""
    order = uow.repo(Order).get(cmd.order_id)
    order.complete(clock.now())
    _completed(uow, order)
    uow.commit()


def _completed(uow: UnitOfWork, order: Order) -> None:
    """``order`` completed: its customer has completed an order; save both (staged)."""
    customer = uow.repo(Customer).get(order.customer_id)
    customer.order_completed(order.id)
    uow.repo(Order).save(order)
    uow.repo(Customer).save(customer)


# -- what a merchant may see -----------------------------------------------------------


def merchant_order(uow: UnitOfWork, acting: MerchantId, order_id: OrderId) -> Order:
    """One of ``acting``'s own orders; another seller's is :class:`Unauthorized`."""
    order = uow.repo(Order).get(order_id)
    if order.seller != acting:
        raise Unauthorized(f"{acting!r} may not see order {order_id!r}")
    return order


def customer_orders(
    uow: UnitOfWork,
    customer: CustomerId,
    queries: OrderQueries,
    *,
    before: OrderId | None = None,
    limit: int = 20,
) -> list[ParentOrder]:
    """A page of ``customer``'s parent orders, newest first: at most ``limit`` of those
    placed before ``before`` (the last order of the previous page), read-only. Newest
    first is by id: merx's id sources mint ids in the order they are asked for
    (``TimeOrderedIds`` by time, ``SequentialIds`` by count)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 200:
        raise ValidationError(f"a page holds 1 to 200 orders, not {limit!r}")
    found = sorted(queries.parent_orders_of(customer), reverse=True)
    if before is not None:
        found = [key for key in found if key < before]
    repo = uow.repo(ParentOrder)
    page = [repo.view(key) for key in found[:limit]]
    return [parent for parent in page if parent.customer_id == customer]


def merchant_orders(uow: UnitOfWork, acting: MerchantId, queries: OrderQueries) -> list[Order]:
    """Every order sold by ``acting`` (found by ``queries``, each checked again)."""
    repo = uow.repo(Order)
    orders = [repo.get(key) for key in queries.orders_of_seller(acting)]
    return [order for order in orders if order.seller == acting]


def _check_restrictions(
    uow: UnitOfWork, customer: Customer, lines: Sequence[QuotedLine], ship_to: Address | None
) -> dict[SkuId, int]:
    """Raise if a line breaks its SKU's sales restrictions (region of ``ship_to``, new
    users only, verification, per-customer limit); the units to count toward limits."""
    units: dict[SkuId, int] = {}
    for line in lines:
        units[line.sku] = units.get(line.sku, 0) + line.quantity
    limited: dict[SkuId, int] = {}
    for sku_id, quantity in units.items():
        sku = uow.repo(Sku).view(sku_id)
        if sku.restrictions.unrestricted:
            continue
        sku.check_purchase(
            region=ship_to.region if ship_to is not None else None,
            quantity=quantity,
            already_bought=customer.units_bought(sku_id),
            customer_new_user=customer.new_user,
            customer_verified=customer.verified,
        )
        if sku.restrictions.limit_per_customer is not None:
            limited[sku_id] = quantity
    return limited


def _check_seller(uow: UnitOfWork, order: Order) -> None:
    """A marketplace order needs an active merchant selling within its goods scope (its
    money is cleared through the merchant's settlement account)."""
    if order.seller == PLATFORM:
        return
    merchant = uow.repo(Merchant).peek(order.seller)
    if merchant is None:
        raise UnknownSeller(f"{order.seller!r} is not a merchant of this platform")
    merchant.check_active("sell")
    for line in order.lines:
        merchant.check_category(line.category)


@reads_ahead(lambda event: [(PromotionUsage, event.parent_id)])
def consume_promotion_budgets(event: ParentOrderPaid, uow: UnitOfWork) -> None:
    """Subscriber: a paid order's reserved promotion budgets are spent for good."""
    consume_for_order(uow, event.parent_id)
    uow.commit()
