"""merx.fulfillment's public API, pinned: a name added or dropped is a visible decision."""

from __future__ import annotations

from merx import fulfillment

PUBLIC = [
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


def test_the_public_api_is_exactly_these_names() -> None:
    assert sorted(fulfillment.__all__) == PUBLIC
    assert len(PUBLIC) <= 60
    for name in PUBLIC:
        assert getattr(fulfillment, name) is not None
