"""The qualification review merchants and suppliers share: the value's rules, the same
review seen through both holders, and its round trip through plain data."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.errors import IllegalTransition, MerxError, ValidationError
from merx.kernel.ids import MerchantId, SupplierId
from merx.kernel.money import Money
from merx.merchants import Merchant
from merx.qualification import (
    DocumentExpired,
    DocumentKind,
    DocumentReview,
    DuplicateDocument,
    InvalidExpiryDate,
    MissingDocument,
    Qualification,
    QualificationDocument,
    ReviewIncomplete,
    UnknownDocument,
)
from merx.qualification.serde import structure, unstructure
from merx.suppliers import Supplier, SupplierType
from tests.qualification.strategies import documents, qualifications

HOLDER = "supplier 'sup-1'"
TODAY = date(2026, 1, 5)
AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LATER = date(2030, 1, 1)

LICENCE = QualificationDocument(DocumentKind.BUSINESS_LICENCE, "BL-1", LATER)
BRAND = QualificationDocument(
    DocumentKind.BRAND_AUTHORISATION, "BA-1", date(2026, 6, 1), brand="Huawei"
)


def submitted() -> Qualification:
    """A licence and a brand authorisation, sent for review."""
    with_both = (
        Qualification()
        .with_document(LICENCE, today=TODAY, holder=HOLDER)
        .with_document(BRAND, today=TODAY, holder=HOLDER)
    )
    return with_both.submitted(HOLDER)


# -- the value -------------------------------------------------------------------------


def test_approval_needs_every_document_accepted_and_valid() -> None:
    review = submitted().reviewed("BL-1", accepted=True, note=None, today=TODAY, holder=HOLDER)
    with pytest.raises(ReviewIncomplete, match="supplier 'sup-1': documents not accepted: BA-1"):
        review.check_approvable(TODAY, HOLDER)
    review = review.reviewed("BA-1", accepted=True, note=None, today=TODAY, holder=HOLDER)
    review.check_approvable(TODAY, HOLDER)
    assert [d.review for d in review.documents] == [DocumentReview.ACCEPTED] * 2
    with pytest.raises(DocumentExpired, match="BA-1"):
        review.check_approvable(date(2026, 6, 1), HOLDER)


def test_a_rejection_carries_the_reasons_given_and_each_rejected_documents_note() -> None:
    review = submitted().reviewed("BA-1", accepted=False, note="forged", today=TODAY, holder=HOLDER)
    with pytest.raises(ReviewIncomplete):
        review.check_approvable(TODAY, HOLDER)
    rejected = review.rejected(["scope too wide"], HOLDER)
    assert rejected.rejection_reasons == (
        "scope too wide",
        "brand_authorisation BA-1 for Huawei: forged",
    )
    assert review.rejected([], HOLDER).rejection_reasons == (
        "brand_authorisation BA-1 for Huawei: forged",
    )


def test_rejecting_needs_a_reason_a_document_and_an_applicant_alike() -> None:
    review = submitted()
    with pytest.raises(ValidationError, match="reason for rejecting document 'BA-1'"):
        review.reviewed("BA-1", accepted=False, note=None, today=TODAY, holder=HOLDER)
    with pytest.raises(ValidationError, match="rejecting supplier 'sup-1' needs at least one"):
        review.rejected([], HOLDER)
    with pytest.raises(ValidationError, match="rejection reason"):
        review.rejected(["  "], HOLDER)


def test_a_resubmission_reviews_every_document_afresh() -> None:
    review = submitted().reviewed("BL-1", accepted=True, note=None, today=TODAY, holder=HOLDER)
    review = review.reviewed("BA-1", accepted=False, note="forged", today=TODAY, holder=HOLDER)
    review = review.rejected(["fix the authorisation"], HOLDER)
    again = review.without_document("BA-1", HOLDER).submitted(HOLDER)
    assert again == Qualification((LICENCE,), ())
    assert [d.review for d in again.documents] == [DocumentReview.PENDING]


def test_each_refusal_is_a_typed_error() -> None:
    review = submitted()
    with pytest.raises(DuplicateDocument, match="supplier 'sup-1' already holds document 'BL-1'"):
        review.with_document(LICENCE, today=TODAY, holder=HOLDER)
    with pytest.raises(DocumentExpired, match=r"expired on 2026-06-01 \(today 2026-06-01\)"):
        Qualification().with_document(BRAND, today=date(2026, 6, 1), holder=HOLDER)
    with pytest.raises(UnknownDocument, match="supplier 'sup-1' has no document 'X'"):
        review.without_document("X", HOLDER)
    with pytest.raises(UnknownDocument):
        review.reviewed("X", accepted=True, note=None, today=TODAY, holder=HOLDER)
    with pytest.raises(DocumentExpired, match="BA-1"):
        review.reviewed("BA-1", accepted=True, note=None, today=date(2026, 7, 1), holder=HOLDER)
    with pytest.raises(MissingDocument, match="supplier 'sup-1' has no business licence"):
        Qualification((BRAND,)).submitted(HOLDER)
    with pytest.raises(InvalidExpiryDate, match="not a datetime"):
        QualificationDocument(DocumentKind.BUSINESS_LICENCE, "BL-2", AT)
    with pytest.raises(ValidationError, match="names no brand"):
        QualificationDocument(DocumentKind.BUSINESS_LICENCE, "BL-2", LATER, brand="X")
    with pytest.raises(ValidationError, match="brand of authorisation"):
        QualificationDocument(DocumentKind.BRAND_AUTHORISATION, "BA-2", LATER)


# -- a law: the review's outcome is what its documents say -----------------------------

_STEPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove", "submit", "accept", "reject document", "reject"]),
        documents(),
        st.integers(0, 400),
    ),
    max_size=25,
)


def _step(review: Qualification, step: str, document: QualificationDocument, day: date) -> Any:
    if step == "add":
        return review.with_document(document, today=day, holder=HOLDER)
    if step == "remove":
        return review.without_document(document.number, HOLDER)
    if step == "submit":
        return review.submitted(HOLDER)
    if step in {"accept", "reject document"}:
        number = review.documents[0].number if review.documents else document.number
        accepted = step == "accept"
        return review.reviewed(number, accepted=accepted, note="no", today=day, holder=HOLDER)
    return review.rejected(["why"], HOLDER)


@given(_STEPS, st.integers(0, 400))
def test_approvable_exactly_when_every_document_is_accepted_and_unexpired(
    steps: list[tuple[str, QualificationDocument, int]], check_day: int
) -> None:
    """After any steps: numbers stay unique, a rejected document has its note, and the
    review may approve on a day exactly when every document is accepted and valid."""
    review = Qualification()
    for step, document, offset in steps:
        try:
            review = _step(review, step, document, TODAY + timedelta(days=offset))
        except MerxError:
            continue
    numbers = [d.number for d in review.documents]
    assert len(numbers) == len(set(numbers))
    assert all(d.review_note for d in review.documents if d.review is DocumentReview.REJECTED)
    day = TODAY + timedelta(days=check_day)
    approvable = all(
        d.review is DocumentReview.ACCEPTED and not d.expired_on(day) for d in review.documents
    )
    try:
        review.check_approvable(day, HOLDER)
    except (ReviewIncomplete, DocumentExpired):
        assert not approvable
    else:
        assert approvable


@given(qualifications)
def test_submitting_resets_every_review_or_refuses_without_a_licence(
    review: Qualification,
) -> None:
    try:
        again = review.submitted(HOLDER)
    except MissingDocument:
        assert all(d.kind is not DocumentKind.BUSINESS_LICENCE for d in review.documents)
        return
    assert again.rejection_reasons == ()
    assert [d.number for d in again.documents] == [d.number for d in review.documents]
    assert {(d.review, d.review_note) for d in again.documents} == {(DocumentReview.PENDING, None)}


# -- one review, two holders -----------------------------------------------------------


class Holder(Protocol):
    """What the tests need of an applicant: the review steps of its aggregate."""

    qualification: Qualification

    def add_document(
        self,
        *,
        kind: DocumentKind,
        number: str,
        expires_on: date,
        brand: str | None = None,
        at: datetime,
    ) -> None: ...

    def submit(self, at: datetime) -> None: ...

    def review_document(
        self, number: str, *, accepted: bool, note: str | None = None, at: datetime
    ) -> None: ...

    def reject(self, reasons: list[str], at: datetime) -> None: ...

    @property
    def pending_events(self) -> list[Any]: ...


def a_supplier() -> Supplier:
    return Supplier.apply(
        supplier_id=SupplierId("sup-1"),
        name="Acme",
        supplier_type=SupplierType.STOCKED,
        currency="CNY",
        at=AT,
    )


def a_merchant() -> Merchant:
    merchant = Merchant.apply(merchant_id=MerchantId("m1"), name="Shop", currency="CNY", at=AT)
    merchant.set_goods_scope(["shirt"], AT)
    return merchant


def approve(holder: Holder) -> None:
    if isinstance(holder, Merchant):
        holder.approve(Money.of("0.00", "CNY"), AT)
    else:
        assert isinstance(holder, Supplier)
        holder.approve(AT)


HOLDERS: dict[str, Callable[[], Holder]] = {"supplier": a_supplier, "merchant": a_merchant}


@pytest.fixture(params=list(HOLDERS))
def holder(request: pytest.FixtureRequest) -> Holder:
    return HOLDERS[request.param]()


def test_both_holders_run_the_same_review_and_record_their_own_events(holder: Holder) -> None:
    holder.add_document(kind=DocumentKind.BUSINESS_LICENCE, number="BL-1", expires_on=LATER, at=AT)
    with pytest.raises(IllegalTransition, match="cannot 'review document' in state 'applying'"):
        holder.review_document("BL-1", accepted=True, at=AT)
    holder.submit(AT)
    with pytest.raises(IllegalTransition, match="cannot 'add document' in state 'under_review'"):
        holder.add_document(
            kind=DocumentKind.BUSINESS_LICENCE, number="BL-2", expires_on=LATER, at=AT
        )
    holder.review_document("BL-1", accepted=False, note="blurred", at=AT)
    with pytest.raises(ReviewIncomplete, match="BL-1"):
        approve(holder)
    holder.reject(["resubmit a clear scan"], AT)
    assert holder.qualification.rejection_reasons == (
        "resubmit a clear scan",
        "business_licence BL-1: blurred",
    )
    names = [type(event).__name__ for event in holder.pending_events]
    expected = {
        Supplier: [
            "SupplierApplied",
            "QualificationDocumentAdded",
            "SupplierApplicationSubmitted",
            "QualificationDocumentReviewed",
            "SupplierRejected",
        ],
        Merchant: [
            "MerchantApplied",
            "GoodsScopeSet",
            "MerchantDocumentAdded",
            "MerchantApplicationSubmitted",
            "MerchantDocumentReviewed",
            "MerchantRejected",
        ],
    }
    assert names == expected[type(holder)]


def test_the_review_is_the_same_value_in_both_holders() -> None:
    supplier, merchant = a_supplier(), a_merchant()
    for applicant in (supplier, merchant):
        applicant.add_document(
            kind=DocumentKind.BRAND_AUTHORISATION,
            number="BA-1",
            expires_on=LATER,
            brand="Uniqlo",
            at=AT,
        )
        applicant.add_document(
            kind=DocumentKind.BUSINESS_LICENCE, number="BL-1", expires_on=LATER, at=AT
        )
        applicant.submit(AT)
        applicant.review_document("BA-1", accepted=False, note="unsigned", at=AT)
    assert supplier.qualification == merchant.qualification
    assert supplier.qualification.documents == merchant.qualification.documents


@given(st.one_of(documents(), qualifications))
def test_the_review_round_trips_through_json(value: object) -> None:
    assert structure(json.loads(json.dumps(unstructure(value))), type(value)) == value


def test_malformed_documents_are_refused() -> None:
    data = unstructure(LICENCE)
    assert data == {
        "kind": "business_licence",
        "number": "BL-1",
        "expires_on": "2030-01-01",
        "brand": None,
        "review": "pending",
        "review_note": None,
    }
    with pytest.raises(ValidationError):
        structure({**data, "review": "rejected"}, QualificationDocument)  # no note
    with pytest.raises(ValidationError):
        structure({**data, "kind": "passport"}, QualificationDocument)
