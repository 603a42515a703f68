"""Fulfillment use cases: ship from our warehouses, route consignment lines to their
suppliers, follow every parcel to delivery, buy virtual top-ups from their suppliers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from itertools import groupby

import attrs

from merx.catalog import FulfillmentMode
from merx.fulfillment.errors import NotATopUp, UnknownVirtualSupplier
from merx.fulfillment.model import ConsignmentDispatch, Shipment, ShipmentStatus
from merx.fulfillment.ports import Logistics, TrackingStatus
from merx.fulfillment.topup import (
    TopUp,
    UnitStatus,
    is_topup_refund,
    topup_id_of,
    topup_refund_id,
)
from merx.inventory import StockItem, deduct_holds, stock_key
from merx.kernel.bus import Command, commits_in_steps
from merx.kernel.clock import Clock
from merx.kernel.errors import ValidationError
from merx.kernel.ids import MerchantId, OrderId, PaymentId, ShipmentId, SkuId, SupplierId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork, prefetch
from merx.kernel.vault import Vault
from merx.orders import Order, OrderKind, OrderLine, OrderPaid, OrderStatus
from merx.payments import (
    Payment,
    PaymentGateway,
    RefundStatus,
    RefundSucceeded,
    ask_refund,
    refund_to_payer,
)
from merx.suppliers import (
    ConsignmentChannel,
    PushConsignmentOrder,
    SupplierStatus,
    SupplierTimeout,
    VirtualGoodsSupplier,
    push_consignment_order,
)

Items = tuple[tuple[SkuId, int], ...]


@attrs.frozen
class ShipOrder(Command[tuple[ShipmentId, ...]]):
    """Ship a paid order's warehouse lines: one parcel from each warehouse holding stock."""

    order_id: OrderId
    carrier: str | None = None


@attrs.frozen
class ShipByMerchant(Command[ShipmentId]):
    """A marketplace merchant shipped its order itself and uploads the tracking number;
    the platform follows the parcel from there."""

    order_id: OrderId
    acting: MerchantId
    carrier: str
    tracking_number: str


@attrs.frozen
class RouteConsignment(Command[tuple[str, ...]]):
    """Push a paid order's consignment lines to the suppliers that ship them."""

    order_id: OrderId


@attrs.frozen
class SyncConsignment(Command[ShipmentId | None]):
    """Ask a consignment supplier whether it shipped; record its parcel if so."""

    dispatch_id: str


@attrs.frozen
class SyncTracking(Command[ShipmentStatus]):
    """Ask the carrier where the parcel is; when every parcel is delivered, so is the order."""

    shipment_id: ShipmentId


@attrs.frozen
class FulfillTopUp(Command[OrderStatus]):
    """Buy a paid top-up order from its supplier, or carry on where a timeout stopped."""

    order_id: OrderId


def _parcel_left(
    uow: UnitOfWork,
    order: Order,
    *,
    shipment_id: ShipmentId,
    origin: str,
    items: Items,
    carrier: str,
    tracking_number: str,
    at: datetime,
) -> Shipment:
    """A parcel of ``order`` left ``origin``: the shipment is dispatched and the order
    counts the parcel (both staged; the caller saves the order and commits)."""
    shipment = Shipment.dispatch(
        shipment_id=shipment_id,
        order_id=order.id,
        origin=origin,
        items=items,
        carrier=carrier,
        tracking_number=tracking_number,
        at=at,
    )
    order.add_parcel(shipment.id, origin, at)
    uow.repo(Shipment).add(shipment)
    return shipment


def ship_order(
    cmd: ShipOrder, uow: UnitOfWork, *, logistics: Logistics, clock: Clock
) -> tuple[ShipmentId, ...]:
    order = uow.repo(Order).get(cmd.order_id)
    now = clock.now()
    shipments: list[Shipment] = []
    parcels = order.warehouse_parcels()
    # the new shipments' ids (read as missing) and the stock to deduct: one read
    prefetch(uow.repo(Shipment), [ShipmentId(f"shp-{order.id}-{w}") for w, _ in parcels])
    prefetch(uow.repo(StockItem), [stock_key(a.warehouse, a.sku) for a in order.allocations])
    for warehouse, items in parcels:
        assert order.ship_to is not None, "an order with parcels has an address"
        shipment_id = ShipmentId(f"shp-{order.id}-{warehouse}")
        booking = logistics.create_shipment(
            shipment_id=shipment_id,
            carrier=cmd.carrier,
            origin=warehouse,
            destination=order.ship_to.one_line(),
            idempotency_key=f"{shipment_id}/book",
        )
        shipment = _parcel_left(
            uow, order, shipment_id=shipment_id, origin=warehouse, items=items,
            carrier=booking.carrier, tracking_number=booking.tracking_number, at=now,
        )  # fmt: skip
        shipments.append(shipment)
    deduct_holds(uow, order.id, order.allocations)
    uow.repo(Order).save(order)
    uow.commit()
    return tuple(shipment.id for shipment in shipments)


def ship_by_merchant(
    cmd: ShipByMerchant, uow: UnitOfWork, *, logistics: Logistics, clock: Clock
) -> ShipmentId:
    order = uow.repo(Order).get(cmd.order_id)
    items = order.merchant_parcel(cmd.acting)
    shipment_id = ShipmentId(f"shp-{order.id}-{order.seller}")
    if shipment_id in order.shipment_ids:
        return shipment_id  # a replay
    logistics.register_tracking(carrier=cmd.carrier, tracking_number=cmd.tracking_number)
    shipment = _parcel_left(
        uow, order, shipment_id=shipment_id, origin=order.seller, items=items,
        carrier=cmd.carrier, tracking_number=cmd.tracking_number, at=clock.now(),
    )  # fmt: skip
    uow.repo(Order).save(order)
    uow.commit()
    return shipment.id


def route_consignment(
    cmd: RouteConsignment, uow: UnitOfWork, *, channel: ConsignmentChannel, clock: Clock
) -> tuple[str, ...]:
    """One dispatch per supplier; the push is idempotent, so a retry never pushes twice."""
    order = uow.repo(Order).view(cmd.order_id)
    lines = order.lines_fulfilled_by(FulfillmentMode.CONSIGNMENT)
    if not lines:
        return ()
    if order.ship_to is None:
        raise ValidationError(f"order {order.id!r} has consignment lines but no address")
    destination = order.ship_to.one_line()
    dispatch_ids: list[str] = []
    for supplier, group in groupby(sorted(lines, key=_supplier_of), _supplier_of):
        items = tuple((line.sku, line.quantity) for line in group)
        dispatch_id = f"cons-{order.id}-{supplier}"
        dispatch_ids.append(dispatch_id)
        if uow.repo(ConsignmentDispatch).find(dispatch_id) is not None:
            continue
        ack = push_consignment_order(
            PushConsignmentOrder(supplier, order.id, items, destination), uow, channel=channel
        )
        uow.repo(ConsignmentDispatch).add(
            ConsignmentDispatch.pushed(
                dispatch_id=dispatch_id,
                order_id=order.id,
                supplier=supplier,
                items=items,
                ack=ack,
                at=clock.now(),
            )
        )
    uow.commit()
    return tuple(dispatch_ids)


def _supplier_of(line: OrderLine) -> SupplierId:
    supplier = line.fulfillment.supplier
    assert supplier is not None, "a consignment line always names its supplier"
    return supplier


def route_paid_consignment(
    event: OrderPaid, uow: UnitOfWork, *, channel: ConsignmentChannel, clock: Clock
) -> None:
    """Subscriber: as soon as an order is paid, its consignment lines go to the suppliers."""
    route_consignment(RouteConsignment(event.order_id), uow, channel=channel, clock=clock)


def sync_consignment(
    cmd: SyncConsignment,
    uow: UnitOfWork,
    *,
    channel: ConsignmentChannel,
    logistics: Logistics,
    clock: Clock,
) -> ShipmentId | None:
    dispatch = uow.repo(ConsignmentDispatch).get(cmd.dispatch_id)
    if dispatch.shipment_id is not None:
        return dispatch.shipment_id
    parcels = channel.shipments(supplier_order_ref=dispatch.supplier_order_ref)
    if not parcels:
        return None
    parcel = parcels[0]
    logistics.register_tracking(carrier=parcel.carrier, tracking_number=parcel.tracking_number)
    now = clock.now()
    order = uow.repo(Order).get(dispatch.order_id)
    shipment = _parcel_left(
        uow, order, shipment_id=ShipmentId(f"shp-{dispatch.order_id}-{dispatch.supplier}"),
        origin=dispatch.supplier,
        items=tuple((SkuId(sku), quantity) for sku, quantity in dispatch.items),
        carrier=parcel.carrier, tracking_number=parcel.tracking_number, at=now,
    )  # fmt: skip
    dispatch.shipped(shipment.id, now)
    uow.repo(ConsignmentDispatch).save(dispatch)
    uow.repo(Order).save(order)
    uow.commit()
    return shipment.id


def sync_tracking(
    cmd: SyncTracking, uow: UnitOfWork, *, logistics: Logistics, clock: Clock
) -> ShipmentStatus:
    shipment = uow.repo(Shipment).get(cmd.shipment_id)
    if shipment.status is ShipmentStatus.DELIVERED:
        return shipment.status
    events = logistics.track(tracking_number=shipment.tracking_number)
    delivered = [e for e in events if e.status is TrackingStatus.DELIVERED]
    if not delivered:
        return shipment.status
    shipment.deliver(delivered[0].at)
    uow.repo(Shipment).save(shipment)
    order = uow.repo(Order).get(shipment.order_id)
    prefetch(uow.repo(Shipment), order.shipment_ids)
    others = [uow.repo(Shipment).get(sid) for sid in order.shipment_ids if sid != shipment.id]
    if order.parcels_arrived([shipment.delivered_at, *(other.delivered_at for other in others)]):
        uow.repo(Order).save(order)
    uow.commit()
    return shipment.status


# -- virtual top-ups -----------------------------------------------------------------------


def fulfill_topup(
    cmd: FulfillTopUp,
    uow: UnitOfWork,
    *,
    suppliers: Mapping[str, VirtualGoodsSupplier],
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
    vault: Vault,
) -> OrderStatus:
    """Buy the top-up's units from their suppliers; the account to credit is revealed at
    ``vault`` only to be handed to the supplier (the one place merx reads it in clear)."""
    order = uow.repo(Order).get(cmd.order_id)
    if order.kind is not OrderKind.TOPUP:
        raise NotATopUp(f"order {order.id!r} is not a top-up")
    if order.status is OrderStatus.PAID:
        # Opened and bought in one commit: every purchase's key is derived from the order,
        # so a failure before it leaves the order paid and a retry asks the same questions.
        # Each later step finds what an earlier run stored (the subscriber commits in
        # steps: a relay reruns it after a failure between two of them).
        top_up = TopUp.open(order)
        order.start_procurement(clock.now())
        uow.repo(TopUp).add(top_up)
        uow.repo(Order).save(order)
    elif order.status is OrderStatus.PROCURING:
        top_up = uow.repo(TopUp).get(topup_id_of(order.id))
    elif order.status is OrderStatus.REFUNDING:
        return _refund_failed(uow, order.id, gateways, clock)
    else:
        return order.status
    _purchase(uow, top_up.id, suppliers, vault)
    return _conclude(uow, order.id, gateways, clock)


def _purchase(
    uow: UnitOfWork, top_up_id: str, suppliers: Mapping[str, VirtualGoodsSupplier], vault: Vault
) -> None:
    top_up = uow.repo(TopUp).get(top_up_id)
    account: str | None = None
    for unit in top_up.of(UnitStatus.UNKNOWN):
        try:
            supplier = suppliers[unit.supplier]
        except KeyError:
            raise UnknownVirtualSupplier(
                f"no real-time supplier {unit.supplier!r} is configured"
            ) from None
        if account is None:
            account = vault.reveal(top_up.account.token)
        try:
            result = supplier.purchase(
                order_ref=top_up.order_id,
                sku=unit.sku,
                account=account,
                face_value=unit.face_value,
                idempotency_key=unit.key,
            )
        except SupplierTimeout:
            continue  # unknown: never refunded until the supplier says it failed
        if result.status is SupplierStatus.SUCCEEDED:
            top_up.settle(unit.key, UnitStatus.SUCCEEDED, result.supplier_ref, None)
        elif result.status is SupplierStatus.FAILED:
            top_up.settle(unit.key, UnitStatus.FAILED, result.supplier_ref, result.reason)
    uow.repo(TopUp).save(top_up)
    uow.commit()


def _conclude(
    uow: UnitOfWork, order_id: OrderId, gateways: Mapping[str, PaymentGateway], clock: Clock
) -> OrderStatus:
    """Every unit answered: the order ends its procurement and, in the same commit, the
    failed units' refund is reserved on its payment (so no stop between the two leaves
    a failure unrefunded), then asked for; a full failure refunded closes the order."""
    top_up = uow.repo(TopUp).get(topup_id_of(order_id))
    order = uow.repo(Order).get(order_id)
    if not top_up.settled:
        return order.status
    now = clock.now()
    order.procurement_ended(credited=top_up.credited, failure=top_up.failure, at=now)
    refund_id = _reserve_failed_refund(uow, order, top_up, now)
    if refund_id is None and top_up.of(UnitStatus.FAILED):
        order.close_if_refunded("supplier failed; nothing left to refund", now)
    uow.repo(Order).save(order)
    uow.commit()
    if refund_id is None:
        return order.status
    assert order.payment_id is not None, "a top-up is procured only once paid"
    status = ask_refund(
        uow, gateways, payment_id=PaymentId(order.payment_id), refund_id=refund_id, clock=clock
    )
    return _close_if_refunded(uow, order_id, status, clock)


def _reserve_failed_refund(
    uow: UnitOfWork, order: Order, top_up: TopUp, at: datetime
) -> str | None:
    """Reserve (staged) the refund of the failed units' net price, at most what is left to
    refund of the order's payment; its id, or ``None`` when there is nothing to refund."""
    failed = top_up.of(UnitStatus.FAILED)
    if not failed:
        return None
    assert order.payment_id is not None, "a top-up is procured only once paid"
    payment = uow.repo(Payment).get(PaymentId(order.payment_id))
    refund_id = topup_refund_id(order.id)
    if refund_id in payment.refunds:
        return refund_id
    amount = _failed_refund_due(top_up, payment, order)
    if not amount.is_positive():
        return None
    reason = f"the supplier could not top up {len(failed)} unit(s)"
    payment.reserve_refund(refund_id, amount, reason, at=at, order_id=order.id)
    uow.repo(Payment).save(payment)
    return refund_id


def _failed_refund_due(top_up: TopUp, payment: Payment, order: Order) -> Money:
    """The failed units' net price, at most what is left to refund of the order's payment
    (a refund granted meanwhile counts)."""
    return top_up.refund_due.min(payment.refundable_to(order.id, order.payable))


def _refund_failed(
    uow: UnitOfWork, order_id: OrderId, gateways: Mapping[str, PaymentGateway], clock: Clock
) -> OrderStatus:
    """Try the failed units' refund again (reserved when the procurement ended; a top-up
    stored before that was so is reserved now, capped at what is left); close the order
    once a full failure is refunded."""
    top_up = uow.repo(TopUp).get(topup_id_of(order_id))
    order = uow.repo(Order).get(order_id)
    assert order.payment_id is not None, "a top-up is procured only once paid"
    payment = uow.repo(Payment).get(PaymentId(order.payment_id))
    refund_id = topup_refund_id(order.id)
    if refund_id in payment.refunds:
        amount = payment.refunds[refund_id].amount
    else:
        amount = _failed_refund_due(top_up, payment, order)
    if not amount.is_positive():
        if order.close_if_refunded("supplier failed; nothing left to refund", clock.now()):
            uow.repo(Order).save(order)
            uow.commit()
        return order.status
    status = refund_to_payer(
        uow,
        gateways,
        payment_id=payment.id,
        refund_id=refund_id,
        amount=amount,
        reason=f"the supplier could not top up {len(top_up.of(UnitStatus.FAILED))} unit(s)",
        clock=clock,
        order_id=order.id,
    )
    return _close_if_refunded(uow, order_id, status, clock)


def _close_if_refunded(
    uow: UnitOfWork, order_id: OrderId, status: RefundStatus, clock: Clock
) -> OrderStatus:
    order = uow.repo(Order).get(order_id)
    if status is RefundStatus.SUCCEEDED and order.close_if_refunded(
        "supplier failed; refunded", clock.now()
    ):
        uow.repo(Order).save(order)
        uow.commit()
    return order.status


def close_refunded_topup(event: RefundSucceeded, uow: UnitOfWork) -> None:
    """Subscriber: a failed top-up's refund succeeded later (a notification, a sync, a
    retry, or a person recording it refunded offline): the order closes."""
    if not is_topup_refund(event.refund_id):
        return
    refund = uow.repo(Payment).view(event.payment_id).refunds[event.refund_id]
    if refund.order_id is None:
        return
    order = uow.repo(Order).get(refund.order_id)
    if order.close_if_refunded("supplier failed; refunded", event.at):
        uow.repo(Order).save(order)
        uow.commit()


@commits_in_steps
def fulfill_paid_topup(
    event: OrderPaid,
    uow: UnitOfWork,
    *,
    suppliers: Mapping[str, VirtualGoodsSupplier],
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
    vault: Vault,
) -> None:
    """Subscriber: a paid top-up is bought from its supplier at once."""
    order = uow.repo(Order).view(event.order_id)
    if order.kind is OrderKind.TOPUP:
        fulfill_topup(
            FulfillTopUp(order.id), uow, suppliers=suppliers, gateways=gateways, clock=clock,
            vault=vault,
        )  # fmt: skip
