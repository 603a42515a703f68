"""Ports of the fulfillment context: the logistics network that carries parcels.

:meth:`Logistics.create_shipment` books a parcel with a carrier and is idempotent on its
``idempotency_key`` (same key and payload: the same booking, booked once; same key and a
different payload: :class:`~merx.kernel.errors.IdempotencyConflict`). A merchant that ships
with its own carrier account registers the tracking number with
:meth:`Logistics.register_tracking`. :meth:`Logistics.track` answers the carrier's events,
oldest first. When the network cannot be reached, or does not answer in time, a call raises
``LogisticsUnavailable``; a booking may then have happened or not, so retry with the same
key. The errors are defined in :mod:`merx.fulfillment.errors` and exported by
:mod:`merx.fulfillment`, which exports the Protocol; the values an adapter builds
(:class:`ShipmentBooking`, :class:`TrackingEvent`, :class:`TrackingStatus`) are imported
from this module.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Protocol

import attrs

from merx.kernel.clock import require_aware


class TrackingStatus(enum.Enum):
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"  # lost, damaged, address problem: someone must act
    RETURNED = "returned"  # back at the sender


@attrs.frozen
class ShipmentBooking:
    """A parcel booked with a carrier."""

    shipment_id: str
    carrier: str
    tracking_number: str


@attrs.frozen
class TrackingEvent:
    """One scan or status change reported by the carrier; ``at`` is timezone-aware."""

    tracking_number: str
    status: TrackingStatus
    at: datetime = attrs.field()
    note: str = ""

    @at.validator
    def _check_at(self, _attribute: attrs.Attribute[datetime], at: datetime) -> None:
        require_aware(at, f"time of tracking event for {self.tracking_number!r}")


# -- the port --------------------------------------------------------------------------


class Logistics(Protocol):
    """Port: book parcels with carriers and follow them."""

    def create_shipment(
        self,
        *,
        shipment_id: str,
        carrier: str | None,
        origin: str,
        destination: str,
        idempotency_key: str,
    ) -> ShipmentBooking:
        """Book a parcel from ``origin`` to ``destination``; ``carrier=None`` lets the
        network choose. Raises ``UnknownCarrier``, ``ShipmentAlreadyBooked``,
        ``LogisticsUnavailable``."""
        ...

    def register_tracking(self, *, carrier: str, tracking_number: str) -> None:
        """Follow a parcel shipped outside the network with its own tracking number.

        Registering the same number with the same carrier again does nothing. Raises
        ``UnknownCarrier``, ``TrackingNumberTaken``, ``LogisticsUnavailable``.
        """
        ...

    def track(self, *, tracking_number: str) -> list[TrackingEvent]:
        """The parcel's events, oldest first (empty before the first scan).

        Raises ``UnknownTrackingNumber``, ``LogisticsUnavailable``.
        """
        ...
