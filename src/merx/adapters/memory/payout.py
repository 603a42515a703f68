"""In-memory :class:`~merx.settlement.ports.Payout`: a payout bank, scriptable.

It pays every valid request unless told otherwise. Tests script outcomes with
:meth:`MemoryPayout.refuse_next`, :meth:`MemoryPayout.pending_next` and
:meth:`MemoryPayout.timeout_next`; scripted outcomes are consumed in order by the next
requests that reach the bank (replays and invalid requests do not consume one). A pending
payment is decided with :meth:`MemoryPayout.settle_pending`. :attr:`MemoryPayout.paid_out`
is the money that actually left, per idempotency key.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from merx.kernel.errors import IdempotencyConflict, InvalidAmount, ValidationError
from merx.kernel.money import Money
from merx.settlement.ports import PayoutResult, PayoutStatus, PayoutTimeout, UnknownPayout


class _Script(enum.Enum):
    REFUSE = "refuse"
    PENDING = "pending"
    TIMEOUT_APPLIED = "timeout, applied"
    TIMEOUT_LOST = "timeout, not applied"


@attrs.frozen
class _Scripted:
    outcome: _Script
    reason: str | None = None


@attrs.frozen
class _Request:
    merchant_id: str
    bank_account: str
    amount: Money


class MemoryPayout:
    """A payout bank held in memory (see the module docstring for the test hooks)."""

    def __init__(self, name: str = "memory-bank") -> None:
        self._name = name
        self._requests: dict[str, _Request] = {}
        self._results: dict[str, PayoutResult] = {}
        self._paid: dict[str, Money] = {}
        self._script: deque[_Scripted] = deque()
        self._sequence = 0

    # -- the port ----------------------------------------------------------------------

    def pay(
        self, *, merchant_id: str, bank_account: str, amount: Money, idempotency_key: str
    ) -> PayoutResult:
        if not isinstance(idempotency_key, str) or not idempotency_key:
            raise ValidationError(
                f"idempotency key must be a non-empty string, not {idempotency_key!r}"
            )
        request = _Request(merchant_id, bank_account, amount)
        earlier = self._requests.get(idempotency_key)
        if earlier is not None:
            if earlier != request:
                raise IdempotencyConflict(
                    f"payout key {idempotency_key!r} was used for {earlier}, now {request}"
                )
            return self._results[idempotency_key]
        self._check(request)
        scripted = self._script.popleft() if self._script else None
        outcome = None if scripted is None else scripted.outcome
        if outcome is _Script.TIMEOUT_LOST:
            raise PayoutTimeout(
                f"{self._name}: payout {idempotency_key!r} timed out before reaching the bank"
            )
        self._sequence += 1
        reference = f"{self._name}-{self._sequence:06d}"
        if outcome is _Script.REFUSE:
            assert scripted is not None
            result = PayoutResult(PayoutStatus.REFUSED, reference, scripted.reason)
        elif outcome is _Script.PENDING:
            result = PayoutResult(PayoutStatus.PENDING, reference)
        else:
            result = PayoutResult(PayoutStatus.PAID, reference)
            self._paid[idempotency_key] = amount
        self._requests[idempotency_key] = request
        self._results[idempotency_key] = result
        if outcome is _Script.TIMEOUT_APPLIED:
            raise PayoutTimeout(
                f"{self._name}: payout {idempotency_key!r} timed out; its outcome is unknown"
            )
        return result

    def query(self, *, idempotency_key: str) -> PayoutResult:
        result = self._results.get(idempotency_key)
        if result is None:
            raise UnknownPayout(f"{self._name} has no payout {idempotency_key!r}")
        return result

    # -- what left ---------------------------------------------------------------------

    @property
    def paid_out(self) -> Mapping[str, Money]:
        """Money that left, per idempotency key (read-only view)."""
        return MappingProxyType(self._paid)

    # -- test hooks --------------------------------------------------------------------

    def refuse_next(self, n: int = 1, *, reason: str = "refused by the bank") -> None:
        self._push(n, _Scripted(_Script.REFUSE, reason))

    def pending_next(self, n: int = 1) -> None:
        """The next ``n`` payouts answer ``PENDING``; decide them with :meth:`settle_pending`."""
        self._push(n, _Scripted(_Script.PENDING))

    def timeout_next(self, n: int = 1, *, applied: bool) -> None:
        """The next ``n`` payouts raise :class:`PayoutTimeout`; with ``applied=True`` the
        bank acted first (a retry or a query answers what it did)."""
        self._push(n, _Scripted(_Script.TIMEOUT_APPLIED if applied else _Script.TIMEOUT_LOST))

    def settle_pending(self, idempotency_key: str, *, paid: bool, reason: str = "") -> None:
        """Decide a pending payout: paid, or refused with ``reason``."""
        result = self.query(idempotency_key=idempotency_key)
        if result.status is not PayoutStatus.PENDING:
            raise ValidationError(f"payout {idempotency_key!r} is {result.status.value}")
        if paid:
            self._results[idempotency_key] = PayoutResult(PayoutStatus.PAID, result.reference)
            self._paid[idempotency_key] = self._requests[idempotency_key].amount
        else:
            self._results[idempotency_key] = PayoutResult(
                PayoutStatus.REFUSED, result.reference, reason or "refused by the bank"
            )

    # -- internals ---------------------------------------------------------------------

    def _check(self, request: _Request) -> None:
        for name in ("merchant_id", "bank_account"):
            value = getattr(request, name)
            if not isinstance(value, str) or not value:
                raise ValidationError(f"{name} must be a non-empty string, not {value!r}")
        if not isinstance(request.amount, Money) or not request.amount.is_positive():
            raise InvalidAmount(f"a payout is a positive Money, not {request.amount!r}")

    def _push(self, n: int, scripted: _Scripted) -> None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValidationError(
                f"number of scripted outcomes must be a whole number >= 1, not {n!r}"
            )
        self._script.extend([scripted] * n)
