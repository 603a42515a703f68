"""merx's error tree: ``merx.errors.MerxError`` and its families.

Context-specific errors subclass these families and are exported by their context.
"""

from merx.kernel.errors import (
    AlreadyExists,
    BusinessRuleViolation,
    ConcurrencyError,
    CurrencyMismatch,
    ExternalUnavailable,
    IdempotencyConflict,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    IllegalTransition,
    InvalidAllocation,
    InvalidAmount,
    InvalidQuantity,
    MerxError,
    NotFound,
    OutcomeUnknown,
    Unauthorized,
    UnknownCurrency,
    UnknownDocumentKind,
    ValidationError,
)

__all__ = [
    "AlreadyExists",
    "BusinessRuleViolation",
    "ConcurrencyError",
    "CurrencyMismatch",
    "ExternalUnavailable",
    "IdempotencyConflict",
    "IdempotencyKeyInFlight",
    "IdempotencyKeyReused",
    "IllegalTransition",
    "InvalidAllocation",
    "InvalidAmount",
    "InvalidQuantity",
    "MerxError",
    "NotFound",
    "OutcomeUnknown",
    "Unauthorized",
    "UnknownCurrency",
    "UnknownDocumentKind",
    "ValidationError",
]
