"""Fulfillment use cases: ship an order from our warehouses, follow the parcels."""

from __future__ import annotations

from itertools import groupby

import attrs

from merx.fulfillment.model import Shipment, ShipmentStatus
from merx.fulfillment.ports import Logistics, TrackingStatus
from merx.inventory import deduct_holds
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import ValidationError
from merx.kernel.ids import OrderId, ShipmentId
from merx.kernel.uow import UnitOfWork
from merx.orders import ORDER_FLOW, Order


@attrs.frozen
class ShipOrder(Command[tuple[ShipmentId, ...]]):
    """Ship a paid order: one parcel from each warehouse holding its stock."""

    order_id: OrderId
    carrier: str | None = None


@attrs.frozen
class SyncTracking(Command[ShipmentStatus]):
    """Ask the carrier where the parcel is; when every parcel is delivered, so is the order."""

    shipment_id: ShipmentId


def ship_order(
    cmd: ShipOrder, uow: UnitOfWork, *, logistics: Logistics, clock: Clock
) -> tuple[ShipmentId, ...]:
    order = uow.repo(Order).get(cmd.order_id)
    ORDER_FLOW.target(order.status, "ship")
    if not order.allocations or order.ship_to is None:
        raise ValidationError(f"order {order.id!r} has nothing to ship from a warehouse")
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
    ids = tuple(shipment.id for shipment in shipments)
    order.mark_shipped(ids, now)
    for shipment in shipments:
        uow.repo(Shipment).add(shipment)
    uow.repo(Order).save(order)
    uow.commit()
    return ids


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
    if all(other.status is ShipmentStatus.DELIVERED for other in others):
        order.mark_delivered(
            max([delivered[0].at, *(o.delivered_at for o in others if o.delivered_at)])
        )
        uow.repo(Order).save(order)
    uow.commit()
    return shipment.status
