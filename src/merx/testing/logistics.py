"""The contract of the ``Logistics`` port (:mod:`merx.fulfillment.ports`).

Run it against an adapter by subclassing :class:`LogisticsContract` and providing the
fixture ``make_logistics``: a :class:`LogisticsFactory` answering a fresh adapter with the test
hooks of :class:`ScriptableLogistics`::

    class TestCarrierSandbox(LogisticsContract):
        @pytest.fixture
        def make_logistics(self) -> LogisticsFactory:
            return lambda carriers: SandboxLogistics(carriers, sandbox_credentials())

The factory takes the carriers the network must know (:data:`CARRIERS`).

Laws: a booking is made once per shipment and per key, whatever the failures and retries;
a retry with the key of a booking answers that booking; tracking numbers are unique;
``track`` answers the carrier's events oldest first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.fulfillment import (
    LogisticsTimeout,
    LogisticsUnavailable,
    ShipmentAlreadyBooked,
    TrackingNumberTaken,
    UnknownCarrier,
    UnknownTrackingNumber,
)
from merx.fulfillment.ports import Logistics, ShipmentBooking, TrackingEvent, TrackingStatus
from merx.kernel.errors import IdempotencyConflict, ValidationError

#: The carriers the suite books with.
CARRIERS = ("sf_express", "zto")


class ScriptableLogistics(Logistics, Protocol):
    """The port plus the test hooks the contract needs."""

    @property
    def bookings(self) -> Mapping[str, ShipmentBooking]: ...

    def advance(
        self, tracking_number: str, status: TrackingStatus, at: datetime, note: str = ""
    ) -> TrackingEvent: ...

    def fail_next(self, n: int = 1) -> None: ...

    def timeout_next(self, n: int = 1, *, applied: bool) -> None: ...


#: What the host's ``make_logistics`` fixture answers: a fresh network of the given carriers.
LogisticsFactory = Callable[[Sequence[str]], ScriptableLogistics]


T0 = datetime(2024, 11, 11, 9, 0, tzinfo=UTC)


def book(
    logistics: Logistics, shipment_id: str = "shp-1", key: str = "k1", carrier: str | None = "zto"
) -> ShipmentBooking:
    return logistics.create_shipment(
        shipment_id=shipment_id,
        carrier=carrier,
        origin="warehouse-hangzhou",
        destination="beijing, chaoyang",
        idempotency_key=key,
    )


# -- the law -------------------------------------------------------------------------------

FAILURES = ("none", "none", "fail", "timeout_applied", "timeout_lost")


class LogisticsContract:
    """The contract of a ``Logistics`` adapter (see the module docstring). Subclass it
    under a name pytest collects and provide the fixture ``make_logistics`` (a
    :class:`LogisticsFactory`)."""

    @pytest.fixture
    def logistics(self, make_logistics: LogisticsFactory) -> ScriptableLogistics:
        return make_logistics(CARRIERS)

    # -- happy paths ---------------------------------------------------------------------------

    def test_a_booking_names_its_carrier_and_tracking_number(
        self, logistics: ScriptableLogistics
    ) -> None:
        booking = book(logistics)

        assert booking.shipment_id == "shp-1"
        assert booking.carrier == "zto"
        assert booking.tracking_number
        assert logistics.track(tracking_number=booking.tracking_number) == []
        assert dict(logistics.bookings) == {"shp-1": booking}

    def test_the_network_chooses_a_carrier_when_none_is_asked(
        self, logistics: ScriptableLogistics
    ) -> None:
        booking = book(logistics, carrier=None)

        assert booking.carrier in CARRIERS

    def test_tracking_numbers_are_unique(self, logistics: ScriptableLogistics) -> None:
        numbers = {book(logistics, f"shp-{i}", f"k{i}").tracking_number for i in range(5)}

        assert len(numbers) == 5

    def test_tracking_follows_the_parcel_oldest_first(self, logistics: ScriptableLogistics) -> None:
        number = book(logistics).tracking_number
        logistics.advance(number, TrackingStatus.OUT_FOR_DELIVERY, T0 + timedelta(hours=20))
        logistics.advance(number, TrackingStatus.IN_TRANSIT, T0 + timedelta(hours=2), "left hub")
        logistics.advance(number, TrackingStatus.DELIVERED, T0 + timedelta(hours=26), "signed")

        events = logistics.track(tracking_number=number)

        assert [e.status for e in events] == [
            TrackingStatus.IN_TRANSIT,
            TrackingStatus.OUT_FOR_DELIVERY,
            TrackingStatus.DELIVERED,
        ]
        assert events[0] == TrackingEvent(
            number, TrackingStatus.IN_TRANSIT, T0 + timedelta(hours=2), "left hub"
        )
        assert all(e.tracking_number == number for e in events)

    def test_a_merchant_registers_its_own_tracking_number(
        self, logistics: ScriptableLogistics
    ) -> None:
        logistics.register_tracking(carrier="sf_express", tracking_number="SF1234567890")
        logistics.register_tracking(carrier="sf_express", tracking_number="SF1234567890")  # no-op
        logistics.advance("SF1234567890", TrackingStatus.IN_TRANSIT, T0)

        assert [e.status for e in logistics.track(tracking_number="SF1234567890")] == [
            TrackingStatus.IN_TRANSIT
        ]

    # -- idempotent replays --------------------------------------------------------------------

    def test_a_replayed_booking_answers_the_same_and_books_once(
        self,
        logistics: ScriptableLogistics,
    ) -> None:
        first = book(logistics)

        assert book(logistics) == first
        assert len(logistics.bookings) == 1

    def test_a_key_reused_for_another_shipment_is_a_conflict(
        self, logistics: ScriptableLogistics
    ) -> None:
        book(logistics, "shp-1", "k1")

        with pytest.raises(IdempotencyConflict):
            book(logistics, "shp-2", "k1")
        with pytest.raises(IdempotencyConflict):
            book(logistics, "shp-1", "k1", carrier="sf_express")
        assert list(logistics.bookings) == ["shp-1"]

    def test_a_shipment_is_booked_once(self, logistics: ScriptableLogistics) -> None:
        book(logistics, "shp-1", "k1")

        with pytest.raises(ShipmentAlreadyBooked):
            book(logistics, "shp-1", "k2")

    # -- refusals ------------------------------------------------------------------------------

    def test_unknown_carriers_are_refused(self, logistics: ScriptableLogistics) -> None:
        with pytest.raises(UnknownCarrier):
            book(logistics, carrier="pigeon_post")
        with pytest.raises(UnknownCarrier):
            logistics.register_tracking(carrier="pigeon_post", tracking_number="P1")

    def test_a_tracking_number_belongs_to_one_carrier(self, logistics: ScriptableLogistics) -> None:
        logistics.register_tracking(carrier="sf_express", tracking_number="X1")

        with pytest.raises(TrackingNumberTaken):
            logistics.register_tracking(carrier="zto", tracking_number="X1")

    def test_unknown_parcels_cannot_be_tracked(self, logistics: ScriptableLogistics) -> None:
        with pytest.raises(UnknownTrackingNumber):
            logistics.track(tracking_number="nope")

    def test_tracking_times_carry_a_zone(self, logistics: ScriptableLogistics) -> None:
        number = book(logistics).tracking_number

        with pytest.raises(ValidationError):
            logistics.advance(number, TrackingStatus.IN_TRANSIT, datetime(2024, 11, 11, 9, 0))

    # -- failure modes -------------------------------------------------------------------------

    def test_an_unavailable_network_books_nothing(self, logistics: ScriptableLogistics) -> None:
        logistics.fail_next()

        with pytest.raises(LogisticsUnavailable):
            book(logistics)

        assert dict(logistics.bookings) == {}
        assert book(logistics).shipment_id == "shp-1"

    def test_an_unavailable_network_cannot_track(self, logistics: ScriptableLogistics) -> None:
        number = book(logistics).tracking_number
        logistics.fail_next(2)

        with pytest.raises(LogisticsUnavailable):
            logistics.track(tracking_number=number)
        with pytest.raises(LogisticsUnavailable):
            logistics.register_tracking(carrier="zto", tracking_number="Z9")
        assert logistics.track(tracking_number=number) == []
        with pytest.raises(UnknownTrackingNumber):
            logistics.track(tracking_number="Z9")

    def test_a_timed_out_booking_that_was_made_is_answered_by_the_retry(
        self,
        logistics: ScriptableLogistics,
    ) -> None:
        logistics.timeout_next(applied=True)

        with pytest.raises(LogisticsTimeout):
            book(logistics)

        assert len(logistics.bookings) == 1
        retried = book(logistics)
        assert retried == logistics.bookings["shp-1"]
        assert len(logistics.bookings) == 1

    def test_a_timed_out_booking_that_was_not_made_is_made_by_the_retry(
        self,
        logistics: ScriptableLogistics,
    ) -> None:
        logistics.timeout_next(applied=False)

        with pytest.raises(LogisticsUnavailable):  # a timeout is a kind of unavailability
            book(logistics)

        assert dict(logistics.bookings) == {}
        assert book(logistics) == logistics.bookings["shp-1"]

    def test_each_shipment_is_booked_once_whatever_fails(
        self, make_logistics: LogisticsFactory
    ) -> None:
        @given(
            attempts=st.lists(
                st.tuples(st.integers(0, 4), st.integers(0, 2), st.sampled_from(FAILURES)),
                max_size=25,
            )
        )
        def check(attempts: list[tuple[int, int, str]]) -> None:
            logistics = make_logistics(CARRIERS)
            answers: dict[str, ShipmentBooking] = {}  # key -> booking answered
            for shipment, retry, failure in attempts:
                # the caller retries with the key it used before; retry picks one of its keys
                shipment_id, key = f"shp-{shipment}", f"k-{shipment}-{retry}"
                if failure == "fail":
                    logistics.fail_next()
                elif failure.startswith("timeout"):
                    logistics.timeout_next(applied=failure == "timeout_applied")
                try:
                    booking = book(logistics, shipment_id, key)
                except (LogisticsUnavailable, ShipmentAlreadyBooked):
                    continue
                finally:
                    bookings = logistics.bookings
                    assert len({b.tracking_number for b in bookings.values()}) == len(bookings)
                assert booking == bookings[shipment_id]
                assert answers.setdefault(key, booking) == booking
            for key, booking in answers.items():  # replaying any answered key changes nothing
                count = len(logistics.bookings)
                assert book(logistics, booking.shipment_id, key) == booking
                assert len(logistics.bookings) == count

        check()
