"""In-memory :class:`~merx.fulfillment.ports.Logistics`: a scriptable logistics network.

Tests move parcels along with :meth:`MemoryLogistics.advance` and make the network fail
with :meth:`~MemoryLogistics.fail_next` (the call raises
:class:`~merx.fulfillment.LogisticsUnavailable` and does nothing) or
:meth:`~MemoryLogistics.timeout_next` (it raises
:class:`~merx.fulfillment.LogisticsTimeout`, after acting when ``applied=True``).
Scripted failures are consumed in order by the next calls that reach the network: replays
of a recorded booking and calls refused as invalid answer without consuming one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Final

from merx.fulfillment import (
    LogisticsTimeout,
    LogisticsUnavailable,
    ShipmentAlreadyBooked,
    TrackingNumberTaken,
    UnknownCarrier,
    UnknownTrackingNumber,
)
from merx.fulfillment.ports import ShipmentBooking, TrackingEvent, TrackingStatus
from merx.kernel.errors import ValidationError
from merx.kernel.idempotency import IdempotencyLog
from merx.kernel.validation import require_text

#: Carriers a :class:`MemoryLogistics` works with unless told otherwise; the first is the default.
DEFAULT_CARRIERS: Final = ("sf_express", "jd_logistics", "zto")

_FAIL = "fail"
_TIMEOUT_APPLIED = "timeout, applied"
_TIMEOUT_LOST = "timeout, not applied"


class MemoryLogistics:
    """A logistics network held in memory (see the module docstring for the test hooks)."""

    def __init__(
        self, carriers: Iterable[str] = DEFAULT_CARRIERS, *, default_carrier: str | None = None
    ) -> None:
        self._carriers = tuple(carriers)
        if not self._carriers:
            raise ValidationError("a logistics network needs at least one carrier")
        self._default_carrier = default_carrier or self._carriers[0]
        self._require_carrier(self._default_carrier)
        self._log: IdempotencyLog[ShipmentBooking] = IdempotencyLog()
        self._bookings: dict[str, ShipmentBooking] = {}  # shipment id -> booking
        self._carrier_of: dict[str, str] = {}  # tracking number -> carrier
        self._events: dict[str, list[TrackingEvent]] = {}  # tracking number -> events
        self._script: deque[str] = deque()
        self._sequence = 0

    # -- the port ----------------------------------------------------------------------

    def create_shipment(
        self,
        *,
        shipment_id: str,
        carrier: str | None,
        origin: str,
        destination: str,
        idempotency_key: str,
    ) -> ShipmentBooking:
        require_text(idempotency_key, "idempotency key")
        payload = (shipment_id, carrier, origin, destination)
        replayed = self._log.replay(idempotency_key, payload)
        if replayed is not None:
            return replayed
        require_text(shipment_id, "shipment id")
        require_text(origin, "origin")
        require_text(destination, "destination")
        chosen = self._default_carrier if carrier is None else carrier
        self._require_carrier(chosen)
        if shipment_id in self._bookings:
            raise ShipmentAlreadyBooked(
                f"shipment {shipment_id!r} is already booked as "
                f"{self._bookings[shipment_id].tracking_number!r} under another key"
            )
        applied_timeout = self._next_script(f"booking shipment {shipment_id!r}")
        tracking_number = self._new_tracking_number(chosen)
        booking = ShipmentBooking(shipment_id, chosen, tracking_number)
        self._bookings[shipment_id] = booking
        self._carrier_of[tracking_number] = chosen
        self._events[tracking_number] = []
        self._log.remember(idempotency_key, payload, booking)
        if applied_timeout:
            raise LogisticsTimeout(
                f"booking shipment {shipment_id!r} (key {idempotency_key!r}) timed out; "
                "retry with the same key"
            )
        return booking

    def register_tracking(self, *, carrier: str, tracking_number: str) -> None:
        self._require_carrier(carrier)
        require_text(tracking_number, "tracking number")
        known = self._carrier_of.get(tracking_number)
        if known is not None and known != carrier:
            raise TrackingNumberTaken(
                f"tracking number {tracking_number!r} belongs to {known!r}, not {carrier!r}"
            )
        applied_timeout = self._next_script(f"registering tracking number {tracking_number!r}")
        if known is None:
            self._carrier_of[tracking_number] = carrier
            self._events[tracking_number] = []
        if applied_timeout:
            raise LogisticsTimeout(f"registering tracking number {tracking_number!r} timed out")

    def track(self, *, tracking_number: str) -> list[TrackingEvent]:
        events = self._events_of(tracking_number)
        if self._next_script(f"tracking {tracking_number!r}"):
            raise LogisticsTimeout(f"tracking {tracking_number!r} timed out")
        return sorted(events, key=lambda event: event.at)

    # -- test hooks --------------------------------------------------------------------

    @property
    def bookings(self) -> Mapping[str, ShipmentBooking]:
        """Every booking made, by shipment id (read-only view)."""
        return MappingProxyType(self._bookings)

    def advance(
        self, tracking_number: str, status: TrackingStatus, at: datetime, note: str = ""
    ) -> TrackingEvent:
        """The carrier reports ``status`` for the parcel at ``at`` (timezone-aware)."""
        events = self._events_of(tracking_number)
        if not isinstance(status, TrackingStatus):
            raise ValidationError(f"tracking status must be a TrackingStatus, not {status!r}")
        event = TrackingEvent(tracking_number, status, at, note)
        events.append(event)
        return event

    def fail_next(self, n: int = 1) -> None:
        """The next ``n`` calls raise :class:`LogisticsUnavailable` and do nothing."""
        self._push(n, _FAIL)

    def timeout_next(self, n: int = 1, *, applied: bool) -> None:
        """The next ``n`` calls raise :class:`LogisticsTimeout`; with ``applied=True`` a
        booking or registration is made first (a retry with the same key returns it)."""
        self._push(n, _TIMEOUT_APPLIED if applied else _TIMEOUT_LOST)

    # -- internals ---------------------------------------------------------------------

    def _require_carrier(self, carrier: str) -> None:
        if carrier not in self._carriers:
            raise UnknownCarrier(f"unknown carrier {carrier!r}; known: {', '.join(self._carriers)}")

    def _events_of(self, tracking_number: str) -> list[TrackingEvent]:
        events = self._events.get(tracking_number)
        if events is None:
            raise UnknownTrackingNumber(f"no parcel with tracking number {tracking_number!r}")
        return events

    def _push(self, n: int, outcome: str) -> None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValidationError(
                f"number of scripted failures must be a whole number >= 1, not {n!r}"
            )
        self._script.extend([outcome] * n)

    def _next_script(self, what: str) -> bool:
        """Pop the next scripted failure: raise if the call does not go through; return
        whether it goes through but times out afterwards."""
        outcome = self._script.popleft() if self._script else None
        if outcome == _FAIL:
            raise LogisticsUnavailable(f"{what}: the logistics network is unavailable")
        if outcome == _TIMEOUT_LOST:
            raise LogisticsTimeout(f"{what} timed out before reaching the network")
        return outcome == _TIMEOUT_APPLIED

    def _new_tracking_number(self, carrier: str) -> str:
        while True:
            self._sequence += 1
            number = f"{carrier}-{self._sequence:08d}"
            if number not in self._carrier_of:
                return number
