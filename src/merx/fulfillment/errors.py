"""The fulfillment context's errors, each under one family of :mod:`merx.errors`.

Most are raised by the logistics network through the :class:`~merx.fulfillment.Logistics`
port (its adapters raise them); the others by the top-up fulfilment.
"""

from __future__ import annotations

from merx.kernel.errors import (
    AlreadyExists,
    BusinessRuleViolation,
    ExternalUnavailable,
    NotFound,
    OutcomeUnknown,
    ValidationError,
)

# -- raised by the logistics network ---------------------------------------------------


class LogisticsUnavailable(ExternalUnavailable):
    """The logistics network could not be reached: the call did not go through."""


class LogisticsTimeout(LogisticsUnavailable, OutcomeUnknown):
    """The network did not answer in time: a booking may or may not have been made."""


class UnknownCarrier(ValidationError):
    """The carrier is not one the logistics network works with."""


class UnknownTrackingNumber(NotFound):
    """No parcel with this tracking number was booked or registered."""


class ShipmentAlreadyBooked(AlreadyExists):
    """A shipment id was booked a second time under another idempotency key."""


class TrackingNumberTaken(AlreadyExists):
    """A tracking number is already known under another carrier."""


# -- virtual top-ups -------------------------------------------------------------------


class NotATopUp(BusinessRuleViolation):
    """The order is not a virtual top-up: it ships instead."""


class UnknownVirtualSupplier(NotFound):
    """No real-time supplier is configured under the SKU's supplier id."""
