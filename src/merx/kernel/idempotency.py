"""Replays: a command that arrives twice must not act twice.

An aggregate (or service) keeps an :class:`IdempotencyLog` of the keys it has seen. The
same key with the same payload returns the first result; the same key with a different
payload is an :class:`merx.errors.IdempotencyConflict`.
"""

from __future__ import annotations

from typing import Generic, TypeVar

import attrs

from merx.kernel.errors import IdempotencyConflict, ValidationError

R = TypeVar("R")


@attrs.define
class IdempotencyLog(Generic[R]):
    """Key -> (payload, result) of commands already applied."""

    entries: dict[str, tuple[object, R]] = attrs.field(factory=dict)

    def replay(self, key: str, payload: object) -> R | None:
        """The earlier result for ``key``, ``None`` if new; raise if the payload differs."""
        seen = self.entries.get(key)
        if seen is None:
            return None
        earlier_payload, result = seen
        if earlier_payload != payload:
            raise IdempotencyConflict(
                f"idempotency key {key!r} was used with {earlier_payload!r}, now with {payload!r}"
            )
        return result

    def remember(self, key: str, payload: object, result: R) -> None:
        """Store the result of ``key``; results are never ``None`` (``replay``'s "new")."""
        if result is None:
            raise ValidationError(f"idempotency key {key!r}: a result must not be None")
        self.replay(key, payload)
        self.entries[key] = (payload, result)
