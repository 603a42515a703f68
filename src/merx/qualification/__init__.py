"""merx.qualification: the qualification review merchants and suppliers share.

An applicant holds a :class:`Qualification`: documents (a business licence, brand
authorisations), each reviewed on its own (accepted, or rejected with a note), and the
reasons of its last rejection. The holder (``merx.merchants.Merchant``,
``merx.suppliers.Supplier``) embeds it, decides with its own life cycle when each step
may happen, and records its own events. See docs/merchants.md and docs/supply.md.
"""

from merx.qualification.errors import (
    DocumentExpired,
    DuplicateDocument,
    InvalidExpiryDate,
    MissingDocument,
    ReviewIncomplete,
    UnknownDocument,
)
from merx.qualification.model import (
    DocumentKind,
    DocumentReview,
    Qualification,
    QualificationDocument,
)

__all__ = [
    "DocumentExpired",
    "DocumentKind",
    "DocumentReview",
    "DuplicateDocument",
    "InvalidExpiryDate",
    "MissingDocument",
    "Qualification",
    "QualificationDocument",
    "ReviewIncomplete",
    "UnknownDocument",
]
