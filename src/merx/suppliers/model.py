"""Suppliers: who supplies us, from the application to the end of the relationship.

:class:`Supplier` goes through onboarding (applying -> under review -> approved /
rejected) on a :class:`~merx.qualification.Qualification` (business licence, brand
authorisations, reviewed one by one), then may be suspended, reinstated or terminated
(:data:`SUPPLIER_FLOW`). Its :class:`SupplierType` says how its goods reach the customer:
bought into our warehouse (stocked), shipped by the supplier on pushed orders
(consignment), or bought from its API at fulfillment (real-time API).

Business dates (expiry checks) are the date of the clock's instant in the instant's own
zone. Each method checks, then changes, then records; a refused command leaves no trace.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.clock import require_aware
from merx.kernel.errors import ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import SupplierId
from merx.kernel.money import minor_unit
from merx.kernel.state import StateMachine
from merx.kernel.validation import business_date, require_text
from merx.qualification import DocumentKind, DocumentReview, Qualification, QualificationDocument
from merx.suppliers.errors import SupplierNotActive, WrongSupplierType


class SupplierType(enum.Enum):
    """How a supplier's goods reach the customer."""

    STOCKED = "stocked"  # we buy into our own warehouse (purchase orders)
    CONSIGNMENT = "consignment"  # orders are pushed to the supplier, who ships them
    REAL_TIME_API = "real_time_api"  # virtual goods bought at fulfillment through an API


class SupplierState(enum.Enum):
    """Where a supplier stands (``SupplierStatus`` names a virtual-goods purchase's result)."""

    APPLYING = "applying"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


@attrs.frozen
class SupplierApplied(DomainEvent):
    supplier_id: SupplierId
    name: str
    supplier_type: SupplierType
    at: datetime


@attrs.frozen
class QualificationDocumentAdded(DomainEvent):
    supplier_id: SupplierId
    kind: DocumentKind
    number: str
    expires_on: date
    at: datetime


@attrs.frozen
class QualificationDocumentRemoved(DomainEvent):
    supplier_id: SupplierId
    number: str
    at: datetime


@attrs.frozen
class SupplierApplicationSubmitted(DomainEvent):
    supplier_id: SupplierId
    at: datetime


@attrs.frozen
class QualificationDocumentReviewed(DomainEvent):
    supplier_id: SupplierId
    number: str
    review: DocumentReview
    note: str | None
    at: datetime


@attrs.frozen
class SupplierApproved(DomainEvent):
    supplier_id: SupplierId
    at: datetime


@attrs.frozen
class SupplierRejected(DomainEvent):
    supplier_id: SupplierId
    reasons: tuple[str, ...]
    at: datetime


@attrs.frozen
class SupplierReapplied(DomainEvent):
    supplier_id: SupplierId
    at: datetime


@attrs.frozen
class SupplierSuspended(DomainEvent):
    supplier_id: SupplierId
    reason: str
    at: datetime


@attrs.frozen
class SupplierReinstated(DomainEvent):
    supplier_id: SupplierId
    at: datetime


@attrs.frozen
class SupplierTerminated(DomainEvent):
    supplier_id: SupplierId
    reason: str
    at: datetime


_S = SupplierState

SUPPLIER_FLOW: StateMachine[SupplierState] = StateMachine(
    "supplier",
    [
        (_S.APPLYING, "add document", _S.APPLYING),
        (_S.APPLYING, "remove document", _S.APPLYING),
        (_S.APPLYING, "submit", _S.UNDER_REVIEW),
        (_S.UNDER_REVIEW, "review document", _S.UNDER_REVIEW),
        (_S.UNDER_REVIEW, "approve", _S.APPROVED),
        (_S.UNDER_REVIEW, "reject", _S.REJECTED),
        (_S.REJECTED, "reapply", _S.APPLYING),
        (_S.APPROVED, "suspend", _S.SUSPENDED),
        (_S.SUSPENDED, "reinstate", _S.APPROVED),
        ((_S.APPLYING, _S.REJECTED, _S.APPROVED, _S.SUSPENDED), "terminate", _S.TERMINATED),
    ],
)


@attrs.define(kw_only=True)
class Supplier(Aggregate):
    """A company that supplies goods, from its application to the end of the relationship."""

    id: SupplierId
    name: str
    supplier_type: SupplierType
    currency: str
    status: SupplierState = SupplierState.APPLYING
    qualification: Qualification = attrs.field(factory=Qualification)
    status_reason: str | None = None

    @classmethod
    def apply(
        cls,
        *,
        supplier_id: SupplierId,
        name: str,
        supplier_type: SupplierType,
        currency: str,
        at: datetime,
    ) -> Supplier:
        """A new application, with no documents yet; ``currency`` is the settlement currency."""
        require_text(supplier_id, "supplier id")
        require_text(name, "supplier name")
        if not isinstance(supplier_type, SupplierType):
            raise ValidationError(f"unknown supplier type {supplier_type!r}")
        minor_unit(currency)
        require_aware(at)
        supplier = cls(id=supplier_id, name=name, supplier_type=supplier_type, currency=currency)
        supplier.record(SupplierApplied(supplier_id, name, supplier_type, at))
        return supplier

    # -- queries -----------------------------------------------------------------------

    @property
    def is_active(self) -> bool:
        return self.status is SupplierState.APPROVED

    def check_active(self, purpose: str) -> None:
        if not self.is_active:
            raise SupplierNotActive(
                f"supplier {self.id!r} is {self.status.value}, cannot {purpose}"
            )

    def check_type(self, allowed: Iterable[SupplierType], purpose: str) -> None:
        allowed = tuple(allowed)
        if self.supplier_type not in allowed:
            names = ", ".join(kind.value for kind in allowed)
            raise WrongSupplierType(
                f"supplier {self.id!r} is {self.supplier_type.value}; {purpose} needs {names}"
            )

    def consignment_push_key(self, order_ref: str) -> str:
        """The idempotency key of pushing order ``order_ref`` to this supplier, so a retry
        never pushes twice; only an approved consignment supplier takes pushed orders."""
        self.check_type([SupplierType.CONSIGNMENT], "a consignment order")
        self.check_active("take a consignment order")
        return f"consign:{self.id}:{order_ref}"

    # -- onboarding (the qualification review) -----------------------------------------

    def add_document(
        self,
        *,
        kind: DocumentKind,
        number: str,
        expires_on: date,
        brand: str | None = None,
        at: datetime,
    ) -> None:
        """Attach a document to the application; it must still be valid today."""
        SUPPLIER_FLOW.target(self.status, "add document")
        document = QualificationDocument(kind, number, expires_on, brand)
        self.qualification = self.qualification.with_document(
            document, today=business_date(at), holder=self._holder
        )
        event = QualificationDocumentAdded(self.id, kind, number, expires_on, at)
        SUPPLIER_FLOW.move(self, "add document", event)

    def remove_document(self, number: str, at: datetime) -> None:
        SUPPLIER_FLOW.target(self.status, "remove document")
        remaining = self.qualification.without_document(number, self._holder)
        require_aware(at)
        self.qualification = remaining
        event = QualificationDocumentRemoved(self.id, number, at)
        SUPPLIER_FLOW.move(self, "remove document", event)

    def submit(self, at: datetime) -> None:
        """Send the application for review; every document is reviewed afresh."""
        SUPPLIER_FLOW.target(self.status, "submit")
        submitted = self.qualification.submitted(self._holder)
        require_aware(at)
        self.qualification = submitted
        SUPPLIER_FLOW.move(self, "submit", SupplierApplicationSubmitted(self.id, at))

    def review_document(
        self, number: str, *, accepted: bool, note: str | None = None, at: datetime
    ) -> None:
        """Accept a document (it must still be valid today) or reject it with a reason."""
        SUPPLIER_FLOW.target(self.status, "review document")
        self.qualification = self.qualification.reviewed(
            number, accepted=accepted, note=note, today=business_date(at), holder=self._holder
        )
        review = self.qualification.document(number, self._holder).review
        event = QualificationDocumentReviewed(self.id, number, review, note, at)
        SUPPLIER_FLOW.move(self, "review document", event)

    def approve(self, at: datetime) -> None:
        """Approve once every document was accepted and none has expired since."""
        SUPPLIER_FLOW.target(self.status, "approve")
        self.qualification.check_approvable(business_date(at), self._holder)
        self.status_reason = None
        SUPPLIER_FLOW.move(self, "approve", SupplierApproved(self.id, at))

    def reject(self, reasons: Sequence[str], at: datetime) -> None:
        """Refuse the application: ``reasons`` plus the reasons of every rejected document."""
        SUPPLIER_FLOW.target(self.status, "reject")
        rejected = self.qualification.rejected(reasons, self._holder)
        require_aware(at)
        self.qualification = rejected
        event = SupplierRejected(self.id, rejected.rejection_reasons, at)
        SUPPLIER_FLOW.move(self, "reject", event)

    def reapply(self, at: datetime) -> None:
        """A rejected supplier reopens its application to fix its documents."""
        SUPPLIER_FLOW.target(self.status, "reapply")
        require_aware(at)
        SUPPLIER_FLOW.move(self, "reapply", SupplierReapplied(self.id, at))

    # -- after approval ----------------------------------------------------------------

    def suspend(self, reason: str, at: datetime) -> None:
        SUPPLIER_FLOW.target(self.status, "suspend")
        require_text(reason, "suspension reason")
        require_aware(at)
        self.status_reason = reason
        SUPPLIER_FLOW.move(self, "suspend", SupplierSuspended(self.id, reason, at))

    def reinstate(self, at: datetime) -> None:
        """Lift a suspension; the documents must all still be valid."""
        SUPPLIER_FLOW.target(self.status, "reinstate")
        self.qualification.check_valid(business_date(at), self._holder)
        self.status_reason = None
        SUPPLIER_FLOW.move(self, "reinstate", SupplierReinstated(self.id, at))

    def terminate(self, reason: str, at: datetime) -> None:
        SUPPLIER_FLOW.target(self.status, "terminate")
        require_text(reason, "termination reason")
        require_aware(at)
        self.status_reason = reason
        SUPPLIER_FLOW.move(self, "terminate", SupplierTerminated(self.id, reason, at))

    @property
    def _holder(self) -> str:
        return f"supplier {self.id!r}"
