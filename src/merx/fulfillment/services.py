"""Fulfillment use cases: ship from our warehouses, route consignment lines to their
suppliers, follow every parcel to delivery."""

from __future__ import annotations

from itertools import groupby

import attrs

from merx.catalog import FulfillmentMode
from merx.fulfillment.model import ConsignmentDispatch, Shipment, ShipmentStatus
from merx.fulfillment.ports import Logistics, TrackingStatus
from merx.inventory import deduct_holds
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import Unauthorized, ValidationError
from merx.kernel.ids import MerchantId, OrderId, ShipmentId, SkuId, SupplierId
from merx.kernel.uow import UnitOfWork
from merx.orders import Order, OrderLine, OrderPaid
from merx.suppliers import ConsignmentChannel, PushConsignmentOrder, push_consignment_order


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


def ship_order(
    cmd: ShipOrder, uow: UnitOfWork, *, logistics: Logistics, clock: Clock
) -> tuple[ShipmentId, ...]:
    order = uow.repo(Order).get(cmd.order_id)
    order.flow.target(order.status, "ship part")
    if not order.allocations or order.ship_to is None:
        raise ValidationError(f"order {order.id!r} has nothing to ship from our warehouses")
    now = clock.now()
    shipments: list[Shipment] = []
    by_warehouse = groupby(
        sorted(order.allocations, key=lambda a: a.warehouse), lambda a: a.warehouse
    )
    for warehouse, allocations in by_warehouse:
        shipment_id = ShipmentId(f"shp-{order.id}-{warehouse}")
        booking = logistics.create_shipment(
            shipment_id=shipment_id,
            carrier=cmd.carrier,
            origin=warehouse,
            destination=order.ship_to.one_line(),
            idempotency_key=f"{shipment_id}/book",
        )
        shipments.append(
            Shipment.dispatch(
                shipment_id=shipment_id,
                order_id=order.id,
                origin=warehouse,
                items=tuple((a.sku, a.quantity) for a in allocations),
                carrier=booking.carrier,
                tracking_number=booking.tracking_number,
                at=now,
            )
        )
    deduct_holds(uow, order.id, order.allocations)
    for shipment in shipments:
        order.add_parcel(shipment.id, shipment.origin, now)
        uow.repo(Shipment).add(shipment)
    uow.repo(Order).save(order)
    uow.commit()
    return tuple(shipment.id for shipment in shipments)


def ship_by_merchant(
    cmd: ShipByMerchant, uow: UnitOfWork, *, logistics: Logistics, clock: Clock
) -> ShipmentId:
    order = uow.repo(Order).get(cmd.order_id)
    if cmd.acting != order.seller:
        raise Unauthorized(f"{cmd.acting!r} may not ship order {order.id!r}")
    lines = order.lines_fulfilled_by(FulfillmentMode.MERCHANT)
    if not lines:
        raise ValidationError(f"order {order.id!r} has nothing the merchant ships itself")
    order.flow.target(order.status, "ship part")
    shipment_id = ShipmentId(f"shp-{order.id}-{order.seller}")
    if shipment_id in order.shipment_ids:
        return shipment_id  # a replay
    logistics.register_tracking(carrier=cmd.carrier, tracking_number=cmd.tracking_number)
    now = clock.now()
    shipment = Shipment.dispatch(
        shipment_id=shipment_id,
        order_id=order.id,
        origin=order.seller,
        items=tuple((line.sku, line.quantity) for line in lines),
        carrier=cmd.carrier,
        tracking_number=cmd.tracking_number,
        at=now,
    )
    order.add_parcel(shipment.id, order.seller, now)
    uow.repo(Shipment).add(shipment)
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
    shipment = Shipment.dispatch(
        shipment_id=ShipmentId(f"shp-{dispatch.order_id}-{dispatch.supplier}"),
        order_id=dispatch.order_id,
        origin=dispatch.supplier,
        items=tuple((SkuId(sku), quantity) for sku, quantity in dispatch.items),
        carrier=parcel.carrier,
        tracking_number=parcel.tracking_number,
        at=now,
    )
    dispatch.shipped(shipment.id, now)
    order = uow.repo(Order).get(dispatch.order_id)
    order.add_parcel(shipment.id, dispatch.supplier, now)
    uow.repo(Shipment).add(shipment)
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
    others = [uow.repo(Shipment).get(sid) for sid in order.shipment_ids if sid != shipment.id]
    if order.flow.allows(order.status, "deliver") and all(
        other.status is ShipmentStatus.DELIVERED for other in others
    ):
        times = [delivered[0].at, *(o.delivered_at for o in others if o.delivered_at)]
        order.mark_delivered(max(times))
        uow.repo(Order).save(order)
    uow.commit()
    return shipment.status
