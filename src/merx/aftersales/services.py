"""After-sales use cases: request, review, return, inspect, refund, replace.

Money leaves only through the payment the order was paid with, as a refund reserved
before the channel is called; units are claimed on the order when a case opens, so two
cases can never refund the same unit, and each refund is the units' frozen net price.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

import attrs

from merx.aftersales.errors import NotEligible, RefundDenied, RefundHeld
from merx.aftersales.model import (
    AfterSale,
    AfterSaleCompleted,
    AfterSaleKind,
    AfterSaleStatus,
    Funder,
    GrantKind,
    Items,
    check_eligible,
    grant_refund_id,
    replacement_of,
)
from merx.aftersales.ports import AfterSaleQueries, RefundScreen, RefundVerdict
from merx.catalog import Sku
from merx.fulfillment import Logistics, Shipment
from merx.inventory import (
    InventoryPolicy,
    deduct_holds,
    hold_for_order,
    receive_into,
    release_holds,
)
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import Unauthorized
from merx.kernel.ids import (
    PLATFORM,
    AfterSaleId,
    IdSource,
    MerchantId,
    OrderId,
    PaymentId,
    ShipmentId,
    SkuId,
)
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.kernel.validation import require_text
from merx.orders import Order, OrderKind, OrderPolicy, give_back_points, presale_units_refunded
from merx.payments import (
    Payment,
    PaymentGateway,
    RefundExceedsPayment,
    RefundStatus,
    RefundSucceeded,
    refund_to_payer,
)
from merx.points import PointsBook

# -- commands ----------------------------------------------------------------------------


@attrs.frozen
class RequestRefund(Command[AfterSaleId]):
    """Ask for the whole order to be refunded before it ships."""

    order_id: OrderId
    reason: str


@attrs.frozen
class RequestReturn(Command[AfterSaleId]):
    """Ask to send ``items`` back for a refund of the units the seller accepts.
    ``seller_at_fault`` (wrong or defective goods): the freight comes back with the last
    units (docs/orders.md, "What a refund gives back"); the reviewer approves the case as
    asked, or rejects it."""

    order_id: OrderId
    items: Items
    reason: str
    seller_at_fault: bool = False


@attrs.frozen
class RequestExchange(Command[AfterSaleId]):
    """Ask to send ``items`` back for the same number of ``replacement`` units (default:
    the same SKU). A cheaper replacement refunds the difference."""

    order_id: OrderId
    items: Items
    reason: str
    replacement: SkuId | None = None


@attrs.frozen
class RequestRefundOnly(Command[AfterSaleId]):
    """Ask for ``items`` to be refunded without sending them back (``seller_at_fault``:
    as for :class:`RequestReturn`)."""

    order_id: OrderId
    items: Items
    reason: str
    seller_at_fault: bool = False


@attrs.frozen
class ApproveAfterSale(Command[AfterSaleStatus]):
    case_id: AfterSaleId
    acting: MerchantId = PLATFORM


@attrs.frozen
class RejectAfterSale(Command[None]):
    case_id: AfterSaleId
    reason: str
    acting: MerchantId = PLATFORM


@attrs.frozen
class SendReturn(Command[None]):
    """The customer shipped the goods back with ``carrier`` under ``tracking_number``."""

    case_id: AfterSaleId
    carrier: str
    tracking_number: str


@attrs.frozen
class InspectReturn(Command[AfterSaleStatus]):
    """The seller checked what came back and accepts ``accepted`` units."""

    case_id: AfterSaleId
    accepted: Items
    acting: MerchantId = PLATFORM


@attrs.frozen
class ShipReplacement(Command[AfterSaleStatus]):
    """The merchant shipped an exchange's replacement itself, with ``carrier`` under
    ``tracking_number`` (goods a merchant ships are not in our warehouses)."""

    case_id: AfterSaleId
    acting: MerchantId
    carrier: str
    tracking_number: str


@attrs.frozen
class SyncAfterSaleRefund(Command[AfterSaleStatus]):
    """Ask the channel again about a refund that timed out or is pending."""

    case_id: AfterSaleId


@attrs.frozen
class GrantRefund(Command[RefundStatus]):
    """Give ``amount`` back on a paid order outside after-sales (goodwill, a price
    difference, compensation), decided by the order's seller or the platform. ``funder``
    says who bears it (:class:`Funder`; ``None``: the one deciding): the seller, charged to
    its order lines as the settlement rules say, or the platform, as its own expense (the
    seller's settlement is unchanged); a seller may not charge the platform.
    ``refund_id`` is the caller's (a repeat with the same one is the same refund: it asks
    again)."""

    order_id: OrderId
    refund_id: str
    amount: Money
    reason: str
    kind: GrantKind = GrantKind.GOODWILL
    acting: MerchantId = PLATFORM
    funder: Funder | None = None


# -- opening a case -----------------------------------------------------------------------


def _open(
    uow: UnitOfWork,
    order_id: OrderId,
    kind: AfterSaleKind,
    items: Items | Callable[[Order], Items],
    reason: str,
    *,
    clock: Clock,
    ids: IdSource,
    window: timedelta,
    replacement: SkuId | None = None,
    seller_at_fault: bool = False,
    screen: RefundScreen | None = None,
) -> AfterSaleId:
    """Open a case of ``kind`` on ``order_id`` (:meth:`AfterSale.open` decides whether the
    order is eligible and claims the units) and commit. An exchange's replacement is
    resolved and loaded once the order is known to be eligible. ``screen`` is asked about
    the staged case before it is committed: DENY raises :class:`RefundDenied` (no case);
    HOLD opens it, to be approved once its review approves it."""
    order = uow.repo(Order).get(order_id)
    now = clock.now()
    claimed = items(order) if callable(items) else items
    sku = None
    if kind is AfterSaleKind.EXCHANGE:
        check_eligible(order, kind, now, window)
        sku = uow.repo(Sku).get(replacement_of(claimed, replacement))
    case = AfterSale.open(
        case_id=AfterSaleId(ids.next_id("as")), order=order, kind=kind, items=claimed,
        reason=reason, at=now, window=window, replacement=sku, seller_at_fault=seller_at_fault,
    )  # fmt: skip
    if screen is not None:
        _screen(screen, case.id, order, opening=True)
    uow.repo(AfterSale).add(case)
    uow.repo(Order).save(order)
    uow.commit()
    return case.id


def _screen(screen: RefundScreen, key: str, order: Order, *, opening: bool = False) -> None:
    """Ask ``screen`` about the refund ``key`` on ``order`` (its payable: an upper bound
    of what a case refunds): DENY raises :class:`RefundDenied`; HOLD raises
    :class:`RefundHeld` unless the case is ``opening`` (a held case opens)."""
    screening = screen.screen(
        refund_key=key, customer_id=order.customer_id, seller=order.seller, amount=order.payable
    )
    if screening.verdict is RefundVerdict.DENY:
        raise RefundDenied(f"refund {key!r} on order {order.id!r} denied: {screening.reason}")
    if screening.verdict is RefundVerdict.HOLD and not opening:
        raise RefundHeld(f"refund {key!r} on order {order.id!r} held: {screening.reason}")


def request_refund(
    cmd: RequestRefund,
    uow: UnitOfWork,
    *,
    clock: Clock,
    ids: IdSource,
    screen: RefundScreen | None = None,
) -> AfterSaleId:
    """The whole order (every unit not claimed yet), before it ships: no window applies."""
    return _open(
        uow, cmd.order_id, AfterSaleKind.REFUND_BEFORE_SHIPMENT,
        lambda order: order.remaining_items, cmd.reason,
        clock=clock, ids=ids, window=timedelta(0), screen=screen,
    )  # fmt: skip


def request_return(
    cmd: RequestReturn,
    uow: UnitOfWork,
    *,
    clock: Clock,
    ids: IdSource,
    policy: OrderPolicy,
    screen: RefundScreen | None = None,
) -> AfterSaleId:
    return _open(
        uow, cmd.order_id, AfterSaleKind.RETURN_AND_REFUND, cmd.items, cmd.reason,
        clock=clock, ids=ids, window=policy.after_sales_window,
        seller_at_fault=cmd.seller_at_fault, screen=screen,
    )  # fmt: skip


def request_refund_only(
    cmd: RequestRefundOnly,
    uow: UnitOfWork,
    *,
    clock: Clock,
    ids: IdSource,
    policy: OrderPolicy,
    screen: RefundScreen | None = None,
) -> AfterSaleId:
    return _open(
        uow, cmd.order_id, AfterSaleKind.REFUND_ONLY, cmd.items, cmd.reason,
        clock=clock, ids=ids, window=policy.after_sales_window,
        seller_at_fault=cmd.seller_at_fault, screen=screen,
    )  # fmt: skip


def request_exchange(
    cmd: RequestExchange,
    uow: UnitOfWork,
    *,
    clock: Clock,
    ids: IdSource,
    policy: OrderPolicy,
    screen: RefundScreen | None = None,
) -> AfterSaleId:
    return _open(
        uow, cmd.order_id, AfterSaleKind.EXCHANGE, cmd.items, cmd.reason,
        clock=clock, ids=ids, window=policy.after_sales_window, replacement=cmd.replacement,
        screen=screen,
    )  # fmt: skip


# -- review ---------------------------------------------------------------------------------


def approve_after_sale(
    cmd: ApproveAfterSale,
    uow: UnitOfWork,
    *,
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
    screen: RefundScreen | None = None,
) -> AfterSaleStatus:
    """Approve: refunds are decided now; returns and exchanges wait for the goods. A case
    ``screen`` holds (its review open) or denies (its review rejected) is not approved
    (:class:`RefundHeld`, :class:`RefundDenied`): nothing changes."""
    case = uow.repo(AfterSale).get(cmd.case_id)
    order = uow.repo(Order).get(case.order_id)
    if screen is not None:
        _screen(screen, case.id, order)
    case.approve(cmd.acting, clock.now(), order, _left(uow, order))
    if case.kind is AfterSaleKind.REFUND_BEFORE_SHIPMENT:  # nothing ships: stock goes back
        release_holds(uow, order.id, order.allocations)
        order.assign_stock(())
    uow.repo(AfterSale).save(case)
    uow.repo(Order).save(order)
    uow.commit()
    if case.status is AfterSaleStatus.REFUNDING:
        return _refund(uow, case.id, gateways, clock)
    return case.status


def reject_after_sale(cmd: RejectAfterSale, uow: UnitOfWork, *, clock: Clock) -> None:
    case = uow.repo(AfterSale).get(cmd.case_id)
    order = uow.repo(Order).get(case.order_id)
    case.reject(cmd.acting, cmd.reason, clock.now(), order)
    uow.repo(AfterSale).save(case)
    uow.repo(Order).save(order)
    uow.commit()


# -- returns ---------------------------------------------------------------------------------


def send_return(cmd: SendReturn, uow: UnitOfWork, *, logistics: Logistics, clock: Clock) -> None:
    case = uow.repo(AfterSale).get(cmd.case_id)
    case.send_back(cmd.carrier, cmd.tracking_number, clock.now())
    logistics.register_tracking(carrier=cmd.carrier, tracking_number=cmd.tracking_number)
    uow.repo(AfterSale).save(case)
    uow.commit()


def inspect_return(
    cmd: InspectReturn,
    uow: UnitOfWork,
    *,
    gateways: Mapping[str, PaymentGateway],
    logistics: Logistics,
    inventory: InventoryPolicy,
    clock: Clock,
) -> AfterSaleStatus:
    """Accepted units go back on sale (if they came from our warehouse) and are refunded,
    or replaced; the units not accepted may be claimed again."""
    case = uow.repo(AfterSale).get(cmd.case_id)
    order = uow.repo(Order).get(case.order_id)
    case.inspect(cmd.acting, tuple(cmd.accepted), clock.now(), order, _left(uow, order))
    for sku, quantity in case.accepted:
        warehouse = next((a.warehouse for a in order.allocations if a.sku == sku), None)
        if warehouse is not None:
            receive_into(uow, warehouse, sku, quantity, f"{case.id}/return")
    uow.repo(AfterSale).save(case)
    uow.repo(Order).save(order)
    uow.commit()
    if case.status is AfterSaleStatus.REPLACING:
        if _merchant_ships(uow, case):
            return case.status  # the merchant ships it: ShipReplacement
        return _replace(
            uow, case.id, gateways=gateways, logistics=logistics, inventory=inventory, clock=clock
        )
    if case.status is AfterSaleStatus.REFUNDING:
        return _refund(uow, case.id, gateways, clock)
    return case.status


def _replacement(uow: UnitOfWork, case: AfterSale) -> Sku:
    assert case.replacement is not None, "an exchange names its replacement"
    return uow.repo(Sku).get(case.replacement)


def _merchant_ships(uow: UnitOfWork, case: AfterSale) -> bool:
    return AfterSale.shipped_by_merchant(_replacement(uow, case))


def _replace(
    uow: UnitOfWork,
    case_id: AfterSaleId,
    *,
    gateways: Mapping[str, PaymentGateway],
    logistics: Logistics,
    inventory: InventoryPolicy,
    clock: Clock,
) -> AfterSaleStatus:
    """Ship the replacement units from our warehouses; refund a cheaper replacement's
    difference. The case id keys the stock hold, so a retry never ships twice."""
    case = uow.repo(AfterSale).get(case_id)
    order = uow.repo(Order).get(case.order_id)
    assert case.replacement is not None
    assert order.ship_to is not None
    quantity = sum(n for _, n in case.accepted)
    plan = hold_for_order(
        uow, case.id, [(case.replacement, quantity)], order.ship_to.region,
        policy=inventory, expires_at=None,
    )  # fmt: skip
    shipment_id = ShipmentId(f"shp-{case.id}")
    booking = logistics.create_shipment(
        shipment_id=shipment_id,
        carrier=None,
        origin=plan[0].warehouse,
        destination=order.ship_to.one_line(),
        idempotency_key=f"{shipment_id}/book",
    )
    deduct_holds(uow, case.id, plan)
    shipment = Shipment.dispatch(
        shipment_id=shipment_id,
        order_id=order.id,
        origin=plan[0].warehouse,
        items=((case.replacement, quantity),),
        carrier=booking.carrier,
        tracking_number=booking.tracking_number,
        at=clock.now(),
    )
    return _exchanged(uow, case, order, shipment, gateways=gateways, clock=clock)


def ship_replacement(
    cmd: ShipReplacement,
    uow: UnitOfWork,
    *,
    gateways: Mapping[str, PaymentGateway],
    logistics: Logistics,
    clock: Clock,
) -> AfterSaleStatus:
    """The merchant's own shipment of an exchange's replacement; refunds a cheaper
    replacement's difference, as a warehouse replacement does. Only the order's seller
    ships (:class:`Unauthorized`), only goods it ships itself (:class:`NotEligible`),
    only once the return was accepted; the same shipment again is a replay."""
    case = uow.repo(AfterSale).get(cmd.case_id)
    shipment_id = ShipmentId(f"shp-{case.id}")
    if not case.check_merchant_replacement(cmd.acting, shipment_id):
        return case.status  # a replay
    if not _merchant_ships(uow, case):
        raise NotEligible(f"{case.replacement!r} ships from our warehouses, not the merchant")
    assert case.replacement is not None
    order = uow.repo(Order).get(case.order_id)
    logistics.register_tracking(carrier=cmd.carrier, tracking_number=cmd.tracking_number)
    shipment = Shipment.dispatch(
        shipment_id=shipment_id,
        order_id=order.id,
        origin=order.seller,
        items=((case.replacement, sum(n for _, n in case.accepted)),),
        carrier=cmd.carrier,
        tracking_number=cmd.tracking_number,
        at=clock.now(),
    )
    return _exchanged(uow, case, order, shipment, gateways=gateways, clock=clock)


def _exchanged(
    uow: UnitOfWork,
    case: AfterSale,
    order: Order,
    shipment: Shipment,
    *,
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
) -> AfterSaleStatus:
    """The replacement left in ``shipment``: complete the exchange (:meth:`AfterSale.replaced`
    prices a cheaper replacement's difference) and pay that difference back."""
    uow.repo(Shipment).add(shipment)
    price = _replacement(uow, case).price
    case.replaced(shipment.id, clock.now(), order, price, _left(uow, order))
    uow.repo(AfterSale).save(case)
    uow.repo(Order).save(order)
    uow.commit()
    if case.amount is not None:
        _pay_back(uow, case, gateways, clock)
    return case.status


# -- refunds ------------------------------------------------------------------------------------


def _left(uow: UnitOfWork, order: Order) -> Money | None:
    """What the order's payment can still refund to it: refunds outside after-sales and
    other cases count (:meth:`~merx.payments.Payment.refundable_to`)."""
    if order.payment_id is None:
        return None
    payment = uow.repo(Payment).get(PaymentId(order.payment_id))
    return payment.refundable_to(order.id, order.payable)


def _pay_back(
    uow: UnitOfWork, case: AfterSale, gateways: Mapping[str, PaymentGateway], clock: Clock
) -> RefundStatus:
    assert case.amount is not None
    assert case.refund_id is not None
    order = uow.repo(Order).get(case.order_id)
    if order.payment_id is None:
        raise NotEligible(f"order {order.id!r} was never paid")
    return refund_to_payer(
        uow,
        gateways,
        payment_id=PaymentId(order.payment_id),
        refund_id=case.refund_id,
        amount=case.amount,
        reason=case.reason,
        clock=clock,
        order_id=order.id,
    )


def _refund(
    uow: UnitOfWork, case_id: AfterSaleId, gateways: Mapping[str, PaymentGateway], clock: Clock
) -> AfterSaleStatus:
    case = uow.repo(AfterSale).get(case_id)
    if case.refund_id is not None and (
        _pay_back(uow, case, gateways, clock) is not RefundStatus.SUCCEEDED
    ):
        return case.status
    return _complete(uow, case_id, clock)


def _complete(uow: UnitOfWork, case_id: AfterSaleId, clock: Clock) -> AfterSaleStatus:
    """The case's refund succeeded (or nothing was left to refund): complete it, and close
    the order once every unit is refunded. A case already completed is left as it is."""
    case = uow.repo(AfterSale).get(case_id)
    if case.status is not AfterSaleStatus.REFUNDING:
        return case.status
    order = uow.repo(Order).get(case.order_id)
    now = clock.now()
    case.refunded(now)
    give_back_points(uow, [order], case.id, now)  # the refunded units' share
    if order.close_if_refunded("every unit refunded", now):
        uow.repo(Order).save(order)
    uow.repo(AfterSale).save(case)
    uow.commit()
    return case.status


def complete_refunded_case(event: RefundSucceeded, uow: UnitOfWork, *, clock: Clock) -> None:
    """Subscriber: a case completes as soon as its refund succeeds, whether the host
    learnt it from the call, a notification, a sync or a retry."""
    case_id = AfterSale.case_of_refund(event.refund_id)
    if case_id is not None and uow.repo(AfterSale).find(case_id) is not None:
        _complete(uow, case_id, clock)


def refund_presale_deposit_share(event: AfterSaleCompleted, uow: UnitOfWork) -> None:
    """Subscriber: a case that refunded units of a pre-sale's goods order (returned,
    refunded only, or refunded before shipment; not exchanged) also gives back their share
    of the deposit, from the deposit's payment (:func:`~merx.orders.presale_units_refunded`):
    the case itself refunds only what the balance paid."""
    case = uow.repo(AfterSale).view(event.case_id)
    if case.kind is AfterSaleKind.EXCHANGE:
        return
    items = case.accepted if case.kind.needs_return else case.items
    units = sum(quantity for _, quantity in items)
    presale_units_refunded(uow, case.order_id, case.id, units, event.at)


def sync_after_sale_refund(
    cmd: SyncAfterSaleRefund,
    uow: UnitOfWork,
    *,
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
) -> AfterSaleStatus:
    case = uow.repo(AfterSale).get(cmd.case_id)
    if case.status is AfterSaleStatus.REFUNDING:
        return _refund(uow, case.id, gateways, clock)
    if case.refund_id is not None:  # e.g. an exchange's difference, still pending
        _pay_back(uow, case, gateways, clock)
    return case.status


def grant_refund(
    cmd: GrantRefund,
    uow: UnitOfWork,
    *,
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
    screen: RefundScreen | None = None,
) -> RefundStatus:
    """Check (the seller or the platform, a funder it may charge, a paid order, at most
    what is left to refund to it, then for a new refund ``screen``: :class:`RefundDenied`,
    or :class:`RefundHeld` until its review decides), then refund through
    :func:`~merx.payments.refund_to_payer`: the intent is committed before the channel is
    called and retried like every refund. Later cases on the order refund at most what is
    left. A pre-sale deposit is refused (:class:`NotEligible`): the pre-sale's rule
    governs it."""
    order = uow.repo(Order).get(cmd.order_id)
    if cmd.acting not in (order.seller, PLATFORM):
        raise Unauthorized(f"{cmd.acting!r} may not refund order {order.id!r}")
    if order.kind is OrderKind.DEPOSIT:
        raise NotEligible(
            f"order {order.id!r} is a pre-sale deposit: its pre-sale's rule forfeits or "
            "refunds it (orders.CancelPresaleOrder)"
        )
    funder = Funder.of(cmd.acting, order.seller, cmd.funder)
    require_text(cmd.refund_id, "refund id")
    require_text(cmd.reason, "reason")
    if order.payment_id is None:
        raise NotEligible(f"order {order.id!r} was never paid")
    refund_id = grant_refund_id(order.id, cmd.kind, cmd.refund_id, funder)
    payment = uow.repo(Payment).get(PaymentId(order.payment_id))
    if refund_id not in payment.refunds:
        left = payment.refundable_to(order.id, order.payable)
        if cmd.amount.currency != left.currency or cmd.amount > left:
            raise RefundExceedsPayment(
                f"order {order.id!r}: a refund of {cmd.amount} exceeds the {left} left to refund"
            )
        if screen is not None:
            _screen_grant(screen, refund_id, order, cmd.amount)
    return refund_to_payer(
        uow,
        gateways,
        payment_id=payment.id,
        refund_id=refund_id,
        amount=cmd.amount,
        reason=f"{cmd.kind.value}: {cmd.reason}",
        clock=clock,
        order_id=order.id,
    )


def _screen_grant(screen: RefundScreen, refund_id: str, order: Order, amount: Money) -> None:
    screening = screen.screen(
        refund_key=refund_id, customer_id=order.customer_id, seller=order.seller, amount=amount
    )
    if screening.verdict is RefundVerdict.DENY:
        raise RefundDenied(f"refund {refund_id!r} of {amount} denied: {screening.reason}")
    if screening.verdict is RefundVerdict.HOLD:
        raise RefundHeld(f"refund {refund_id!r} of {amount} held: {screening.reason}")


def give_back_granted_points(event: RefundSucceeded, uow: UnitOfWork, *, clock: Clock) -> None:
    """Subscriber: a refund granted outside after-sales (:class:`GrantRefund`) was paid
    back: the points the order spent come back for the refunded share of what it cost
    (:meth:`merx.points.PointsAccount.give_back_part`: ``spent * amount / payable``,
    rounded down), once per refund. Other refunds give points back through their case
    (:func:`_complete`), or none (an exchange's difference)."""
    found = GrantKind.of_refund(event.refund_id)
    if found is None:
        return
    order = uow.repo(Order).view(found[0])
    if not order.points_paid().is_positive():
        return
    book = PointsBook(uow, order.customer_id, spends=[order.id])
    book.give_back_part(
        order.id, event.amount.minor, order.payable.minor, event.refund_id, clock.now()
    )
    if book.stage():
        uow.commit()


def merchant_case(uow: UnitOfWork, acting: MerchantId, case_id: AfterSaleId) -> AfterSale:
    """An after-sales case on one of ``acting``'s orders; another seller's is refused."""
    case = uow.repo(AfterSale).get(case_id)
    if case.seller != acting:
        raise Unauthorized(f"{acting!r} may not see after-sale {case_id!r}")
    return case


def open_cases(uow: UnitOfWork, acting: MerchantId, queries: AfterSaleQueries) -> list[AfterSale]:
    """``acting``'s open after-sales cases (found by ``queries``, each checked again),
    read-only, in the order the store answers."""
    repo = uow.repo(AfterSale)
    cases = [repo.view(key) for key in queries.open_cases(acting)]
    return [case for case in cases if case.seller == acting and case.is_open]
