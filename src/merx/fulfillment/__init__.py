"""merx.fulfillment: shipping orders, following parcels to delivery, buying top-ups.

The command handlers are in ``merx.fulfillment.services`` (for the composition root); the
transition tables in ``merx.fulfillment.model``. The ``Logistics`` Protocol is exported
here; the values an adapter builds to answer it (``ShipmentBooking``, ``TrackingEvent``,
``TrackingStatus``) are in ``merx.fulfillment.ports``.
"""

from merx.fulfillment.errors import (
    LogisticsTimeout,
    LogisticsUnavailable,
    NotATopUp,
    ShipmentAlreadyBooked,
    TrackingNumberTaken,
    UnknownCarrier,
    UnknownTrackingNumber,
    UnknownVirtualSupplier,
)
from merx.fulfillment.model import (
    ConsignmentDispatch,
    ConsignmentPushed,
    ConsignmentShipped,
    DispatchStatus,
    Shipment,
    ShipmentDelivered,
    ShipmentDispatched,
    ShipmentStatus,
)
from merx.fulfillment.ports import Logistics
from merx.fulfillment.services import (
    FulfillTopUp,
    RouteConsignment,
    ShipByMerchant,
    ShipOrder,
    SyncConsignment,
    SyncTracking,
)
from merx.fulfillment.topup import TopUp, TopUpOpened, TopUpUnitSettled, UnitStatus

__all__ = [
    "ConsignmentDispatch",
    "ConsignmentPushed",
    "ConsignmentShipped",
    "DispatchStatus",
    "FulfillTopUp",
    "Logistics",
    "LogisticsTimeout",
    "LogisticsUnavailable",
    "NotATopUp",
    "RouteConsignment",
    "ShipByMerchant",
    "ShipOrder",
    "Shipment",
    "ShipmentAlreadyBooked",
    "ShipmentDelivered",
    "ShipmentDispatched",
    "ShipmentStatus",
    "SyncConsignment",
    "SyncTracking",
    "TopUp",
    "TopUpOpened",
    "TopUpUnitSettled",
    "TrackingNumberTaken",
    "UnitStatus",
    "UnknownCarrier",
    "UnknownTrackingNumber",
    "UnknownVirtualSupplier",
]
