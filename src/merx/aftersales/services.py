"""After-sales use cases: request, review, return, inspect, refund, replace.

Money leaves only through the payment the order was paid with, as a refund reserved
before the channel is called; units are claimed on the order when a case opens, so two
cases can never refund the same unit, and each refund is the units' frozen net price.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from merx.aftersales.model import AfterSale, AfterSaleKind, AfterSaleStatus, NotEligible
from merx.catalog import FulfillmentMode, Sku
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
from merx.kernel.errors import BusinessRuleViolation, Unauthorized
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
from merx.orders import Order, OrderKind, OrderPolicy, OrderStatus
from merx.payments import PaymentGateway, RefundStatus, refund_to_payer

Items = tuple[tuple[SkuId, int], ...]


# -- commands ----------------------------------------------------------------------------


@attrs.frozen
class RequestRefund(Command[AfterSaleId]):
    """Ask for the whole order to be refunded before it ships."""

    order_id: OrderId
    reason: str


@attrs.frozen
class RequestReturn(Command[AfterSaleId]):
    """Ask to send ``items`` back for a refund of the units the seller accepts."""

    order_id: OrderId
    items: Items
    reason: str


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
    """Ask for ``items`` to be refunded without sending them back."""

    order_id: OrderId
    items: Items
    reason: str


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


# -- opening a case -----------------------------------------------------------------------


def request_refund(
    cmd: RequestRefund, uow: UnitOfWork, *, clock: Clock, ids: IdSource
) -> AfterSaleId:
    order = uow.repo(Order).get(cmd.order_id)
    _not_virtual(order)
    if order.status is not OrderStatus.PAID:
        raise NotEligible(
            f"order {order.id!r} is {order.status.value}: a refund before shipment needs a "
            "paid order that has not shipped"
        )
    if order.shipment_ids or order.lines_fulfilled_by(FulfillmentMode.CONSIGNMENT):
        raise NotEligible(
            f"order {order.id!r} is already with a carrier or a consignment supplier: "
            "ask for a return instead"
        )
    return _open(
        uow, order, AfterSaleKind.REFUND_BEFORE_SHIPMENT, order.remaining_items, cmd.reason,
        clock=clock, ids=ids,
    )  # fmt: skip


def request_return(
    cmd: RequestReturn, uow: UnitOfWork, *, clock: Clock, ids: IdSource, policy: OrderPolicy
) -> AfterSaleId:
    order = _after_delivery(uow, cmd.order_id, clock.now(), policy)
    return _open(
        uow, order, AfterSaleKind.RETURN_AND_REFUND, cmd.items, cmd.reason, clock=clock, ids=ids
    )


def request_refund_only(
    cmd: RequestRefundOnly, uow: UnitOfWork, *, clock: Clock, ids: IdSource, policy: OrderPolicy
) -> AfterSaleId:
    order = _after_delivery(uow, cmd.order_id, clock.now(), policy)
    return _open(uow, order, AfterSaleKind.REFUND_ONLY, cmd.items, cmd.reason, clock=clock, ids=ids)


def request_exchange(
    cmd: RequestExchange, uow: UnitOfWork, *, clock: Clock, ids: IdSource, policy: OrderPolicy
) -> AfterSaleId:
    order = _after_delivery(uow, cmd.order_id, clock.now(), policy)
    skus = {sku for sku, _ in cmd.items}
    replacement = cmd.replacement
    if replacement is None:
        if len(skus) != 1:
            raise NotEligible("an exchange of several SKUs must name the replacement")
        replacement = next(iter(skus))
    sku = uow.repo(Sku).get(replacement)
    sku.require_on_sale()
    if sku.merchant != order.seller:
        raise NotEligible(f"{replacement!r} is not sold by {order.seller!r}")
    for returned, _ in cmd.items:
        if returned != replacement and sku.price > _unit_net(order, returned):
            raise NotEligible(
                f"{replacement!r} costs more than the returned {returned!r}: place a new order"
            )
    return _open(
        uow, order, AfterSaleKind.EXCHANGE, cmd.items, cmd.reason,
        clock=clock, ids=ids, replacement=replacement,
    )  # fmt: skip


def _not_virtual(order: Order) -> None:
    if order.kind is OrderKind.TOPUP:
        raise NotEligible(f"order {order.id!r} is a virtual top-up: no after-sales")


def _after_delivery(
    uow: UnitOfWork, order_id: OrderId, now: datetime, policy: OrderPolicy
) -> Order:
    order = uow.repo(Order).get(order_id)
    _not_virtual(order)
    if order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        raise NotEligible(f"order {order.id!r} is {order.status.value}: nothing to return yet")
    since = order.delivered_at or order.completed_at
    if since is not None and now > since + policy.after_sales_window:
        raise NotEligible(
            f"order {order.id!r}: the after-sales window closed at "
            f"{(since + policy.after_sales_window).isoformat()}"
        )
    return order


def _unit_net(order: Order, sku: SkuId) -> Money:
    """The lowest unit net of a line (units differ by at most one cent)."""
    line = order.line(sku)
    return min(line.net.allocate([1] * line.quantity))


def _open(
    uow: UnitOfWork,
    order: Order,
    kind: AfterSaleKind,
    items: Items,
    reason: str,
    *,
    clock: Clock,
    ids: IdSource,
    replacement: SkuId | None = None,
) -> AfterSaleId:
    order.claim(items)
    case = AfterSale.request(
        case_id=AfterSaleId(ids.next_id("as")),
        order_id=order.id,
        seller=order.seller,
        kind=kind,
        items=tuple(items),
        reason=reason,
        at=clock.now(),
        replacement=replacement,
    )
    uow.repo(AfterSale).add(case)
    uow.repo(Order).save(order)
    uow.commit()
    return case.id


# -- review ---------------------------------------------------------------------------------


def approve_after_sale(
    cmd: ApproveAfterSale,
    uow: UnitOfWork,
    *,
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
) -> AfterSaleStatus:
    """Approve: refunds are decided now; returns and exchanges wait for the goods."""
    case = uow.repo(AfterSale).get(cmd.case_id)
    order = uow.repo(Order).get(case.order_id)
    now = clock.now()
    case.approve(cmd.acting, now)
    if case.kind is AfterSaleKind.REFUND_BEFORE_SHIPMENT:
        order.close(f"after-sale {case.id}", now)
        release_holds(uow, order.id, order.allocations)
        order.assign_stock(())
        case.to_refund(order.refund_units(case.items))
    elif case.kind is AfterSaleKind.REFUND_ONLY:
        case.to_refund(order.refund_units(case.items))
    uow.repo(AfterSale).save(case)
    uow.repo(Order).save(order)
    uow.commit()
    if case.status is AfterSaleStatus.REFUNDING:
        return _refund(uow, case.id, gateways, clock)
    return case.status


def reject_after_sale(cmd: RejectAfterSale, uow: UnitOfWork, *, clock: Clock) -> None:
    case = uow.repo(AfterSale).get(cmd.case_id)
    order = uow.repo(Order).get(case.order_id)
    case.reject(cmd.acting, cmd.reason, clock.now())
    order.unclaim(case.items)
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
    now = clock.now()
    case.inspect(cmd.acting, tuple(cmd.accepted), now)
    accepted = dict(case.accepted)
    order.unclaim(
        [(sku, n - accepted.get(sku, 0)) for sku, n in case.items if n > accepted.get(sku, 0)]
    )
    for sku, quantity in case.accepted:
        warehouse = next((a.warehouse for a in order.allocations if a.sku == sku), None)
        if warehouse is not None:
            receive_into(uow, warehouse, sku, quantity, f"{case.id}/return")
    if case.kind is AfterSaleKind.RETURN_AND_REFUND:
        case.to_refund(order.refund_units(case.accepted))
    uow.repo(AfterSale).save(case)
    uow.repo(Order).save(order)
    uow.commit()
    if case.kind is AfterSaleKind.EXCHANGE and case.status is AfterSaleStatus.REPLACING:
        if _merchant_ships(uow, case):
            return case.status  # the merchant ships it: ShipReplacement
        return _replace(
            uow, case.id, gateways=gateways, logistics=logistics, inventory=inventory, clock=clock
        )
    if case.status is AfterSaleStatus.REFUNDING:
        return _refund(uow, case.id, gateways, clock)
    return case.status


def _merchant_ships(uow: UnitOfWork, case: AfterSale) -> bool:
    assert case.replacement is not None
    return uow.repo(Sku).get(case.replacement).fulfillment.mode is FulfillmentMode.MERCHANT


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
    if cmd.acting != case.seller:
        raise Unauthorized(f"{cmd.acting!r} may not ship the replacement of {case.id!r}")
    shipment_id = ShipmentId(f"shp-{case.id}")
    if case.replacement_shipment == shipment_id:
        return case.status  # a replay
    if case.kind is not AfterSaleKind.EXCHANGE:
        raise NotEligible(f"after-sale {case.id!r} is a {case.kind.value}, not an exchange")
    case.flow.target(case.status, "replaced")
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
    """The replacement left in ``shipment``: complete the exchange, refund a cheaper
    replacement's difference (the same SKU again costs nothing more; another one is priced
    against what was paid)."""
    assert case.replacement is not None
    price = uow.repo(Sku).get(case.replacement).price
    difference = Money.sum(
        (
            (_unit_net(order, sku) - price) * n
            for sku, n in case.accepted
            if sku != case.replacement
        ),
        order.currency,
    )
    uow.repo(Shipment).add(shipment)
    if difference.is_positive():
        case.to_refund(((case.accepted[0][0], difference),))
    case.replaced(shipment.id, difference.max(Money.zero(order.currency)), clock.now())
    order.exchange_units(case.accepted)
    uow.repo(AfterSale).save(case)
    uow.repo(Order).save(order)
    uow.commit()
    if difference.is_positive():
        _pay_back(uow, case, gateways, clock)
    return case.status


# -- refunds ------------------------------------------------------------------------------------


def _pay_back(
    uow: UnitOfWork, case: AfterSale, gateways: Mapping[str, PaymentGateway], clock: Clock
) -> RefundStatus:
    assert case.amount is not None
    assert case.refund_id is not None
    order = uow.repo(Order).get(case.order_id)
    if order.payment_id is None:
        raise BusinessRuleViolation(f"order {order.id!r} was never paid")
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
    if _pay_back(uow, case, gateways, clock) is not RefundStatus.SUCCEEDED:
        return case.status
    case = uow.repo(AfterSale).get(case_id)
    order = uow.repo(Order).get(case.order_id)
    now = clock.now()
    case.refunded(now)
    if order.fully_refunded and order.flow.allows(order.status, "close"):
        order.close("every unit refunded", now)
        uow.repo(Order).save(order)
    uow.repo(AfterSale).save(case)
    uow.commit()
    return case.status


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


def merchant_case(uow: UnitOfWork, acting: MerchantId, case_id: AfterSaleId) -> AfterSale:
    """An after-sales case on one of ``acting``'s orders; another seller's is refused."""
    case = uow.repo(AfterSale).get(case_id)
    if case.seller != acting:
        raise Unauthorized(f"{acting!r} may not see after-sale {case_id!r}")
    return case
