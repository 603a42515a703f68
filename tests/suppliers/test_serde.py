"""The suppliers converter: every public type to plain JSON and back, unchanged."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.ids import SupplierId
from merx.qualification import DocumentKind, DocumentReview, Qualification, QualificationDocument
from merx.suppliers import (
    ConsignmentAck,
    ConsignmentShipment,
    Supplier,
    SupplierRejected,
    SupplierResult,
    SupplierState,
    SupplierStatus,
    SupplierType,
)
from merx.suppliers.serde import structure, unstructure
from tests.qualification.strategies import documents, ids, qualifications, texts

instants = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]),
)

suppliers = st.builds(
    Supplier,
    id=ids.map(SupplierId),
    name=texts,
    supplier_type=st.sampled_from(SupplierType),
    currency=st.just("CNY"),
    status=st.sampled_from(SupplierState),
    qualification=qualifications,
    status_reason=st.none() | texts,
    version=st.integers(0, 50),
)

values: st.SearchStrategy[Any] = st.one_of(
    documents(),
    st.builds(ConsignmentAck, ids, st.booleans(), st.none() | texts),
    st.builds(
        ConsignmentShipment,
        texts,
        ids,
        st.lists(st.tuples(ids, st.integers(1, 10**6)), max_size=3).map(tuple),
    ),
    st.builds(SupplierResult, st.sampled_from(SupplierStatus), ids, st.none() | texts),
    st.builds(SupplierRejected, ids.map(SupplierId), st.lists(texts).map(tuple), instants),
)


def through_json(value: object) -> Any:
    return structure(json.loads(json.dumps(unstructure(value))), type(value))


@given(values)
def test_values_and_events_round_trip_through_json(value: object) -> None:
    assert through_json(value) == value


@given(suppliers)
def test_a_supplier_round_trips_with_its_version(supplier: Supplier) -> None:
    again = through_json(supplier)
    assert again == supplier
    assert again.version == supplier.version
    assert again.pending_events == []


def test_the_shape_is_plain_and_readable() -> None:
    licence = QualificationDocument(
        DocumentKind.BUSINESS_LICENCE,
        "BL-1",
        date(2030, 1, 1),
        review=DocumentReview.REJECTED,
        review_note="blurred",
    )
    supplier = Supplier(
        id=SupplierId("sup-1"),
        name="Acme",
        supplier_type=SupplierType.CONSIGNMENT,
        currency="CNY",
        qualification=Qualification((licence,), ("blurred licence",)),
    )
    data = unstructure(supplier)
    assert data["supplier_type"] == "consignment"
    assert data["status"] == "applying"
    assert data["qualification"] == {
        "documents": [
            {
                "kind": "business_licence",
                "number": "BL-1",
                "expires_on": "2030-01-01",
                "brand": None,
                "review": "rejected",
                "review_note": "blurred",
            }
        ],
        "rejection_reasons": ["blurred licence"],
    }
    assert "pending_events" not in data
