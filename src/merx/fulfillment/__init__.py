"""merx.fulfillment: shipping orders and following parcels to delivery."""

from merx.fulfillment.model import (
    SHIPMENT_FLOW,
    Shipment,
    ShipmentDelivered,
    ShipmentDispatched,
    ShipmentStatus,
)
from merx.fulfillment.ports import (
    Logistics,
    LogisticsTimeout,
    LogisticsUnavailable,
    ShipmentAlreadyBooked,
    ShipmentBooking,
    TrackingEvent,
    TrackingNumberTaken,
    TrackingStatus,
    UnknownCarrier,
    UnknownTrackingNumber,
)
from merx.fulfillment.services import ShipOrder, SyncTracking, ship_order, sync_tracking

__all__ = [
    "SHIPMENT_FLOW",
    "Logistics",
    "LogisticsTimeout",
    "LogisticsUnavailable",
    "ShipOrder",
    "Shipment",
    "ShipmentAlreadyBooked",
    "ShipmentBooking",
    "ShipmentDelivered",
    "ShipmentDispatched",
    "ShipmentStatus",
    "SyncTracking",
    "TrackingEvent",
    "TrackingNumberTaken",
    "TrackingStatus",
    "UnknownCarrier",
    "UnknownTrackingNumber",
    "ship_order",
    "sync_tracking",
]
