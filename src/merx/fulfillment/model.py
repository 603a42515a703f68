"""Fulfillment: shipments of an order's goods and their delivery."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.events import DomainEvent
from merx.kernel.ids import OrderId, ShipmentId, SkuId, WarehouseId
from merx.kernel.state import StateMachine


class ShipmentStatus(enum.Enum):
    SHIPPED = "shipped"
    DELIVERED = "delivered"


SHIPMENT_FLOW: StateMachine[ShipmentStatus] = StateMachine(
    "shipment", [(ShipmentStatus.SHIPPED, "deliver", ShipmentStatus.DELIVERED)]
)


@attrs.frozen
class ShipmentDispatched(DomainEvent):
    shipment_id: ShipmentId
    order_id: OrderId
    carrier: str
    tracking_number: str
    at: datetime


@attrs.frozen
class ShipmentDelivered(DomainEvent):
    shipment_id: ShipmentId
    order_id: OrderId
    at: datetime


@attrs.define(kw_only=True)
class Shipment(Aggregate):
    """A parcel handed to a carrier: what is in it, from where, and its tracking number."""

    id: ShipmentId
    order_id: OrderId
    origin: WarehouseId
    items: tuple[tuple[SkuId, int], ...]
    carrier: str
    tracking_number: str
    shipped_at: datetime
    status: ShipmentStatus = ShipmentStatus.SHIPPED
    delivered_at: datetime | None = None

    @classmethod
    def dispatch(
        cls,
        *,
        shipment_id: ShipmentId,
        order_id: OrderId,
        origin: WarehouseId,
        items: tuple[tuple[SkuId, int], ...],
        carrier: str,
        tracking_number: str,
        at: datetime,
    ) -> Shipment:
        shipment = cls(
            id=shipment_id,
            order_id=order_id,
            origin=origin,
            items=items,
            carrier=carrier,
            tracking_number=tracking_number,
            shipped_at=at,
        )
        shipment.record(ShipmentDispatched(shipment_id, order_id, carrier, tracking_number, at))
        return shipment

    def deliver(self, at: datetime) -> None:
        SHIPMENT_FLOW.move(self, "deliver", ShipmentDelivered(self.id, self.order_id, at))
        self.delivered_at = at
