"""Fulfillment: shipments of an order's goods and their delivery."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.events import DomainEvent
from merx.kernel.ids import OrderId, ShipmentId, SkuId, SupplierId
from merx.kernel.state import StateMachine
from merx.suppliers import ConsignmentAck


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
    """A parcel handed to a carrier: what is in it, where it left from (one of our
    warehouses, or a consignment supplier), and its tracking number."""

    id: ShipmentId
    order_id: OrderId
    origin: str
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
        origin: str,
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


class DispatchStatus(enum.Enum):
    PUSHED = "pushed"
    REFUSED = "refused"
    SHIPPED = "shipped"


DISPATCH_FLOW: StateMachine[DispatchStatus] = StateMachine(
    "consignment dispatch", [(DispatchStatus.PUSHED, "ship", DispatchStatus.SHIPPED)]
)


@attrs.frozen
class ConsignmentPushed(DomainEvent):
    dispatch_id: str
    order_id: OrderId
    supplier: SupplierId
    supplier_order_ref: str
    accepted: bool
    reason: str | None
    at: datetime


@attrs.frozen
class ConsignmentShipped(DomainEvent):
    dispatch_id: str
    order_id: OrderId
    shipment_id: ShipmentId
    at: datetime


@attrs.define(kw_only=True)
class ConsignmentDispatch(Aggregate):
    """An order's consignment lines pushed to the supplier that ships them."""

    id: str
    order_id: OrderId
    supplier: SupplierId
    items: tuple[tuple[SkuId, int], ...]
    supplier_order_ref: str
    status: DispatchStatus
    reason: str | None = None
    shipment_id: ShipmentId | None = None

    @classmethod
    def pushed(
        cls,
        *,
        dispatch_id: str,
        order_id: OrderId,
        supplier: SupplierId,
        items: tuple[tuple[SkuId, int], ...],
        ack: ConsignmentAck,
        at: datetime,
    ) -> ConsignmentDispatch:
        status = DispatchStatus.PUSHED if ack.accepted else DispatchStatus.REFUSED
        dispatch = cls(
            id=dispatch_id,
            order_id=order_id,
            supplier=supplier,
            items=items,
            supplier_order_ref=ack.supplier_order_ref,
            status=status,
            reason=ack.reason,
        )
        dispatch.record(
            ConsignmentPushed(
                dispatch_id,
                order_id,
                supplier,
                ack.supplier_order_ref,
                ack.accepted,
                ack.reason,
                at,
            )
        )
        return dispatch

    def shipped(self, shipment_id: ShipmentId, at: datetime) -> None:
        DISPATCH_FLOW.move(
            self, "ship", ConsignmentShipped(self.id, self.order_id, shipment_id, at)
        )
        self.shipment_id = shipment_id
