"""Fulfillment use cases: ship an order from our warehouse, follow the parcel."""

from __future__ import annotations

import attrs

from merx.fulfillment.model import Shipment, ShipmentStatus
from merx.fulfillment.ports import Logistics, TrackingStatus
from merx.inventory import deduct_stock
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import ValidationError
from merx.kernel.ids import OrderId, ShipmentId
from merx.kernel.uow import UnitOfWork
from merx.orders import ORDER_FLOW, Order


@attrs.frozen
class ShipOrder(Command[ShipmentId]):
    """Ship every physical line of a paid order from its warehouse."""

    order_id: OrderId
    carrier: str | None = None


@attrs.frozen
class SyncTracking(Command[ShipmentStatus]):
    """Ask the carrier where the parcel is; a delivery scan delivers the order."""

    shipment_id: ShipmentId


def ship_order(
    cmd: ShipOrder, uow: UnitOfWork, *, logistics: Logistics, clock: Clock
) -> ShipmentId:
    order = uow.repo(Order).get(cmd.order_id)
    ORDER_FLOW.target(order.status, "ship")
    if order.warehouse is None or order.ship_to is None:
        raise ValidationError(f"order {order.id!r} has nothing to ship from a warehouse")
    shipment_id = ShipmentId(f"shp-{order.id}")
    booking = logistics.create_shipment(
        shipment_id=shipment_id,
        carrier=cmd.carrier,
        origin=order.warehouse,
        destination=order.ship_to.one_line(),
        idempotency_key=f"{order.id}/ship",
    )
    now = clock.now()
    items = tuple((line.sku, line.quantity) for line in order.physical_lines)
    shipment = Shipment.dispatch(
        shipment_id=shipment_id,
        order_id=order.id,
        origin=order.warehouse,
        items=items,
        carrier=booking.carrier,
        tracking_number=booking.tracking_number,
        at=now,
    )
    deduct_stock(uow, order.warehouse, order.id, [sku for sku, _ in items])
    order.mark_shipped(shipment_id, now)
    uow.repo(Shipment).add(shipment)
    uow.repo(Order).save(order)
    uow.commit()
    return shipment_id


def sync_tracking(
    cmd: SyncTracking, uow: UnitOfWork, *, logistics: Logistics, clock: Clock
) -> ShipmentStatus:
    shipment = uow.repo(Shipment).get(cmd.shipment_id)
    if shipment.status is ShipmentStatus.DELIVERED:
        return shipment.status
    events = logistics.track(tracking_number=shipment.tracking_number)
    delivered = [e for e in events if e.status is TrackingStatus.DELIVERED]
    if delivered:
        at = delivered[0].at
        shipment.deliver(at)
        order = uow.repo(Order).get(shipment.order_id)
        order.mark_delivered(at)
        uow.repo(Shipment).save(shipment)
        uow.repo(Order).save(order)
        uow.commit()
    return shipment.status
