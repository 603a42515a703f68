"""The root of merx's error tree.

Every error a caller can cause is a :class:`MerxError`. Subclasses name *what* was
wrong; their messages name the offending value. Contexts add their own subclasses
(for example ``merx.inventory.OutOfStock``) under one of the families below, so a
host can catch by family (``except NotFound``) or by the precise case.
"""

from __future__ import annotations


class MerxError(Exception):
    """Base of every error merx raises on purpose."""


# -- bad input -------------------------------------------------------------------------


class ValidationError(MerxError, ValueError):
    """A value or command is malformed: wrong type, out of range, missing."""


class InvalidAmount(ValidationError):
    """An amount is not an exact decimal (a float, NaN, infinity, too many decimals)."""


class UnknownCurrency(ValidationError):
    """A currency code is not one merx knows (ISO 4217)."""


class CurrencyMismatch(ValidationError):
    """Two amounts in different currencies were combined."""


class InvalidQuantity(ValidationError):
    """A quantity is not a positive whole number where one is required."""


class UnknownDocumentKind(ValidationError):
    """A class or a stored name a store's documents do not know."""


class InvalidAllocation(ValidationError):
    """Ratios for splitting an amount are empty, negative or all zero."""


# -- state and existence ---------------------------------------------------------------


class NotFound(MerxError, LookupError):
    """An aggregate or record with the given id does not exist."""


class AlreadyExists(MerxError):
    """An aggregate with the given id was added twice."""


class IllegalTransition(MerxError):
    """A command is not allowed in the aggregate's current state."""

    def __init__(self, machine: str, state: str, command: str) -> None:
        super().__init__(f"{machine}: cannot {command!r} in state {state!r}")
        self.machine = machine
        self.state = state
        self.command = command


class BusinessRuleViolation(MerxError):
    """A well-formed command breaks a business rule (limit exceeded, window closed...)."""


# -- concurrency and replays -----------------------------------------------------------


class ConcurrencyError(MerxError):
    """An aggregate was changed by someone else since it was loaded (lost update)."""


class IdempotencyConflict(MerxError):
    """An idempotency key was reused with a different payload."""


class IdempotencyKeyReused(IdempotencyConflict):
    """A command's idempotency key was sent again with another command."""


class IdempotencyKeyInFlight(IdempotencyConflict):
    """The command first sent with this idempotency key has not finished: it is still
    running, or it was cut short between its commit and its reply (its changes are in the
    store)."""


# -- the world outside -----------------------------------------------------------------


class ExternalUnavailable(MerxError):
    """An outside system (channel, carrier, supplier) refused to work now; nothing happened."""


class OutcomeUnknown(MerxError):
    """An outside system did not answer in time: the operation may or may not have happened.

    Retry with the same idempotency key, or ask the system (``query``), never guess.
    """


class Unauthorized(MerxError, PermissionError):
    """The acting party may not see or change this record."""
