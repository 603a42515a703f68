"""The qualification review merchants and suppliers share: documents reviewed one by one.

An applicant (a merchant, a supplier) holds a :class:`Qualification`: its documents (a
business licence, brand authorisations naming their brand, each with a number and an
expiry date) and the reasons of its last rejection. The holder's own transition table
decides *when* a step is allowed; the qualification decides *whether* it is:

* **add** a document: a number the holder does not hold yet, not expired today;
* **submit**: a business licence is required; every document goes back to pending review
  and the last rejection's reasons are cleared;
* **review** a document: accept it (not expired today) or reject it with a note;
* **approve**: every document accepted and none expired;
* **reject**: the reasons given plus each rejected document's note, at least one.

Each step returns a new value, or raises and changes nothing, so the holder checks, then
assigns the new value, then records its own event. Messages name the holder
(``"supplier 'sup-1'"``), which the caller passes in.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date

import attrs

from merx.kernel.errors import ValidationError
from merx.kernel.validation import require_date, require_text
from merx.qualification.errors import (
    DocumentExpired,
    DuplicateDocument,
    InvalidExpiryDate,
    MissingDocument,
    ReviewIncomplete,
    UnknownDocument,
)


class DocumentKind(enum.Enum):
    BUSINESS_LICENCE = "business_licence"
    BRAND_AUTHORISATION = "brand_authorisation"


class DocumentReview(enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@attrs.frozen
class QualificationDocument:
    """A licence or authorisation, reviewed on its own; ``brand`` only for authorisations;
    a rejected document carries the reviewer's note."""

    kind: DocumentKind
    number: str
    expires_on: date
    brand: str | None = None
    review: DocumentReview = DocumentReview.PENDING
    review_note: str | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.kind, DocumentKind):
            raise ValidationError(f"unknown document kind {self.kind!r}")
        require_text(self.number, "document number")
        require_date(self.expires_on, f"expiry date of document {self.number!r}", InvalidExpiryDate)
        if self.kind is DocumentKind.BRAND_AUTHORISATION:
            require_text(self.brand, f"brand of authorisation {self.number!r}")
        elif self.brand is not None:
            raise ValidationError(f"a {self.kind.value} names no brand, got {self.brand!r}")
        if self.review is DocumentReview.REJECTED:
            require_text(self.review_note, f"reason for rejecting document {self.number!r}")

    def expired_on(self, day: date) -> bool:
        """Whether the document is no longer valid on ``day`` (it expires at ``expires_on``)."""
        return self.expires_on <= day

    def describe(self) -> str:
        brand = f" for {self.brand}" if self.brand else ""
        return f"{self.kind.value} {self.number}{brand}"


@attrs.frozen
class Qualification:
    """An applicant's documents and the reasons of its last rejection (see the module)."""

    documents: tuple[QualificationDocument, ...] = ()
    rejection_reasons: tuple[str, ...] = ()

    # -- queries -----------------------------------------------------------------------

    def document(self, number: str, holder: str) -> QualificationDocument:
        for document in self.documents:
            if document.number == number:
                return document
        raise UnknownDocument(f"{holder} has no document {number!r}")

    def expired_documents(self, day: date) -> list[QualificationDocument]:
        """The documents no longer valid on ``day``."""
        return [document for document in self.documents if document.expired_on(day)]

    def check_valid(self, day: date, holder: str) -> None:
        """Raise :class:`DocumentExpired` if any document is no longer valid on ``day``."""
        expired = self.expired_documents(day)
        if expired:
            names = ", ".join(f"{d.describe()} (expired {d.expires_on})" for d in expired)
            raise DocumentExpired(f"{holder} holds expired documents: {names}")

    def check_approvable(self, day: date, holder: str) -> None:
        """Raise unless every document was accepted and none has expired on ``day``."""
        self.check_valid(day, holder)
        not_accepted = [d.number for d in self.documents if d.review is not DocumentReview.ACCEPTED]
        if not_accepted:
            raise ReviewIncomplete(f"{holder}: documents not accepted: {', '.join(not_accepted)}")

    # -- steps (each returns the new qualification) ------------------------------------

    def with_document(
        self, document: QualificationDocument, *, today: date, holder: str
    ) -> Qualification:
        """``document`` added: its number is new and it is still valid ``today``."""
        if any(d.number == document.number for d in self.documents):
            raise DuplicateDocument(f"{holder} already holds document {document.number!r}")
        if document.expired_on(today):
            raise DocumentExpired(
                f"{document.describe()} expired on {document.expires_on} (today {today})"
            )
        return attrs.evolve(self, documents=(*self.documents, document))

    def without_document(self, number: str, holder: str) -> Qualification:
        self.document(number, holder)
        return attrs.evolve(self, documents=tuple(d for d in self.documents if d.number != number))

    def submitted(self, holder: str) -> Qualification:
        """Ready for a fresh review: a business licence is held; every review restarts."""
        if not any(d.kind is DocumentKind.BUSINESS_LICENCE for d in self.documents):
            raise MissingDocument(f"{holder} has no business licence")
        pending = tuple(
            attrs.evolve(d, review=DocumentReview.PENDING, review_note=None) for d in self.documents
        )
        return Qualification(pending, ())

    def reviewed(
        self, number: str, *, accepted: bool, note: str | None, today: date, holder: str
    ) -> Qualification:
        """Document ``number`` accepted (it must be valid ``today``) or rejected (``note``
        says why)."""
        document = self.document(number, holder)
        if accepted and document.expired_on(today):
            raise DocumentExpired(f"{document.describe()} expired on {document.expires_on}")
        review = DocumentReview.ACCEPTED if accepted else DocumentReview.REJECTED
        reviewed = attrs.evolve(document, review=review, review_note=note)
        return attrs.evolve(
            self, documents=tuple(reviewed if d.number == number else d for d in self.documents)
        )

    def rejected(self, reasons: Sequence[str], holder: str) -> Qualification:
        """Refused: ``reasons`` plus the note of every rejected document (at least one)."""
        given = tuple(require_text(reason, "rejection reason") for reason in reasons)
        from_documents = tuple(
            f"{d.describe()}: {d.review_note}"
            for d in self.documents
            if d.review is DocumentReview.REJECTED
        )
        all_reasons = given + from_documents
        if not all_reasons:
            raise ValidationError(f"rejecting {holder} needs at least one reason")
        return attrs.evolve(self, rejection_reasons=all_reasons)
