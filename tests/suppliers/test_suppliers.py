"""Supplier onboarding: documents reviewed one by one, approval, rejection, suspension."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.errors import (
    IllegalTransition,
    MerxError,
    NotFound,
    UnknownCurrency,
    ValidationError,
)
from merx.kernel.ids import SupplierId
from merx.qualification import (
    DocumentExpired,
    DocumentReview,
    DuplicateDocument,
    InvalidExpiryDate,
    MissingDocument,
    ReviewIncomplete,
    UnknownDocument,
)
from merx.suppliers import (
    ApproveSupplier,
    DocumentKind,
    Supplier,
    SupplierApproved,
    SupplierNotActive,
    SupplierRejected,
    SupplierState,
    SupplierType,
    WrongSupplierType,
)
from merx.suppliers.model import (
    SUPPLIER_FLOW,
)
from tests.suppliers.world import START, SuppliersWorld

AT = START
LATER = date(2030, 1, 1)


def applicant(supplier_type: SupplierType = SupplierType.STOCKED) -> Supplier:
    return Supplier.apply(
        supplier_id=SupplierId("sup-1"),
        name="Acme",
        supplier_type=supplier_type,
        currency="CNY",
        at=AT,
    )


def under_review() -> Supplier:
    supplier = applicant()
    supplier.add_document(
        kind=DocumentKind.BUSINESS_LICENCE, number="BL-1", expires_on=LATER, at=AT
    )
    supplier.add_document(
        kind=DocumentKind.BRAND_AUTHORISATION,
        number="BA-1",
        expires_on=date(2026, 6, 1),
        brand="Huawei",
        at=AT,
    )
    supplier.submit(AT)
    return supplier


def approved() -> Supplier:
    supplier = under_review()
    supplier.review_document("BL-1", accepted=True, at=AT)
    supplier.review_document("BA-1", accepted=True, at=AT)
    supplier.approve(AT)
    return supplier


def test_an_application_starts_applying_with_no_documents() -> None:
    supplier = applicant()
    assert supplier.status is SupplierState.APPLYING
    assert supplier.qualification.documents == ()
    assert not supplier.is_active


def test_an_application_refuses_an_unknown_currency_and_an_empty_name() -> None:
    with pytest.raises(UnknownCurrency):
        Supplier.apply(
            supplier_id=SupplierId("s"),
            name="A",
            supplier_type=SupplierType.STOCKED,
            currency="XXX",
            at=AT,
        )
    with pytest.raises(ValidationError, match="supplier name"):
        Supplier.apply(
            supplier_id=SupplierId("s"),
            name=" ",
            supplier_type=SupplierType.STOCKED,
            currency="CNY",
            at=AT,
        )


def test_the_review_goes_item_by_item_then_approves() -> None:
    supplier = under_review()
    assert supplier.status is SupplierState.UNDER_REVIEW
    supplier.review_document("BL-1", accepted=True, at=AT)
    with pytest.raises(ReviewIncomplete, match="BA-1"):
        supplier.approve(AT)
    supplier.review_document("BA-1", accepted=True, at=AT)
    supplier.approve(AT)
    assert supplier.is_active
    assert [d.review for d in supplier.qualification.documents] == [DocumentReview.ACCEPTED] * 2
    assert isinstance(supplier.pending_events[-1], SupplierApproved)


def test_a_rejected_document_blocks_approval_and_its_reason_joins_the_rejection() -> None:
    supplier = under_review()
    supplier.review_document("BL-1", accepted=True, at=AT)
    supplier.review_document("BA-1", accepted=False, note="signature missing", at=AT)
    with pytest.raises(ReviewIncomplete):
        supplier.approve(AT)
    supplier.reject(["brand list incomplete"], AT)
    assert supplier.status is SupplierState.REJECTED
    assert supplier.qualification.rejection_reasons == (
        "brand list incomplete",
        "brand_authorisation BA-1 for Huawei: signature missing",
    )
    event = supplier.pending_events[-1]
    assert isinstance(event, SupplierRejected)
    assert event.reasons == supplier.qualification.rejection_reasons


def test_rejecting_a_document_needs_a_reason_and_rejecting_a_supplier_needs_one_too() -> None:
    supplier = under_review()
    with pytest.raises(ValidationError, match="reason"):
        supplier.review_document("BA-1", accepted=False, at=AT)
    with pytest.raises(ValidationError, match="at least one reason"):
        supplier.reject([], AT)
    assert supplier.status is SupplierState.UNDER_REVIEW


def test_a_rejected_supplier_reapplies_and_every_document_is_reviewed_afresh() -> None:
    supplier = under_review()
    supplier.review_document("BL-1", accepted=True, at=AT)
    supplier.review_document("BA-1", accepted=False, note="forged", at=AT)
    supplier.reject([], AT)
    supplier.reapply(AT)
    supplier.remove_document("BA-1", AT)
    supplier.add_document(
        kind=DocumentKind.BRAND_AUTHORISATION,
        number="BA-2",
        expires_on=LATER,
        brand="Huawei",
        at=AT,
    )
    supplier.submit(AT)
    assert supplier.qualification.rejection_reasons == ()
    assert {d.number: d.review for d in supplier.qualification.documents} == {
        "BL-1": DocumentReview.PENDING,
        "BA-2": DocumentReview.PENDING,
    }


def test_submitting_without_a_business_licence_is_refused() -> None:
    supplier = applicant()
    supplier.add_document(
        kind=DocumentKind.BRAND_AUTHORISATION, number="BA-1", expires_on=LATER, brand="X", at=AT
    )
    with pytest.raises(MissingDocument, match="business licence"):
        supplier.submit(AT)
    assert supplier.status is SupplierState.APPLYING


def test_documents_are_checked_when_added() -> None:
    supplier = applicant()
    with pytest.raises(DocumentExpired):
        supplier.add_document(
            kind=DocumentKind.BUSINESS_LICENCE, number="BL-1", expires_on=AT.date(), at=AT
        )
    with pytest.raises(ValidationError, match="brand"):
        supplier.add_document(
            kind=DocumentKind.BRAND_AUTHORISATION, number="BA-1", expires_on=LATER, at=AT
        )
    with pytest.raises(ValidationError, match="names no brand"):
        supplier.add_document(
            kind=DocumentKind.BUSINESS_LICENCE, number="BL-1", expires_on=LATER, brand="X", at=AT
        )
    with pytest.raises(InvalidExpiryDate, match="not a datetime"):
        supplier.add_document(
            kind=DocumentKind.BUSINESS_LICENCE,
            number="BL-1",
            expires_on=datetime(2030, 1, 1, tzinfo=UTC),
            at=AT,
        )
    supplier.add_document(
        kind=DocumentKind.BUSINESS_LICENCE, number="BL-1", expires_on=LATER, at=AT
    )
    with pytest.raises(DuplicateDocument):
        supplier.add_document(
            kind=DocumentKind.BUSINESS_LICENCE, number="BL-1", expires_on=LATER, at=AT
        )
    with pytest.raises(UnknownDocument):
        supplier.remove_document("nope", AT)
    assert len(supplier.qualification.documents) == 1


def test_a_document_that_expired_during_review_cannot_be_accepted_or_approved() -> None:
    supplier = under_review()
    supplier.review_document("BL-1", accepted=True, at=AT)
    supplier.review_document("BA-1", accepted=True, at=AT)
    june = datetime(2026, 6, 1, tzinfo=UTC)  # BA-1 expires on 2026-06-01
    with pytest.raises(DocumentExpired, match="BA-1"):
        supplier.approve(june)
    assert [d.number for d in supplier.qualification.expired_documents(june.date())] == ["BA-1"]
    fresh = under_review()
    with pytest.raises(DocumentExpired):
        fresh.review_document("BA-1", accepted=True, at=june)


def test_documents_change_only_while_applying_and_are_reviewed_only_under_review() -> None:
    supplier = under_review()
    with pytest.raises(IllegalTransition, match="'add document' in state 'under_review'"):
        supplier.add_document(
            kind=DocumentKind.BUSINESS_LICENCE, number="BL-9", expires_on=LATER, at=AT
        )
    active = approved()
    with pytest.raises(IllegalTransition, match="review document"):
        active.review_document("BL-1", accepted=False, note="x", at=AT)


def test_suspend_reinstate_terminate() -> None:
    supplier = approved()
    supplier.suspend("quality complaints", AT)
    assert (supplier.status, supplier.status_reason) == (
        SupplierState.SUSPENDED,
        "quality complaints",
    )
    assert not supplier.is_active
    supplier.reinstate(AT)
    assert (supplier.status, supplier.status_reason) == (SupplierState.APPROVED, None)
    supplier.terminate("contract ended", AT)
    assert supplier.status is SupplierState.TERMINATED
    with pytest.raises(IllegalTransition, match="supplier: cannot 'reinstate' in state"):
        supplier.reinstate(AT)


def test_reinstating_with_an_expired_document_is_refused() -> None:
    supplier = approved()
    supplier.suspend("audit", AT)
    with pytest.raises(DocumentExpired, match="BA-1"):
        supplier.reinstate(datetime(2026, 7, 1, tzinfo=UTC))
    assert supplier.status is SupplierState.SUSPENDED


def test_a_naive_time_is_refused() -> None:
    supplier = under_review()
    with pytest.raises(ValidationError, match="no timezone"):
        supplier.review_document("BL-1", accepted=True, at=datetime(2026, 1, 5))


def test_only_an_approved_consignment_supplier_has_a_push_key() -> None:
    consignor = applicant(SupplierType.CONSIGNMENT)
    with pytest.raises(SupplierNotActive, match="applying, cannot take a consignment order"):
        consignor.consignment_push_key("ord-1")
    stocked = approved()
    before = copy.deepcopy(stocked)
    with pytest.raises(WrongSupplierType, match="a consignment order needs consignment"):
        stocked.consignment_push_key("ord-1")
    assert stocked == before
    assert stocked.pending_events == before.pending_events
    consignor.add_document(
        kind=DocumentKind.BUSINESS_LICENCE, number="BL-1", expires_on=LATER, at=AT
    )
    consignor.submit(AT)
    consignor.review_document("BL-1", accepted=True, at=AT)
    consignor.approve(AT)
    assert consignor.consignment_push_key("ord-1") == "consign:sup-1:ord-1"
    consignor.suspend("late shipments", AT)
    with pytest.raises(SupplierNotActive, match="suspended"):
        consignor.consignment_push_key("ord-1")


def test_onboarding_through_commands(world: SuppliersWorld) -> None:
    supplier_id = world.approved_supplier(SupplierType.CONSIGNMENT)
    supplier = world.get(Supplier, supplier_id)
    assert supplier.is_active
    assert supplier.supplier_type is SupplierType.CONSIGNMENT
    assert [type(e).__name__ for e in world.events.events] == [
        "SupplierApplied",
        "QualificationDocumentAdded",
        "SupplierApplicationSubmitted",
        "QualificationDocumentReviewed",
        "SupplierApproved",
    ]


def test_a_refused_command_leaves_the_store_untouched(world: SuppliersWorld) -> None:
    supplier_id = world.approved_supplier()
    before = world.snapshot()
    with pytest.raises(IllegalTransition):
        world.handle(ApproveSupplier(supplier_id))
    with pytest.raises(NotFound):
        world.handle(ApproveSupplier(SupplierId("sup-404")))
    assert world.snapshot() == before


# -- properties ------------------------------------------------------------------------

_COMMANDS = [
    "add licence",
    "add authorisation",
    "remove",
    "submit",
    "accept",
    "reject document",
    "approve",
    "reject",
    "reapply",
    "suspend",
    "reinstate",
    "terminate",
]


_MACHINE = {
    "add licence": "add document",
    "add authorisation": "add document",
    "remove": "remove document",
    "accept": "review document",
    "reject document": "review document",
}


def _run(supplier: Supplier, command: str, number: int, days: int) -> None:
    at = AT + timedelta(days=days)
    doc = f"D-{number}"
    expires = date(2026, 3, 1)
    if command == "add licence":
        supplier.add_document(
            kind=DocumentKind.BUSINESS_LICENCE, number=doc, expires_on=expires, at=at
        )
    elif command == "add authorisation":
        supplier.add_document(
            kind=DocumentKind.BRAND_AUTHORISATION, number=doc, expires_on=expires, brand="B", at=at
        )
    elif command == "remove":
        supplier.remove_document(doc, at)
    elif command == "submit":
        supplier.submit(at)
    elif command == "accept":
        supplier.review_document(doc, accepted=True, at=at)
    elif command == "reject document":
        supplier.review_document(doc, accepted=False, note="no", at=at)
    elif command == "approve":
        supplier.approve(at)
    elif command == "reject":
        supplier.reject(["no"], at)
    elif command == "reapply":
        supplier.reapply(at)
    elif command == "suspend":
        supplier.suspend("why", at)
    elif command == "reinstate":
        supplier.reinstate(at)
    else:
        supplier.terminate("why", at)


@given(
    st.lists(
        st.tuples(st.sampled_from(_COMMANDS), st.integers(0, 2), st.integers(0, 80)), max_size=30
    )
)
def test_any_command_sequence_keeps_the_supplier_consistent(
    steps: list[tuple[str, int, int]],
) -> None:
    """A refused command changes nothing; an approved supplier only ever holds accepted,
    unexpired documents including a business licence (as of its approval)."""
    supplier = applicant()
    for command, number, days in steps:
        before = copy.deepcopy(supplier)
        events_before = len(supplier.pending_events)
        try:
            _run(supplier, command, number, days)
        except MerxError:
            assert supplier == before
            assert supplier.status is before.status
            assert len(supplier.pending_events) == events_before
            continue
        assert len(supplier.pending_events) == events_before + 1
        if command in {"approve", "reinstate"}:
            assert supplier.is_active
            assert all(
                d.review is DocumentReview.ACCEPTED for d in supplier.qualification.documents
            )
            assert any(
                d.kind is DocumentKind.BUSINESS_LICENCE for d in supplier.qualification.documents
            )
            day = (AT + timedelta(days=days)).date()
            assert not supplier.qualification.expired_documents(day)
        assert supplier.status is SUPPLIER_FLOW.target(
            before.status, _MACHINE.get(command, command)
        )
